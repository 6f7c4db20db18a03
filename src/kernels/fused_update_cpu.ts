/**
 * The cpu twins of the fused layer update and of the 2×2 sum-pool: plain loops over typed
 * arrays, written from docs/MODEL.md §1 rather than from the WGSL, so that they serve as the
 * WGSL programs' test oracle, and the native kernels' (`c/native_update.c`), which serve the
 * `wasm` backend when loaded; else these loops do, on its heap.
 *
 * @module
 */
import type { CpuBackend, KernelArgs, WasmBackend } from "./_backend_types.ts";
import type { tf } from "../deps.ts";
import type { FusedUpdateAttrs } from "./_names.ts";
import { nativeFusedUpdate, nativePath, nativeSumPool } from "./native.ts";

type Shape4 = [number, number, number, number];

/**
 * `relu((bot + top) + bias)` elementwise, or with NMS: in each 2×2 group of each channel,
 * `relu(a)` at the first cell (raster order) holding the group's maximum of `a`, 0 at the
 * other three. `top` is at `bot`'s resolution, or at half of it when `topPooled`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusedUpdateArrays } from "./fused_update_cpu.ts";
 * const z = fusedUpdateArrays([1, 3, 3, 2], null, [-1], [1, 2, 2, 1], { nms: true, topPooled: false });
 * assert.deepEqual(Array.from(z), [0, 2, 0, 0]);
 * ```
 */
export function fusedUpdateArrays(
  bot: ArrayLike<number>,
  top: ArrayLike<number> | null,
  bias: ArrayLike<number>,
  [n, h, w, c]: Shape4,
  { nms, topPooled }: FusedUpdateAttrs,
  out: Float32Array = new Float32Array(n * h * w * c),
): Float32Array {
  const a = new Float32Array(n * h * w * c);
  for (let img = 0; img < n; img++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const base = ((img * h + y) * w + x) * c;
        const topBase = top === null
          ? -1
          : topPooled
          ? ((img * (h >> 1) + (y >> 1)) * (w >> 1) + (x >> 1)) * c
          : base;
        for (let ch = 0; ch < c; ch++) {
          const s = top === null
            ? bot[base + ch]!
            : Math.fround(bot[base + ch]! + top[topBase + ch]!);
          a[base + ch] = s + bias[ch]!;
        }
      }
    }
  }
  if (!nms) {
    for (let i = 0; i < a.length; i++) out[i] = a[i]! > 0 ? a[i]! : 0;
    return out;
  }
  for (let img = 0; img < n; img++) {
    for (let gy = 0; gy < h; gy += 2) {
      for (let gx = 0; gx < w; gx += 2) {
        for (let ch = 0; ch < c; ch++) {
          const cells = [
            ((img * h + gy) * w + gx) * c + ch,
            ((img * h + gy) * w + gx + 1) * c + ch,
            ((img * h + gy + 1) * w + gx) * c + ch,
            ((img * h + gy + 1) * w + gx + 1) * c + ch,
          ];
          let win = 0;
          for (let k = 1; k < 4; k++) if (a[cells[k]!]! > a[cells[win]!]!) win = k;
          for (let k = 0; k < 4; k++) {
            const v = a[cells[k]!]!;
            out[cells[k]!] = k === win && v > 0 ? v : 0;
          }
        }
      }
    }
  }
  return out;
}

/**
 * `P`: `out[n, i, j, c] = Σ` of `x` over the 2×2 group `(2i.., 2j..)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumPoolArrays } from "./fused_update_cpu.ts";
 * assert.deepEqual(Array.from(sumPoolArrays([1, 2, 3, 4], [1, 2, 2, 1])), [10]);
 * ```
 */
export function sumPoolArrays(
  x: ArrayLike<number>,
  [n, h, w, c]: Shape4,
  out: Float32Array = new Float32Array(n * (h >> 1) * (w >> 1) * c),
): Float32Array {
  const h2 = h >> 1, w2 = w >> 1;
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < h2; i++) {
      for (let j = 0; j < w2; j++) {
        const o = ((img * h2 + i) * w2 + j) * c;
        const r0 = ((img * h + 2 * i) * w + 2 * j) * c;
        const r1 = r0 + w * c;
        for (let ch = 0; ch < c; ch++) {
          out[o + ch] = (x[r0 + ch]! + x[r0 + c + ch]!) + (x[r1 + ch]! + x[r1 + c + ch]!);
        }
      }
    }
  }
  return out;
}

/**
 * The `cpu` kernel function of `ClvmFusedUpdate`.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { fusedUpdateCpu } from "./fused_update_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "cpu", kernelFunc: fusedUpdateCpu as unknown as tf.KernelFunc });
 * ```
 */
export function fusedUpdateCpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as CpuBackend;
  const { bot, top, bias } = args.inputs;
  const read = (t: tf.TensorInfo) => backend.data.get(t.dataId).values;
  const shape = bot!.shape as Shape4;
  const out = fusedUpdateArrays(
    read(bot!),
    top ? read(top) : null,
    read(bias!),
    shape,
    args.attrs as FusedUpdateAttrs,
  );
  return backend.makeTensorInfo(shape, "float32", out);
}

/**
 * The `cpu` kernel function of `ClvmSumPool2x2`.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { sumPoolCpu } from "./fused_update_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "cpu", kernelFunc: sumPoolCpu as unknown as tf.KernelFunc });
 * ```
 */
export function sumPoolCpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as CpuBackend;
  const x = args.inputs.x!;
  const [n, h, w, c] = x.shape as Shape4;
  const out = sumPoolArrays(backend.data.get(x.dataId).values, [n, h, w, c]);
  return backend.makeTensorInfo([n, h >> 1, w >> 1, c], "float32", out);
}

/**
 * The `wasm` kernel function of `ClvmFusedUpdate`: on the native kernels when they are loaded
 * (`native.ts`, threaded, the same floats), else the cpu loops on the wasm heap.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { fusedUpdateWasm } from "./fused_update_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "wasm", kernelFunc: fusedUpdateWasm as unknown as tf.KernelFunc });
 * ```
 */
export function fusedUpdateWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { bot, top, bias } = args.inputs;
  const shape = bot!.shape as Shape4;
  const out = backend.makeOutput(shape, "float32");
  // Views after makeOutput: allocating may grow (and so detach) the wasm heap.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  const { nms, topPooled } = args.attrs as FusedUpdateAttrs;
  if (nativePath() !== null) {
    const f32 = (t: tf.TensorInfo) => view(t) as Float32Array;
    nativeFusedUpdate(
      f32(bot!),
      top ? f32(top) : null,
      f32(bias!),
      f32(out),
      shape,
      nms,
      topPooled,
    );
    return out;
  }
  fusedUpdateArrays(
    view(bot!),
    top ? view(top) : null,
    view(bias!),
    shape,
    args.attrs as FusedUpdateAttrs,
    view(out) as Float32Array,
  );
  return out;
}

/**
 * The `wasm` kernel function of `ClvmSumPool2x2` (native when loaded, as the update's).
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { sumPoolWasm } from "./fused_update_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "wasm", kernelFunc: sumPoolWasm as unknown as tf.KernelFunc });
 * ```
 */
export function sumPoolWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const x = args.inputs.x!;
  const [n, h, w, c] = x.shape as Shape4;
  const out = backend.makeOutput([n, h >> 1, w >> 1, c], "float32");
  if (nativePath() !== null) {
    const f32 = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    nativeSumPool(f32(x), f32(out), [n, h, w, c]);
    return out;
  }
  sumPoolArrays(
    backend.typedArrayFromHeap(x),
    [n, h, w, c],
    backend.typedArrayFromHeap(out) as Float32Array,
  );
  return out;
}
