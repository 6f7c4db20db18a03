/**
 * clvm: the convolutional latent-variable model of Hu & Ramanan on Deno's WebGPU
 * through TensorFlow.js.
 *
 * @example
 * ```ts
 * import { createCLVM, initBackend, tf } from "./mod.ts";
 * await initBackend("cpu");
 * const clvm = createCLVM({ architecture: "tiny", passes: 2, heads: { segmentation: { layer: 1, channels: 3 } }, seed: 1 });
 * const out = clvm.predict(tf.zeros([1, 32, 32, 3]));
 * out.segmentation?.dispose();
 * clvm.dispose();
 * ```
 *
 * @module
 */
export { tf } from "./src/deps.ts";
export * from "./src/backend.ts";
