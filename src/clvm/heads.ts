/**
 * Reading the heads (docs/MODEL.md §3): segmentation logits to a label map at input
 * resolution, keypoint maps to coordinates in input pixels (cell centres), and the
 * oracle — the best locations a map of that resolution can express.
 *
 * Coordinates are continuous: (0, 0) is the top-left corner of the top-left input
 * pixel, so the cell (row r, column c) of a map with stride s has its centre at
 * ((c + 0.5)·s, (r + 0.5)·s).
 *
 * @module
 */
import { type Tensor2D, type Tensor3D, type Tensor4D, tf } from "../deps.ts";

/** Head outputs: logits at the resolution of the layer each head reads. */
export interface HeadOutputs {
  /** `[N, h, w, classes]` class logits. */
  segmentation?: Tensor4D;
  /** `[N, h, w, keypoints]` logit maps. */
  keypoints?: Tensor4D;
}

/**
 * A label map `[N, height, width]` (int32) from segmentation logits `[N, h, w, C]`:
 * the logits are upsampled bilinearly to the input size, then the argmax is taken.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { initBackend } from "../../mod.ts";
 * import { segmentationLabels } from "./heads.ts";
 * await initBackend("cpu");
 * const labels = segmentationLabels(tf.zeros([1, 4, 4, 3]), 16, 16);
 * assert.deepEqual(labels.shape, [1, 16, 16]);
 * labels.dispose();
 * ```
 */
export function segmentationLabels(
  logits: Tensor4D,
  height: number,
  width: number,
): Tensor3D {
  return tf.tidy(() => {
    const [, h, w] = logits.shape;
    const up = h === height && w === width
      ? logits
      : tf.image.resizeBilinear(logits, [height, width], false, true);
    return tf.argMax(up, 3) as tf.Tensor3D;
  });
}

/**
 * Keypoint coordinates `[N, K, 2]` (x, y in input pixels) and peak logits `[N, K]` from
 * logit maps `[N, h, w, K]`: each map's argmax cell, mapped to the centre of that cell.
 */
export function keypointCoordinates(
  logits: Tensor4D,
  stride: number,
): { xy: Tensor3D; peak: Tensor2D } {
  return tf.tidy(() => {
    const [n, h, w, k] = logits.shape;
    const flat = tf.reshape(tf.transpose(logits, [0, 3, 1, 2]), [n, k, h * w]);
    const index = tf.argMax(flat, 2);
    const col = tf.mod(index, w);
    const row = tf.floorDiv(index, w);
    const centre = (t: tf.Tensor) => tf.mul(tf.add(tf.cast(t, "float32"), 0.5), stride);
    const xy = tf.stack([centre(col), centre(row)], 2) as tf.Tensor3D;
    const peak = tf.max(flat, 2) as tf.Tensor2D;
    return { xy, peak };
  });
}

/**
 * The oracle of a keypoint map with this stride: for each ground-truth point (x, y in
 * input pixels), the centre of the cell that contains it — the best a map of that
 * resolution can answer. Points outside the map are clamped to its border cells.
 *
 * @example
 * ```ts
 * import { oracleKeypointLocations } from "./heads.ts";
 * oracleKeypointLocations([[9.2, 3.9]], 4, 8, 8); // [[10, 2]]
 * ```
 */
export function oracleKeypointLocations(
  points: readonly (readonly number[])[],
  stride: number,
  mapHeight: number,
  mapWidth: number,
): [number, number][] {
  const cell = (v: number, size: number) => Math.min(size - 1, Math.max(0, Math.floor(v / stride)));
  return points.map(([x, y]) => [
    (cell(x!, mapWidth) + 0.5) * stride,
    (cell(y!, mapHeight) + 0.5) * stride,
  ]);
}
