/**
 * The training layer update `z = relu(Σ signals + b)` (or its 2×2 NMS) in one kernel, with a
 * gradient that keeps only z.
 *
 * Composed from tfjs ops the update is an `addN` of the signals, a broadcast `add` of the
 * bias (tfjs-wasm's broadcasting loop: about 3 ms for one `[8, 112, 112, 8]` map on two
 * threads), relu or the NMS mask and a product, each a full pass over the map. Here the
 * forward is the inference kernel `ClvmFusedUpdate` (native and threaded on wasm, one WGSL
 * program on webgpu, a loop on cpu) with the same sums in the same order, so z is the same
 * float32 map bit for bit. The gradient is the composition's: `da = dy · [z > 0]` for every
 * signal (relu's derivative, and NMS passes it to the one winning cell where z > 0) and
 * `Σ da` over all but channels for the bias.
 *
 * @module
 */
import { type Tensor, type Tensor1D, type Tensor4D as T4, tf } from "../deps.ts";
import { releaseGradient } from "../ops/mod.ts";
import { FUSED_UPDATE, type FusedUpdateAttrs } from "./_names.ts";
import { hasFusedKernel } from "./register.ts";

/** Whether {@link layerUpdate} runs as one kernel on the active backend. */
export function hasLayerUpdateKernel(): boolean {
  return hasFusedKernel(FUSED_UPDATE);
}

/**
 * `relu(bot + top + bias)` — with `nms`, kept only at each 2×2 group's first maximum — for
 * one or two float32 `[N, H, W, C]` signals and a `[C]` bias, differentiable in all of them.
 * Needs the fused kernel ({@link hasLayerUpdateKernel}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { layerUpdate } from "./layer_update.ts";
 * import { registerFusedKernels } from "./register.ts";
 * await tf.setBackend("cpu");
 * registerFusedKernels();
 * const z = layerUpdate([tf.tensor4d([1, -3, 2, 0], [1, 2, 2, 1])], tf.tensor1d([0.5]), false);
 * assert.deepEqual(Array.from(z.dataSync()), [1.5, 0, 2.5, 0.5]);
 * ```
 */
export function layerUpdate(signals: readonly T4[], bias: Tensor1D, nms: boolean): T4 {
  if (signals.length < 1 || signals.length > 2) {
    throw new Error(`layerUpdate takes one or two signals, received ${signals.length}`);
  }
  const shape = signals[0]!.shape;
  for (const s of signals) {
    if (!tf.util.arraysEqual(s.shape, shape) || s.dtype !== "float32") {
      throw new Error(
        `Cannot add signals of shapes [${shape.join(", ")}] and [${s.shape.join(", ")}] ` +
          `(${s.dtype}): expected float32 maps of one shape`,
      );
    }
  }
  if (bias.rank !== 1 || bias.size !== shape[3]) {
    throw new Error(
      `Cannot add a bias of shape [${bias.shape.join(", ")}] to maps of ${shape[3]} channels`,
    );
  }
  if (!hasLayerUpdateKernel()) {
    throw new Error(`The ${tf.getBackend()} backend has no ${FUSED_UPDATE} kernel`);
  }
  const attrs: FusedUpdateAttrs = { nms, topPooled: false };
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as (t: Tensor[]) => void;
    const [bot, second, b] = args.length === 4
      ? args as [T4, T4, Tensor1D]
      : [args[0] as T4, null, args[1] as Tensor1D];
    const inputs: tf.NamedTensorMap = second ? { bot, top: second, bias: b } : { bot, bias: b };
    const z = tf.engine().runKernel(
      FUSED_UPDATE,
      inputs,
      attrs as unknown as tf.NamedAttrMap,
    ) as T4;
    save([z]);
    return {
      value: z,
      gradFunc: (dy: T4, saved: Tensor[]) => {
        const da = tf.tidy(() => tf.mul(dy, tf.step(saved[0]!)) as T4);
        releaseGradient(dy);
        const db = tf.sum(da, [0, 1, 2]);
        return second ? [da, tf.clone(da), db] : [da, db];
      },
    };
  });
  return (op as unknown as (...t: Tensor[]) => T4)(...signals, bias);
}
