/**
 * The NMS pass mask in one kernel (`ClvmNmsPass`), and the NMS op built on it.
 *
 * `ops/nms.ts` composes the mask from about twenty tfjs ops (four slices, maxima, equalities,
 * logical ops, casts, three concatenations), each reading or writing a full activation: a
 * tiny CLVM₁ training step at 112×112, batch 8 on wasm took 30% less time without them
 * (0.13 → 0.09 s), a `paper` one 15% less (2.09 → 1.78 s). Here it is one pass
 * (`nms_pass_cpu.ts`): a plain loop on `cpu`, the native kernel on `wasm` when loaded
 * (`native.ts`, threaded), else the same loop on wasm's heap. Other backends keep the
 * composition.
 *
 * @module
 */
import { type Tensor4D as T4, tf } from "../deps.ts";
import { nmsPassComposed, nmsReluWith } from "../ops/nms.ts";
import { NMS_PASS } from "./_names.ts";
import { hasFusedKernel } from "./register.ts";

/**
 * The pass mask of `a` (float32 `[N, H, W, C]`, H and W even; no gradient): the one kernel
 * where the active backend has it, else the composition of `ops/nms.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { nmsPass } from "./nms_pass.ts";
 * await tf.setBackend("cpu");
 * const m = nmsPass(tf.tensor4d([1, 3, 3, -2], [1, 2, 2, 1]));
 * assert.deepEqual(Array.from(m.dataSync()), [0, 1, 0, 0]);
 * m.dispose();
 * ```
 */
export function nmsPass(a: T4): T4 {
  if (a.dtype !== "float32" || !hasFusedKernel(NMS_PASS)) return nmsPassComposed(a);
  return tf.engine().runKernel(NMS_PASS, { a }) as T4;
}

/**
 * `relu(a)` at each 2×2 group's first maximum, 0 elsewhere — `ops/nms.ts`'s `nmsRelu`, with
 * its mask from {@link nmsPass}.
 */
export const nmsReluFused: (a: T4) => T4 = nmsReluWith(nmsPass);
