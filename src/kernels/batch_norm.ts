/**
 * Batch norm in training mode (statistics of the batch) with its own gradient, in a few
 * reductions rather than tfjs-core's composition (whose gradient tiles 1/√(var + ε) to the
 * activation's full size). On `cpu` and `wasm` both directions are one kernel each
 * (src/kernels/batch_norm_cpu.ts); elsewhere (webgpu) they are composed of tfjs ops, with
 * the same formulas and no `Tile`.
 *
 * @module
 */
import { type Tensor, type Tensor1D, tf } from "../deps.ts";
import { BATCH_NORM_GRAD, BATCH_NORM_TRAIN } from "./_names.ts";
import { hasFusedKernel } from "./register.ts";
import { releaseGradient } from "../ops/mod.ts";

/** The output of {@link batchNormTraining}. */
export interface BatchNormResult<T extends Tensor> {
  /** γ·(x − μ)/√(σ² + ε) + β. */
  y: T;
  /** The batch mean μ over every axis but the last (no gradient flows through it). */
  mean: Tensor1D;
  /** The biased batch variance σ² (no gradient flows through it). */
  variance: Tensor1D;
}

type Saved = [Tensor, Tensor1D, Tensor1D, Tensor1D];

function axesOf(x: Tensor): number[] {
  return [...Array(x.rank - 1).keys()];
}

function forwardOps(
  x: Tensor,
  gamma: Tensor1D,
  beta: Tensor1D,
  epsilon: number,
): [Tensor, Tensor1D, Tensor1D] {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, axesOf(x));
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon)));
    const offset = tf.sub(beta, tf.mul(mean, scale));
    return [tf.add(tf.mul(x, scale), offset), mean as Tensor1D, variance as Tensor1D];
  });
}

function gradOps(
  dy: Tensor,
  x: Tensor,
  gamma: Tensor1D,
  mean: Tensor1D,
  variance: Tensor1D,
  epsilon: number,
): [Tensor, Tensor1D, Tensor1D] {
  return tf.tidy(() => {
    const axes = axesOf(x);
    const m = x.size / gamma.size;
    const s = tf.rsqrt(tf.add(variance, epsilon));
    const centered = tf.sub(x, mean);
    const dbeta = tf.sum(dy, axes) as Tensor1D;
    const dgamma = tf.mul(tf.sum(tf.mul(dy, centered), axes), s) as Tensor1D;
    const a = tf.mul(gamma, s);
    const b = tf.div(tf.mul(tf.mul(a, dgamma), s), -m);
    const k = tf.div(tf.mul(a, dbeta), -m);
    const dx = tf.add(tf.add(tf.mul(dy, a), tf.mul(centered, b)), k);
    return [dx, dgamma, dbeta];
  });
}

/**
 * Batch norm of `x` (channels last, any rank ≥ 2) with the statistics of the batch, and
 * the standard batch-norm gradient with respect to `x`, `gamma` and `beta`. The returned
 * `mean` and `variance` are kept (they survive an enclosing `tf.tidy`): the caller
 * disposes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { initBackend } from "../backend.ts";
 * import { batchNormTraining } from "./batch_norm.ts";
 * await initBackend("cpu");
 * const x = tf.tensor2d([[1], [3]]);
 * const { y, mean, variance } = batchNormTraining(x, tf.ones([1]), tf.zeros([1]), 0);
 * assert.deepEqual(
 *   [Array.from(y.dataSync()), mean.dataSync()[0], variance.dataSync()[0]],
 *   [[-1, 1], 2, 1],
 * );
 * ```
 */
export function batchNormTraining<T extends Tensor>(
  x: T,
  gamma: Tensor1D,
  beta: Tensor1D,
  epsilon: number,
): BatchNormResult<T> {
  const c = x.shape[x.rank - 1];
  if (x.rank < 2 || gamma.rank !== 1 || beta.rank !== 1 || gamma.size !== c || beta.size !== c) {
    throw new Error(
      `Cannot batch-normalize x of shape [${x.shape.join(", ")}] with gamma [${
        gamma.shape.join(", ")
      }] and beta [${beta.shape.join(", ")}]: expected rank ≥ 2 and both of shape [${c}]`,
    );
  }
  const attrs = { epsilon };
  const fused = hasFusedKernel(BATCH_NORM_TRAIN);
  let stats: [Tensor1D, Tensor1D] | null = null;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, g, b, save] = args as [
      Tensor,
      Tensor1D,
      Tensor1D,
      (t: Tensor[]) => void,
    ];
    const [y, mean, variance] = fused
      ? tf.engine().runKernel(BATCH_NORM_TRAIN, { x: xi, gamma: g, beta: b }, attrs) as [
        Tensor,
        Tensor1D,
        Tensor1D,
      ]
      : forwardOps(xi, g, b, epsilon);
    stats = [tf.keep(mean), tf.keep(variance)];
    save([xi, g, mean, variance]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sg, sm, sv] = saved as Saved;
        const grads = fused
          ? tf.engine().runKernel(
            BATCH_NORM_GRAD,
            { dy, x: sx, gamma: sg, mean: sm, variance: sv },
            attrs,
          ) as Tensor[]
          : tf.tidy(() => gradOps(dy, sx, sg, sm, sv, epsilon));
        releaseGradient(dy);
        return grads;
      },
    };
  });
  const y = (op as unknown as (a: Tensor, b: Tensor, c: Tensor) => T)(x, gamma, beta);
  const [mean, variance] = stats!;
  return { y, mean, variance };
}
