/**
 * The cpu twin of the fused convolution: plain loops for the stride-1 'same' convolution
 * and its transpose (written from their definitions, with double-precision sums), plus
 * `add`, `bias` and relu. It is the WGSL program's test oracle.
 *
 * @module
 */
import type { CpuBackend, KernelArgs } from "./_backend_types.ts";
import type { tf } from "../deps.ts";
import type { ConvSameAttrs } from "./_names.ts";

type Shape4 = [number, number, number, number];

/**
 * `out[n, y, x, co] = Σ_{dy, dx, ci} x[n, y + s·(dy − p), x + s·(dx − p), ci] · F(dy, dx, ci, co)`
 * with `p = (k − 1) / 2`, zero outside the image, then `+ add`, `+ bias`, relu. Bottom-up
 * (`s = +1`): `F = filter[dy, dx, ci, co]`. Transposed (`s = −1`, the adjoint of the
 * bottom-up convolution with the same filter): `F = filter[dy, dx, co, ci]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { convSameArrays } from "./fused_topdown_cpu.ts";
 * const out = convSameArrays([1, 2], [1, 1, 2, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1, 1],
 *   null, null, { transposed: true, relu: false });
 * assert.deepEqual(Array.from(out), [13, 16]);
 * ```
 */
export function convSameArrays(
  x: ArrayLike<number>,
  xShape: Shape4,
  filter: ArrayLike<number>,
  filterShape: Shape4,
  add: ArrayLike<number> | null,
  bias: ArrayLike<number> | null,
  { transposed, relu }: ConvSameAttrs,
  out?: Float32Array,
): Float32Array {
  const [n, h, w, cin] = xShape;
  const [k, , fa, fb] = filterShape;
  const cout = transposed ? fa : fb;
  const p = (k - 1) / 2;
  const s = transposed ? -1 : 1;
  const result = out ?? new Float32Array(n * h * w * cout);
  const acc = new Float64Array(cout);
  for (let img = 0; img < n; img++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        acc.fill(0);
        for (let dy = 0; dy < k; dy++) {
          const iy = y + s * (dy - p);
          if (iy < 0 || iy >= h) continue;
          for (let dx = 0; dx < k; dx++) {
            const ix = xx + s * (dx - p);
            if (ix < 0 || ix >= w) continue;
            const xBase = ((img * h + iy) * w + ix) * cin;
            const tap = (dy * k + dx) * fa * fb;
            for (let ci = 0; ci < cin; ci++) {
              const v = x[xBase + ci]!;
              if (v === 0) continue;
              if (transposed) {
                for (let co = 0; co < cout; co++) {
                  acc[co] = acc[co]! + v * filter[tap + co * cin + ci]!;
                }
              } else {
                const row = tap + ci * cout;
                for (let co = 0; co < cout; co++) acc[co] = acc[co]! + v * filter[row + co]!;
              }
            }
          }
        }
        const o = ((img * h + y) * w + xx) * cout;
        for (let co = 0; co < cout; co++) {
          let v = Math.fround(acc[co]!);
          if (add) v = Math.fround(v + add[o + co]!);
          if (bias) v = Math.fround(v + bias[co]!);
          result[o + co] = relu && v < 0 ? 0 : v;
        }
      }
    }
  }
  return result;
}

/**
 * The `cpu` kernel function of `ClvmConvSame`.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { convSameCpu } from "./fused_topdown_cpu.ts";
 * tf.registerKernel({ kernelName: "MyConv", backendName: "cpu", kernelFunc: convSameCpu as unknown as tf.KernelFunc });
 * ```
 */
export function convSameCpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as CpuBackend;
  const { x, filter, add, bias } = args.inputs;
  const read = (t: tf.TensorInfo) => backend.data.get(t.dataId).values;
  const attrs = args.attrs as ConvSameAttrs;
  const xShape = x!.shape as Shape4;
  const fShape = filter!.shape as Shape4;
  const out = convSameArrays(
    read(x!),
    xShape,
    read(filter!),
    fShape,
    add ? read(add) : null,
    bias ? read(bias) : null,
    attrs,
  );
  const cout = attrs.transposed ? fShape[2] : fShape[3];
  return backend.makeTensorInfo([xShape[0], xShape[1], xShape[2], cout], "float32", out);
}
