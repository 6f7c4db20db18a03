import assert from "node:assert/strict";
import { initBackend } from "../mod.ts";
import { tf } from "../src/deps.ts";
import type { Dataset, Keypoint, Sample } from "../src/data/mod.ts";
import { BASELINE_NAMES } from "../src/eval/mod.ts";
import { oracleKeypoints } from "../src/eval/mod.ts";
import { trainBaselines } from "./baselines.ts";
import { curveMax, keypointMapSize, oracleInNetwork, scoreModels } from "./evaluate.ts";

await initBackend("cpu");

Deno.test("oracleInNetwork() clamps with the map size in cells, not the input size in pixels", () => {
  // Issue 9 §4: x = 120 on a 112-px input at stride 4 is past the right edge; the map has
  // 28 cells, so the oracle is the last cell's centre, 27.5·4 = 110 (clamping with 112
  // "cells" instead gave cell 30 → 122).
  assert.deepEqual(keypointMapSize(112, 112, 4), { width: 28, height: 28 });
  const [p] = oracleInNetwork([120, 130, 1], 4, 112, 112);
  assert.deepEqual(p, [110, 110, 1]);
  // The call evaluate.ts made before the fix (input pixels as the map size) is optimistic.
  assert.deepEqual(oracleKeypoints([120, 130, 1], 4, { width: 112, height: 112 })[0], [
    122,
    130,
    1,
  ]);
  // Inside the map: the cell centre; left of it: the first cell.
  assert.deepEqual(oracleInNetwork([9, -3, 1], 4, 112, 112)[0], [10, 2, 1]);
});

/** A hand-made dataset of 4×4 images with two classes and one keypoint. */
function dataset(split: "train" | "test", samples: Sample[]): Dataset {
  return {
    name: "hand-made",
    split,
    ids: samples.map((s) => s.id),
    classes: ["background", "person"],
    keypointNames: ["a"],
    get: (i) => Promise.resolve(samples[i]!),
    async *[Symbol.asyncIterator]() {
      yield* samples;
    },
  };
}

function sample(id: string, mask: number[], kp: Keypoint): Sample {
  return {
    id,
    image: { data: new Uint8Array(4 * 4 * 3).fill(100), width: 4, height: 4 },
    segmentation: Uint8Array.from(mask),
    keypoints: [kp],
    box: { x: 0, y: 0, width: 4, height: 4 },
  };
}

Deno.test("scoreModels() scores the trivial baselines computed on train", async () => {
  const pre = { size: 4, crop: "image" as const, pad: "zero" as const };
  const sq = sample; // 4×4 images at a 4×4 input: the network frame is the image frame
  const left = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]; // left column person
  const train = dataset("train", [
    sq("t1", left, [1, 1, 1]),
    sq("t2", left, [3, 3, 1]),
    sq("t3", left.map((v, i) => (i === 1 ? 1 : v)), [2, 2, 0]), // invisible: not averaged
  ]);
  const base = await trainBaselines(train, pre);
  assert.equal(base.images, 3);
  assert.deepEqual([...base.majority!], left);
  assert.deepEqual([...base.meanKeypoints!], [2, 2, 1]);
  // Test: one image exactly the majority shape, one all person.
  const test = dataset("test", [
    sq("a", left, [2, 2, 1]),
    sq("b", new Array(16).fill(1), [2, 6, 1]),
  ]);
  const before = tf.memory().numTensors;
  const scored = await scoreModels("pascal-person", test, [], pre, 1, { baselines: base });
  assert.equal(tf.memory().numTensors, before);
  const bg = scored.baselines[BASELINE_NAMES.background]!;
  const maj = scored.baselines[BASELINE_NAMES.majority]!;
  const mean = scored.baselines[BASELINE_NAMES.meanShape]!;
  // All background: 12/16 right on "a", 0/16 on "b" → pooled 37.5%.
  assert.deepEqual(bg.perImage!.pixel, [75, 0]);
  assert.equal(bg.pascal!.pixelAccuracy, 37.5);
  // Majority: 16/16 on "a", 4/16 on "b".
  assert.deepEqual(maj.perImage!.pixel, [100, 25]);
  assert.deepEqual(maj.perImage!.ids, ["a", "b"]);
  // Mean keypoint (2, 2): error 0 on "a", 4 px / side 4 = 1 on "b".
  assert.deepEqual(mean.perImage!.keypointError, [0, 1]);
  assert.deepEqual(Object.keys(scored.models), []);
});

Deno.test("scoreModels() leaves an unreadable test sample out of every row, too many fail", async () => {
  const pre = { size: 4, crop: "image" as const, pad: "zero" as const };
  const left = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0];
  const base = await trainBaselines(dataset("train", [sample("t1", left, [1, 1, 1])]), pre);
  const good = dataset("test", [
    sample("a", left, [2, 2, 1]),
    sample("b", new Array(16).fill(1), [2, 6, 1]),
    sample("c", left, [2, 2, 1]),
  ]);
  const failing = (bad: string[]) => ({
    ...good,
    get: (i: number) =>
      bad.includes(good.ids[i]!)
        ? Promise.reject(new Error(`Cannot decode "${good.ids[i]}.jpg"`))
        : good.get(i),
  });
  const scored = await scoreModels("pascal-person", failing(["b"]), [], pre, 1, {
    baselines: base,
  });
  assert.deepEqual(scored.unreadable, [{ id: "b", message: 'Cannot decode "b.jpg"' }]);
  assert.equal(scored.images, 2);
  const maj = scored.baselines[BASELINE_NAMES.majority]!;
  assert.deepEqual(maj.perImage!.ids, ["a", "c"]);
  assert.deepEqual(maj.perImage!.pixel, [100, 100]);
  assert.ok(
    scored.protocolNotes.some((n) => /1 of 3 test samples could not be read.*b \(/.test(n)),
  );
  await assert.rejects(
    scoreModels("pascal-person", failing(["a", "b"]), [], pre, 1, { baselines: base }),
    /Cannot score pascal-person: 2 of 3 test samples are unreadable \(more than 1\); first: a/,
  );
});

Deno.test("curveMax() keeps the paper's 0.2 unless the errors are larger", () => {
  assert.equal(curveMax([0.01, 0.05, 0.1]), 0.2);
  // Errors 0.29–0.54 (issue 12): the grid reaches past them.
  const errors = Array.from({ length: 100 }, (_, i) => 0.29 + (0.25 * i) / 99);
  const max = curveMax(errors);
  assert.ok(max >= 0.5 && max <= 0.55, `${max}`);
  assert.equal(curveMax([NaN, Infinity]), 0.2);
});
