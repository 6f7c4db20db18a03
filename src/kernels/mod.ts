/**
 * Fused kernels for inference (WGSL on webgpu, with cpu and wasm twins that serve as test
 * oracles), their registration, and the wasm convolution gradients that make training on
 * wasm possible.
 *
 * @module
 */
export * from "./fused_topdown.ts";
export * from "./fused_update.ts";
export * from "./register.ts";
export * from "./batch_norm.ts";
export * from "./wasm_conv.ts";
export * from "./wasm_threads.ts";
export * from "./native_build.ts";
export * from "./native.ts";
export * from "./wasm_sum.ts";
export * from "./wasm_matmul.ts";
export * from "./wasm_identity.ts";
export * from "./nms_pass.ts";
export * from "./layer_update.ts";
export * from "./softmax_xent.ts";
export type { KernelConfig, Tensor, Tensor1D, Tensor4D } from "../deps.ts";
