// A fast `Conv2DBackpropFilter` for the tfjs `cpu` backend.
//
// tfjs-backend-cpu 4.22 computes the filter gradient with `TensorBuffer.get` for every
// multiply (seven nested loops, each read recomputing a flat index from four arguments):
// measured here it is ~30× slower than the cpu forward convolution and is most of a
// training step's time (5.6 s of a 6 s tiny-CLVM₁ step on 8×32×32 inputs). This version
// reads the typed arrays directly with the channel loop innermost and contiguous, and
// accumulates in float64. Registered by the trainer on the cpu backend only.
import { tf } from "../deps.ts";

const KERNEL = "Conv2DBackpropFilter";
const BACKEND = "cpu";

interface CpuBackend {
  data: { get(id: tf.DataId): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

interface Attrs {
  strides: number | [number, number];
  pad: "same" | "valid" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}

let original: tf.KernelConfig | null = null;

function backpropFilter(
  args: { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs: unknown },
): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as Attrs;
  if (attrs.dataFormat === "NCHW" && original) {
    return (original.kernelFunc as unknown as (a: typeof args) => tf.TensorInfo)(args);
  }
  const backend = args.backend as CpuBackend;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const cin = info.inChannels;
  const cout = info.outChannels;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.data.get(x.dataId).values;
  const dyv = backend.data.get(dy.dataId).values;
  const acc = new Float64Array(fh * fw * cin * cout);
  for (let b = 0; b < info.batchSize; b++) {
    for (let yr = 0; yr < OH; yr++) {
      for (let yc = 0; yc < OW; yc++) {
        const dyBase = ((b * OH + yr) * OW + yc) * cout;
        for (let wr = 0; wr < fh; wr++) {
          const xr = yr * sh + wr - top;
          if (xr < 0 || xr >= H) continue;
          for (let wc = 0; wc < fw; wc++) {
            const xc = yc * sw + wc - left;
            if (xc < 0 || xc >= W) continue;
            const xBase = ((b * H + xr) * W + xc) * cin;
            const wBase = (wr * fw + wc) * cin * cout;
            for (let d1 = 0; d1 < cin; d1++) {
              const xval = xv[xBase + d1]!;
              if (xval === 0) continue;
              const o = wBase + d1 * cout;
              for (let d2 = 0; d2 < cout; d2++) acc[o + d2]! += xval * dyv[dyBase + d2]!;
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(info.filterShape, "float32", Float32Array.from(acc));
}

/**
 * Replaces the cpu backend's `Conv2DBackpropFilter` with the fast one (idempotent).
 * Other backends are untouched.
 */
export function registerCpuConvGrad(): void {
  const current = tf.getKernel(KERNEL, BACKEND);
  if (current?.kernelFunc === (backpropFilter as unknown as tf.KernelFunc)) return;
  if (current) {
    original = current;
    tf.unregisterKernel(KERNEL, BACKEND);
  }
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: BACKEND,
    kernelFunc: backpropFilter as unknown as tf.KernelFunc,
  });
}

/** Puts tfjs's own cpu `Conv2DBackpropFilter` back (for comparisons in tests and benches). */
export function unregisterCpuConvGrad(): void {
  if (!original) return;
  tf.unregisterKernel(KERNEL, BACKEND);
  tf.registerKernel(original);
  original = null;
}
