/**
 * The native kernels (`c/native_*.c`, built into one library by `native_build.ts`) called
 * through Deno's FFI on tfjs's wasm heap: the tensors stay where the wasm backend keeps them,
 * and the C loops read and write them in place (plain or shared wasm memory alike).
 *
 * wasm's 128-bit SIMD without fused multiply-add caps XNNPACK's `Conv2D` at about 22 GFLOP/s
 * on a core that does 100 natively; on the `paper` layers (112×112, batch 8) the native
 * convolutions ran at 85–100 GFLOP/s on one thread and 150–190 on two (AVX-512, measured
 * standalone). Once {@link loadNative} has
 * succeeded, `wasm_conv.ts` routes stride-1 NHWC convolutions here, `wasm_sum.ts` sums over
 * leading axes, and `batch_norm_cpu.ts`, `nms_pass_cpu.ts`, `fused_update_cpu.ts` and
 * `softmax_xent_cpu.ts` their wasm kernels; everything else stays on wasm.
 *
 * @module
 */

const SYMBOLS = {
  clvm_conv_forward: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      ...Array<"i32">(13).fill("i32"),
    ],
    result: "i32",
  },
  clvm_conv_filter_grad: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      ...Array<"i32">(12).fill("i32"),
    ],
    result: "i32",
  },
  clvm_sum_leading: { parameters: ["buffer", "buffer", "i32", "i32"], result: "i32" },
  clvm_batch_norm_train: {
    parameters: [...Array<"buffer">(6).fill("buffer"), "i32", "i32", "f32", "i32"],
    result: "i32",
  },
  clvm_fused_update: {
    parameters: [...Array<"buffer">(4).fill("buffer"), ...Array<"i32">(7).fill("i32")],
    result: "i32",
  },
  clvm_sum_pool: {
    parameters: ["buffer", "buffer", "i32", "i32", "i32", "i32", "i32"],
    result: "i32",
  },
  clvm_nms_pass: {
    parameters: ["buffer", "buffer", "i32", "i32", "i32", "i32", "i32"],
    result: "i32",
  },
  clvm_softmax_xent: {
    parameters: [...Array<"buffer">(4).fill("buffer"), "i32", "i32", "i32", "i32"],
    result: "i32",
  },
  clvm_batch_norm_grad: {
    parameters: [...Array<"buffer">(8).fill("buffer"), "i32", "i32", "f32", "i32"],
    result: "i32",
  },
} as const;

type Library = Deno.DynamicLibrary<typeof SYMBOLS>;

/** The geometry of a stride-1 NHWC convolution `x [n, h, w, ci] → y [n, oh, ow, co]`. */
export interface NativeConvShape {
  /** Batch. */
  n: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Input channels. */
  ci: number;
  /** Output height. */
  oh: number;
  /** Output width. */
  ow: number;
  /** Output channels. */
  co: number;
  /** Filter height. */
  fh: number;
  /** Filter width. */
  fw: number;
  /** Rows of zeros above the input. */
  padTop: number;
  /** Columns of zeros left of the input. */
  padLeft: number;
}

let library: { path: string; lib: Library } | null = null;
let nativeThreads = 1;

/** The loaded library's functions; throws when none is loaded. */
function symbols(): Library["symbols"] {
  if (!library) throw new Error("The native kernels are not loaded");
  return library.lib.symbols;
}

/**
 * Opens the native kernel library at `path` (a file `buildNativeKernels` wrote), which the
 * wasm kernels named above then use. Returns null on success, else why it could not
 * (no FFI permission, a missing or foreign file, missing symbols); the wasm kernels stay.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadNative } from "./native.ts";
 * assert.match(loadNative("/nonexistent/libclvm.so")!, /Cannot open/);
 * ```
 */
export function loadNative(path: string): string | null {
  if (library?.path === path) return null;
  try {
    const lib = Deno.dlopen(path, SYMBOLS);
    library?.lib.close();
    library = { path, lib };
    return null;
  } catch (error) {
    return `Cannot open the native kernels ${path}: ${(error as Error).message}`;
  }
}

/**
 * Stops using the native kernels (wasm's own kernels and the TypeScript loops take over again)
 * and closes the library; for comparisons and tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativePath, unloadNative } from "./native.ts";
 * unloadNative();
 * assert.equal(nativePath(), null);
 * ```
 */
export function unloadNative(): void {
  library?.lib.close();
  library = null;
}

/**
 * The path of the loaded native kernel library, or null when none is loaded.
 *
 * @example
 * ```ts
 * import { nativePath } from "./native.ts";
 * console.log(nativePath() ?? "wasm kernels");
 * ```
 */
export function nativePath(): string | null {
  return library?.path ?? null;
}

/**
 * Sets how many threads the native kernels split each call over (default 1; the backend sets
 * its thread count). Results do not depend on it: threads own disjoint outputs.
 * Returns the previous value.
 *
 * @example
 * ```ts
 * import { setNativeThreads } from "./native.ts";
 * const previous = setNativeThreads(2);
 * setNativeThreads(previous);
 * ```
 */
export function setNativeThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new Error(`Cannot use ${threads} native kernel threads: expected an integer in 1..64`);
  }
  const previous = nativeThreads;
  nativeThreads = threads;
  return previous;
}

type Dims = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** The shape as the C functions take it, in their parameter order. */
function dims(s: NativeConvShape): Dims {
  return [s.n, s.h, s.w, s.ci, s.oh, s.ow, s.co, s.fh, s.fw, s.padTop, s.padLeft];
}

function check(status: number, what: string, s: NativeConvShape): void {
  if (status !== 0) {
    throw new Error(
      `The native ${what} could not allocate its buffers (x [${s.n}, ${s.h}, ${s.w}, ${s.ci}], ` +
        `${s.fh}×${s.fw} filter, ${s.co} outputs)`,
    );
  }
}

/**
 * `y = conv(x, w)` for a stride-1 NHWC convolution with `w` as `[fh, fw, ci, co]`; with
 * `flip`, `w` is `[fh, fw, co, ci]`, the filter of the convolution this one transposes, read
 * spatially reversed (so `y` is that convolution's input gradient). Views may lie in any
 * memory, the wasm heap included. Throws when no library is loaded.
 */
export function nativeConvForward(
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
  shape: NativeConvShape,
  flip: boolean,
): void {
  const status = symbols().clvm_conv_forward(
    x,
    w,
    y,
    ...dims(shape),
    flip ? 1 : 0,
    nativeThreads,
  );
  check(status, "convolution", shape);
}

/**
 * `dw[i, j, c, o] = Σ x[n, y + i − padTop, x + j − padLeft, c] · dy[n, y, x, o]` (stride 1,
 * NHWC, `dw` as `[fh, fw, ci, co]`), summed over the whole batch. Throws when no library is
 * loaded.
 */
export function nativeConvFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
  shape: NativeConvShape,
): void {
  const status = symbols().clvm_conv_filter_grad(
    x,
    dy,
    dw,
    ...dims(shape),
    nativeThreads,
  );
  check(status, "filter gradient", shape);
}

/**
 * `out[c] = Σ_r x[r · cols + c]` over `rows` rows (a sum over leading axes, such as a bias
 * gradient), in blocks of 256 rows summed apart and then added. Throws when no library is
 * loaded.
 */
export function nativeSumLeading(x: Float32Array, out: Float32Array, rows: number, cols: number) {
  if (symbols().clvm_sum_leading(x, out, rows, cols) !== 0) {
    throw new Error(`The native sum of ${rows}×${cols} floats could not allocate its buffer`);
  }
}

function checkBatchNorm(status: number, m: number, c: number): void {
  if (status !== 0) {
    throw new Error(`The native batch norm of ${m}×${c} floats could not allocate its buffers`);
  }
}

/**
 * Batch norm in training mode over the `m` rows of `c` channels in `x`: writes `y`, and the
 * batch `mean` and biased `variance` per channel (the same function as
 * `batch_norm_cpu.ts`'s `batchNormTrainArrays`, its test oracle). Throws when no library is
 * loaded.
 */
export function nativeBatchNormTrain(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
): void {
  const c = gamma.length, m = x.length / c;
  const status = symbols().clvm_batch_norm_train(
    x,
    gamma,
    beta,
    y,
    mean,
    variance,
    m,
    c,
    epsilon,
    nativeThreads,
  );
  checkBatchNorm(status, m, c);
}

/**
 * The gradient of {@link nativeBatchNormTrain}: writes `dx`, `dgamma` and `dbeta` from `dy`,
 * the forward input `x` and its batch `mean` and `variance` (as `batchNormGradArrays`).
 * Throws when no library is loaded.
 */
export function nativeBatchNormGrad(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  epsilon: number,
): void {
  const c = gamma.length, m = x.length / c;
  const status = symbols().clvm_batch_norm_grad(
    dy,
    x,
    gamma,
    mean,
    variance,
    dx,
    dgamma,
    dbeta,
    m,
    c,
    epsilon,
    nativeThreads,
  );
  checkBatchNorm(status, m, c);
}

/**
 * Softmax cross-entropy of `logits` (`pixels × classes`) against `labels` into `grad` (the
 * gradient of the summed loss, softmax − one-hot) and `out` (`[sum, count]`), as
 * `softmax_xent_cpu.ts`'s `softmaxXentArrays`. Throws when no library is loaded.
 */
export function nativeSoftmaxXent(
  logits: Float32Array,
  labels: Int32Array,
  grad: Float32Array,
  out: Float32Array,
  classes: number,
  ignore: number,
): void {
  const pixels = labels.length;
  const status = symbols().clvm_softmax_xent(
    logits,
    labels,
    grad,
    out,
    pixels,
    classes,
    ignore,
    nativeThreads,
  );
  if (status !== 0) {
    throw new Error(`The native softmax cross-entropy of ${pixels} pixels ran out of memory`);
  }
}

/**
 * The NMS pass mask of `a` `[n, h, w, c]` (h, w even) into `pass`: 1 at the first cell in
 * raster order of each 2×2 group holding the group's maximum, where it is positive; else 0 (as
 * `nms_pass_cpu.ts`'s `nmsPassArrays`, its test oracle). Throws when no library is loaded.
 */
export function nativeNmsPass(
  a: Float32Array,
  pass: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
): void {
  symbols().clvm_nms_pass(a, pass, n, h, w, c, nativeThreads);
}

/**
 * The fused layer update into `out`: `relu((bot + top) + bias)`, with 2×2 NMS when `nms`, `top`
 * null or at half resolution when `topPooled` (as `fused_update_cpu.ts`'s `fusedUpdateArrays`,
 * its test oracle, bit for bit). Throws when no library is loaded.
 */
export function nativeFusedUpdate(
  bot: Float32Array,
  top: Float32Array | null,
  bias: Float32Array,
  out: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
  nms: boolean,
  topPooled: boolean,
): void {
  symbols().clvm_fused_update(
    bot,
    top,
    bias,
    out,
    n,
    h,
    w,
    c,
    nms ? 1 : 0,
    topPooled ? 1 : 0,
    nativeThreads,
  );
}

/**
 * The 2×2 sum-pool of `x` `[n, h, w, c]` into `out` `[n, h/2, w/2, c]` (as `sumPoolArrays`, bit
 * for bit). Throws when no library is loaded.
 */
export function nativeSumPool(
  x: Float32Array,
  out: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
): void {
  symbols().clvm_sum_pool(x, out, n, h, w, c, nativeThreads);
}
