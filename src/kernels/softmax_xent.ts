/**
 * The segmentation loss's softmax cross-entropy in one kernel (`ClvmSoftmaxXent`): value and
 * gradient in a single pass over the logits, where `train/losses.ts` composes ~15 tfjs ops
 * (one-hot, mask, log-softmax — itself max, subtract, exp, sum, log — and their gradients),
 * each a full pass over the map: in a tiny CLVM₁ training step at 112×112, batch 32, on wasm
 * with 2 threads, the log-softmax alone took 16 ms and its exp 7 of 294 ms (profiled). A
 * plain loop on `cpu`, the native kernel on `wasm` (`softmax_xent_cpu.ts`); other backends
 * keep the composition.
 *
 * @module
 */
import { type Scalar, type Tensor, tf } from "../deps.ts";
import { SOFTMAX_XENT, type SoftmaxXentAttrs } from "./_names.ts";
import { hasFusedKernel } from "./register.ts";

/**
 * The summed softmax cross-entropy of `logits` (`[…, C]`, float32) against `labels` (`[…]`,
 * int32) over the pixels not labelled `ignore`, differentiable in `logits`, and the count of
 * those pixels — or null where the active backend has no such kernel. A label outside
 * `[0, C)` other than `ignore` counts, with loss 0 and gradient 0 (as a one-hot of it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { softmaxXentSum } from "./softmax_xent.ts";
 * await tf.setBackend("cpu");
 * const r = softmaxXentSum(tf.zeros([1, 2, 2]), tf.tensor2d([[0, 255]], [1, 2], "int32"), 255)!;
 * assert.ok(Math.abs(r.sum.dataSync()[0]! - Math.log(2)) < 1e-6);
 * assert.equal(r.count.dataSync()[0], 1);
 * ```
 */
export function softmaxXentSum(
  logits: Tensor,
  labels: Tensor,
  ignore: number,
): { sum: Scalar; count: Scalar } | null {
  if (logits.dtype !== "float32" || !hasFusedKernel(SOFTMAX_XENT)) return null;
  const pixels = logits.shape.slice(0, -1);
  if (!tf.util.arraysEqual(pixels, labels.shape)) {
    throw new Error(
      `Cannot score logits of shape [${logits.shape.join(", ")}] against labels of shape ` +
        `[${labels.shape.join(", ")}]: expected the logits' shape without its last axis`,
    );
  }
  const int = labels.dtype === "int32" ? labels : tf.cast(labels, "int32");
  const attrs: SoftmaxXentAttrs = { ignore };
  let count: Scalar | null = null;
  const op = tf.customGrad((...args: unknown[]) => {
    const [l, save] = args as [Tensor, (t: Tensor[]) => void];
    const [out, grad] = tf.engine().runKernel(
      SOFTMAX_XENT,
      { logits: l, labels: int },
      attrs as unknown as tf.NamedAttrMap,
    ) as [Tensor, Tensor];
    count = tf.keep(tf.reshape(tf.slice(out, [1], [1]), []));
    save([grad]);
    return {
      value: tf.reshape(tf.slice(out, [0], [1]), []),
      gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(saved[0]!, dy),
    };
  });
  const sum = (op as unknown as (l: Tensor) => Scalar)(logits);
  if (int !== labels) int.dispose();
  return { sum, count: count! };
}
