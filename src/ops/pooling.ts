/**
 * The 2×2 sum-pool `P` between an NMS layer and the layer above, and the top-down signal
 * back across it — one way per feedback mode (docs/MODEL.md §1).
 *
 * `P` and the replicate upsample are each other's exact adjoints, and each is given
 * the other as its gradient (tfjs-cpu's own gradient of the nearest-neighbour resize is
 * wrong for this use).
 *
 * @module
 */
import { type Tensor4D as T4, tf } from "../deps.ts";
import { releaseGradient, unaryWithGrad } from "./_custom_grad.ts";
import { conv2dTransposeSame } from "./conv.ts";
import { type Feedback, unknownFeedback } from "./feedback.ts";

function sumPoolRaw(x: T4): T4 {
  return tf.mul(tf.avgPool(x, 2, 2, "valid"), 4);
}

function replicateRaw(x: T4): T4 {
  const [, h, w] = x.shape;
  return tf.image.resizeNearestNeighbor(x, [h * 2, w * 2]);
}

/** `P`: the 2×2 sum-pool with stride 2 (NHWC, even height and width). */
export const sumPool2x2: (x: T4) => T4 = unaryWithGrad((x: T4) => ({
  value: tf.tidy(() => sumPoolRaw(x)),
  gradFunc: (dy: T4) => released(dy, replicateRaw(dy)),
}));

/** `Pᵀ` of the `replicate` mode: each value copied to the 4 cells of its group. */
export const replicate2x2: (x: T4) => T4 = unaryWithGrad((x: T4) => ({
  value: replicateRaw(x),
  gradFunc: (dy: T4) => released(dy, tf.tidy(() => sumPoolRaw(dy))),
}));

/** `dx` after freeing `dy` (`_custom_grad.ts`'s `releaseGradient`). */
function released(dy: T4, dx: T4): T4 {
  releaseGradient(dy);
  return dx;
}

/** A `[1, 2h, 2w, 1]` mask that is 1 at the top-left cell of each 2×2 group. */
function topLeftMask(h: number, w: number): T4 {
  return tf.tidy(() => {
    const even = (n: number) =>
      tf.cast(tf.equal(tf.mod(tf.range(0, n, 1, "int32"), 2), 0), "float32");
    const rows = tf.reshape(even(2 * h), [1, 2 * h, 1, 1]);
    const cols = tf.reshape(even(2 * w), [1, 1, 2 * w, 1]);
    return tf.mul(rows, cols) as T4;
  });
}

/**
 * Zero-interlacing: each value of `x` (`[N, h, w, C]`) at the top-left cell of its 2×2 group
 * of a `[N, 2h, 2w, C]` grid, zeros elsewhere (the white circles of the paper's Fig. 6). Its
 * gradient is the top-left subsample of the output gradient.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { zeroInterlace2x2 } from "./pooling.ts";
 * await tf.setBackend("cpu");
 * const x = tf.tensor4d([1, 2], [1, 1, 2, 1]);
 * const y = zeroInterlace2x2(x);
 * assert.deepEqual(await y.data(), new Float32Array([1, 0, 2, 0, 0, 0, 0, 0]));
 * tf.dispose([x, y]);
 * ```
 */
export function zeroInterlace2x2(x: T4): T4 {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    return tf.mul(replicate2x2(x), topLeftMask(h, w));
  });
}

/**
 * The top-down signal into an NMS layer (docs/MODEL.md §1): `z_above` (`[N, h, w, C_above]`,
 * at the pooled resolution) through the filter `w` (`[k, k, C_below, C_above]`, the bottom-up
 * filter of the layer above, or its untied top-down twin) to the NMS layer's `[N, 2h, 2w,
 * C_below]` grid, as the feedback mode crosses the pooling:
 *
 * - `replicate`: `Pᵀ(convT(z_above, w))`, each value copied to the 4 cells of its group;
 * - `switches`: the same, kept only at the cells of `winners` (1 at the cell that won the
 *   layer's last NMS, needed by this mode only);
 * - `zero-interlace`: `convT(zeroInterlace(z_above), w)`, the filter applied at the finer
 *   resolution after the interlacing (the paper's Fig. 6).
 */
export function topDownThroughNms(
  zAbove: T4,
  w: T4,
  feedback: Feedback,
  winners?: T4,
): T4 {
  return tf.tidy(() => {
    switch (feedback) {
      case "replicate":
        return replicate2x2(conv2dTransposeSame(zAbove, w));
      case "switches":
        if (!winners) throw new Error("The switches feedback needs the NMS layer's winner mask");
        return tf.mul(replicate2x2(conv2dTransposeSame(zAbove, w)), winners) as T4;
      case "zero-interlace":
        return conv2dTransposeSame(zeroInterlace2x2(zAbove), w);
      default:
        return unknownFeedback(feedback);
    }
  });
}
