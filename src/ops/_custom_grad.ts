// A typed wrapper of tf.customGrad for one-input ops (tfjs's own signature is variadic).
import { tf } from "../deps.ts";

type Save = (tensors: tf.Tensor[]) => void;

/** A one-input op with a hand-written gradient. */
export function unaryWithGrad<T extends tf.Tensor>(
  f: (x: T, save: Save) => { value: T; gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor },
): (x: T) => T {
  // deno-lint-ignore no-explicit-any
  const g = tf.customGrad(f as any) as unknown as (x: T) => T;
  return g;
}
