/**
 * A short Table 3 measured by `reproduce` itself, so the report always has this machine's
 * column beside the paper's: `benchmarks/table3.ts` (the same code as `deno task table3`)
 * run as a child process with few timed runs per row and no onnxruntime peer.
 *
 * @module
 */
import { join } from "node:path";

/** How much Table 3 a profile measures. */
export interface Table3Settings {
  /** Timed runs per row after one warm-up. */
  runs: number;
  /** Input side (the paper: 180). */
  size: number;
}

/** The settings per profile: `smoke` checks the pipeline at a tiny size, the rest time 180×180. */
export function table3Settings(profile: string): Table3Settings {
  return profile === "smoke" ? { runs: 1, size: 32 } : { runs: 3, size: 180 };
}

const TABLE3 = new URL("../benchmarks/table3.ts", import.meta.url).pathname;

/**
 * Runs the short Table 3 into `file` (JSON, the `--json` layout of `deno task table3`) and
 * returns its contents, or null with a logged reason when it failed.
 */
export async function measureTable3(
  file: string,
  settings: Table3Settings,
  backend: string,
  log: (s: string) => void,
): Promise<Record<string, unknown> | null> {
  log(
    `Table 3: timing the 6 rows at ${settings.size}×${settings.size}, ${settings.runs} run(s) ` +
      "per row after a warm-up (deno task table3 for more)…",
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-run",
      "--allow-sys",
      "--allow-ffi",
      TABLE3,
      "--backend",
      backend,
      "--kernels",
      "generic",
      "--runs",
      String(settings.runs),
      "--size",
      String(settings.size),
      "--onnx-runs",
      "0",
      "--json",
      file,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const tail = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    log(`Table 3 was not measured: ${tail}`);
    return null;
  }
  return JSON.parse(await Deno.readTextFile(file));
}

/** Where a run folder keeps its Table 3. */
export function table3File(dir: string): string {
  return join(dir, "table3.json");
}
