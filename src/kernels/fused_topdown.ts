/**
 * The CLVM's convolutions as fused kernels: the top-down transposed convolution with the
 * very same bottom-up filter, fused with the sum it feeds (docs/MODEL.md §1: `bot + top`), and the
 * bottom-up convolution with the same options — each optionally with a bias and a relu.
 *
 * Inference only: no gradients (training uses the generic ops of `src/clvm/`). WGSL on
 * `webgpu` (output channels padded to a multiple of 4 inside), plain loops
 * on `cpu` (the test oracle), and tfjs's own convolutions on `wasm` and other backends.
 *
 * @module
 */
import { type Tensor1D, type Tensor4D as T4, tf } from "../deps.ts";
import { CONV_SAME, type ConvSameAttrs } from "./_names.ts";
import { hasFusedKernel } from "./register.ts";

/** Options of {@link convTransposeAdd} and {@link conv2dAdd}. */
export interface ConvEpilogue {
  /** Added per output channel after `add`. */
  bias?: Tensor1D;
  /** Apply relu last. Default false. */
  relu?: boolean;
}

function describe(t: tf.Tensor): string {
  return `[${t.shape.join(", ")}]`;
}

function check(
  what: string,
  x: tf.Tensor,
  w: tf.Tensor,
  add: tf.Tensor | null,
  epilogue: ConvEpilogue,
  transposed: boolean,
): [number, number, number, number] {
  if (x.rank !== 4 || x.dtype !== "float32") {
    throw new Error(
      `Cannot run ${what} on an input of shape ${describe(x)} (${x.dtype}): ` +
        "expected a float32 [N, H, W, C] tensor",
    );
  }
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [kh, kw, a, b] = w.shape as [number, number, number, number];
  const inC = transposed ? b : a;
  if (w.rank !== 4 || kh !== kw || kh % 2 !== 1 || inC !== c || w.dtype !== "float32") {
    throw new Error(
      `Cannot run ${what} with a filter of shape ${describe(w)}: expected float32 [k, k, ` +
        (transposed ? `C_below, ${c}]` : `${c}, C_out]`) + " with odd k",
    );
  }
  const outShape: [number, number, number, number] = [n, h, wd, transposed ? a : b];
  if (add && (!tf.util.arraysEqual(add.shape, outShape) || add.dtype !== "float32")) {
    throw new Error(
      `Cannot run ${what} with add of shape ${describe(add)}: expected float32 ` +
        `[${outShape.join(", ")}]`,
    );
  }
  const { bias } = epilogue;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outShape[3] || bias.dtype !== "float32")) {
    throw new Error(
      `Cannot run ${what} with bias of shape ${describe(bias)}: expected float32 [${outShape[3]}]`,
    );
  }
  return outShape;
}

function run(
  x: T4,
  w: T4,
  add: T4 | null,
  epilogue: ConvEpilogue,
  transposed: boolean,
  outShape: [number, number, number, number],
): T4 {
  const relu = epilogue.relu ?? false;
  if (!hasFusedKernel(CONV_SAME)) {
    return tf.tidy(() => {
      let y: tf.Tensor = transposed
        ? tf.conv2dTranspose(x, w, outShape, 1, "same")
        : tf.conv2d(x, w, 1, "same");
      if (add) y = tf.add(y, add);
      if (epilogue.bias) y = tf.add(y, epilogue.bias);
      return (relu ? tf.relu(y) : y) as T4;
    });
  }
  const attrs = { transposed, relu } satisfies ConvSameAttrs as unknown as tf.NamedAttrMap;
  const cout = outShape[3];
  const extra = (4 - (cout % 4)) % 4;
  if (extra === 0 || tf.getBackend() !== "webgpu") {
    const inputs: tf.NamedTensorMap = { x, filter: w };
    if (add) inputs.add = add;
    if (epilogue.bias) inputs.bias = epilogue.bias;
    return tf.engine().runKernel(CONV_SAME, inputs, attrs) as T4;
  }
  // The WGSL program writes four channels at a time: pad the output channels with zeros.
  return tf.tidy(() => {
    const padW: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
    padW[transposed ? 2 : 3] = [0, extra];
    const inputs: tf.NamedTensorMap = { x, filter: tf.pad(w, padW) };
    if (add) inputs.add = tf.pad(add, [[0, 0], [0, 0], [0, 0], [0, extra]]);
    if (epilogue.bias) inputs.bias = tf.pad(epilogue.bias, [[0, extra]]);
    const y = tf.engine().runKernel(CONV_SAME, inputs, attrs) as T4;
    return tf.slice(y, [0, 0, 0, 0], outShape);
  });
}

/**
 * `conv2dTranspose(zAbove, w, add.shape, 1, 'same') + add` in one kernel (inference only:
 * no gradient), with `w` in the bottom-up layout `[k, k, C_below, C_above]` of the layer
 * above — the top-down signal of docs/MODEL.md §1 plus the bottom-up one. `add` may be null (the
 * output then has `zAbove`'s height and width and `C_below` channels); `epilogue` adds a
 * bias and a relu after the sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { convTransposeAdd } from "./fused_topdown.ts";
 * await tf.setBackend("cpu");
 * const z = tf.ones([1, 4, 4, 8]) as tf.Tensor4D;
 * const w = tf.ones([3, 3, 4, 8]) as tf.Tensor4D;
 * const bot = tf.zeros([1, 4, 4, 4]) as tf.Tensor4D;
 * const s = convTransposeAdd(z, w, bot);
 * assert.deepEqual(s.shape, [1, 4, 4, 4]);
 * assert.equal((await s.data())[0], 32); // a corner sees 4 taps × 8
 * ```
 */
export function convTransposeAdd(
  zAbove: T4,
  w: T4,
  add: T4 | null,
  epilogue: ConvEpilogue = {},
): T4 {
  const outShape = check("the fused transposed convolution", zAbove, w, add, epilogue, true);
  return run(zAbove, w, add, epilogue, true, outShape);
}

/**
 * `conv2d(x, w, 1, 'same') + add` in one kernel (inference only: no gradient), with `w`
 * `[k, k, C_in, C_out]`; `add` may be null; `epilogue` adds a bias and a relu after the sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { conv2dAdd } from "./fused_topdown.ts";
 * await tf.setBackend("cpu");
 * const x = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
 * const y = conv2dAdd(x, tf.ones([3, 3, 3, 4]) as tf.Tensor4D, null, {
 *   bias: tf.fill([4], -30) as tf.Tensor1D,
 *   relu: true,
 * });
 * assert.equal((await y.data())[0], 0); // a corner sums 4 taps × 3 = 12, minus 30, relu
 * ```
 */
export function conv2dAdd(x: T4, w: T4, add: T4 | null, epilogue: ConvEpilogue = {}): T4 {
  const outShape = check("the fused convolution", x, w, add, epilogue, false);
  return run(x, w, add, epilogue, false, outShape);
}
