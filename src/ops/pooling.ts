/**
 * The 2×2 sum-pool `P` between an NMS layer and the layer above, and its transposes
 * `Pᵀ` — one per feedback mode (docs/MODEL.md §1).
 *
 * `P` and the replicate upsample are each other's exact adjoints, and each is given
 * the other as its gradient (tfjs-cpu's own gradient of the nearest-neighbour resize is
 * wrong for this use).
 *
 * @module
 */
import { type Tensor4D as T4, tf } from "../deps.ts";
import { unaryWithGrad } from "./_custom_grad.ts";

/**
 * How the top-down signal crosses a 2×2 pooling (the model's `Feedback` option): copied to
 * the 4 cells, sent to the cell that won the NMS, or to the top-left cell only.
 */
export type UnpoolMode = "replicate" | "switches" | "zero-interlace";

function sumPoolRaw(x: T4): T4 {
  return tf.mul(tf.avgPool(x, 2, 2, "valid"), 4);
}

function replicateRaw(x: T4): T4 {
  const [, h, w] = x.shape;
  return tf.image.resizeNearestNeighbor(x, [h * 2, w * 2]);
}

/** `P`: the 2×2 sum-pool with stride 2 (NHWC, even height and width). */
export const sumPool2x2: (x: T4) => T4 = unaryWithGrad((x: T4) => ({
  value: sumPoolRaw(x),
  gradFunc: (dy: T4) => replicateRaw(dy),
}));

/** `Pᵀ` of the `replicate` mode: each value copied to the 4 cells of its group. */
export const replicate2x2: (x: T4) => T4 = unaryWithGrad((x: T4) => ({
  value: replicateRaw(x),
  gradFunc: (dy: T4) => sumPoolRaw(dy),
}));

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
 * `Pᵀ` for a feedback mode: how the top-down signal `x` (at the pooled resolution)
 * crosses an NMS layer. `switches` is the layer's current winner mask (1 at the cell
 * that won its last NMS), needed by the `switches` mode only.
 */
export function unpool(x: T4, feedback: UnpoolMode, switches?: T4): T4 {
  return tf.tidy(() => {
    const up = replicate2x2(x);
    if (feedback === "replicate") return up;
    if (feedback === "switches") {
      if (!switches) throw new Error("The switches feedback needs the NMS layer's winner mask");
      return tf.mul(up, switches);
    }
    const [, h, w] = x.shape;
    return tf.mul(up, topLeftMask(h, w));
  });
}
