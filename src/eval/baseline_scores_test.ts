import assert from "node:assert/strict";
import {
  allBackgroundAccuracy,
  constantLabelCounts,
  labelMapAccuracy,
  majorityLabelMap,
  meanKeypointShape,
  pooledShapeError,
  shapeErrors,
} from "./baseline_scores.ts";

const u8 = (...v: number[]) => new Uint8Array(v);

Deno.test("allBackgroundAccuracy() pools labelled pixels and skips 255", () => {
  // 2 + 1 background of 3 + 3 labelled pixels.
  assert.equal(allBackgroundAccuracy([u8(0, 0, 1, 255), u8(2, 0, 1)]), 3 / 6);
  assert.equal(allBackgroundAccuracy([u8(1, 1)], 1), 1, "another background class");
  assert.ok(Number.isNaN(allBackgroundAccuracy([u8(255)])), "nothing labelled");
  assert.deepEqual(constantLabelCounts(0, [u8(0, 255, 2)]), [{ correct: 1, labelled: 2 }]);
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
