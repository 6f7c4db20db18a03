/**
 * `Identity` for the tfjs `wasm` backend without a copy: the output shares its input's heap
 * block (one more reference), as on tfjs's `cpu` backend and wasm's own `Reshape`.
 *
 * Tensors are immutable, so sharing is safe, and the copy was not free: tfjs clones every
 * tensor an op saves for its gradient (`save`, `inputsToSave`), so on wasm each saved
 * activation was written twice and, for a moment, held twice. A paper CLVM₂ training step
 * at 112×112, batch 8, peaked at 1,961 MiB of live heap blocks with the copying kernel and
 * 1,885 MiB without it (measured by counting wasm's `malloc`/`free`).
 *
 * @module
 */
import { tf } from "../deps.ts";
import { replaceWasmKernel } from "./_replace_kernel.ts";

interface IdentityArgs {
  inputs: { x: tf.TensorInfo };
  backend: { incRef(dataId: unknown): void };
}

const IDENTITY = "Identity";
let original: tf.KernelConfig | null = null;

function identity(args: IdentityArgs): tf.TensorInfo {
  const { x } = args.inputs;
  // Strings live outside the heap; wasm's own kernel handles them.
  if (x.dtype === "string") {
    return (original!.kernelFunc as unknown as (a: IdentityArgs) => tf.TensorInfo)(args);
  }
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Registers the sharing `Identity` for `wasm`. Idempotent.
 *
 * @example
 * ```ts
 * import { registerWasmIdentityKernel } from "./wasm_identity.ts";
 * registerWasmIdentityKernel();
 * ```
 */
export function registerWasmIdentityKernel(): void {
  original = replaceWasmKernel(IDENTITY, identity as unknown as tf.KernelFunc) ?? original;
}
