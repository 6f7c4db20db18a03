/**
 * Fast convolution gradients for the tfjs `wasm` backend.
 *
 * tfjs-backend-wasm 4.22 computes `Conv2DBackpropInput` (the transposed convolution, used by
 * the CLVM's top-down pass and by every conv2d gradient) with a scalar loop about 10× slower
 * than its XNNPACK `Conv2D`, and has no `Conv2DBackpropFilter` at all, so nothing trains on
 * wasm. {@link registerWasmConvKernels} registers both, built on wasm's own XNNPACK kernels:
 *
 * - `Conv2DBackpropInput` (stride 1) is a `Conv2D` of `dy` with the spatially flipped filter
 *   whose in/out channels are swapped, padded by `filterSize − 1 − pad` on each side. Other
 *   strides go to the original kernel.
 * - `Conv2DBackpropFilter` (stride 1, NHWC) is one XNNPACK matrix product (wasm `BatchMatMul`)
 *   of the input shifted by each filter tap, `[fh·fw·inC, N·H·W]`, with `dy` as `[N·H·W, outC]`,
 *   chunked over output rows to bound memory. Other strides and NCHW use a `Conv2D` of `x`
 *   transposed to `[inC, H, W, N]` with `dy` transposed to `[outH, outW, N, outC]` as its
 *   filter (dilated by the stride), 2–3× slower than the product but general.
 *
 * @module
 */
import { type KernelConfig, tf } from "../deps.ts";
import { WASM_BASE64 as FILTER_GRAD_WASM } from "./_conv_filter_grad_wasm.ts";
import { replaceWasmKernel } from "./_replace_kernel.ts";
import {
  nativeConvFilterGrad,
  nativeConvForward,
  type NativeConvShape,
  nativePath,
} from "./native.ts";

type TensorInfo = tf.TensorInfo;
type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

/** The parts of tfjs-backend-wasm's `BackendWasm` these kernels use. */
interface WasmBackend {
  wasm: { asm: { memory: WebAssembly.Memory } };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}
type WasmKernelFunc = (args: KernelArgs) => TensorInfo;

interface BackpropInputAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: Shape4;
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: Shape4;
}

const BACKEND = "wasm";
const CONV2D = "Conv2D";
const BACKPROP_INPUT = "Conv2DBackpropInput";
const BACKPROP_FILTER = "Conv2DBackpropFilter";

/**
 * Most floats of the shifted-input matrix built at once by the filter gradient (default 2²⁴,
 * 64 MiB); larger batches are processed in chunks of output rows and summed.
 */
let im2colFloats = 1 << 24;

/**
 * Most summed positions (`N·H·W` of `dy`) in one filter-gradient product (default 1024, at
 * least one output row). XNNPACK's matrix product streams the whole depth for every tile of
 * the output, so a depth of 10⁵ (112×112, batch 8) rereads `dy` from memory for each tile;
 * 1024 keeps one chunk of it in cache. Measured on the `paper` layers at batch 8: 1.3–1.5×
 * faster than one product over the whole batch at 112 and 56 columns, equal at 28.
 */
let gemmDepth = 1024;

/** Whether the filter gradient may take the C kernel (see {@link setWasmFilterGradKernel}). */
let cKernelAllowed = true;

type FilterGradC = (
  x: number,
  dy: number,
  dw: number,
  part: number,
  n: number,
  h: number,
  w: number,
  ci: number,
  oh: number,
  ow: number,
  co: number,
  fh: number,
  fw: number,
  pt: number,
  pl: number,
  rows: number,
  sub: number,
) => void;

/** The C filter gradient instantiated on one wasm memory (tfjs has one per process). */
let cKernel: { memory: WebAssembly.Memory; run: FilterGradC } | null = null;

/**
 * The C filter gradient (`c/conv_filter_grad.c`, SIMD128) on the backend's own memory, or null
 * where it cannot run: the threaded build's shared memory (the module imports an unshared one,
 * and would run on one thread while XNNPACK uses them all).
 */
function filterGradC(backend: WasmBackend): FilterGradC | null {
  const memory = backend.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  if (typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer) {
    return null;
  }
  if (cKernel?.memory !== memory) {
    const bytes = Uint8Array.from(atob(FILTER_GRAD_WASM), (c) => c.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    cKernel = { memory, run: instance.exports.conv_filter_grad as FilterGradC };
  }
  return cKernel.run;
}

/** The kernel `Conv2DBackpropInput` had on wasm before ours replaced it. */
let originalBackpropInput: tf.KernelConfig | null = null;

/** wasm's own (XNNPACK) `Conv2D`, which takes what the native kernels do not. */
let originalConv2D: tf.KernelConfig | null = null;

/** Fewest output channels the native kernels take (they compute 32 at a time; heads have 3). */
const NATIVE_MIN_OUTPUTS = 8;

function nativeShape(info: tf.backend_util.Conv2DInfo): NativeConvShape {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    co: info.outChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Whether a stride-1 NHWC float32 convolution of this shape goes to the native kernels. */
function nativeApplies(s: NativeConvShape): boolean {
  return nativePath() !== null && s.co >= NATIVE_MIN_OUTPUTS && s.fh * s.fw <= 64 &&
    Math.min(s.n, s.h, s.w, s.ci, s.oh, s.ow) > 0;
}

/** `Conv2D` on the native kernels where they apply (stride and dilation 1, NHWC), else wasm's. */
function conv2dForward(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const x = inputs.x!, filter = inputs.filter!;
  const attrs = args.attrs as {
    strides: number | [number, number];
    pad: Pad;
    dataFormat: "NHWC" | "NCHW";
    dilations: number | [number, number];
    dimRoundingMode?: "floor" | "round" | "ceil";
  };
  if (nativePath() !== null && x.dtype === "float32" && filter.dtype === "float32") {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
    );
    const shape = nativeShape(info);
    if (
      info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 &&
      info.dilationWidth === 1 && info.dataFormat === "channelsLast" && nativeApplies(shape)
    ) {
      const out = backend.makeOutput([shape.n, shape.oh, shape.ow, shape.co], "float32");
      const view = (t: TensorInfo) => backend.typedArrayFromHeap(t);
      nativeConvForward(view(x), view(filter), view(out), shape, false);
      return out;
    }
  }
  return (originalConv2D!.kernelFunc as unknown as WasmKernelFunc)(args);
}

function wasmKernel(name: string): WasmKernelFunc {
  const config = tf.getKernel(name, BACKEND);
  if (!config) {
    throw new Error(`Cannot find the wasm kernel "${name}": is tfjs-backend-wasm loaded?`);
  }
  return config.kernelFunc as unknown as WasmKernelFunc;
}

function transpose(backend: WasmBackend, x: TensorInfo, perm: number[]): TensorInfo {
  return wasmKernel("Transpose")({ inputs: { x }, backend, attrs: { perm } });
}

function conv2d(
  backend: WasmBackend,
  x: TensorInfo,
  filter: TensorInfo,
  pad: tf.backend_util.ExplicitPadding,
  dilations: [number, number] = [1, 1],
): TensorInfo {
  return wasmKernel(CONV2D)({
    inputs: { x, filter },
    backend,
    attrs: { strides: [1, 1], pad, dataFormat: "NHWC", dilations, dimRoundingMode: undefined },
  });
}

/**
 * Writes `[fh, fw, a, b]` → `[fh, fw, b, a]` with both spatial axes reversed into a new
 * wasm buffer (the filter of the convolution that equals the transposed one).
 */
function flipSwapFilter(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [fh, fw, a, b] = filter.shape as Shape4;
  const out = backend.makeOutput([fh, fw, b, a], "float32");
  // Views taken after makeOutput: allocating may grow (and so detach) the wasm heap.
  const src = backend.typedArrayFromHeap(filter);
  const dst = backend.typedArrayFromHeap(out);
  const plane = a * b;
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const s0 = (i * fw + j) * plane;
      const d0 = ((fh - 1 - i) * fw + (fw - 1 - j)) * plane;
      for (let p = 0; p < a; p++) {
        const sp = s0 + p * b;
        let d = d0 + p;
        for (let q = 0; q < b; q++, d += a) dst[d] = src[sp + q]!;
      }
    }
  }
  return out;
}

function convInfoOf(
  inShape: number[],
  filterShape: Shape4,
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode: "floor" | "round" | "ceil" | undefined,
  dataFormat: "NHWC" | "NCHW",
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
}

function backpropInputViaConv2D(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as BackpropInputAttrs;
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const info = convInfoOf(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    attrs.pad,
    attrs.dimRoundingMode,
    attrs.dataFormat,
  );
  const { filterHeight: fh, filterWidth: fw, padInfo } = info;
  const top = fh - 1 - padInfo.top, bottom = fh - 1 - padInfo.bottom;
  const left = fw - 1 - padInfo.left, right = fw - 1 - padInfo.right;
  const fast = info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dataFormat === "channelsLast" && dy.dtype === "float32" && filter.dtype === "float32" &&
    Math.min(top, bottom, left, right) >= 0;
  if (!fast) {
    return (originalBackpropInput!.kernelFunc as unknown as WasmKernelFunc)(args);
  }
  const [n, oh, ow, co] = dy.shape as Shape4;
  const [, h, w, ci] = attrs.inputShape;
  const shape: NativeConvShape = {
    n,
    h: oh,
    w: ow,
    ci: co,
    oh: h,
    ow: w,
    co: ci,
    fh,
    fw,
    padTop: top,
    padLeft: left,
  };
  if (nativeApplies(shape)) {
    const out = backend.makeOutput([n, h, w, ci], "float32");
    // Views after makeOutput: allocating may grow (and so detach) the wasm heap.
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t);
    nativeConvForward(view(dy), view(filter), view(out), shape, true);
    return out;
  }
  const flipped = flipSwapFilter(backend, filter);
  try {
    return conv2d(backend, dy, flipped, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  } finally {
    backend.disposeData(flipped.dataId);
  }
}

/**
 * Fills `rows` output rows (starting at `r0` of `n · outH`) of the shifted-input matrix at float
 * offset `dst` of `heap`: for each tap `(i, j)` and channel `ci` in that order, row `y` holds
 * `x[n, y + i − padTop, x + j − padLeft, ci]` for every output column (zero outside the image),
 * read from the `[inC, N, H, W]` transpose of `x` at float offset `src`.
 *
 * When output and input rows have the same width (every 'same' convolution), the valid rows of
 * one image are contiguous in the source, so each run is one block copy shifted by the tap's
 * column offset, then the few columns that wrapped to a neighbouring row are zeroed: about
 * `outH` times fewer typed-array calls than a copy per row, which mattered at 28 columns.
 */
function shiftedRows(
  heap: Float32Array,
  dst: number,
  src: number,
  [n, h, w, ci]: Shape4,
  info: tf.backend_util.Conv2DInfo,
  r0: number,
  rows: number,
): void {
  const { filterHeight: fh, filterWidth: fw, outHeight: oh, outWidth: ow } = info;
  const pt = info.padInfo.top, pl = info.padInfo.left;
  const rEnd = r0 + rows;
  let d = dst;
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      // Output columns whose source column (column + j − padLeft) lies inside the image.
      const c0 = Math.max(0, Math.min(ow, pl - j));
      const c1 = Math.max(c0, Math.min(ow, w + pl - j));
      const shift = j - pl;
      for (let c = 0; c < ci; c++) {
        const plane = src + c * n * h * w;
        for (let r = r0; r < rEnd;) {
          const img = Math.floor(r / oh);
          const runEnd = Math.min(rEnd, (img + 1) * oh);
          // Rows of this image whose source row (y + i − padTop) lies inside it.
          const vStart = Math.min(runEnd, Math.max(r, img * oh + pt - i));
          const vEnd = Math.max(vStart, Math.min(runEnd, img * oh + h + pt - i));
          const dRow = (row: number): number => d + (row - r0) * ow;
          heap.fill(0, dRow(r), dRow(vStart));
          heap.fill(0, dRow(vEnd), dRow(runEnd));
          const s0 = plane + (img * h + (vStart - img * oh + i - pt)) * w + shift;
          if (vEnd === vStart) {
            // Nothing of this image's run reads inside it.
          } else if (c1 === c0) {
            heap.fill(0, dRow(vStart), dRow(vEnd));
          } else if (ow === w && s0 >= 0) {
            const d0 = dRow(vStart);
            heap.copyWithin(d0, s0, s0 + (vEnd - vStart) * w);
            for (let q = d0; q < dRow(vEnd); q += ow) {
              for (let col = 0; col < c0; col++) heap[q + col] = 0;
              for (let col = c1; col < ow; col++) heap[q + col] = 0;
            }
          } else {
            for (let row = vStart; row < vEnd; row++) {
              const q = dRow(row);
              const sRow = s0 + (row - vStart) * w;
              if (c0 > 0) heap.fill(0, q, q + c0);
              heap.copyWithin(q + c0, sRow + c0, sRow + c1);
              if (c1 < ow) heap.fill(0, q + c1, q + ow);
            }
          }
          r = runEnd;
        }
        d += rows * ow;
      }
    }
  }
}

/** Output rows of the batch per chunk of the filter gradient (the same for both kernels). */
function chunkRows(taps: number, ow: number, totalRows: number): number {
  return Math.max(
    1,
    Math.min(totalRows, Math.floor(im2colFloats / (taps * ow)), Math.floor(gemmDepth / ow)),
  );
}

/**
 * Filter gradient as one GEMM per chunk (stride 1, NHWC): `dw[(i,j,ci), co] = Σ_k A[(i,j,ci), k] ·
 * dy[k, co]` over `k = (n, y, x)`, where row `(i, j, ci)` of `A` is channel `ci` of `x` shifted by
 * the tap `(i, j)`. `A` is built by row copies from `x` transposed to `[inC, N, H, W]`, in chunks
 * of whole output rows so that it stays under the chunk size set by {@link setWasmConvChunkFloats}
 * and its depth under {@link setWasmConvGemmDepth}; XNNPACK's fully connected operator (wasm
 * `BatchMatMul` without transposes) multiplies it with the matching rows of `dy`, and the
 * chunks' products are summed.
 */
function backpropFilterGemm(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const [n, h, w, ci] = x.shape as Shape4;
  const { filterHeight: fh, filterWidth: fw, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const taps = fh * fw * ci;
  const totalRows = n * oh;
  const rowsPerChunk = chunkRows(taps, ow, totalRows);
  const xt = transpose(backend, x, [3, 0, 1, 2]); // [ci, n, h, w]
  let acc: TensorInfo | null = null;
  try {
    for (let r0 = 0; r0 < totalRows; r0 += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, totalRows - r0);
      const k = rows * ow;
      // dy's rows are copied even when whole: BatchMatMul caches its packed weights under the
      // weight's data id, which a reshape of dy elsewhere could share with another shape.
      const a = backend.makeOutput([1, taps, k], "float32");
      const b = backend.makeOutput([1, k, co], "float32");
      let part: TensorInfo;
      try {
        // Views after this chunk's allocations: allocating may grow (and detach) the heap.
        const aView = backend.typedArrayFromHeap(a);
        const heap = new Float32Array(aView.buffer);
        const xOff = backend.typedArrayFromHeap(xt).byteOffset >>> 2;
        const dyOff = backend.typedArrayFromHeap(dy).byteOffset >>> 2;
        const bOff = backend.typedArrayFromHeap(b).byteOffset >>> 2;
        heap.copyWithin(bOff, dyOff + r0 * ow * co, dyOff + (r0 + rows) * ow * co);
        shiftedRows(heap, aView.byteOffset >>> 2, xOff, [n, h, w, ci], info, r0, rows);
        part = wasmKernel("BatchMatMul")({
          inputs: { a, b },
          backend,
          attrs: { transposeA: false, transposeB: false },
        });
      } finally {
        backend.disposeData(a.dataId);
        backend.disposeData(b.dataId);
      }
      if (acc === null) {
        acc = part;
      } else {
        const prev: TensorInfo = acc;
        acc = null;
        try {
          acc = wasmKernel("Add")({ inputs: { a: prev, b: part }, backend, attrs: {} });
        } finally {
          backend.disposeData(prev.dataId);
          backend.disposeData(part.dataId);
        }
      }
    }
  } catch (error) {
    if (acc) backend.disposeData(acc.dataId);
    throw error;
  } finally {
    backend.disposeData(xt.dataId);
  }
  // Rows are ordered (i, j, ci) and columns co: already the [fh, fw, ci, co] layout.
  return { dataId: acc!.dataId, shape: [fh, fw, ci, co], dtype: "float32" };
}

/**
 * Filter gradient by the C kernel (stride 1, NHWC), summed over the batch in one call on the
 * tensors where tfjs keeps them. It sums the same chunks of output rows in the same order as
 * {@link backpropFilterGemm}, so that both give the same floats (the threaded build, whose
 * shared memory the module cannot import, takes the GEMM and must agree with one thread).
 */
function backpropFilterC(
  backend: WasmBackend,
  run: FilterGradC,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const [n, h, w, ci] = x.shape as Shape4;
  const { filterHeight: fh, filterWidth: fw, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const out = backend.makeOutput([fh, fw, ci, co], "float32");
  const part = backend.makeOutput([fh, fw, ci, co], "float32");
  try {
    // Offsets after makeOutput: allocating may grow (and so detach) the wasm heap.
    const at = (t: TensorInfo): number => backend.typedArrayFromHeap(t).byteOffset;
    // Sub-blocks of about 64 positions keep their rows of x and dy in cache.
    const sub = Math.max(1, Math.round(64 / ow));
    run(
      at(x),
      at(dy),
      at(out),
      at(part),
      n,
      h,
      w,
      ci,
      oh,
      ow,
      co,
      fh,
      fw,
      info.padInfo.top,
      info.padInfo.left,
      chunkRows(fh * fw * ci, ow, n * oh),
      sub,
    );
  } finally {
    backend.disposeData(part.dataId);
  }
  return out;
}

/**
 * Filter gradient as a convolution (any stride, NHWC or NCHW): `x` transposed to
 * `[inC, H, W, N]` convolved with `dy` transposed to `[outH, outW, N, outC]` as the filter,
 * dilated by the forward stride, gives `[inC, fh, fw, outC]`.
 */
function backpropFilterConv(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, padInfo } = info;
  const last = info.dataFormat === "channelsLast";
  const temps: TensorInfo[] = [];
  try {
    const xt = transpose(backend, x, last ? [3, 1, 2, 0] : [1, 2, 3, 0]);
    temps.push(xt);
    const dyt = transpose(backend, dy, last ? [1, 2, 0, 3] : [2, 3, 0, 1]);
    temps.push(dyt);
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [padInfo.top, padInfo.bottom],
      [padInfo.left, padInfo.right],
      [0, 0],
    ];
    let r = conv2d(backend, xt, dyt, pad, [info.strideHeight, info.strideWidth]);
    temps.push(r);
    const [, rh, rw] = r.shape as Shape4;
    if (rh !== fh || rw !== fw) {
      // Rows the forward convolution never reached (floor rounding of a stride) come out extra.
      r = wasmKernel("Slice")({
        inputs: { x: r },
        backend,
        attrs: { begin: [0, 0, 0, 0], size: [info.inChannels, fh, fw, info.outChannels] },
      });
      temps.push(r);
    }
    return transpose(backend, r, [1, 2, 0, 3]);
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

function backpropFilter(args: KernelArgs): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  const x = inputs.x!;
  const dy = inputs.dy!;
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw new Error(
      `Cannot compute Conv2DBackpropFilter on wasm for dtypes ${x.dtype}/${dy.dtype}: ` +
        "expected float32",
    );
  }
  const info = convInfoOf(
    x.shape,
    attrs.filterShape,
    attrs.strides,
    attrs.pad,
    attrs.dimRoundingMode,
    attrs.dataFormat,
  );
  const gemm = info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dataFormat === "channelsLast";
  if (!gemm) return backpropFilterConv(backend, x, dy, info);
  const shape = nativeShape(info);
  // Fewer outputs than a panel (the heads' 3) are padded to one: still faster than the GEMM.
  if (nativeApplies({ ...shape, co: Math.max(shape.co, NATIVE_MIN_OUTPUTS) })) {
    const out = backend.makeOutput(attrs.filterShape, "float32");
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t);
    nativeConvFilterGrad(view(x), view(dy), view(out), shape);
    return out;
  }
  // The C loops vectorize over output channels: at 3 (the heads) the GEMM is faster.
  const c = cKernelAllowed && info.outChannels % 4 === 0 ? filterGradC(backend) : null;
  return c ? backpropFilterC(backend, c, x, dy, info) : backpropFilterGemm(backend, x, dy, info);
}

/**
 * Registers the fast `Conv2DBackpropInput` and the missing `Conv2DBackpropFilter` for the
 * `wasm` backend. Idempotent; works before or after the wasm backend is set, since tfjs
 * looks kernels up on every call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { registerWasmConvKernels } from "./wasm_conv.ts";
 * registerWasmConvKernels();
 * await tf.setBackend("wasm");
 * const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
 * const w = tf.ones([3, 3, 2, 4]);
 * const g = tf.grad((f) => tf.conv2d(x, f as tf.Tensor4D, 1, "same").sum())(w);
 * assert.deepEqual(g.shape, [3, 3, 2, 4]);
 * ```
 */
export function registerWasmConvKernels(): void {
  const current = tf.getKernel(BACKPROP_INPUT, BACKEND);
  if (!current) {
    throw new Error(
      `Cannot register wasm convolution kernels: "${BACKPROP_INPUT}" is not registered for ` +
        "wasm (import tfjs-backend-wasm first)",
    );
  }
  // The originals still serve the cases the replacements do not take.
  originalBackpropInput = replaceWasmKernel(
    BACKPROP_INPUT,
    backpropInputViaConv2D as unknown as tf.KernelFunc,
  ) ?? originalBackpropInput;
  originalConv2D = replaceWasmKernel(CONV2D, conv2dForward as unknown as tf.KernelFunc) ??
    originalConv2D;
  const filterKernel = tf.getKernel(BACKPROP_FILTER, BACKEND);
  if (filterKernel?.kernelFunc !== (backpropFilter as unknown as tf.KernelFunc)) {
    if (filterKernel) tf.unregisterKernel(BACKPROP_FILTER, BACKEND);
    tf.registerKernel({
      kernelName: BACKPROP_FILTER,
      backendName: BACKEND,
      kernelFunc: backpropFilter as unknown as tf.KernelFunc,
    });
  }
}

/**
 * The kernel config `Conv2DBackpropInput` had on wasm before {@link registerWasmConvKernels}
 * replaced it (null before the first registration); for benchmarks and fallbacks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { originalWasmBackpropInput, registerWasmConvKernels } from "./wasm_conv.ts";
 * registerWasmConvKernels();
 * assert.equal(originalWasmBackpropInput()?.kernelName, "Conv2DBackpropInput");
 * ```
 */
export function originalWasmBackpropInput(): KernelConfig | null {
  return originalBackpropInput;
}

/**
 * Sets how many floats the wasm filter gradient's shifted-input matrix may take at once (default
 * 2²⁴ = 64 MiB; at least one output row is always taken). Smaller values bound wasm memory for
 * large batches at a small cost in speed. Returns the previous value.
 *
 * @example
 * ```ts
 * import { setWasmConvChunkFloats } from "./wasm_conv.ts";
 * const previous = setWasmConvChunkFloats(1 << 22);
 * setWasmConvChunkFloats(previous);
 * ```
 */
export function setWasmConvChunkFloats(floats: number): number {
  if (!Number.isInteger(floats) || floats < 1) {
    throw new Error(`Cannot set the wasm conv chunk to ${floats} floats: expected an integer ≥ 1`);
  }
  const previous = im2colFloats;
  im2colFloats = floats;
  return previous;
}

/**
 * Sets how many summed positions (`N·H·W`) one product of the wasm filter gradient may take
 * (default 1024; at least one output row is always taken): deeper products stream `dy` from
 * memory once per output tile. Returns the previous value.
 *
 * @example
 * ```ts
 * import { setWasmConvGemmDepth } from "./wasm_conv.ts";
 * const previous = setWasmConvGemmDepth(4096);
 * setWasmConvGemmDepth(previous);
 * ```
 */
export function setWasmConvGemmDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1) {
    throw new Error(
      `Cannot set the wasm conv product depth to ${depth} positions: expected an integer ≥ 1`,
    );
  }
  const previous = gemmDepth;
  gemmDepth = depth;
  return previous;
}

/**
 * Chooses the kernel of the stride-1 wasm filter gradient: `"c"` (default) takes the C loops
 * of `c/conv_filter_grad.c` where they apply (unshared memory, output channels a multiple of
 * 4), `"gemm"` always takes the shifted-input matrix product. Returns the previous choice.
 *
 * @example
 * ```ts
 * import { setWasmFilterGradKernel } from "./wasm_conv.ts";
 * const previous = setWasmFilterGradKernel("gemm");
 * setWasmFilterGradKernel(previous);
 * ```
 */
export function setWasmFilterGradKernel(kind: "c" | "gemm"): "c" | "gemm" {
  if (kind !== "c" && kind !== "gemm") {
    throw new Error(`Cannot choose wasm filter gradient kernel "${kind}": expected "c" or "gemm"`);
  }
  const previous = cKernelAllowed ? "c" : "gemm";
  cKernelAllowed = kind === "c";
  return previous;
}
