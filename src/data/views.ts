/**
 * Views of a {@link Dataset}: the same samples under another name ({@link rename}), its
 * first `n` ({@link take}), or a seeded choice of `n` ({@link subset}). A view decodes
 * nothing itself; it maps its indices onto the dataset it wraps and keeps its classes,
 * keypoint names and problems.
 *
 * @module
 */
import { epochOrder } from "./batches.ts";
import type { Dataset, Sample } from "./types.ts";

/** `count` as a sample count, or an error naming `what` and the value. */
function checkCount(count: number, what: string): number {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Cannot ${what}: expected a whole number of samples ≥ 0, found ${count}`);
  }
  return count;
}

/** The samples `indices` (into `dataset.ids`) of `dataset`, in that order. */
function pick(dataset: Dataset, indices: readonly number[], what: string): Dataset {
  const ids = Object.freeze(indices.map((i) => dataset.ids[i]!));
  const get = (i: number): Promise<Sample> => {
    const index = Number.isInteger(i) ? indices[i] : undefined;
    if (index === undefined) {
      return Promise.reject(
        new RangeError(
          `Cannot get sample ${i} of ${what}: expected an index in 0..${indices.length - 1}`,
        ),
      );
    }
    return dataset.get(index);
  };
  return {
    ...dataset,
    ids,
    get,
    async *[Symbol.asyncIterator](): AsyncGenerator<Sample> {
      for (const i of indices) yield await dataset.get(i);
    },
  };
}

/**
 * `dataset` under the name `name` (the synthetic stand-ins are opened by the real loader
 * and renamed); the dataset itself when it has that name already.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rename, type Dataset } from "./mod.ts";
 * const ds: Dataset = {
 *   name: "aflw", split: "val", ids: ["a"],
 *   get: () => Promise.reject(new Error("not decoded")),
 *   async *[Symbol.asyncIterator]() {},
 * };
 * assert.equal(rename(ds, "synthetic-aflw").name, "synthetic-aflw");
 * assert.deepEqual(rename(ds, "synthetic-aflw").ids, ["a"]);
 * assert.equal(rename(ds, "aflw"), ds);
 * ```
 */
export function rename(dataset: Dataset, name: string): Dataset {
  if (dataset.name === name) return dataset;
  const out: Dataset = {
    name,
    split: dataset.split,
    ids: dataset.ids,
    get: (i) => dataset.get(i),
    [Symbol.asyncIterator]: () => dataset[Symbol.asyncIterator](),
  };
  if (dataset.classes) out.classes = dataset.classes;
  if (dataset.keypointNames) out.keypointNames = dataset.keypointNames;
  if (dataset.problems) out.problems = dataset.problems;
  return out;
}

/**
 * The first `n` samples of `dataset` (evaluation on a prefix); the dataset itself when
 * `n` is null or undefined or not smaller than it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { take, type Dataset } from "./mod.ts";
 * const ds: Dataset = {
 *   name: "toy", split: "test", ids: ["a", "b", "c"],
 *   get: (i) => Promise.resolve({ id: ["a", "b", "c"][i]!, image: { data: new Uint8Array(3), width: 1, height: 1 } }),
 *   async *[Symbol.asyncIterator]() {},
 * };
 * const two = take(ds, 2);
 * assert.deepEqual(two.ids, ["a", "b"]);
 * assert.equal((await two.get(1)).id, "b");
 * await assert.rejects(two.get(2), RangeError);
 * assert.equal(take(ds, undefined), ds);
 * ```
 */
export function take(dataset: Dataset, n: number | null | undefined): Dataset {
  if (n === null || n === undefined) return dataset;
  const count = checkCount(n, `take ${n} samples of ${dataset.name} ${dataset.split}`);
  if (count >= dataset.ids.length) return dataset;
  const indices = Array.from({ length: count }, (_, i) => i);
  return pick(dataset, indices, `the first ${count} of ${dataset.name} ${dataset.split}`);
}

/**
 * `n` samples of `dataset` chosen by `seed`: the first `n` of the seeded permutation
 * `epochOrder(length, seed, 0)`, kept in the dataset's order. The dataset itself when `n`
 * is null or not smaller than it. The same seed gives the same choice, so a resumed run
 * trains on the samples it started with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subset, type Dataset } from "./mod.ts";
 * const ids = ["a", "b", "c", "d", "e"];
 * const ds: Dataset = {
 *   name: "toy", split: "train", ids,
 *   get: (i) => Promise.resolve({ id: ids[i]!, image: { data: new Uint8Array(3), width: 1, height: 1 } }),
 *   async *[Symbol.asyncIterator]() {},
 * };
 * const three = subset(ds, 3, 7);
 * assert.equal(three.ids.length, 3);
 * assert.deepEqual(three.ids, [...three.ids].sort()); // in the dataset's order
 * assert.deepEqual(subset(ds, 3, 7).ids, three.ids);
 * assert.equal((await three.get(2)).id, three.ids[2]);
 * assert.equal(subset(ds, null, 7), ds);
 * ```
 */
export function subset(dataset: Dataset, n: number | null, seed: number): Dataset {
  if (n === null) return dataset;
  const count = checkCount(n, `choose ${n} samples of ${dataset.name} ${dataset.split}`);
  if (count >= dataset.ids.length) return dataset;
  const indices = Array.from(epochOrder(dataset.ids.length, seed, 0)).slice(0, count)
    .sort((a, b) => a - b);
  return pick(dataset, indices, `a subset of ${count} of ${dataset.name} ${dataset.split}`);
}
