/**
 * Batch norm in training mode over the N·H·W positions of an NHWC tensor, forward and
 * backward, as two passes each over typed arrays: sums in float64, values in float32. They
 * are the `cpu` and `wasm` kernels of `ClvmBatchNormTrain` / `ClvmBatchNormGrad` (on wasm,
 * straight on its heap), replacing tfjs-core's batch-norm gradient, which expands
 * 1/√(var + ε) to the activation's full size with `Tile` and takes a dozen full-size ops.
 *
 * With M positions per channel, x̂ = (x − μ)·s, s = 1/√(σ² + ε), y = γ·x̂ + β:
 * ∂β = Σ dy, ∂γ = Σ dy·x̂, dx = γ·s·(dy − ∂β/M − x̂·∂γ/M).
 *
 * @module
 */
import type { CpuBackend, KernelArgs, WasmBackend } from "./_backend_types.ts";
import type { tf } from "../deps.ts";
import { nativeBatchNormGrad, nativeBatchNormTrain, nativePath } from "./native.ts";

/** Channels: the last axis; every other axis is reduced over. */
function split(shape: readonly number[]): { m: number; c: number } {
  const c = shape[shape.length - 1]!;
  return { m: shape.reduce((a, b) => a * b, 1) / c, c };
}

/**
 * The forward pass: writes y into `out` and returns the batch mean and (biased) variance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchNormTrainArrays } from "./batch_norm_cpu.ts";
 * const r = batchNormTrainArrays([1, 3], [2, 1], [1], [0], 0);
 * assert.deepEqual([Array.from(r.y), r.mean[0], r.variance[0]], [[-1, 1], 2, 1]);
 * ```
 */
export function batchNormTrainArrays(
  x: ArrayLike<number>,
  shape: readonly number[],
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  epsilon: number,
  out: Float32Array = new Float32Array(x.length),
): { y: Float32Array; mean: Float32Array; variance: Float32Array } {
  const { m, c } = split(shape);
  // Shifted sums (by each channel's first value) keep Σx² − (Σx)²/M exact enough in float64.
  const shift = new Float64Array(c);
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) shift[ch] = x[ch]!;
  for (let p = 0, i = 0; p < m; p++) {
    for (let ch = 0; ch < c; ch++, i++) {
      const d = x[i]! - shift[ch]!;
      s1[ch]! += d;
      s2[ch]! += d * d;
    }
  }
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  const scale = new Float64Array(c);
  const offset = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const d = s1[ch]! / m;
    const mu = shift[ch]! + d;
    const v = Math.max(0, s2[ch]! / m - d * d);
    mean[ch] = mu;
    variance[ch] = v;
    scale[ch] = gamma[ch]! / Math.sqrt(v + epsilon);
    offset[ch] = beta[ch]! - mu * scale[ch]!;
  }
  for (let p = 0, i = 0; p < m; p++) {
    for (let ch = 0; ch < c; ch++, i++) out[i] = x[i]! * scale[ch]! + offset[ch]!;
  }
  return { y: out, mean, variance };
}

/**
 * The backward pass: writes dx into `out` and returns ∂γ and ∂β, given the forward pass's
 * input `x`, its batch mean and variance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchNormGradArrays } from "./batch_norm_cpu.ts";
 * const g = batchNormGradArrays([1, 0], [1, 3], [2, 1], [1], [2], [1], 0);
 * assert.deepEqual([Array.from(g.dx), g.dgamma[0], g.dbeta[0]], [[0, 0], -1, 1]);
 * ```
 */
export function batchNormGradArrays(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  shape: readonly number[],
  gamma: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  epsilon: number,
  out: Float32Array = new Float32Array(x.length),
): { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array } {
  const { m, c } = split(shape);
  const sdy = new Float64Array(c);
  const sdyx = new Float64Array(c);
  for (let p = 0, i = 0; p < m; p++) {
    for (let ch = 0; ch < c; ch++, i++) {
      const g = dy[i]!;
      sdy[ch]! += g;
      sdyx[ch]! += g * (x[i]! - mean[ch]!);
    }
  }
  const dgamma = new Float32Array(c);
  const dbeta = new Float32Array(c);
  // dx = a·dy + b·x + k per channel.
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const k = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const s = 1 / Math.sqrt(variance[ch]! + epsilon);
    const dg = sdyx[ch]! * s;
    dgamma[ch] = dg;
    dbeta[ch] = sdy[ch]!;
    a[ch] = gamma[ch]! * s;
    b[ch] = -a[ch]! * dg * s / m;
    k[ch] = -a[ch]! * sdy[ch]! / m - b[ch]! * mean[ch]!;
  }
  for (let p = 0, i = 0; p < m; p++) {
    for (let ch = 0; ch < c; ch++, i++) out[i] = a[ch]! * dy[i]! + b[ch]! * x[i]! + k[ch]!;
  }
  return { dx: out, dgamma, dbeta };
}

/** Attributes of both batch-norm kernels. */
export interface BatchNormAttrs {
  /** ε added to the variance. */
  epsilon: number;
}

/**
 * The `cpu` kernel of `ClvmBatchNormTrain`: inputs `x`, `gamma`, `beta`; outputs
 * `[y, mean, variance]`.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { batchNormTrainCpu } from "./batch_norm_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "cpu", kernelFunc: batchNormTrainCpu as unknown as tf.KernelFunc });
 * ```
 */
export function batchNormTrainCpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as CpuBackend;
  const { x, gamma, beta } = args.inputs;
  const read = (t: tf.TensorInfo) => backend.data.get(t.dataId).values;
  const { epsilon } = args.attrs as BatchNormAttrs;
  const r = batchNormTrainArrays(read(x!), x!.shape, read(gamma!), read(beta!), epsilon);
  const c = [r.mean.length];
  return [
    backend.makeTensorInfo(x!.shape, "float32", r.y),
    backend.makeTensorInfo(c, "float32", r.mean),
    backend.makeTensorInfo(c, "float32", r.variance),
  ];
}

/**
 * The `cpu` kernel of `ClvmBatchNormGrad`: inputs `dy`, `x`, `gamma`, `mean`, `variance`;
 * outputs `[dx, dgamma, dbeta]`.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { batchNormGradCpu } from "./batch_norm_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "cpu", kernelFunc: batchNormGradCpu as unknown as tf.KernelFunc });
 * ```
 */
export function batchNormGradCpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as CpuBackend;
  const { dy, x, gamma, mean, variance } = args.inputs;
  const read = (t: tf.TensorInfo) => backend.data.get(t.dataId).values;
  const { epsilon } = args.attrs as BatchNormAttrs;
  const g = batchNormGradArrays(
    read(dy!),
    read(x!),
    x!.shape,
    read(gamma!),
    read(mean!),
    read(variance!),
    epsilon,
  );
  const c = [g.dgamma.length];
  return [
    backend.makeTensorInfo(x!.shape, "float32", g.dx),
    backend.makeTensorInfo(c, "float32", g.dgamma),
    backend.makeTensorInfo(c, "float32", g.dbeta),
  ];
}

/**
 * The `wasm` kernel of `ClvmBatchNormTrain`: on the native kernels when they are loaded
 * (`native.ts`, threaded), else the same loops as the cpu kernel, on the wasm heap.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { batchNormTrainWasm } from "./batch_norm_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "wasm", kernelFunc: batchNormTrainWasm as unknown as tf.KernelFunc });
 * ```
 */
export function batchNormTrainWasm(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { x, gamma, beta } = args.inputs;
  const c = [gamma!.shape[0]!];
  const y = backend.makeOutput(x!.shape, "float32");
  const mean = backend.makeOutput(c, "float32");
  const variance = backend.makeOutput(c, "float32");
  // Views after makeOutput: allocating may grow (and so detach) the wasm heap.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  const { epsilon } = args.attrs as BatchNormAttrs;
  if (nativePath() !== null && x!.dtype === "float32") {
    const f32 = (t: tf.TensorInfo) => view(t) as Float32Array;
    nativeBatchNormTrain(
      f32(x!),
      f32(gamma!),
      f32(beta!),
      f32(y),
      f32(mean),
      f32(variance),
      epsilon,
    );
    return [y, mean, variance];
  }
  const r = batchNormTrainArrays(
    view(x!),
    x!.shape,
    view(gamma!),
    view(beta!),
    epsilon,
    view(y) as Float32Array,
  );
  (view(mean) as Float32Array).set(r.mean);
  (view(variance) as Float32Array).set(r.variance);
  return [y, mean, variance];
}

/**
 * The `wasm` kernel of `ClvmBatchNormGrad`: native when loaded, as `ClvmBatchNormTrain`'s.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { batchNormGradWasm } from "./batch_norm_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "wasm", kernelFunc: batchNormGradWasm as unknown as tf.KernelFunc });
 * ```
 */
export function batchNormGradWasm(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { dy, x, gamma, mean, variance } = args.inputs;
  const c = [gamma!.shape[0]!];
  const dx = backend.makeOutput(x!.shape, "float32");
  const dgamma = backend.makeOutput(c, "float32");
  const dbeta = backend.makeOutput(c, "float32");
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  const { epsilon } = args.attrs as BatchNormAttrs;
  if (nativePath() !== null && x!.dtype === "float32" && dy!.dtype === "float32") {
    const f32 = (t: tf.TensorInfo) => view(t) as Float32Array;
    nativeBatchNormGrad(
      f32(dy!),
      f32(x!),
      f32(gamma!),
      f32(mean!),
      f32(variance!),
      f32(dx),
      f32(dgamma),
      f32(dbeta),
      epsilon,
    );
    return [dx, dgamma, dbeta];
  }
  const g = batchNormGradArrays(
    view(dy!),
    view(x!),
    x!.shape,
    view(gamma!),
    view(mean!),
    view(variance!),
    epsilon,
    view(dx) as Float32Array,
  );
  (view(dgamma) as Float32Array).set(g.dgamma);
  (view(dbeta) as Float32Array).set(g.dbeta);
  return [dx, dgamma, dbeta];
}
