// A typed wrapper of tf.customGrad for one-input ops (tfjs's own signature is variadic), and
// the release of an op's incoming gradient once its gradient function has used it.
import { type Tensor, tf } from "../deps.ts";

type Save = (tensors: tf.Tensor[]) => void;

/** A one-input op with a hand-written gradient. */
export function unaryWithGrad<T extends tf.Tensor>(
  f: (x: T, save: Save) => { value: T; gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor },
): (x: T) => T {
  // deno-lint-ignore no-explicit-any
  const g = tf.customGrad(f as any) as unknown as (x: T) => T;
  return g;
}

let releasing = 0;

/**
 * Runs `f` (a whole forward and backward pass, such as `tf.variableGrads`) so that the ops
 * of this project free the gradient of their output as soon as their gradient function has
 * used it. tfjs's tape keeps every intermediate gradient until the backward pass ends, so a
 * CLVM's backward pass held one gradient per activation on top of the saved activations.
 * Each tensor's gradient is read once, by the op that made the tensor, so freeing it there
 * is safe — but only where tfjs made it: a caller's own `dy` (`tf.grad(f)(x, dy)`) must not
 * be freed, hence the explicit scope.
 */
export function releasingGradients<T>(f: () => T): T {
  releasing++;
  try {
    return f();
  } finally {
    releasing--;
  }
}

/** Frees `dy` inside {@link releasingGradients}; does nothing elsewhere. */
export function releaseGradient(dy: Tensor): void {
  if (releasing > 0) dy.dispose();
}
