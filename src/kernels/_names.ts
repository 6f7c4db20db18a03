// Kernel names and attributes shared by the fused kernels' public functions, their WGSL
// programs and their cpu twins (kept apart so that registration imports no public API).

/** `relu(b + bot + top)`, with 2×2 NMS when `nms` (inputs `bot`, `bias`, optional `top`). */
export const FUSED_UPDATE = "ClvmFusedUpdate";
/** The 2×2 sum-pool with stride 2 (input `x`). */
export const SUM_POOL = "ClvmSumPool2x2";
/** A stride-1 'same' convolution or its transpose, plus optional `add` and `bias`, optional relu. */
export const CONV_SAME = "ClvmConvSame";

/** Attributes of {@link FUSED_UPDATE}. */
export interface FusedUpdateAttrs {
  /** NMS over 2×2 groups (ties: first in raster order). */
  nms: boolean;
  /** `top` is at half the resolution: each value is copied to its 2×2 group (replicate). */
  topPooled: boolean;
}

/** Attributes of {@link CONV_SAME}. */
export interface ConvSameAttrs {
  /**
   * False: `conv2d(x, filter, 1, 'same')` with `filter` `[k, k, C_in, C_out]`. True:
   * `conv2dTranspose(x, filter, …, 1, 'same')` with `filter` `[k, k, C_out, C_in]` (the
   * bottom-up layout of the layer above).
   */
  transposed: boolean;
  /** Apply relu after adding `add` and `bias`. */
  relu: boolean;
}

/** Batch norm in training mode (inputs `x`, `gamma`, `beta`; outputs `y`, `mean`, `variance`). */
export const BATCH_NORM_TRAIN = "ClvmBatchNormTrain";
/** Its gradient (inputs `dy`, `x`, `gamma`, `mean`, `variance`; outputs `dx`, `dgamma`, `dbeta`). */
export const BATCH_NORM_GRAD = "ClvmBatchNormGrad";

/** The NMS pass mask (input `a`): 1 at each 2×2 group's first maximum where it is > 0, else 0. */
export const NMS_PASS = "ClvmNmsPass";

/**
 * Softmax cross-entropy over pixels (inputs `logits` `[…, C]` float32, `labels` `[…]` int32;
 * attribute `ignore`): outputs the loss sum and labelled-pixel count `[2]` and the gradient of
 * the sum with respect to the logits (softmax − one-hot; 0 at ignored pixels).
 */
export const SOFTMAX_XENT = "ClvmSoftmaxXent";

/** Attributes of {@link SOFTMAX_XENT}. */
export interface SoftmaxXentAttrs {
  /** The label of pixels that count for nothing. */
  ignore: number;
}
