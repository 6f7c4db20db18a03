import assert from "node:assert/strict";
import { assertAllClose } from "../testing.ts";
import {
  aflwError,
  cellCentre,
  keypointsFromMaps,
  landmarkFaceSize,
  meanKeypointDistance,
  oracleKeypoints,
  pascalKeypointError,
} from "./landmarks.ts";

Deno.test("landmarkFaceSize() uses max − min + 1 over visible landmarks only", async (t) => {
  await t.step("three visible points", () => {
    // x: 10..40 → w = 31; y: 20..50 → h = 31; the invisible (500, 500) is ignored.
    assert.equal(landmarkFaceSize([[10, 20, 1], [40, 25, 1], [30, 50, 1], [500, 500, 0]]), 31);
  });
  await t.step("one visible point gives s = 1", () => {
    assert.equal(landmarkFaceSize([[7, 7, 1], [0, 0, 0]]), 1);
  });
  await t.step("flat array form", () => {
    // (0,0) and (19,9): w = 20, h = 10 → 15.
    assert.equal(landmarkFaceSize(new Float32Array([0, 0, 1, 19, 9, 1])), 15);
  });
  await t.step("no visible point is NaN", () => {
    assert.ok(Number.isNaN(landmarkFaceSize([[1, 1, 0]])));
  });
});

Deno.test("meanKeypointDistance() averages over GT-visible points, misses are Infinity", () => {
  const gt = [[0, 0, 1], [10, 10, 1], [5, 5, 0]];
  // Errors: |(3,4)| = 5, |(10,10)-(10,12)| = 2; the third is invisible in GT → (5+2)/2.
  assert.equal(meanKeypointDistance([[3, 4, 0], [10, 12, 1], [900, 900, 1]], gt), 3.5);
  assert.equal(meanKeypointDistance(null, gt), Infinity);
  assert.equal(meanKeypointDistance([[NaN, 0, 1], [10, 10, 1], [0, 0, 0]], gt), Infinity);
  assert.ok(Number.isNaN(meanKeypointDistance([[0, 0, 1]], [[0, 0, 0]])));
  assert.throws(() => meanKeypointDistance([[0, 0, 1]], gt), /same count/);
  assert.throws(() => meanKeypointDistance(new Float32Array(4), gt), /multiple of 3/);
});

Deno.test("aflwError() normalizes by the landmark box or, on request, by the face rect", () => {
  // GT visible: (10,10), (29,10), (10,29) → w = h = 20 → s = 20.
  // Prediction errors: 2, 0, 4 → mean 2 → 2/20 = 0.1.
  const gt = [[10, 10, 1], [29, 10, 1], [10, 29, 1], [0, 0, 0]];
  const pred = [[12, 10, 1], [29, 10, 1], [10, 25, 1], [3, 3, 1]];
  assertAllClose([aflwError(pred, gt)], [0.1], 1e-12);
  // Face rect 40×40 → s = 40 → 0.05.
  const faceRect = { x: 0, y: 0, width: 40, height: 40 };
  assertAllClose([aflwError(pred, gt, { normalize: "face-rect", faceRect })], [0.05], 1e-12);
  assert.throws(() => aflwError(pred, gt, { normalize: "face-rect" }), /faceRect/);
  assert.equal(aflwError(null, gt), Infinity);
});

Deno.test("pascalKeypointError() divides by the longest side of the visible box", () => {
  // Visible GT (0,0) and (0,10); predictions off by 6 and 8 → mean 7; box 70×35 → 7/70.
  const box = { x: 5, y: 5, width: 70, height: 35 };
  const e = pascalKeypointError([[6, 0, 1], [8, 10, 1], [0, 0, 1]], [
    [0, 0, 1],
    [0, 10, 1],
    [40, 40, 0],
  ], box);
  assertAllClose([e], [0.1], 1e-12);
  assert.throws(() => pascalKeypointError([], [], { x: 0, y: 0, width: 0, height: 0 }), /positive/);
});

Deno.test("oracleKeypoints() snaps each point to the centre of its cell", () => {
  assert.equal(cellCentre(0, 8), 4);
  // Stride 8: x 0..8 → cell 0 (centre 4); 8 → cell 1 (12); 15.99 → cell 1 (12); y 100 → cell 12 (100).
  const o = oracleKeypoints([[0, 0, 1], [8, 15.99, 0], [15.99, 100, 1]], 8);
  assert.deepEqual(o, [[4, 4, 1], [12, 12, 0], [12, 100, 1]]);
  // With a 14×14 map (112 px), x = 112 would be cell 14: clamped to 13 → 108; −1 → cell 0.
  assert.deepEqual(oracleKeypoints([[112, -1, 1]], 8, { width: 14, height: 14 }), [[108, 4, 1]]);
  // The oracle's error is at most half a cell diagonal: stride·√2/2.
  const gt: [number, number, number][] = [];
  for (let i = 0; i < 50; i++) gt.push([(i * 7.3) % 112, (i * 3.1) % 112, 1]);
  const pred = oracleKeypoints(gt, 4);
  for (let i = 0; i < gt.length; i++) {
    const d = Math.hypot(pred[i]![0] - gt[i]![0], pred[i]![1] - gt[i]![1]);
    assert.ok(d <= 2 * Math.SQRT2 + 1e-12);
  }
  assert.throws(() => oracleKeypoints([], 0), /stride/);
});

Deno.test("keypointsFromMaps() takes the arg-max cell centre and thresholds visibility", () => {
  // 2 rows × 3 cols × 2 channels, stride 4. Channel 0 peaks (0.8) at row 0 col 2 → (10, 2).
  // Channel 1: max 0.4 (≤ 0.5 → invisible) tied at row 0 col 1 and row 1 col 0 → first
  // in raster order (row 0 col 1) → (6, 2).
  const maps = new Float32Array([
    0.1,
    0.0,
    /**/ 0.2,
    0.4,
    /**/ 0.8,
    0.1,
    0.3,
    0.4,
    /**/ 0.1,
    0.2,
    /**/ 0.0,
    0.3,
  ]);
  assert.deepEqual(keypointsFromMaps(maps, 3, 2, 2, 4), [[10, 2, 1], [6, 2, 0]]);
  assert.throws(() => keypointsFromMaps(maps, 3, 3, 2, 4), /expected 3·3·2/);
});
