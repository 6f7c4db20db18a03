import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { initBackend } from "../backend.ts";
import { values } from "../testing.ts";
import type { Batch as DataBatch } from "../data/batches.ts";
import { disposeBatch, toTensors } from "./_inputs.ts";

function dataBatch(): DataBatch {
  const labels = new Uint8Array([
    ...[0, 0, 1, 1],
    ...[0, 2, 1, 255],
    ...[255, 255, 2, 2],
    ...[255, 255, 2, 0],
  ]);
  return {
    ids: ["a"],
    indices: Int32Array.from([0]),
    epoch: 0,
    batch: 0,
    size: 1,
    height: 4,
    width: 4,
    images: new Float32Array(4 * 4 * 3).map((_, i) => i / 48),
    segmentation: labels,
    // Keypoint 0 visible at (3.5, 0.5) → stride-2 cell (row 0, col 1); keypoint 1 invisible.
    keypoints: Float32Array.from([3.5, 0.5, 1, 1, 1, 0]),
    numKeypoints: 2,
    transforms: [],
  };
}

Deno.test("toTensors() builds inputs, labels at both resolutions and keypoint maps", async () => {
  await initBackend("cpu");
  const before = tf.memory().numTensors;
  const b = toTensors(dataBatch(), {
    size: 4,
    segmentation: { classes: 3, stride: 2, target: "downsample-labels" },
    keypoints: { count: 2, stride: 2, dilation: 1 },
  });
  assert.deepEqual(b.x.shape, [1, 4, 4, 3]);
  assert.deepEqual(Array.from(await values(b.labels!)).slice(0, 8), [0, 0, 1, 1, 0, 2, 1, 255]);
  // Cells: {0,0,0,2} → 0; {1,1,1,255} → 1; all 255 → 255; {2,2,2,0} → 2.
  assert.deepEqual(Array.from(await values(b.lossLabels!)), [0, 1, 255, 2]);
  assert.deepEqual(b.keypointTargets!.shape, [1, 2, 2, 2]);
  assert.deepEqual(Array.from(await values(b.keypointTargets!)), [0, 0, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(b.keypoints, [[[3.5, 0.5, 1], [1, 1, 0]]]);
  disposeBatch(b);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () =>
      toTensors(dataBatch(), {
        size: 4,
        segmentation: { classes: 2, stride: 1, target: "upsample-logits" },
      }),
    /sample "a": pixel 5 has class 2, expected 0\.\.1 or 255/,
  );
  assert.throws(() => toTensors(dataBatch(), { size: 8 }), /4×4 inputs.*"a".*expected 8×8/);
});
