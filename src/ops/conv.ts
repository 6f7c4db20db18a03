/**
 * The top-down convolution: the exact adjoint of the bottom-up `conv2d(·, w, 'same')`,
 * computed with the very same filter tensor `w` (`[k, k, C_below, C_above]`), by the
 * fastest route measured for the active backend.
 *
 * @module
 */
import { type Tensor, type Tensor4D, tf } from "../deps.ts";
import { releaseGradient } from "./_custom_grad.ts";

const SAME = { strides: [1, 1] as [number, number], pad: "same" as const, dataFormat: "NHWC" };

/** `dL/dw` of `conv2d(input, w, 1, "same")` given `dL/dout` (`dy`). */
function filterGrad(input: Tensor4D, dy: Tensor4D, shape: number[]): Tensor4D {
  return tf.engine().runKernel(
    "Conv2DBackpropFilter",
    { x: input, dy },
    { ...SAME, filterShape: shape },
  ) as Tensor4D;
}

/**
 * `tf.conv2d(x, w, 1, "same")` whose gradient frees the incoming gradient once used
 * (`_custom_grad.ts`'s `releasingGradients`); the gradients are tfjs's own kernels
 * (`Conv2DBackpropInput`, `Conv2DBackpropFilter`), so the backends' registered ones serve.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { convSame } from "./conv.ts";
 * await tf.setBackend("cpu");
 * const y = convSame(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D);
 * assert.equal(y.dataSync()[4], 9);
 * ```
 */
export function convSame(x: Tensor4D, w: Tensor4D): Tensor4D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, wi, save] = args as [Tensor4D, Tensor4D, (t: Tensor[]) => void];
    save([xi, wi]);
    return {
      value: tf.conv2d(xi, wi, 1, "same"),
      gradFunc: (dy: Tensor4D, saved: Tensor[]) => {
        const [sx, sw] = saved as [Tensor4D, Tensor4D];
        const dx = tf.engine().runKernel(
          "Conv2DBackpropInput",
          { dy, filter: sw },
          { ...SAME, inputShape: sx.shape },
        ) as Tensor4D;
        const dw = filterGrad(sx, dy, sw.shape);
        releaseGradient(dy);
        return [dx, dw];
      },
    };
  });
  return (op as unknown as (a: Tensor4D, b: Tensor4D) => Tensor4D)(x, w);
}

/**
 * `tf.conv2dTranspose(x, w, [N, H, W, outC], 1, "same")` whose gradient frees the incoming
 * gradient once used: `dx = conv2d(dy, w)`, `dw` the filter gradient of that convolution.
 */
function transposeSame(x: Tensor4D, w: Tensor4D, outC: number): Tensor4D {
  const [n, h, wd] = x.shape;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, wi, save] = args as [Tensor4D, Tensor4D, (t: Tensor[]) => void];
    save([xi, wi]);
    return {
      value: tf.conv2dTranspose(xi, wi, [n, h, wd, outC], 1, "same"),
      gradFunc: (dy: Tensor4D, saved: Tensor[]) => {
        const [sx, sw] = saved as [Tensor4D, Tensor4D];
        const dx = tf.conv2d(dy, sw, 1, "same");
        const dw = filterGrad(dy, sx, sw.shape);
        releaseGradient(dy);
        return [dx, dw];
      },
    };
  });
  return (op as unknown as (a: Tensor4D, b: Tensor4D) => Tensor4D)(x, w);
}

/** `conv2dTranspose(z, w, outShape, 1, 'same')`: z has C_above channels, the output C_below. */
export function convTransposeSame(
  z: Tensor4D,
  w: Tensor4D,
  _outShape: [number, number, number, number],
): Tensor4D {
  return conv2dTransposeSame(z, w);
}

/** How {@link conv2dTransposeSame} computes a transposed convolution. */
export type TransposeRoute = "auto" | "transpose" | "flipped";

/**
 * The route `auto` takes on each backend, from two runs of `benchmarks/wasm_conv_bench.ts` on a
 * shared 2-core Xeon (forward, and forward + both gradients; 3×3 filters; 180×180×8 batch 8 and
 * 45×45×64 batch 1):
 * - `wasm`: `tf.conv2dTranspose` already runs the registered flipped-filter `Conv2D` and needs
 *   no reverse/transpose ops: 1.02–1.22× faster than `flipped` in every case.
 * - `cpu`: `flipped` was faster in 6 of the 8 comparisons (forward 1.2–2.1×); with gradients
 *   both take 13–40 s, dominated by the cpu filter gradient, and the runs disagree within noise.
 * - `webgpu` (llvmpipe): `flipped` is 1.54–1.57× faster forward at 64 channels (1.27–1.31×
 *   slower at 8), equal with gradients; tfjs's transposed convolution there is a direct loop
 *   while its conv2d is a tiled matrix product, so the wide layers of the `paper` architecture
 *   decide. Not measured on a hardware GPU.
 */
const AUTO_ROUTE: Record<string, Exclude<TransposeRoute, "auto">> = {
  wasm: "transpose",
  cpu: "flipped",
  webgpu: "flipped",
};

/**
 * `tf.conv2dTranspose(x, w, [N, H, W, outC], 1, "same")` (the CLVM's top-down pass) by the
 * fastest correct route on the active backend, differentiable in `x` and `w`.
 *
 * `w` has `tf.conv2dTranspose`'s layout `[fh, fw, outC, inC]`, where `inC` is `x`'s channel count.
 * Routes: `transpose` calls `tf.conv2dTranspose`; `flipped` calls `tf.conv2d` with `w`
 * spatially reversed and its channel axes swapped (the same map for stride 1), padded by
 * `fh − 1 − pad` per side. `auto` (default) takes the faster one measured for the backend. On
 * `wasm` both routes are fast once `src/kernels/wasm_conv.ts`'s kernels are registered
 * (`initBackend("wasm")` does it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { conv2dTransposeSame } from "./conv.ts";
 * await tf.setBackend("cpu");
 * const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
 * const w = tf.ones([3, 3, 5, 2]) as tf.Tensor4D;
 * const y = conv2dTransposeSame(x, w);
 * assert.deepEqual(y.shape, [1, 4, 4, 5]);
 * tf.dispose([x, w, y]);
 * ```
 */
export function conv2dTransposeSame(
  x: Tensor4D,
  w: Tensor4D,
  route: TransposeRoute = "auto",
): Tensor4D {
  const [n, h, wd, inC] = x.shape;
  const [fh, fw, outC, wIn] = w.shape;
  if (wIn !== inC) {
    throw new Error(
      `Cannot apply conv2dTransposeSame: filter [${w.shape}] expects ${wIn} input channels ` +
        `(its last axis), but x [${x.shape}] has ${inC}`,
    );
  }
  const backend = tf.getBackend();
  const chosen = route === "auto" ? AUTO_ROUTE[backend] ?? "transpose" : route;
  if (chosen === "transpose") return transposeSame(x, w, outC);
  // The forward convolution this transposes maps [n, h, wd, outC] to x with 'same' padding.
  const { padInfo } = tf.backend_util.computeConv2DInfo(
    [n, h, wd, outC],
    [fh, fw, outC, inC],
    1,
    1,
    "same",
  );
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(x, flipped, 1, [
      [0, 0],
      [fh - 1 - padInfo.top, fh - 1 - padInfo.bottom],
      [fw - 1 - padInfo.left, fw - 1 - padInfo.right],
      [0, 0],
    ]);
  });
}
