import assert from "node:assert/strict";
import { mixSeed, Mulberry32 } from "../util/prng.ts";
import type { Dataset, Sample } from "./types.ts";
import { rename, subset, take } from "./views.ts";

/** A dataset of `n` one-pixel samples whose pixel value is the index, counting decodes. */
function counting(n: number): Dataset & { decoded: number[] } {
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const decoded: number[] = [];
  const get = (i: number): Promise<Sample> => {
    decoded.push(i);
    return Promise.resolve({
      id: ids[i]!,
      image: { data: new Uint8Array([i, 0, 0]), width: 1, height: 1 },
    });
  };
  return {
    name: "toy",
    split: "train",
    ids,
    classes: ["a", "b"],
    keypointNames: ["k"],
    problems: [{ file: "f", message: "m" }],
    decoded,
    get,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < n; i++) yield await get(i);
    },
  };
}

async function idsOf(ds: Dataset): Promise<string[]> {
  const out: string[] = [];
  for await (const s of ds) out.push(s.id);
  return out;
}

Deno.test("subset() picks n distinct samples by seed, in the dataset's order", async () => {
  const ds = counting(50);
  // Reference: Fisher–Yates with mulberry32(mixSeed(seed, 0)), written out here.
  const reference = (seed: number, n: number): string[] => {
    const order = Array.from({ length: 50 }, (_, i) => i);
    const rng = new Mulberry32(mixSeed(seed, 0));
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order.slice(0, n).sort((a, b) => a - b).map((i) => `s${i}`);
  };
  const a = subset(ds, 12, 3);
  assert.deepEqual([...a.ids], reference(3, 12));
  assert.equal(new Set(a.ids).size, 12);
  assert.deepEqual(await idsOf(a), [...a.ids]);
  for (let i = 0; i < a.ids.length; i++) assert.equal((await a.get(i)).id, a.ids[i]);
  assert.notDeepEqual([...subset(ds, 12, 4).ids], [...a.ids]);
  assert.deepEqual([a.classes, a.keypointNames, a.problems], [
    ds.classes,
    ds.keypointNames,
    ds.problems,
  ]);
  assert.equal(a.name, "toy");
  assert.equal(subset(ds, null, 3), ds);
  assert.equal(subset(ds, 50, 3), ds);
  assert.equal(subset(ds, 0, 3).ids.length, 0);
  await assert.rejects(
    a.get(12),
    (e: unknown) => e instanceof RangeError && /0\.\.11/.test(e.message),
  );
  assert.throws(
    () => subset(ds, 2.5, 1),
    (e: unknown) => e instanceof RangeError && /2\.5/.test(e.message),
  );
  assert.throws(() => subset(ds, -1, 1), RangeError);
});

Deno.test("take() is the first n samples and decodes only those", async () => {
  const ds = counting(10);
  const t = take(ds, 4);
  assert.deepEqual([...t.ids], ["s0", "s1", "s2", "s3"]);
  assert.deepEqual(await idsOf(t), ["s0", "s1", "s2", "s3"]);
  assert.deepEqual(ds.decoded, [0, 1, 2, 3]);
  assert.equal((await t.get(3)).image.data[0], 3);
  await assert.rejects(t.get(4), RangeError);
  await assert.rejects(t.get(-1), RangeError);
  assert.equal(take(ds, undefined), ds);
  assert.equal(take(ds, null), ds);
  assert.equal(take(ds, 10), ds);
  assert.throws(() => take(ds, Number.NaN), RangeError);
});

Deno.test("rename() changes the name only", async () => {
  const ds = counting(3);
  const r = rename(ds, "synthetic-toy");
  assert.equal(r.name, "synthetic-toy");
  assert.equal(r.split, "train");
  assert.equal(r.ids, ds.ids);
  assert.deepEqual([r.classes, r.keypointNames, r.problems], [
    ds.classes,
    ds.keypointNames,
    ds.problems,
  ]);
  assert.deepEqual(await idsOf(r), ["s0", "s1", "s2"]);
  assert.equal((await r.get(2)).id, "s2");
  assert.equal(rename(ds, "toy"), ds);
});
