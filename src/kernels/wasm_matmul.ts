/**
 * `BatchMatMul` for the tfjs `wasm` backend on the native kernels (`native.ts`), for products
 * with one matrix each side (rank-2 `matMul`s, or batches of 1).
 *
 * A product `[M, K] · [K, N]` is a 1×1 convolution of `M` pixels of `K` channels into `N`
 * outputs, so it runs on the native convolution, where `B` transposed (`transposeB`) is the
 * filter layout read for a transposed convolution; `Aᵀ · B` is the filter gradient of a 1×1
 * convolution over `K` pixels. The training loss's bilinear upsampling is such products, and
 * wasm's `BatchMatMul` took 14% of a tiny CLVM₁ training step at batch 32 (profiled). Batched
 * products, both operands transposed, other dtypes, narrow outputs (`N` < 8) and a process
 * without the native library go to wasm's own kernel.
 *
 * @module
 */
import { tf } from "../deps.ts";
import { nativeConvFilterGrad, nativeConvForward, nativePath } from "./native.ts";
import { replaceWasmKernel } from "./_replace_kernel.ts";

type TensorInfo = tf.TensorInfo;

interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

interface MatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean };
}

const BATCH_MAT_MUL = "BatchMatMul";

/** Fewest output columns worth the native path (the convolution's own threshold). */
const MIN_OUTPUTS = 8;
let original: tf.KernelConfig | null = null;

function batchMatMul(args: MatMulArgs): TensorInfo {
  const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
  // One matrix each side: every leading (batch) dimension is 1, or there is none.
  const ra = a.shape.length, rb = b.shape.length;
  const single = ra >= 2 && rb >= 2 &&
    [...a.shape.slice(0, -2), ...b.shape.slice(0, -2)].every((d) => d === 1);
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (
    nativePath() === null || a.dtype !== "float32" || b.dtype !== "float32" || !single ||
    n < MIN_OUTPUTS || m * k === 0 || (transposeA && transposeB)
  ) {
    return (original!.kernelFunc as unknown as (x: MatMulArgs) => TensorInfo)(args);
  }
  const batch = Array<number>(Math.max(ra, rb) - 2).fill(1);
  const out = backend.makeOutput([...batch, m, n], "float32");
  // Views after makeOutput: allocating may grow (and so detach) the wasm heap.
  const [av, bv, ov] = [a, b, out].map((t) => backend.typedArrayFromHeap(t)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const one = { n: 1, h: 1, oh: 1, fh: 1, fw: 1, padTop: 0, padLeft: 0, co: n };
  if (transposeA) {
    // out[i, j] = Σ_p a[p, i] · b[p, j]: dw of a 1×1 convolution over the k rows as pixels.
    nativeConvFilterGrad(av, bv, ov, { ...one, w: k, ow: k, ci: m });
  } else {
    nativeConvForward(av, bv, ov, { ...one, w: m, ow: m, ci: k }, transposeB);
  }
  return out;
}

/**
 * Registers the native `BatchMatMul` for `wasm` (wasm's own kernel serves what it does not
 * take). Idempotent; like the convolution kernels it must run before the wasm backend first
 * starts, so that the original's setup binds its wasm function.
 *
 * @example
 * ```ts
 * import { registerWasmMatMulKernel } from "./wasm_matmul.ts";
 * registerWasmMatMulKernel();
 * ```
 */
export function registerWasmMatMulKernel(): void {
  original = replaceWasmKernel(BATCH_MAT_MUL, batchMatMul as unknown as tf.KernelFunc) ??
    original;
}
