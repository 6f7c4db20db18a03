import assert from "node:assert/strict";
import { backgroundClass, beatsBaseline, MeanKeypoints, PositionMajority } from "./baselines.ts";

Deno.test("PositionMajority gives the majority label of training masks at each position", () => {
  // 3×1 masks, 3 classes: position 0 → 1 (two of three), position 1 → tie 0/2 → 0,
  // position 2 → only ignored labels → the fallback (2).
  const m = new PositionMajority(3, 1, 3, 2);
  m.add([1, 0, 255]);
  m.add([1, 2, 255]);
  m.add([0, 255, 255]);
  assert.deepEqual([...m.result()], [1, 0, 2]);
  assert.equal(m.masks, 3);
  assert.throws(() => m.add([1, 1]), /mask of 2 labels.*expected 3/);
  assert.throws(() => new PositionMajority(2, 2, 2, 2), /fallback 2/);
});

Deno.test("PositionMajority beats all-background on hand-made masks with a fixed shape", () => {
  // Every mask has class 1 in the left column, background (0) elsewhere, plus noise in
  // one mask: the majority recovers the column, all-background gets only 2/4 right.
  const m = new PositionMajority(2, 2, 2, 0);
  m.add([1, 0, 1, 0]);
  m.add([1, 0, 1, 0]);
  m.add([0, 1, 1, 0]);
  const majority = m.result();
  assert.deepEqual([...majority], [1, 0, 1, 0]);
  const truth = [1, 0, 1, 0];
  const acc = (pred: ArrayLike<number>) =>
    truth.filter((t, i) => pred[i] === t).length / truth.length;
  assert.equal(acc(majority), 1);
  assert.equal(acc([0, 0, 0, 0]), 0.5);
});

Deno.test("MeanKeypoints averages visible keypoints only", () => {
  const m = new MeanKeypoints(2);
  m.add([1, 1, 1, 10, 10, 0]);
  m.add([3, 5, 1, 20, 20, 0]);
  const r = m.result();
  assert.deepEqual([...r.subarray(0, 3)], [2, 3, 1]);
  assert.ok(Number.isNaN(r[3]!) && r[5] === 0, "never-visible keypoint: NaN, invisible");
  assert.throws(() => m.add([1, 2, 3]), /1 keypoints to a mean of 2/);
});

Deno.test("backgroundClass() finds the background by name", () => {
  assert.equal(backgroundClass(["hair", "skin", "background"]), 2);
  assert.equal(backgroundClass(["background", "person"]), 0);
  assert.throws(() => backgroundClass(["a", "b"]), /background class in \[a, b\]/);
});

Deno.test("beatsBaseline() compares in the metric's direction with a margin", () => {
  assert.ok(beatsBaseline(0.1, 0.2, "lower"));
  assert.ok(!beatsBaseline(0.2, 0.2, "lower"));
  assert.ok(!beatsBaseline(80.5, 80, "higher", 1));
  assert.ok(!beatsBaseline(NaN, 80, "higher"));
});
