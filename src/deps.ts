/**
 * The only file of the library with `npm:` specifiers. Everything reachable from
 * `mod.ts` takes its third-party code from here, with exact versions, so the package
 * loads from a URL without a local `deno.json`.
 *
 * @module
 */
import * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
// The umbrella package's Node bundle is the one build that carries tfjs-core's gradient
// functions (tfjs-core's own bundles leave them out, and its ESM sources use
// extension-less imports that Deno cannot resolve). It shares the one tfjs-core above.
import "npm:@tensorflow/tfjs@4.22.0";
import "npm:@tensorflow/tfjs-backend-cpu@4.22.0";
import "npm:@tensorflow/tfjs-backend-wasm@4.22.0";

export { tf };

// The tensor types of the public API, by name, so documentation shows them without
// re-exporting tfjs-core's whole namespace. Create tensors with `tf` from the same npm
// specifier (`npm:@tensorflow/tfjs-core@4.22.0`): Deno resolves it to this very module.
/** A tfjs-core tensor of any rank. */
export type Tensor = tf.Tensor;
/** A rank-0 tfjs-core tensor (one number). */
export type Scalar = tf.Scalar;
/** A rank-1 tfjs-core tensor. */
export type Tensor1D = tf.Tensor1D;
/** A rank-2 tfjs-core tensor. */
export type Tensor2D = tf.Tensor2D;
/** A rank-3 tfjs-core tensor. */
export type Tensor3D = tf.Tensor3D;
/** A rank-4 tfjs-core tensor (NHWC images and feature maps here). */
export type Tensor4D = tf.Tensor4D;
/** A mutable tfjs-core tensor (a model parameter). */
export type Variable = tf.Variable;
/** A kernel registered with tfjs-core: its name, backend and function. */
export type KernelConfig = tf.KernelConfig;
export { WebGPUBackend } from "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
export * as webgpu from "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
export {
  getThreadsCount,
  setThreadsCount,
  setWasmPaths,
} from "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
/** The imagescript module (JPEG/PNG codecs). */
export type ImageScript = typeof import("npm:imagescript@1.3.1");
let imagescriptModule: Promise<ImageScript> | undefined;
/**
 * imagescript, loaded on first use: it loads a native codec addon (which needs
 * `--allow-ffi`), so code that never touches an image file needs no such permission.
 */
export function imagescript(): Promise<ImageScript> {
  return imagescriptModule ??= import("npm:imagescript@1.3.1");
}
export { XMLParser } from "npm:fast-xml-parser@5.12.1";
// Figures: resvg (MPL-2.0) rasterizes SVG in wasm, with DejaVu Sans (Bitstream Vera
// licence) as its only font. The font package ships no module: importing its package.json
// puts it in the module graph and deno.lock, so that `import.meta.resolve` below finds its
// files in the npm cache (also when mod.ts is imported from a URL).
export { initWasm as initResvg, Resvg } from "npm:@resvg/resvg-wasm@2.6.2";
import "npm:dejavu-fonts-ttf@2.37.3/package.json" with { type: "json" };
/** File URL of resvg's wasm binary, read once by `src/report/png.ts`. */
export const RESVG_WASM_URL: string = import.meta.resolve(
  "npm:@resvg/resvg-wasm@2.6.2/index_bg.wasm",
);
/** File URL of DejaVu Sans (regular), the font every figure is drawn with. */
export const DEJAVU_SANS_URL: string = import.meta.resolve(
  "npm:dejavu-fonts-ttf@2.37.3/ttf/DejaVuSans.ttf",
);
