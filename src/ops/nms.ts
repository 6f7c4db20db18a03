/**
 * Non-maximum suppression over non-overlapping 2×2 groups (docs/MODEL.md §1): the output is
 * `relu(a)` at the argmax of `a` in each group (ties: first in raster order) and 0
 * elsewhere. It is the exact maximizer of `−½‖z‖² + ⟨a, z⟩` over `z ≥ 0` with one
 * non-zero per group.
 *
 * Built from rank-4 ops only: an NHWC tensor `[N, H, W, C]` reshaped to
 * `[N·H/2, 2, W/2, 2·C]` has the group row on axis 1 and the group column as the
 * first or second half of the last axis, so the four cells of every group are four
 * slices.
 *
 * @module
 */
import { type Tensor, type Tensor4D as T4, tf } from "../deps.ts";
import { releaseGradient, unaryWithGrad } from "./_custom_grad.ts";

/** The one-hot winner mask of each 2×2 group, as float32 of `a`'s shape (no gradient). */
function winnersRaw(a: T4): T4 {
  const [n, h, w, c] = a.shape;
  const g = tf.reshape(a, [n * h / 2, 2, w / 2, 2 * c]);
  const cell = (r: number, s: number) => tf.slice(g, [0, r, 0, s * c], [-1, 1, -1, c]);
  const tl = cell(0, 0), tr = cell(0, 1), bl = cell(1, 0), br = cell(1, 1);
  const m = tf.maximum(tf.maximum(tl, tr), tf.maximum(bl, br));
  const isTl = tf.equal(tl, m);
  const isTr = tf.logicalAnd(tf.logicalNot(isTl), tf.equal(tr, m));
  const taken = tf.logicalOr(isTl, isTr);
  const isBl = tf.logicalAnd(tf.logicalNot(taken), tf.equal(bl, m));
  const isBr = tf.logicalNot(tf.logicalOr(taken, isBl));
  const f = (b: tf.Tensor) => tf.cast(b, "float32");
  const top = tf.concat([f(isTl), f(isTr)], 3);
  const bottom = tf.concat([f(isBl), f(isBr)], 3);
  return tf.reshape(tf.concat([top, bottom], 1), [n, h, w, c]);
}

/** Checks that a layer's activations can be grouped 2×2. */
export function checkGroupable(a: Tensor, layer: number): void {
  const [, h, w] = a.shape;
  if (a.rank !== 4 || h! % 2 !== 0 || w! % 2 !== 0) {
    throw new Error(
      `Cannot apply NMS at layer ${layer}: expected an even height and width, received shape ` +
        `[${a.shape.join(", ")}]`,
    );
  }
}

/** The winner mask of each 2×2 group of `a` (1 at the argmax, ties first in raster order). */
export const nmsWinners: (a: T4) => T4 = unaryWithGrad((a: T4) => ({
  value: winnersRaw(a),
  gradFunc: () => tf.zerosLike(a),
}));

/**
 * The pass mask of {@link nmsRelu}: 1 at each group's argmax where `a > 0`, 0 elsewhere (no
 * gradient). This composition of tfjs ops runs on every backend; `kernels/nms_pass.ts` computes
 * the same mask in one kernel where the backend has it.
 */
export function nmsPassComposed(a: T4): T4 {
  return tf.tidy(() => tf.mul(winnersRaw(a), tf.cast(tf.greater(a, 0), "float32")) as T4);
}

/**
 * The op `relu(a)` at each group's argmax, 0 elsewhere, with its mask from `pass`: the value
 * is `z = a · pass(a)` and the gradient `dy · pass(a)` (it flows to the winning cell where
 * `a > 0`). The mask is 1 exactly where `z > 0`, so the gradient keeps z — which the layer
 * above keeps anyway — instead of a mask of its own: `dy · [z > 0]`.
 */
export function nmsReluWith(pass: (a: T4) => T4): (a: T4) => T4 {
  return unaryWithGrad((a: T4, save) => {
    const z = tf.tidy(() => tf.mul(a, pass(a)) as T4);
    save([z]);
    return {
      value: z,
      gradFunc: (dy: T4, saved: tf.Tensor[]) => {
        const da = tf.tidy(() => tf.mul(dy, tf.step(saved[0]!)));
        releaseGradient(dy);
        return da;
      },
    };
  });
}

/**
 * `relu(a)` at each group's argmax, 0 elsewhere. The gradient flows to the winning
 * cell where `a > 0`.
 */
export const nmsRelu: (a: T4) => T4 = nmsReluWith(nmsPassComposed);
