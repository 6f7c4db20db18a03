/**
 * Builds the native kernels (`c/native_*.c`: convolutions, batch norm, the NMS mask, the fused
 * update, and the fork-join they share) with the machine's C compiler into one shared library cached under `.cache/native/`,
 * named by a hash of the sources, the compiler's
 * version and the flags (so an edit or a new compiler builds anew, and a rebuild is never
 * needed otherwise). `-march=native` targets this machine's vector units, which is why the
 * library is built where it runs rather than shipped.
 *
 * A machine without a compiler, or a process without the permissions (run the compiler, write
 * the cache, FFI), gets null and a reason: the wasm kernels then compute the same functions.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The flags every build uses (also part of the library's name). */
export const NATIVE_FLAGS: readonly string[] = [
  "-O3",
  "-march=native",
  "-ffp-contract=fast",
  "-fPIC",
  "-shared",
  "-pthread",
  "-Wall",
  "-Werror",
];

/** The folder of the library's C files (every `native_*.c` in it is compiled). */
const C_DIR = new URL("./c/", import.meta.url);
/** The header they share (hashed, not compiled). */
const HEADER = new URL("./c/native_parallel.h", import.meta.url);

/** The outcome of {@link buildNativeKernels}. */
export interface NativeBuild {
  /** The library to load, or null when there is none. */
  path: string | null;
  /** Whether this call compiled it (false: found in the cache, or none). */
  built: boolean;
  /** One sentence: what was done, or why there is no library. */
  reason: string;
}

/** Options of {@link buildNativeKernels}. */
export interface NativeBuildOptions {
  /** Folder of the built libraries (default `.cache/native` under the working directory). */
  cacheDir?: string;
  /** The C compiler (default `$CC`, else the first of `cc`, `clang`, `gcc` that runs). */
  compiler?: string;
}

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

async function versionOf(compiler: string): Promise<string | null> {
  try {
    const out = await new Deno.Command(compiler, {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}

async function hashHex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Returns the native kernel library for this machine, compiling it once if needed (about a
 * second). Never throws for a missing compiler or permission: `path` is null and `reason` says
 * why. A failed compilation is reported with the compiler's first error lines.
 *
 * @example
 * ```ts
 * import { buildNativeKernels } from "./native_build.ts";
 * const build = await buildNativeKernels();
 * console.log(build.path ?? build.reason);
 * ```
 */
export async function buildNativeKernels(options: NativeBuildOptions = {}): Promise<NativeBuild> {
  const none = (reason: string): NativeBuild => ({ path: null, built: false, reason });
  if (Deno.build.os === "windows") return none("native kernels are not built on Windows");
  if (C_DIR.protocol !== "file:") {
    return none(`the kernels' C sources are not local files (${C_DIR.href})`);
  }
  if (!granted({ name: "ffi" })) return none("no FFI permission (--allow-ffi)");
  const cacheDir = options.cacheDir ?? join(Deno.cwd(), ".cache", "native");
  if (!granted({ name: "write", path: cacheDir }) || !granted({ name: "read", path: cacheDir })) {
    return none(`no permission to read and write ${cacheDir}`);
  }
  const envCompiler = granted({ name: "env", variable: "CC" }) ? Deno.env.get("CC") : undefined;
  const candidates = options.compiler ? [options.compiler] : envCompiler ? [envCompiler] : [
    "cc",
    "clang",
    "gcc",
  ];
  let compiler: string | null = null;
  let version: string | null = null;
  for (const c of candidates) {
    if (!granted({ name: "run", command: c })) continue;
    version = await versionOf(c);
    if (version !== null) {
      compiler = c;
      break;
    }
  }
  if (compiler === null || version === null) {
    return none(`no C compiler that runs here (tried ${candidates.join(", ")})`);
  }
  const sources: URL[] = [];
  try {
    for await (const entry of Deno.readDir(C_DIR)) {
      if (entry.isFile && /^native_.*\.c$/.test(entry.name)) {
        sources.push(new URL(entry.name, C_DIR));
      }
    }
  } catch (error) {
    return none(
      `cannot read the kernels' C sources in ${fileURLToPath(C_DIR)}: ${(error as Error).message}`,
    );
  }
  sources.sort((a, b) => a.href < b.href ? -1 : 1);
  const texts = await Promise.all([...sources, HEADER].map((u) => Deno.readTextFile(u)));
  const key = await hashHex([...texts, version, ...NATIVE_FLAGS, Deno.build.target].join("\n"));
  const ext = Deno.build.os === "darwin" ? "dylib" : "so";
  const path = join(cacheDir, `clvm_native-${key}.${ext}`);
  try {
    await Deno.stat(path);
    return { path, built: false, reason: `cached ${path}` };
  } catch {
    // Not built yet.
  }
  await Deno.mkdir(cacheDir, { recursive: true });
  // Written under a temporary name and renamed: a parallel run never loads half a library.
  const temp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const out = await new Deno.Command(compiler, {
    args: [...NATIVE_FLAGS, "-o", temp, ...sources.map((u) => fileURLToPath(u)), "-lm"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    await Deno.remove(temp).catch(() => {});
    const message = new TextDecoder().decode(out.stderr).split("\n").slice(0, 4).join(" ");
    const files = sources.map((u) => fileURLToPath(u)).join(", ");
    return none(`${compiler} failed to build ${files}: ${message}`);
  }
  await Deno.rename(temp, path);
  return { path, built: true, reason: `built ${path} with ${compiler}` };
}
