/**
 * `Sum` over leading axes for the tfjs `wasm` backend on the native kernels (`native.ts`).
 *
 * wasm's `Sum` first transposes the reduced axes innermost, so a bias gradient (the sum of
 * `dy [N, H, W, C]` over `N, H, W`) copies the whole activation before reading it: 243 ms of
 * a 3.1 s `paper` CLVM₁ step at batch 8 (profiled). Summed in place, rows of `C` at a time, it
 * is one pass over memory. Other sums, other dtypes, and a process without the native library
 * go to wasm's own kernel.
 *
 * @module
 */
import { tf } from "../deps.ts";
import { nativePath, nativeSumLeading } from "./native.ts";
import { replaceWasmKernel } from "./_replace_kernel.ts";

type TensorInfo = tf.TensorInfo;

interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

interface SumArgs {
  inputs: { x: TensorInfo };
  backend: WasmBackend;
  attrs: { axis: number | number[]; keepDims: boolean };
}

const SUM = "Sum";

/** Fewest summed rows worth a native call (small sums stay on wasm). */
const MIN_ROWS = 64;

let originalSum: tf.KernelConfig | null = null;

function sumLeading(args: SumArgs): TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const shape = x.shape;
  const axes = tf.util.parseAxisParam(attrs.axis, shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.length < shape.length && axes.every((a, i) => a === i);
  const rows = shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
  if (nativePath() === null || x.dtype !== "float32" || !leading || rows < MIN_ROWS) {
    return (originalSum!.kernelFunc as unknown as (a: SumArgs) => TensorInfo)(args);
  }
  const rest = shape.slice(axes.length);
  const cols = rest.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(
    attrs.keepDims ? [...axes.map(() => 1), ...rest] : rest,
    "float32",
  );
  // Views after makeOutput: allocating may grow (and so detach) the wasm heap.
  nativeSumLeading(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out), rows, cols);
  return out;
}

/**
 * Registers the leading-axes `Sum` for `wasm` (wasm's own kernel serves everything else).
 * Idempotent; like the convolution kernels it must run before the wasm backend first starts,
 * so that the original's setup binds its wasm function.
 *
 * @example
 * ```ts
 * import { registerWasmSumKernel } from "./wasm_sum.ts";
 * registerWasmSumKernel();
 * ```
 */
export function registerWasmSumKernel(): void {
  originalSum = replaceWasmKernel(SUM, sumLeading as unknown as tf.KernelFunc) ?? originalSum;
}
