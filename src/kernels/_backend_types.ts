// The parts of tfjs's backends and kernel calls that this folder's kernels use, typed once
// (tfjs does not export its cpu and wasm backend classes to kernels registered from outside).
import type { tf } from "../deps.ts";

/** The parts of tfjs's cpu backend the cpu kernels use. */
export interface CpuBackend {
  data: { get(id: tf.DataId): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

/** The parts of tfjs's wasm backend the update and batch-norm kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): ArrayLike<number>;
}

/** What tfjs passes a kernel function. */
export type KernelArgs = {
  inputs: Record<string, tf.TensorInfo | undefined>;
  backend: unknown;
  attrs?: unknown;
};
