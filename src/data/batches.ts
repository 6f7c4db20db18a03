/**
 * Batches for training and evaluation: a seeded shuffle of a `Dataset`, per-sample
 * preprocessing, and prefetch — the next `prefetch` batches are decoded and preprocessed
 * while the caller works on the current one (their `get` calls run as soon as a batch
 * is handed out, so file reads and decodes proceed while the caller awaits the GPU).
 *
 * Everything random derives from `(seed, epoch, position in the epoch)`: the order of an
 * epoch is a Fisher–Yates shuffle by `Mulberry32(mixSeed(seed, epoch))`, and each sample's
 * augmentation draws from its own `Mulberry32(mixSeed(seed, epoch, position, 1))`. So a
 * batch's content does not depend on timing, on how far prefetch ran, or on whether the
 * run was resumed with `startBatch`.
 *
 * @module
 */
import { mixSeed, Mulberry32, shuffleInPlace } from "../util/prng.ts";
import type { Preprocessed, RandomSource, Transform } from "./preprocess.ts";
import type { Dataset, Sample } from "./types.ts";

/** Turns one decoded sample into a network input; may draw from `random` (augmentation). */
export type PreprocessFn = (
  sample: Sample,
  random: RandomSource,
) => Preprocessed | Promise<Preprocessed>;

/** Options of `batches`. */
export interface BatchOptions {
  /** Samples per batch (the last batch may be smaller unless `dropLast`). */
  batchSize: number;
  /** Decoded sample → network input (e.g. `createPreprocessor(config)`). */
  preprocess: PreprocessFn;
  /** Seed of the shuffle and of the augmentation (default 0). */
  seed?: number;
  /** Shuffle the order each epoch (default true); false keeps `dataset.ids` order. */
  shuffle?: boolean;
  /** Which epoch's order and augmentation to produce (default 0). */
  epoch?: number;
  /** First batch to produce, to resume inside an epoch (default 0). */
  startBatch?: number;
  /** Batches prepared ahead of the one the caller holds (default 2; 0 = on demand). */
  prefetch?: number;
  /** Leave out a last, smaller batch (default false). */
  dropLast?: boolean;
  /**
   * Called for a sample whose `get` or preprocessing fails; the sample is then left out of
   * its batch (a batch of none is not produced) instead of failing the stream. Without
   * it, the first such failure ends the stream with its error.
   */
  onUnreadable?: (index: number, id: string, error: Error) => void;
}

/** One batch, NHWC-ready. */
export interface Batch {
  /** Sample ids, in batch order. */
  ids: string[];
  /** Indices into `dataset.ids`. */
  indices: Int32Array;
  /** The epoch this batch belongs to. */
  epoch: number;
  /** Position of this batch in the epoch (0-based). */
  batch: number;
  /** Number of samples N (the last batch can be smaller than `batchSize`). */
  size: number;
  /** Network input height H. */
  height: number;
  /** Network input width W. */
  width: number;
  /** `N·H·W·3` floats. */
  images: Float32Array;
  /** `N·H·W` class indices (255 = ignore; all 255 for a sample without segmentation). */
  segmentation?: Uint8Array;
  /** `N·K·3`: u, v, visible in input pixels (zeros for a sample without keypoints). */
  keypoints?: Float32Array;
  /** K, when `keypoints` is present. */
  numKeypoints?: number;
  /** Per sample, the map back to its dataset frame. */
  transforms: Transform[];
}

/**
 * The sample order of one epoch: a seeded permutation of 0..n−1 (or the identity when
 * `shuffle` is false).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = epochOrder(5, 1, 0);
 * assert.ok([...a].sort().join() === "0,1,2,3,4");
 * assert.ok(epochOrder(5, 1, 0).join() === a.join());
 * ```
 */
export function epochOrder(n: number, seed: number, epoch: number, shuffle = true): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  if (shuffle) shuffleInPlace(order, new Mulberry32(mixSeed(seed, epoch)));
  return Int32Array.from(order);
}

/**
 * Number of batches of an epoch of `n` samples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(batchCount(10, 4) === 3 && batchCount(10, 4, true) === 2);
 * ```
 */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** Packs preprocessed samples into one batch. */
function assemble(
  items: Preprocessed[],
  ids: string[],
  indices: Int32Array,
  epoch: number,
  batch: number,
): Batch {
  const first = items[0]!;
  const H = first.height, W = first.width;
  const N = items.length;
  const images = new Float32Array(N * H * W * 3);
  const hasSeg = items.some((p) => p.segmentation);
  const segmentation = hasSeg ? new Uint8Array(N * H * W).fill(255) : undefined;
  let K = -1;
  for (const p of items) {
    if (!p.keypoints) continue;
    const k = p.keypoints.length / 3;
    if (K >= 0 && k !== K) {
      throw new Error(
        `Cannot batch sample "${p.id}" with ${k} keypoints among samples with ${K}: expected the same count`,
      );
    }
    K = k;
  }
  const keypoints = K >= 0 ? new Float32Array(N * K * 3) : undefined;
  items.forEach((p, i) => {
    if (p.height !== H || p.width !== W || p.image.length !== H * W * 3) {
      throw new Error(
        `Cannot batch sample "${p.id}" of ${p.width}×${p.height} with ${first.width}×${first.height} ` +
          `sample "${first.id}": expected one input size per batch`,
      );
    }
    images.set(p.image, i * H * W * 3);
    if (segmentation && p.segmentation) segmentation.set(p.segmentation, i * H * W);
    if (keypoints && p.keypoints) keypoints.set(p.keypoints, i * K * 3);
  });
  const out: Batch = {
    ids,
    indices,
    epoch,
    batch,
    size: N,
    height: H,
    width: W,
    images,
    transforms: items.map((p) => p.transform),
  };
  if (segmentation) out.segmentation = segmentation;
  if (keypoints) {
    out.keypoints = keypoints;
    out.numKeypoints = K;
  }
  return out;
}

/**
 * Iterates one epoch of `dataset` in batches (see the module doc for the seeding and
 * prefetch). Stop early with `break`; batches already in flight finish in the
 * background and are dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPreprocessor, PREPROCESS } from "./preprocess.ts";
 * const image = { data: new Uint8Array(250 * 250 * 3), width: 250, height: 250 };
 * const ds = {
 *   name: "toy", split: "train" as const, ids: ["a", "b", "c"],
 *   get: (i: number) => Promise.resolve({ id: ["a", "b", "c"][i]!, image }),
 *   async *[Symbol.asyncIterator]() {},
 * };
 * for await (const b of batches(ds, { batchSize: 2, preprocess: createPreprocessor(PREPROCESS["lfw-parts"]) })) {
 *   assert.ok(b.images.length === b.size * 180 * 180 * 3);
 * }
 * ```
 */
export async function* batches(
  dataset: Dataset,
  options: BatchOptions,
): AsyncGenerator<Batch, void, undefined> {
  const { batchSize, preprocess, onUnreadable } = options;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new Error(`Cannot batch with batch size ${batchSize}: expected a positive integer`);
  }
  const prefetch = options.prefetch ?? 2;
  if (!(Number.isInteger(prefetch) && prefetch >= 0)) {
    throw new Error(`Cannot prefetch ${prefetch} batches: expected an integer ≥ 0`);
  }
  const seed = options.seed ?? 0;
  const epoch = options.epoch ?? 0;
  const n = dataset.ids.length;
  const order = epochOrder(n, seed, epoch, options.shuffle ?? true);
  const total = batchCount(n, batchSize, options.dropLast ?? false);

  const build = async (b: number): Promise<Batch | null> => {
    const positions = Array.from(
      { length: Math.min(batchSize, n - b * batchSize) },
      (_, i) => b * batchSize + i,
    );
    const all = Int32Array.from(positions, (pos) => order[pos]!);
    const loaded = await Promise.all(positions.map(async (pos, i) => {
      const index = all[i]!;
      try {
        const sample = await dataset.get(index);
        const rng = new Mulberry32(mixSeed(seed, epoch, pos, 1));
        return await preprocess(sample, () => rng.next());
      } catch (error) {
        if (!onUnreadable) throw error;
        onUnreadable(index, dataset.ids[index]!, error as Error);
        return null;
      }
    }));
    const kept = loaded.flatMap((item, i) => item === null ? [] : [i]);
    if (kept.length === 0) return null;
    const indices = Int32Array.from(kept, (i) => all[i]!);
    const items = kept.map((i) => loaded[i]!);
    const ids = Array.from(indices, (i) => dataset.ids[i]!);
    return assemble(items, ids, indices, epoch, b);
  };

  const pending: Promise<Batch | null>[] = [];
  let next = options.startBatch ?? 0;
  const launch = (): void => {
    const p = build(next++);
    p.catch(() => {}); // surfaced when awaited; never an unhandled rejection meanwhile
    pending.push(p);
  };
  while (true) {
    if (pending.length === 0) {
      if (next >= total) return;
      launch();
    }
    const current = pending.shift()!;
    while (pending.length < prefetch && next < total) launch();
    const batch = await current;
    if (batch !== null) yield batch;
  }
}
