// The data side's batches (src/data/batches.ts: preprocessed, NHWC floats) as tensors
// and targets for the losses.
import { type Tensor, type Tensor3D, type Tensor4D, tf } from "../deps.ts";
import type { Batch as DataBatch } from "../data/batches.ts";
import type { Keypoint } from "../data/types.ts";
import { downsampleLabelsMajority, IGNORE_LABEL, keypointTargets } from "./losses.ts";
import type { SegmentationTarget } from "./losses.ts";

/** What a batch needs to know about the model and the recipe. */
export interface BatchSpec {
  /** Side of the square network input. */
  size: number;
  /** The segmentation head's classes, its stride in input pixels, and its target. */
  segmentation?: { classes: number; stride: number; target: SegmentationTarget };
  /** The keypoint head's keypoints, its stride, and the target's dilation. */
  keypoints?: { count: number; stride: number; dilation: number };
}

/** A batch of tensors (the caller frees them with {@link disposeBatch}). */
export interface Batch {
  /** Images in the batch. */
  count: number;
  /** The network inputs `[N, S, S, C]`. */
  x: Tensor4D;
  /** Labels at input resolution `[N, S, S]` (int32): for pixel accuracy. */
  labels?: Tensor3D;
  /** Labels the loss compares with: `labels`, or downsampled to the head's resolution. */
  lossLabels?: Tensor3D;
  /** Keypoint target maps `[N, S/s, S/s, K]`. */
  keypointTargets?: Tensor4D;
  /** Keypoints in input pixels, for the keypoint error. */
  keypoints?: Keypoint[][];
}

/**
 * Tensors and targets of a data batch. A sample without segmentation is all-ignored
 * (255); a sample without keypoints counts as all keypoints invisible.
 */
export function toTensors(batch: DataBatch, spec: BatchSpec): Batch {
  const n = batch.size;
  const s = spec.size;
  if (batch.height !== s || batch.width !== s) {
    throw new Error(
      `Cannot train on a batch of ${batch.width}×${batch.height} inputs (first sample "${
        batch.ids[0]
      }"): expected ${s}×${s}`,
    );
  }
  const out: Batch = { count: n, x: tf.tensor4d(batch.images, [n, s, s, 3]) };
  if (spec.segmentation) {
    const { classes, stride, target } = spec.segmentation;
    const seg = batch.segmentation ?? new Uint8Array(n * s * s).fill(IGNORE_LABEL);
    const full = new Int32Array(seg.length);
    for (let p = 0; p < seg.length; p++) {
      const v = seg[p]!;
      if (v >= classes && v !== IGNORE_LABEL) {
        const i = Math.floor(p / (s * s));
        throw new Error(
          `Cannot train on sample "${batch.ids[i]}": pixel ${p % (s * s)} has class ${v}, ` +
            `expected 0..${classes - 1} or ${IGNORE_LABEL}`,
        );
      }
      full[p] = v;
    }
    out.labels = tf.tensor3d(full, [n, s, s], "int32");
    if (target === "downsample-labels") {
      const m = Math.ceil(s / stride);
      const small = new Int32Array(n * m * m);
      for (let i = 0; i < n; i++) {
        small.set(
          downsampleLabelsMajority(seg.subarray(i * s * s, (i + 1) * s * s), s, s, stride, classes),
          i * m * m,
        );
      }
      out.lossLabels = tf.tensor3d(small, [n, m, m], "int32");
    } else {
      out.lossLabels = out.labels;
    }
  }
  if (spec.keypoints) {
    const { count, stride, dilation } = spec.keypoints;
    const k = batch.numKeypoints ?? 0;
    if (batch.keypoints && k !== count) {
      throw new Error(
        `Cannot train a ${count}-keypoint head on sample "${batch.ids[0]}" with ${k} keypoints`,
      );
    }
    const flat = batch.keypoints;
    const kps: Keypoint[][] = Array.from(
      { length: n },
      (_, i) =>
        Array.from({ length: count }, (_, j): Keypoint => {
          if (!flat) return [0, 0, 0];
          const o = (i * count + j) * 3;
          return [flat[o]!, flat[o + 1]!, flat[o + 2]!];
        }),
    );
    const m = Math.ceil(s / stride);
    out.keypoints = kps;
    out.keypointTargets = tf.tensor4d(
      keypointTargets(kps, count, stride, m, m, dilation),
      [n, m, m, count],
    );
  }
  return out;
}

/** Frees a batch's tensors. */
export function disposeBatch(batch: Batch): void {
  const all: (Tensor | undefined)[] = [
    batch.x,
    batch.labels,
    batch.lossLabels,
    batch.keypointTargets,
  ];
  tf.dispose(all.filter((t): t is Tensor => t !== undefined));
}
