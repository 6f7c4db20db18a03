/**
 * The convolutional latent-variable model: options and the paper's variants, parameters,
 * the update schedule of the passes, the model (`createCLVM`), its fused inference sweep,
 * reading the heads, and checkpoints.
 *
 * @module
 */
export * from "./checkpoint.ts";
export * from "./config.ts";
export * from "./fused_predict.ts";
export * from "./heads.ts";
export * from "./model.ts";
export * from "./params.ts";
export * from "./passes.ts";
export * from "./variants.ts";
export type { Scalar, Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Variable } from "../deps.ts";
