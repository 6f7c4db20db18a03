/**
 * Builds the C kernels of `src/kernels/c/` to WebAssembly (wasm32, SIMD128) with Debian's
 * `clang` and `lld` (`apt-get install -y clang lld`). Each module imports its memory as
 * `env.memory` (so it can run on tfjs's wasm heap), exports its functions and has no data and
 * no stack use. Experimental: no kernel of the wasm backend uses these modules yet.
 *
 * `deno run --allow-run --allow-read --allow-write scripts/build_wasm_kernels.ts [OUT_DIR]`
 * writes `conv_filter_grad.wasm` to OUT_DIR (default `.cache/wasm-kernels`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The kernels: C source (relative to the repository root) and the functions exported. */
export const WASM_KERNELS = [
  {
    name: "conv_filter_grad",
    source: "src/kernels/c/conv_filter_grad.c",
    exports: ["conv_filter_grad"],
  },
] as const;

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The clang command line that builds `source` into `out` (fixed flags: reproducible bytes). */
export function clangArgs(source: string, out: string, exports: readonly string[]): string[] {
  return [
    "--target=wasm32",
    "-O3",
    "-msimd128",
    "-nostdlib",
    "-fno-builtin",
    "-Wall",
    "-Werror",
    "-Wl,--no-entry",
    "-Wl,--import-memory",
    "-Wl,--strip-all",
    ...exports.map((e) => `-Wl,--export=${e}`),
    "-o",
    out,
    source,
  ];
}

/** Whether `clang` can be run here (the test of the kernels skips without it). */
export async function hasClang(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("clang", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
}

/** Builds every kernel into `outDir`; returns the paths written. */
export async function buildWasmKernels(outDir: string): Promise<string[]> {
  await Deno.mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const k of WASM_KERNELS) {
    const out = `${outDir}/${k.name}.wasm`;
    const { success, stderr } = await new Deno.Command("clang", {
      args: clangArgs(`${ROOT}${k.source}`, out, k.exports),
      stdout: "inherit",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new Error(`Cannot build ${k.source} with clang: ${new TextDecoder().decode(stderr)}`);
    }
    written.push(out);
  }
  return written;
}

if (import.meta.main) {
  const outDir = Deno.args[0] ?? `${ROOT}.cache/wasm-kernels`;
  for (const path of await buildWasmKernels(outDir)) console.log(`wrote ${path}`);
}
