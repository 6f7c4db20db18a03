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
export { WebGPUBackend } from "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
export * as webgpu from "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
export { setThreadsCount, setWasmPaths } from "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
export { decode as decodeImage, Image } from "npm:imagescript@1.3.1";
export { XMLParser } from "npm:fast-xml-parser@5.12.1";
