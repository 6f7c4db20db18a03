/**
 * Softmax cross-entropy over pixels as a plain loop over typed arrays: the `cpu` kernel of
 * `ClvmSoftmaxXent`, the test oracle of the native kernel (`c/native_xent.c`), and its
 * stand-in on `wasm` when no native library is loaded (on wasm's heap).
 *
 * @module
 */
import type { tf } from "../deps.ts";
import type { CpuBackend, KernelArgs, WasmBackend } from "./_backend_types.ts";
import type { SoftmaxXentAttrs } from "./_names.ts";
import { nativePath, nativeSoftmaxXent } from "./native.ts";

const f = Math.fround;

/**
 * For `logits` (`labels.length × classes`, row-major) and `labels`: the loss sum
 * `Σ log Σ_k e^{l_k} − l_y` over pixels with a label in `[0, classes)`, the count of pixels
 * labelled other than `ignore`, and into `grad` the gradient of the sum (softmax − one-hot;
 * 0 at every other pixel) — the values of the one-hot composition in `train/losses.ts`. Each
 * step is rounded to float as the native kernel computes it; the sum is in double.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softmaxXentArrays } from "./softmax_xent_cpu.ts";
 * const r = softmaxXentArrays([0, 0, 5, 5], [1, 255], 2, 255);
 * assert.ok(Math.abs(r.sum - Math.log(2)) < 1e-6);
 * assert.equal(r.count, 1);
 * assert.deepEqual(Array.from(r.grad), [0.5, -0.5, 0, 0]);
 * ```
 */
export function softmaxXentArrays(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
  ignore: number,
  grad: Float32Array = new Float32Array(labels.length * classes),
): { sum: number; count: number; grad: Float32Array } {
  let sum = 0, count = 0;
  for (let p = 0; p < labels.length; p++) {
    const at = p * classes, y = labels[p]!;
    if (y === ignore || y < 0 || y >= classes) {
      grad.fill(0, at, at + classes);
      if (y !== ignore) count++;
      continue;
    }
    let m = logits[at]!;
    for (let k = 1; k < classes; k++) m = logits[at + k]! > m ? logits[at + k]! : m;
    let s = 0;
    for (let k = 0; k < classes; k++) {
      const e = f(Math.exp(f(logits[at + k]! - m)));
      grad[at + k] = e;
      s = f(s + e);
    }
    const inv = f(1 / s);
    for (let k = 0; k < classes; k++) grad[at + k] = f(grad[at + k]! * inv);
    grad[at + y] = f(grad[at + y]! - 1);
    sum += f(f(m + f(Math.log(s))) - logits[at + y]!);
    count++;
  }
  return { sum, count, grad };
}

function shapes(args: KernelArgs) {
  const { logits, labels } = args.inputs;
  const classes = logits!.shape[logits!.shape.length - 1]!;
  const { ignore } = args.attrs as SoftmaxXentAttrs;
  if (labels!.dtype !== "int32" || logits!.dtype !== "float32") {
    throw new Error(
      `ClvmSoftmaxXent expects float32 logits and int32 labels, received ${logits!.dtype} and ` +
        `${labels!.dtype}`,
    );
  }
  return { logits: logits!, labels: labels!, classes, ignore };
}

/**
 * The `cpu` kernel of `ClvmSoftmaxXent` (outputs `[sum, count]` and the gradient).
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { softmaxXentCpu } from "./softmax_xent_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "cpu", kernelFunc: softmaxXentCpu as unknown as tf.KernelFunc });
 * ```
 */
export function softmaxXentCpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as CpuBackend;
  const { logits, labels, classes, ignore } = shapes(args);
  const r = softmaxXentArrays(
    backend.data.get(logits.dataId).values,
    backend.data.get(labels.dataId).values,
    classes,
    ignore,
  );
  return [
    backend.makeTensorInfo([2], "float32", Float32Array.of(r.sum, r.count)),
    backend.makeTensorInfo(logits.shape, "float32", r.grad),
  ];
}

/**
 * The `wasm` kernel of `ClvmSoftmaxXent`: native when loaded (threaded), else the loop of
 * the cpu kernel on the heap.
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { softmaxXentWasm } from "./softmax_xent_cpu.ts";
 * tf.registerKernel({ kernelName: "Mine", backendName: "wasm", kernelFunc: softmaxXentWasm as unknown as tf.KernelFunc });
 * ```
 */
export function softmaxXentWasm(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as WasmBackend;
  const { logits, labels, classes, ignore } = shapes(args);
  const out = backend.makeOutput([2], "float32");
  const grad = backend.makeOutput(logits.shape, "float32");
  // Views after makeOutput: allocating may grow (and so detach) the wasm heap.
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  if (nativePath() !== null) {
    nativeSoftmaxXent(
      view(logits) as Float32Array,
      view(labels) as Int32Array,
      view(grad) as Float32Array,
      view(out) as Float32Array,
      classes,
      ignore,
    );
  } else {
    const r = softmaxXentArrays(
      view(logits),
      view(labels),
      classes,
      ignore,
      view(grad) as Float32Array,
    );
    (view(out) as Float32Array).set([r.sum, r.count]);
  }
  return [out, grad];
}
