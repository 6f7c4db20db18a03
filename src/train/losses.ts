/**
 * The training losses of docs/MODEL.md §3: per-pixel softmax cross-entropy for segmentation,
 * per-pixel sigmoid log-loss for keypoint maps, their targets, and which parameters
 * weight decay applies to.
 *
 * Segmentation heads read layers below the input's resolution (stride 4 at z5–z8).
 * Two ways to compare them with input-resolution labels, a recipe value
 * (`segmentationTarget`):
 *
 * - `"upsample-logits"` (default, as scored): the logits are upsampled bilinearly to the
 *   input size (half-pixel centres, edges clamped: what `segmentationLabels` does at test
 *   time) and the loss is taken over every labelled input pixel. The upsample is written
 *   as two matrix products, so its gradient is exact on every backend (tfjs-cpu's own
 *   `ResizeBilinearGrad` fails on non-square maps).
 * - `"downsample-labels"`: the labels are reduced to the head's resolution by a majority
 *   vote in each `stride×stride` cell ({@link downsampleLabelsMajority}), and the loss is
 *   taken per cell — cheaper, and what a head of that resolution can express.
 *
 * @module
 */
import { type Scalar, type Tensor, type Tensor3D, type Tensor4D, tf } from "../deps.ts";
import type { Keypoint } from "../data/types.ts";
import { softmaxXentSum } from "../kernels/softmax_xent.ts";

/** How a loss summed over cells is normalized (see the module doc). */
export type LossNormalization = "mean" | "sum-over-batch";

/** The loss normalizations, for validating user input. */
export const LOSS_NORMALIZATIONS: readonly LossNormalization[] = ["mean", "sum-over-batch"];

/** The label value that marks a pixel with no label. */
export const IGNORE_LABEL = 255;

/** How segmentation logits and labels are brought to one resolution (see the module doc). */
export type SegmentationTarget = "upsample-logits" | "downsample-labels";

/** The segmentation target modes, for validating user input. */
export const SEGMENTATION_TARGETS: readonly SegmentationTarget[] = [
  "upsample-logits",
  "downsample-labels",
];

/**
 * The `[outSize, inSize]` matrix of a 1-D bilinear resize with half-pixel centres and
 * clamped edges: output `o` reads input position `(o + 0.5)·in/out − 0.5`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bilinearMatrix } from "./losses.ts";
 * // 2 → 4: rows [1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]
 * assert.deepEqual(Array.from(bilinearMatrix(4, 2)), [1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
 * ```
 */
export function bilinearMatrix(outSize: number, inSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const ratio = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(inSize - 1, Math.max(0, (o + 0.5) * ratio - 0.5));
    const lo = Math.floor(src);
    const hi = Math.min(inSize - 1, lo + 1);
    const frac = src - lo;
    m[o * inSize + lo]! += 1 - frac;
    m[o * inSize + hi]! += frac;
  }
  return m;
}

/**
 * Bilinear resize of `[N, h, w, C]` to `[N, height, width, C]` (half-pixel centres, as
 * `tf.image.resizeBilinear(x, size, false, true)`), as matrix products so that its
 * gradient is exact on every backend. Returns `x` itself (not a copy) when the size is
 * unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { initBackend } from "../../mod.ts";
 * import { upsampleBilinear } from "./losses.ts";
 * await initBackend("cpu");
 * const y = upsampleBilinear(tf.ones([1, 2, 3, 1]), 8, 12);
 * assert.deepEqual(y.shape, [1, 8, 12, 1]);
 * y.dispose();
 * ```
 */
export function upsampleBilinear(x: Tensor4D, height: number, width: number): Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h === height && w === width) return x;
  return tf.tidy(() => {
    const rows = tf.tensor2d(bilinearMatrix(height, h), [height, h]);
    const cols = tf.tensor2d(bilinearMatrix(width, w), [width, w]);
    // Rows: [h, N·w·C] → [height, N·w·C].
    const a = tf.matMul(rows, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]));
    // Columns: [w, N·height·C] → [width, N·height·C].
    const b = tf.transpose(tf.reshape(a, [height, n, w, c]), [2, 1, 0, 3]);
    const d = tf.matMul(cols, tf.reshape(b, [w, n * height * c]));
    return tf.transpose(tf.reshape(d, [width, n, height, c]), [1, 2, 0, 3]) as Tensor4D;
  });
}

/**
 * Softmax cross-entropy over the labelled pixels, averaged over them (`"mean"`, default)
 * or summed and divided by the batch size (`"sum-over-batch"`). `logits` `[N, h, w, C]`,
 * `labels` `[N, h, w]` (int32, class index or {@link IGNORE_LABEL}). A batch without any
 * labelled pixel has loss 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { initBackend } from "../../mod.ts";
 * import { softmaxCrossEntropy } from "./losses.ts";
 * await initBackend("cpu");
 * const loss = softmaxCrossEntropy(tf.zeros([1, 1, 2, 2]), tf.tensor3d([[[0, 255]]], [1, 1, 2], "int32"));
 * assert.ok(Math.abs((await loss.data())[0]! - Math.log(2)) < 1e-6);
 * ```
 */
export function softmaxCrossEntropy(
  logits: Tensor4D,
  labels: Tensor3D,
  normalization: LossNormalization = "mean",
): Scalar {
  return tf.tidy(() => {
    // One kernel for value and gradient where the backend has it (cpu, wasm).
    const fused = softmaxXentSum(logits, labels, IGNORE_LABEL);
    if (fused) {
      const { sum, count } = fused;
      try {
        if (normalization === "sum-over-batch") return tf.div(sum, logits.shape[0]) as Scalar;
        return tf.div(sum, tf.maximum(count, 1)) as Scalar;
      } finally {
        count.dispose();
      }
    }
    const classes = logits.shape[3];
    const mask = tf.cast(tf.notEqual(labels, IGNORE_LABEL), "float32");
    const safe = tf.where(tf.notEqual(labels, IGNORE_LABEL), labels, tf.zerosLike(labels));
    const target = tf.mul(tf.oneHot(tf.cast(safe, "int32"), classes), tf.expandDims(mask, 3));
    const total = tf.sum(tf.mul(target, tf.neg(tf.logSoftmax(logits, 3))));
    if (normalization === "sum-over-batch") return tf.div(total, logits.shape[0]) as Scalar;
    return tf.div(total, tf.maximum(tf.sum(mask), 1)) as Scalar;
  });
}

/**
 * The segmentation loss of a head's logits `[N, h, w, C]` against labels: with
 * `"upsample-logits"` the labels are at input resolution `[N, H, W]` and the logits are
 * upsampled to it; with `"downsample-labels"` the labels are already at the head's
 * resolution `[N, h, w]`. `normalization` as in {@link softmaxCrossEntropy}.
 */
export function segmentationLoss(
  logits: Tensor4D,
  labels: Tensor3D,
  mode: SegmentationTarget,
  normalization: LossNormalization = "mean",
): Scalar {
  const [, h, w] = logits.shape;
  const [, lh, lw] = labels.shape;
  if (mode === "downsample-labels" && (lh !== h || lw !== w)) {
    throw new Error(
      `Cannot compare segmentation logits of ${h}×${w} with labels of ${lh}×${lw}: ` +
        `"downsample-labels" expects labels at the head's resolution`,
    );
  }
  return tf.tidy(() =>
    softmaxCrossEntropy(upsampleBilinear(logits, lh, lw), labels, normalization)
  );
}

/**
 * Labels `height×width` (row-major) reduced to `⌈height/stride⌉×⌈width/stride⌉` by a
 * majority vote of the labelled pixels in each cell (ties: the lower class index); a cell
 * with no labelled pixel is {@link IGNORE_LABEL}. Labels ≥ `numClasses` other than 255
 * are an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { downsampleLabelsMajority } from "./losses.ts";
 * const out = downsampleLabelsMajority(new Uint8Array([1, 1, 0, 255]), 2, 2, 2, 2);
 * assert.deepEqual(out, new Uint8Array([1]));
 * ```
 */
export function downsampleLabelsMajority(
  labels: Uint8Array,
  height: number,
  width: number,
  stride: number,
  numClasses: number,
): Uint8Array {
  if (labels.length !== height * width) {
    throw new Error(
      `Cannot downsample labels: expected ${height}×${width} = ${
        height * width
      } values, got ${labels.length}`,
    );
  }
  if (stride === 1) return labels.slice();
  const oh = Math.ceil(height / stride);
  const ow = Math.ceil(width / stride);
  const out = new Uint8Array(oh * ow);
  const votes = new Int32Array(numClasses);
  for (let r = 0; r < oh; r++) {
    for (let c = 0; c < ow; c++) {
      votes.fill(0);
      for (let y = r * stride; y < Math.min(height, (r + 1) * stride); y++) {
        for (let x = c * stride; x < Math.min(width, (c + 1) * stride); x++) {
          const v = labels[y * width + x]!;
          if (v === IGNORE_LABEL) continue;
          if (v >= numClasses) {
            throw new Error(
              `Cannot downsample labels: pixel (${x}, ${y}) has class ${v}, expected 0..${
                numClasses - 1
              } or ${IGNORE_LABEL}`,
            );
          }
          votes[v]!++;
        }
      }
      let best = -1;
      let bestVotes = 0;
      for (let k = 0; k < numClasses; k++) {
        if (votes[k]! > bestVotes) {
          best = k;
          bestVotes = votes[k]!;
        }
      }
      out[r * ow + c] = best < 0 ? IGNORE_LABEL : best;
    }
  }
  return out;
}

/**
 * Keypoint target maps `[N, mapHeight, mapWidth, K]` (flat, NHWC) for keypoints given in
 * network-input pixels: 1 on the keypoint's cell `(⌊y/stride⌋, ⌊x/stride⌋)` dilated to
 * `dilation×dilation` (clipped at the border), 0 elsewhere. An invisible keypoint, or
 * one whose cell lies outside the map (nothing to find in this input), has an all-zero
 * map.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keypointTargets } from "./losses.ts";
 * // One keypoint at (5, 1) with stride 4 on a 2×2 map: cell (row 0, col 1), dilated.
 * const t = keypointTargets([[[5, 1, 1]]], 1, 4, 2, 2);
 * assert.deepEqual(Array.from(t), [1, 1, 1, 1]);
 * ```
 */
export function keypointTargets(
  keypoints: readonly (readonly Keypoint[])[],
  numKeypoints: number,
  stride: number,
  mapHeight: number,
  mapWidth: number,
  dilation = 3,
): Float32Array {
  const n = keypoints.length;
  const out = new Float32Array(n * mapHeight * mapWidth * numKeypoints);
  const radius = Math.floor(dilation / 2);
  for (let b = 0; b < n; b++) {
    const points = keypoints[b]!;
    if (points.length !== numKeypoints) {
      throw new Error(
        `Cannot build keypoint targets for image ${b}: expected ${numKeypoints} keypoints, ` +
          `got ${points.length}`,
      );
    }
    for (let k = 0; k < numKeypoints; k++) {
      const [x, y, visible] = points[k]!;
      if (!visible || !Number.isFinite(x) || !Number.isFinite(y)) continue;
      const col = Math.floor(x / stride);
      const row = Math.floor(y / stride);
      if (row < 0 || col < 0 || row >= mapHeight || col >= mapWidth) continue;
      for (let r = Math.max(0, row - radius); r <= Math.min(mapHeight - 1, row + radius); r++) {
        for (let c = Math.max(0, col - radius); c <= Math.min(mapWidth - 1, col + radius); c++) {
          out[((b * mapHeight + r) * mapWidth + c) * numKeypoints + k] = 1;
        }
      }
    }
  }
  return out;
}

/**
 * Per-cell sigmoid log-loss `−t·log σ(x) − (1−t)·log(1−σ(x))` of logit maps `[N, h, w, K]`
 * against targets of the same shape, in the stable form `max(x, 0) − x·t + log(1 + e^{−|x|})`:
 * the mean over every cell and channel (`"mean"`, default), or their sum divided by `N`
 * (`"sum-over-batch"`, MatConvNet's convention).
 *
 * `positiveWeight` w multiplies the loss of the positive cells (`t = 1`): 1, the default,
 * is the paper's loss; any other value departs from it (a class-balancing option, never
 * used by the `paper` recipe).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { initBackend } from "../../mod.ts";
 * import { sigmoidLogLoss } from "./losses.ts";
 * await initBackend("cpu");
 * const loss = sigmoidLogLoss(tf.zeros([1, 2, 2, 1]), tf.ones([1, 2, 2, 1]));
 * assert.ok(Math.abs((await loss.data())[0]! - Math.log(2)) < 1e-6);
 * ```
 */
export function sigmoidLogLoss(
  logits: Tensor4D,
  targets: Tensor4D,
  normalization: LossNormalization = "mean",
  positiveWeight = 1,
): Scalar {
  if (!tf.util.arraysEqual(logits.shape, targets.shape)) {
    throw new Error(
      `Cannot compare keypoint logits of shape [${logits.shape.join(", ")}] with targets of ` +
        `shape [${targets.shape.join(", ")}]`,
    );
  }
  if (!(positiveWeight > 0) || !Number.isFinite(positiveWeight)) {
    throw new Error(
      `Invalid keypoint positive weight ${positiveWeight}: expected a finite number > 0`,
    );
  }
  return tf.tidy(() => {
    let cell: Tensor = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, targets)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    if (positiveWeight !== 1) cell = tf.mul(cell, tf.add(1, tf.mul(targets, positiveWeight - 1)));
    return (normalization === "sum-over-batch"
      ? tf.div(tf.sum(cell), logits.shape[0])
      : tf.mean(cell)) as Scalar;
  });
}

/**
 * Whether weight decay applies to parameter `name`: the bottom-up filters `conv{i}/kernel`,
 * the untied top-down filters `topdown{i}/kernel` and the head filters
 * `head/{task}/kernel`; never biases or batch-norm parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDecayed } from "./losses.ts";
 * assert.equal(isDecayed("conv3/kernel"), true);
 * assert.equal(isDecayed("conv3/bias"), false);
 * ```
 */
export function isDecayed(name: string): boolean {
  return /^(conv\d+|topdown\d+|head\/[a-z]+)\/kernel$/.test(name);
}
