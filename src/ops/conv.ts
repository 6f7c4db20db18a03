/**
 * The top-down convolution: the exact adjoint of the bottom-up `conv2d(·, w, 'same')`,
 * computed with the very same filter tensor `w` (`[k, k, C_below, C_above]`), by the
 * fastest route measured for the active backend (src/kernels/wasm_conv.ts).
 *
 * @module
 */
import type { tf } from "../deps.ts";
import { conv2dTransposeSame } from "../kernels/wasm_conv.ts";

/** `conv2dTranspose(z, w, outShape, 1, 'same')`: z has C_above channels, the output C_below. */
export function convTransposeSame(
  z: tf.Tensor4D,
  w: tf.Tensor4D,
  _outShape: [number, number, number, number],
): tf.Tensor4D {
  return conv2dTransposeSame(z, w);
}
