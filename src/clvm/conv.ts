/**
 * The top-down convolution: the exact adjoint of the bottom-up `conv2d(·, w, 'same')`,
 * computed with the very same filter tensor `w` (`[k, k, C_below, C_above]`).
 *
 * @module
 */
import { tf } from "../deps.ts";

/** `conv2dTranspose(z, w, outShape, 1, 'same')`: z has C_above channels, the output C_below. */
export function convTransposeSame(
  z: tf.Tensor4D,
  w: tf.Tensor4D,
  outShape: [number, number, number, number],
): tf.Tensor4D {
  return tf.conv2dTranspose(z, w, outShape, 1, "same");
}
