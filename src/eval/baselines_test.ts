import assert from "node:assert/strict";
import {
  allBackgroundAccuracy,
  backgroundClass,
  beatsBaseline,
  labelMapAccuracy,
  majorityLabelMap,
  MeanKeypoints,
  meanKeypointShape,
  pooledShapeError,
  PositionMajority,
  shapeErrors,
} from "./baselines.ts";
import { pixelCounts } from "./segmentation.ts";

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
  assert.throws(() => m.add([1, 3, 0]), /mask 3 .*pixel 1 has class 3, expected 0\.\.2 or 255/);
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
  assert.deepEqual(m.keypoints()[0], [2, 3, 1], "double precision, as triples");
});

Deno.test("backgroundClass() finds the background by name", () => {
  assert.equal(backgroundClass(["hair", "skin", "background"]), 2);
  assert.equal(backgroundClass(["background", "person"]), 0);
  assert.throws(() => backgroundClass(["a", "b"]), /background class in \[a, b\]/);
  assert.equal(backgroundClass(["a", "b"], 0), 0, "the fallback when none is named");
  assert.equal(backgroundClass(["a", "BG"], 0), 1);
});

Deno.test("beatsBaseline() compares in the metric's direction with a margin", () => {
  assert.ok(beatsBaseline(0.1, 0.2, "lower"));
  assert.ok(!beatsBaseline(0.2, 0.2, "lower"));
  assert.ok(!beatsBaseline(80.5, 80, "higher", 1));
  assert.ok(!beatsBaseline(NaN, 80, "higher"));
});

const u8 = (...v: number[]) => new Uint8Array(v);

Deno.test("allBackgroundAccuracy() pools labelled pixels and skips 255", () => {
  // 2 + 1 background of 3 + 3 labelled pixels.
  assert.equal(allBackgroundAccuracy([u8(0, 0, 1, 255), u8(2, 0, 1)]), 3 / 6);
  assert.equal(allBackgroundAccuracy([u8(1, 1)], 1), 1, "another background class");
  assert.ok(Number.isNaN(allBackgroundAccuracy([u8(255)])), "nothing labelled");
  // The counts are segmentation.ts's: 1 correct of 2 labelled.
  assert.deepEqual(pixelCounts(u8(0, 0, 0), u8(0, 255, 2)), { correct: 1, total: 2 });
});

Deno.test("majorityLabelMap() votes per position; ties and unlabelled pixels by rule", () => {
  const train = [u8(0, 1, 2, 255), u8(1, 1, 2, 255), u8(1, 0, 0, 255)];
  // Position 0: 0,1,1 → 1; 1: 1,1,0 → 1; 2: 2,2,0 → 2; 3: never labelled → fallback 0.
  assert.deepEqual(majorityLabelMap(train, 3), u8(1, 1, 2, 0));
  assert.deepEqual(majorityLabelMap([u8(0), u8(1)], 2), u8(0), "a tie goes to the lower class");
  assert.deepEqual(majorityLabelMap([u8(255)], 2, 1), u8(1), "fallback");
  const map = u8(1, 1, 2, 0);
  // Test images: [1, 0, 2, 255] → 2 of 3; [0, 1, 1, 0] → 2 of 4.
  assert.equal(labelMapAccuracy(map, [u8(1, 0, 2, 255), u8(0, 1, 1, 0)]), 4 / 7);
  assert.throws(() => majorityLabelMap([u8(0, 1), u8(0)], 2), /map 1 has 1 pixels, expected 2/);
  assert.throws(() => majorityLabelMap([u8(3)], 2), /class 3, expected 0\.\.1 or 255/);
  assert.throws(() => labelMapAccuracy(u8(0), [u8(0, 0)]), /1-pixel label map on image 0/);
});

Deno.test("meanKeypointShape() averages visible points; the errors pool or go per image", () => {
  const train: [number, number, number][][] = [
    [[0, 0, 1], [10, 10, 1]],
    [[4, 2, 1], [NaN, NaN, 0]],
    [[100, 100, 0], [20, 30, 1]],
  ];
  const shape = meanKeypointShape(train);
  assert.deepEqual(shape, [[2, 1, 1], [15, 20, 1]]);
  const never = meanKeypointShape([[[1, 1, 0]]]);
  assert.ok(Number.isNaN(never[0]![0]) && never[0]![2] === 0, "never visible");
  const test: [number, number, number][][] = [
    [[5, 5, 1], [15, 20, 1]], // distances 5, 0
    [[2, 1, 0], [15, 30, 1]], // invisible, 10
  ];
  assert.equal(pooledShapeError(shape, test), 15 / 3);
  assert.equal(pooledShapeError(shape, test, 5), 1);
  assert.deepEqual(shapeErrors(shape, test, [1, 2]), [2.5, 5]);
  assert.ok(Number.isNaN(shapeErrors(shape, [[[0, 0, 0], [0, 0, 0]]])[0]!));
  assert.throws(() => meanKeypointShape([[[0, 0, 1]], []]), /sample 1 has 0 keypoints/);
  assert.throws(() => pooledShapeError(shape, [[[0, 0, 1]]]), /sample 0: it has 1 keypoints/);
});
