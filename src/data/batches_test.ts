import assert from "node:assert/strict";
import { type Batch, batchCount, batches, epochOrder, type PreprocessFn } from "./batches.ts";
import { createPreprocessor, PREPROCESS, type PreprocessConfig } from "./preprocess.ts";
import type { Dataset, Sample } from "./types.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A fake dataset of `n` 8×8 images whose pixel values encode the index (so a batch's
 * content can be checked), with an optional delay per `get` and a log of events.
 */
function fakeDataset(
  n: number,
  options: { delayMs?: number; log?: string[]; keypoints?: boolean } = {},
): Dataset {
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const get = async (i: number): Promise<Sample> => {
    options.log?.push(`get ${i}`);
    if (options.delayMs) await sleep(options.delayMs);
    options.log?.push(`got ${i}`);
    const data = new Uint8Array(8 * 8 * 3).fill(i);
    const sample: Sample = {
      id: ids[i]!,
      image: { data, width: 8, height: 8 },
      segmentation: new Uint8Array(64).fill(i % 3),
    };
    if (options.keypoints) sample.keypoints = [[1, 2, 1], [6, 2, 1]];
    return sample;
  };
  return {
    name: "fake",
    split: "train",
    ids,
    get,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < n; i++) yield await get(i);
    },
  };
}

const tiny: PreprocessConfig = {
  size: 4,
  crop: "image",
  mean: [0, 0, 0],
  flipProbability: 0.5,
  flipPairs: [[0, 1]],
};

async function collect(ds: Dataset, opts: Parameters<typeof batches>[1]): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of batches(ds, opts)) out.push(b);
  return out;
}

Deno.test("epochOrder() is a seeded permutation, new per epoch, identity without shuffle", () => {
  const a = epochOrder(50, 7, 0);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(epochOrder(50, 7, 0), a);
  assert.notDeepEqual(epochOrder(50, 7, 1), a);
  assert.notDeepEqual(epochOrder(50, 8, 0), a);
  assert.deepEqual(Array.from(epochOrder(4, 7, 0, false)), [0, 1, 2, 3]);
  assert.equal(batchCount(10, 3), 4);
  assert.equal(batchCount(10, 3, true), 3);
});

Deno.test("batches() covers the epoch once, packs NHWC arrays, and keeps the last partial batch", async () => {
  const ds = fakeDataset(10);
  const out = await collect(ds, { batchSize: 4, preprocess: createPreprocessor(tiny), seed: 3 });
  assert.deepEqual(out.map((b) => b.size), [4, 4, 2]);
  const seen = out.flatMap((b) => Array.from(b.indices));
  assert.deepEqual(seen, Array.from(epochOrder(10, 3, 0)));
  for (const b of out) {
    assert.equal(b.images.length, b.size * 4 * 4 * 3);
    assert.equal(b.segmentation!.length, b.size * 16);
    b.indices.forEach((index, i) => {
      assert.equal(b.ids[i], `s${index}`);
      // A constant image of value index/255 stays constant through the resize.
      assert.ok(Math.abs(b.images[i * 48 + 17]! - index / 255) < 1e-6);
      assert.equal(b.segmentation![i * 16 + 5], index % 3);
    });
  }
  const dropped = await collect(ds, {
    batchSize: 4,
    preprocess: createPreprocessor(tiny),
    dropLast: true,
  });
  assert.deepEqual(dropped.map((b) => b.size), [4, 4]);
});

Deno.test("batches() leaves unreadable samples out when onUnreadable is given, else fails", async () => {
  const base = fakeDataset(6);
  const broken: Dataset = {
    ...base,
    get: (i) => i === 2 || i === 3 ? Promise.reject(new Error(`bad file ${i}`)) : base.get(i),
  };
  const preprocess = createPreprocessor(tiny);
  await assert.rejects(collect(broken, { batchSize: 2, preprocess, shuffle: false }), /bad file 2/);
  const skipped: string[] = [];
  const out = await collect(broken, {
    batchSize: 2,
    preprocess,
    shuffle: false,
    onUnreadable: (index, id, error) => skipped.push(`${index} ${id} ${error.message}`),
  });
  // Batch 1 (samples 2, 3) is unreadable whole and not produced; the others are intact.
  assert.deepEqual(out.map((b) => Array.from(b.indices)), [[0, 1], [4, 5]]);
  assert.deepEqual(out.map((b) => b.ids), [["s0", "s1"], ["s4", "s5"]]);
  assert.deepEqual(skipped.sort(), ["2 s2 bad file 2", "3 s3 bad file 3"]);
  const partial: Dataset = {
    ...base,
    get: (i) => i === 4 ? Promise.reject(new Error("bad")) : base.get(i),
  };
  const rest = await collect(partial, {
    batchSize: 4,
    preprocess,
    shuffle: false,
    onUnreadable: () => {},
  });
  assert.deepEqual(rest.map((b) => Array.from(b.indices)), [[0, 1, 2, 3], [5]]);
  assert.equal(rest[1]!.images.length, 1 * 4 * 4 * 3);
});

Deno.test("batches() is deterministic per seed, whatever the prefetch depth, and resumes exactly", async () => {
  const ds = fakeDataset(23, { keypoints: true });
  const pre = createPreprocessor(tiny);
  const summary = (bs: Batch[]) =>
    bs.map((b) => ({
      ids: b.ids,
      flips: b.transforms.map((t) => t.flip),
      kp: Array.from(b.keypoints!),
    }));
  const a = summary(await collect(ds, { batchSize: 5, preprocess: pre, seed: 11, prefetch: 0 }));
  const b = summary(await collect(ds, { batchSize: 5, preprocess: pre, seed: 11, prefetch: 3 }));
  assert.deepEqual(a, b);
  // Flips happen (p = 0.5) and differ between samples; flipped keypoints swap channels.
  const flips = a.flatMap((x) => x.flips);
  assert.ok(flips.some((f) => f) && flips.some((f) => !f));
  // Unflipped (1,2) and (6,2) at scale 0.5 → (0.5,1) (3,1); flipped and swapped →
  // channel 0 = mirror of (3,1) = (1,1), channel 1 = mirror of (0.5,1) = (3.5,1).
  const all = a.flatMap((x) => x.flips.map((f, i) => ({ f, kp: x.kp.slice(6 * i, 6 * i + 6) })));
  for (const { f, kp } of all) {
    assert.deepEqual(kp, f ? [1, 1, 1, 3.5, 1, 1] : [0.5, 1, 1, 3, 1, 1]);
  }
  const other = summary(await collect(ds, { batchSize: 5, preprocess: pre, seed: 12 }));
  assert.notDeepEqual(other.map((x) => x.ids), a.map((x) => x.ids));
  // Resuming at batch 2 reproduces batches 2.. of the full run.
  const resumed = summary(
    await collect(ds, { batchSize: 5, preprocess: pre, seed: 11, startBatch: 2 }),
  );
  assert.deepEqual(resumed, a.slice(2));
  // Another epoch: another order.
  const e1 = summary(await collect(ds, { batchSize: 5, preprocess: pre, seed: 11, epoch: 1 }));
  assert.notDeepEqual(e1.map((x) => x.ids), a.map((x) => x.ids));
});

Deno.test("batches() prepares the next batches while the caller works on the current one", async (t) => {
  // Each get takes 15 ms; the caller "trains" 60 ms per batch. With prefetch, every
  // sample of batch b+1 has been fetched before the caller asks for it (it happened
  // during the caller's 60 ms); on demand, none has.
  const run = async (prefetch: number) => {
    const log: string[] = [];
    const ds = fakeDataset(12, { delayMs: 15, log });
    const readyOnArrival: number[] = [];
    let asked = 0;
    const iter = batches(ds, {
      batchSize: 4,
      preprocess: createPreprocessor({ ...tiny, flipProbability: 0 }),
      shuffle: false,
      prefetch,
    });
    for await (const b of iter) {
      void b;
      await sleep(60);
      // Before asking for the next batch: how many of its samples are already fetched?
      const nextIds = [4, 5, 6, 7, 8, 9, 10, 11].slice(asked * 4, asked * 4 + 4);
      readyOnArrival.push(nextIds.filter((i) => log.includes(`got ${i}`)).length);
      asked++;
    }
    return readyOnArrival.slice(0, 2);
  };
  await t.step("prefetch 2: fetched during the caller's work", async () => {
    assert.deepEqual(await run(2), [4, 4]);
  });
  await t.step("prefetch 1: the next one is fetched too", async () => {
    assert.deepEqual(await run(1), [4, 4]);
  });
  await t.step("prefetch 0: fetched only on demand", async () => {
    assert.deepEqual(await run(0), [0, 0]);
  });
  await t.step("wall time: overlapped run is faster than the sequential one", async () => {
    const time = async (prefetch: number) => {
      const t0 = performance.now();
      for await (
        const _ of batches(fakeDataset(12, { delayMs: 40 }), {
          batchSize: 4,
          preprocess: createPreprocessor({ ...tiny, flipProbability: 0 }),
          prefetch,
        })
      ) await sleep(40);
      return performance.now() - t0;
    };
    // Sequential ≈ 3·(40 + 40) = 240 ms; overlapped ≈ 40 + 3·40 = 160 ms.
    const seq = await time(0);
    const over = await time(2);
    assert.ok(
      over < 0.85 * seq,
      `prefetch ${over.toFixed(0)} ms vs on demand ${seq.toFixed(0)} ms`,
    );
  });
});

Deno.test("batches() surfaces errors of a batch and validates its options", async () => {
  const ds = fakeDataset(6);
  const failing: PreprocessFn = (s, r) => {
    if (s.id === "s4") throw new Error("boom s4");
    return createPreprocessor(tiny)(s, r);
  };
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (
      const b of batches(ds, { batchSize: 2, preprocess: failing, shuffle: false, prefetch: 2 })
    ) seen.push(b.batch);
  }, /boom s4/);
  assert.deepEqual(seen, [0, 1]);
  await assert.rejects(
    () => collect(ds, { batchSize: 0, preprocess: createPreprocessor(tiny) }),
    /positive integer/,
  );
  await assert.rejects(
    () => collect(ds, { batchSize: 2, preprocess: createPreprocessor(tiny), prefetch: -1 }),
    /≥ 0/,
  );
  // Mixed input sizes in one batch are refused.
  const mixed: PreprocessFn = (s, r) =>
    createPreprocessor({ ...PREPROCESS["lfw-parts"], size: s.id === "s1" ? 6 : 4 })(s, r);
  await assert.rejects(
    () => collect(ds, { batchSize: 2, preprocess: mixed, shuffle: false }),
    /one input size per batch/,
  );
});
