/**
 * The CLVM's layer update as one kernel (docs/MODEL.md §1): `z = relu((bot + top) + b)`, or for
 * an NMS layer `relu(a)` at the first maximum of `a` in each 2×2 group (raster order) and 0
 * elsewhere; optionally also the 2×2 sum-pool `P(z)` that the layer above reads.
 *
 * Inference only: these kernels have no gradients (training uses the generic ops of
 * `src/clvm/`). They run as WGSL programs on `webgpu`, as plain loops on `cpu` (the test
 * oracle) and `wasm`, and as the generic tfjs composition on any other backend.
 *
 * @module
 */
import { type Tensor1D, type Tensor4D as T4, tf } from "../deps.ts";
import { nmsRelu } from "../ops/nms.ts";
import { replicate2x2, sumPool2x2 } from "../ops/pooling.ts";
import { FUSED_UPDATE, type FusedUpdateAttrs, SUM_POOL } from "./_names.ts";
import { hasFusedKernel } from "./register.ts";

/** Options of {@link fusedUpdate}. */
export interface FusedUpdateOptions {
  /**
   * `top` is at half of `bot`'s resolution and crosses the NMS layer by replicate feedback
   * (each value copied to the four cells of its group) inside the kernel. Default false.
   */
  topPooled?: boolean;
}

function checkInputs(
  bot: tf.Tensor,
  top: tf.Tensor | null,
  bias: tf.Tensor,
  nms: boolean,
  topPooled: boolean,
): void {
  const shape = (t: tf.Tensor) => `[${t.shape.join(", ")}]`;
  if (bot.rank !== 4 || bot.dtype !== "float32") {
    throw new Error(
      `Cannot run the fused update on bot of shape ${shape(bot)} (${bot.dtype}): expected a ` +
        "float32 [N, H, W, C] tensor",
    );
  }
  const [n, h, w, c] = bot.shape as [number, number, number, number];
  if (bias.rank !== 1 || bias.shape[0] !== c || bias.dtype !== "float32") {
    throw new Error(
      `Cannot run the fused update with bias of shape ${shape(bias)}: expected float32 [${c}]`,
    );
  }
  if ((nms || topPooled) && (h % 2 !== 0 || w % 2 !== 0)) {
    throw new Error(
      `Cannot run the fused update with ${nms ? "NMS" : "a pooled top"} on bot of shape ` +
        `${shape(bot)}: expected an even height and width`,
    );
  }
  if (top) {
    const want = topPooled ? [n, h / 2, w / 2, c] : [n, h, w, c];
    if (!tf.util.arraysEqual(top.shape, want) || top.dtype !== "float32") {
      throw new Error(
        `Cannot run the fused update with top of shape ${shape(top)}: expected float32 ` +
          `[${want.join(", ")}]${topPooled ? " (topPooled: half of bot's resolution)" : ""}`,
      );
    }
  }
}

/**
 * `relu((bot + top) + bias)`, with 2×2 NMS when `nms`, in one pass (inference only: no
 * gradient). `top` may be null (no top-down signal); with `options.topPooled` it is at half
 * resolution and replicated to each 2×2 group. Returns a new tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { fusedUpdate } from "./fused_update.ts";
 * await tf.setBackend("cpu");
 * const bot = tf.tensor4d([1, 3, 3, 2], [1, 2, 2, 1]);
 * const z = fusedUpdate(bot, null, tf.tensor1d([-1]), true);
 * assert.deepEqual(Array.from(await z.data()), [0, 2, 0, 0]); // the first of the tied maxima wins
 * ```
 */
export function fusedUpdate(
  bot: T4,
  top: T4 | null,
  bias: Tensor1D,
  nms: boolean,
  options: FusedUpdateOptions = {},
): T4 {
  const topPooled = options.topPooled ?? false;
  checkInputs(bot, top, bias, nms, topPooled);
  if (!hasFusedKernel(FUSED_UPDATE)) return genericUpdate(bot, top, bias, nms, topPooled);
  const attrs: FusedUpdateAttrs = { nms, topPooled };
  const inputs: tf.NamedTensorMap = top ? { bot, top, bias } : { bot, bias };
  return tf.engine().runKernel(
    FUSED_UPDATE,
    inputs,
    attrs as unknown as tf.NamedAttrMap,
  ) as T4;
}

/**
 * {@link fusedUpdate} and the 2×2 sum-pool of its result (what the layer above an NMS
 * layer reads), as two kernels: the update, then the pool over `z`. Inference only. The
 * caller disposes both tensors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { fusedUpdatePooled } from "./fused_update.ts";
 * await tf.setBackend("cpu");
 * const ones = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
 * const { z, pooled } = fusedUpdatePooled(ones, null, tf.zeros([1]) as tf.Tensor1D, true);
 * assert.deepEqual(pooled.shape, [1, 2, 2, 1]);
 * tf.dispose([z, pooled]);
 * ```
 */
export function fusedUpdatePooled(
  bot: T4,
  top: T4 | null,
  bias: Tensor1D,
  nms: boolean,
  options: FusedUpdateOptions = {},
): { z: T4; pooled: T4 } {
  const z = fusedUpdate(bot, top, bias, nms, options);
  try {
    return { z, pooled: sumPool(z) };
  } catch (error) {
    z.dispose();
    throw error;
  }
}

/**
 * `P`: the 2×2 sum-pool with stride 2 of an `[N, H, W, C]` tensor with even H and W, as a
 * fused kernel where the backend has one (inference only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { sumPool } from "./fused_update.ts";
 * await tf.setBackend("cpu");
 * assert.deepEqual(Array.from(await sumPool(tf.ones([1, 2, 2, 1]) as tf.Tensor4D).data()), [4]);
 * ```
 */
export function sumPool(x: T4): T4 {
  const [, h, w] = x.shape;
  if (x.rank !== 4 || h % 2 !== 0 || w % 2 !== 0 || x.dtype !== "float32") {
    throw new Error(
      `Cannot sum-pool a ${x.dtype} tensor of shape [${x.shape.join(", ")}]: expected float32 ` +
        "[N, H, W, C] with even H and W",
    );
  }
  if (!hasFusedKernel(SUM_POOL)) return sumPool2x2(x);
  return tf.engine().runKernel(SUM_POOL, { x }) as T4;
}

/** The generic tfjs composition (the model's own ops), for backends without the kernel. */
function genericUpdate(
  bot: T4,
  top: T4 | null,
  bias: tf.Tensor1D,
  nms: boolean,
  topPooled: boolean,
): T4 {
  return tf.tidy(() => {
    const t = top && topPooled ? replicate2x2(top) : top;
    const a = tf.add(t ? tf.add(bot, t) : bot, bias) as T4;
    return nms ? nmsRelu(a) : tf.relu(a);
  });
}
