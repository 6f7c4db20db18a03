/**
 * What every result of `reproduce` is stamped with (STYLE: "Environment stamped on every
 * result"): the commit and whether the tree was dirty, Deno, tfjs, the backend and its
 * adapter, the CPU, memory, OS and the command line.
 *
 * @module
 */
import { resolve } from "node:path";
import { cpus } from "node:os";
import type { BackendReport } from "../mod.ts";
import { tf } from "../src/deps.ts";

/** The checkout `reproduce` runs from. */
export const REPO: string = resolve(new URL("..", import.meta.url).pathname);

/** `git ARGS` in the checkout: its trimmed output, or null when git fails or is missing. */
export async function git(...args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, cwd: REPO, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

// node:os reads the model under --allow-sys; Deno refuses /proc/cpuinfo short of --allow-all.
function cpuModel(): string {
  return cpus()[0]?.model.trim() || "unknown CPU";
}

/** The command line as typed: `deno task reproduce …`. */
export function commandLine(): string {
  return ["deno task reproduce", ...Deno.args].join(" ");
}

/** The environment stamp of a run at `commit`, on the backend `initBackend` chose. */
export async function environmentStamp(
  commit: string,
  backend: Pick<BackendReport, "name" | "adapter" | "convolutions">,
): Promise<Record<string, unknown>> {
  return {
    date: new Date().toISOString(),
    commit,
    dirty: ((await git("status", "--porcelain")) ?? "").length > 0,
    deno: Deno.version.deno,
    tfjs: tf.version_core,
    backend: backend.name,
    adapter: backend.adapter,
    // wasm: native convolution kernels or wasm's own (they round differently).
    ...(backend.convolutions ? { convolutions: backend.convolutions } : {}),
    cpu: `${cpuModel()} × ${navigator.hardwareConcurrency}`,
    cpuModel: cpuModel(),
    cores: navigator.hardwareConcurrency,
    memoryBytes: Deno.systemMemoryInfo().total,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    command: commandLine(),
  };
}
