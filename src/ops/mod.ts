/**
 * Differentiable tensor ops below the model and the kernels: the 2×2 non-maximum suppression,
 * the feedback modes, the sum-pool and the top-down signal back across it (one way per
 * feedback mode), and the top-down convolution (the exact adjoint of the bottom-up
 * `conv2d(·, w, "same")`).
 *
 * @module
 */
export * from "./conv.ts";
export * from "./feedback.ts";
export * from "./lean_grad.ts";
export { releaseGradient, releasingGradients } from "./_custom_grad.ts";
export * from "./nms.ts";
export * from "./pooling.ts";
export type { Tensor, Tensor4D } from "../deps.ts";
