/**
 * The two element-wise steps of a layer update, `a = Σ signals + bias` and `z = relu(a)`, with
 * gradients that keep no activation of their own.
 *
 * tfjs's `add` saves both inputs for its gradient (to reduce a broadcast operand) and its
 * `relu` saves its input, so every update held its batch-normalized signals, their sum and
 * the pre-activation on the tape until the backward pass ended — four or five full-size
 * activations beside z. Here the sum saves nothing (its gradient is `dy` for every signal
 * and `dy` summed over all but channels for the bias) and relu saves its output z, which the
 * next layer's convolution keeps anyway: `relu'(a) = [z > 0]`. With them (and the sharing
 * `Identity` of `kernels/wasm_identity.ts`), a paper CLVM₂ training step at 112×112, batch 8,
 * on wasm peaked at 1,524 MiB of live heap blocks instead of 1,885; freeing each gradient
 * once used (`releasingGradients`) then took it to 710 MiB.
 *
 * @module
 */
import { type Tensor, type Tensor1D, type Tensor4D as T4, tf } from "../deps.ts";
import { releaseGradient, unaryWithGrad } from "./_custom_grad.ts";

/**
 * `Σ signals + bias` over channels-last maps of equal shape (`bias` of the channel count),
 * whose gradient saves no tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { addSignals } from "./lean_grad.ts";
 * await tf.setBackend("cpu");
 * const s = addSignals([tf.ones([1, 1, 2, 1]) as tf.Tensor4D], tf.tensor1d([2]));
 * assert.deepEqual(Array.from(s.dataSync()), [3, 3]);
 * ```
 */
export function addSignals(signals: readonly T4[], bias: Tensor1D): T4 {
  if (signals.length === 0) throw new Error("addSignals needs at least one signal");
  const shape = signals[0]!.shape;
  for (const s of signals) {
    if (!tf.util.arraysEqual(s.shape, shape)) {
      throw new Error(
        `Cannot add signals of shapes [${shape.join(", ")}] and [${s.shape.join(", ")}]`,
      );
    }
  }
  if (bias.rank !== 1 || bias.size !== shape[3]) {
    throw new Error(
      `Cannot add a bias of shape [${bias.shape.join(", ")}] to maps of ${shape[3]} channels`,
    );
  }
  const op = tf.customGrad((...args: unknown[]) => {
    const inputs = args.slice(0, -1) as Tensor[];
    const b = inputs[inputs.length - 1]!;
    const maps = inputs.slice(0, -1) as T4[];
    const sum = maps.length === 1 ? maps[0]! : tf.addN(maps);
    return {
      value: tf.add(sum, b),
      gradFunc: (dy: Tensor) => [
        ...maps.map((_, i) => (i === 0 ? dy : tf.clone(dy))),
        tf.sum(dy, [0, 1, 2]),
      ],
    };
  });
  return (op as unknown as (...t: Tensor[]) => T4)(...signals, bias);
}

/**
 * `relu(a)` whose gradient keeps its output, not its input: `dy · [z > 0]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { reluKeepingOutput } from "./lean_grad.ts";
 * await tf.setBackend("cpu");
 * const z = reluKeepingOutput(tf.tensor4d([-1, 2], [1, 1, 2, 1]));
 * assert.deepEqual(Array.from(z.dataSync()), [0, 2]);
 * ```
 */
export const reluKeepingOutput: (a: T4) => T4 = unaryWithGrad((a: T4, save) => {
  const z = tf.relu(a) as T4;
  save([z]);
  return {
    value: z,
    gradFunc: (dy: T4, saved: tf.Tensor[]) => {
      const da = tf.tidy(() => tf.mul(dy, tf.step(saved[0]!)));
      releaseGradient(dy);
      return da;
    },
  };
});
