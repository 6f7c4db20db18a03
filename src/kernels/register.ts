/**
 * Registers the CLVM's fused kernels with tfjs: WGSL programs on `webgpu`, their cpu twins on
 * `cpu`, and the cpu loops (or native kernels) of the elementwise update, batch norm, the
 * NMS mask and the segmentation loss on `wasm` (the fused convolution has no `wasm` kernel: there the public functions
 * use wasm's own convolutions).
 *
 * @module
 */
import { tf } from "../deps.ts";
import {
  BATCH_NORM_GRAD,
  BATCH_NORM_TRAIN,
  CONV_SAME,
  FUSED_UPDATE,
  NMS_PASS,
  SOFTMAX_XENT,
  SUM_POOL,
} from "./_names.ts";
import {
  batchNormGradCpu,
  batchNormGradWasm,
  batchNormTrainCpu,
  batchNormTrainWasm,
} from "./batch_norm_cpu.ts";
import { convSameWebGPU } from "./fused_topdown_webgpu.ts";
import { convSameCpu } from "./fused_topdown_cpu.ts";
import { fusedUpdateWebGPU, sumPoolWebGPU } from "./fused_update_webgpu.ts";
import { fusedUpdateCpu, fusedUpdateWasm, sumPoolCpu, sumPoolWasm } from "./fused_update_cpu.ts";
import { nmsPassCpu, nmsPassWasm } from "./nms_pass_cpu.ts";
import { softmaxXentCpu, softmaxXentWasm } from "./softmax_xent_cpu.ts";

type AnyKernel = (args: never) => tf.TensorInfo | tf.TensorInfo[];

const KERNELS: readonly [string, string, AnyKernel][] = [
  [FUSED_UPDATE, "webgpu", fusedUpdateWebGPU],
  [SUM_POOL, "webgpu", sumPoolWebGPU],
  [CONV_SAME, "webgpu", convSameWebGPU],
  [FUSED_UPDATE, "cpu", fusedUpdateCpu],
  [SUM_POOL, "cpu", sumPoolCpu],
  [CONV_SAME, "cpu", convSameCpu],
  [FUSED_UPDATE, "wasm", fusedUpdateWasm],
  [SUM_POOL, "wasm", sumPoolWasm],
  [BATCH_NORM_TRAIN, "cpu", batchNormTrainCpu],
  [BATCH_NORM_GRAD, "cpu", batchNormGradCpu],
  [BATCH_NORM_TRAIN, "wasm", batchNormTrainWasm],
  [BATCH_NORM_GRAD, "wasm", batchNormGradWasm],
  [NMS_PASS, "cpu", nmsPassCpu],
  [NMS_PASS, "wasm", nmsPassWasm],
  [SOFTMAX_XENT, "cpu", softmaxXentCpu],
  [SOFTMAX_XENT, "wasm", softmaxXentWasm],
];

/**
 * Registers every fused kernel (idempotent). The public functions of `fused_update.ts` and
 * `fused_topdown.ts` call it themselves; call it directly to run the kernels through
 * `tf.engine().runKernel`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { registerFusedKernels } from "./register.ts";
 * registerFusedKernels();
 * assert.equal(tf.getKernel("ClvmFusedUpdate", "cpu") !== undefined, true);
 * ```
 */
export function registerFusedKernels(): void {
  for (const [kernelName, backendName, kernelFunc] of KERNELS) {
    const current = tf.getKernel(kernelName, backendName);
    if (current?.kernelFunc === (kernelFunc as unknown as tf.KernelFunc)) continue;
    if (current) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    });
  }
}

/** Whether the active backend has a fused kernel named `kernelName`. */
export function hasFusedKernel(kernelName: string): boolean {
  registerFusedKernels();
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}
