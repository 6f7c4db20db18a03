/**
 * The NMS pass mask as plain loops over typed arrays: the `cpu` kernel of `ClvmNmsPass`, the
 * test oracle of the native kernel, and its stand-in on `wasm` when no native library is
 * loaded (on wasm's heap).
 *
 * @module
 */
import type { tf } from "../deps.ts";
import type { CpuBackend, KernelArgs, WasmBackend } from "./_backend_types.ts";
import { nativeNmsPass, nativePath } from "./native.ts";

type Shape4 = [number, number, number, number];

/**
 * The pass mask of `a` `[n, h, w, c]` (h, w even): in each 2×2 group of each channel, 1 at the
 * first cell in raster order holding the group's maximum if it is positive, 0 at the others. A
 * NaN in a group makes its maximum NaN, which no cell equals, so the last cell wins (as in the
 * composition of `ops/nms.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmsPassArrays } from "./nms_pass_cpu.ts";
 * assert.deepEqual(Array.from(nmsPassArrays([1, 3, 3, -2], [1, 2, 2, 1])), [0, 1, 0, 0]);
 * ```
 */
export function nmsPassArrays(
  a: ArrayLike<number>,
  [n, h, w, c]: Shape4,
  out: Float32Array = new Float32Array(n * h * w * c),
): Float32Array {
  const max = (x: number, y: number) => (x > y || Number.isNaN(x) ? x : y);
  const row = w * c;
  for (let g = 0; g < n * (h >> 1); g++) {
    for (let i = 2 * g * row, end = i + row; i < end; i += 2 * c) {
      for (let k = i; k < i + c; k++) {
        // The group's cells in raster order: top-left, top-right, bottom-left, bottom-right.
        const tl = a[k]!, tr = a[k + c]!, bl = a[k + row]!, br = a[k + row + c]!;
        const m = max(max(tl, tr), max(bl, br));
        const winner = tl === m ? 0 : tr === m ? 1 : bl === m ? 2 : 3;
        out[k] = winner === 0 && tl > 0 ? 1 : 0;
        out[k + c] = winner === 1 && tr > 0 ? 1 : 0;
        out[k + row] = winner === 2 && bl > 0 ? 1 : 0;
        out[k + row + c] = winner === 3 && br > 0 ? 1 : 0;
      }
    }
  }
  return out;
}

/**
 * The `cpu` kernel of `ClvmNmsPass` (input `a`).
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { nmsPassCpu } from "./nms_pass_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "cpu", kernelFunc: nmsPassCpu as unknown as tf.KernelFunc });
 * ```
 */
export function nmsPassCpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as CpuBackend;
  const a = args.inputs.a!;
  const out = nmsPassArrays(backend.data.get(a.dataId).values, a.shape as Shape4);
  return backend.makeTensorInfo(a.shape, "float32", out);
}

/**
 * The `wasm` kernel of `ClvmNmsPass`: native when loaded, else the cpu loop on the heap.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { nmsPassWasm } from "./nms_pass_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "wasm", kernelFunc: nmsPassWasm as unknown as tf.KernelFunc });
 * ```
 */
export function nmsPassWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const a = args.inputs.a!;
  const out = backend.makeOutput(a.shape, "float32");
  // Views after makeOutput: allocating may grow (and so detach) the wasm heap.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  if (nativePath() !== null) nativeNmsPass(view(a), view(out), a.shape as Shape4);
  else nmsPassArrays(view(a), a.shape as Shape4, view(out));
  return out;
}
