/**
 * Puts `kernelFunc` in place of a wasm kernel while keeping the original's setup, which binds
 * its wasm function so that the original can still serve as the fallback.
 *
 * @module
 */
import { tf } from "../deps.ts";

/**
 * Replaces `kernelName` on wasm by `kernelFunc` unless it already is; returns the replaced
 * config (null when there was none or it was already replaced).
 */
export function replaceWasmKernel(
  kernelName: string,
  kernelFunc: tf.KernelFunc,
): tf.KernelConfig | null {
  const current = tf.getKernel(kernelName, "wasm");
  if (!current || current.kernelFunc === kernelFunc) return null;
  tf.unregisterKernel(kernelName, "wasm");
  const replacement: tf.KernelConfig = { kernelName, backendName: "wasm", kernelFunc };
  if (current.setupFunc) replacement.setupFunc = current.setupFunc;
  tf.registerKernel(replacement);
  return current;
}
