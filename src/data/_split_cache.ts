/**
 * Where split files go when the dataset's own folder is read-only, and the rule for
 * when a split skips too many samples. Private to `src/data/`.
 *
 * The cache folder is `$CLVM_SPLIT_CACHE` when set, else `$XDG_CACHE_HOME/clvm/splits`
 * when `XDG_CACHE_HOME` is set, else `.cache/splits` under the current directory (beside
 * the synthetic datasets). A root's file there is named by the dataset, a fingerprint of
 * the root's real path (SHA-256, 16 hex digits) and the seed:
 * `aflw-3f2a…-seed1.json`, so two roots never share one.
 *
 * @module
 */
import { join } from "node:path";
import type { DataProblem } from "./types.ts";

/** The folder split files of read-only datasets are kept in. */
export function splitCacheDir(): string {
  const env = (name: string): string | undefined => {
    try {
      return Deno.env.get(name) || undefined;
    } catch {
      return undefined; // no --allow-env: the default
    }
  };
  const own = env("CLVM_SPLIT_CACHE");
  if (own) return own;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "clvm", "splits");
  return join(Deno.cwd(), ".cache", "splits");
}

/** The cache path of the split file of `dataset` at `root` with `seed`. */
export async function cachedSplitFile(
  dataset: string,
  root: string,
  seed: number,
): Promise<string> {
  let real = root;
  try {
    real = await Deno.realPath(root);
  } catch {
    // A root that does not resolve is reported by the loader; fingerprint it as given.
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(real));
  const hex = Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  return join(splitCacheDir(), `${dataset}-${hex}-seed${seed}.json`);
}

/** True when `path` is an existing file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Writes `text` to `path` atomically (a temporary file, then rename), creating the
 * folder when `mkdir` is set. Returns null, or the reason it could not.
 */
export async function tryWriteAtomic(
  path: string,
  text: string,
  mkdir = false,
): Promise<string | null> {
  // pid and time alone collide when one process opens several splits at once.
  const tmp = `${path}.${Deno.pid}.${Date.now()}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    if (mkdir) await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
    return null;
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    return e instanceof Error ? e.message : String(e);
  }
}

/** The default largest fraction of a split that may be skipped. */
export const DEFAULT_MAX_SKIP_FRACTION = 0.01;

/**
 * Throws when more than `fraction` of a split's `total` samples were skipped (at least
 * one skip is allowed unless `fraction` is 0), naming the count, the first problems and
 * the check to run.
 */
export function checkSkips(
  what: string,
  total: number,
  skipped: number,
  problems: readonly DataProblem[],
  fraction: number = DEFAULT_MAX_SKIP_FRACTION,
  checkCommand = "deno task data check",
): void {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new Error(`Invalid maxSkipFraction ${fraction}: expected a number in 0..1`);
  }
  const allowed = fraction === 0 ? 0 : Math.max(1, Math.floor(total * fraction));
  if (skipped <= allowed) return;
  const first = problems.slice(0, 3).map((p) => `"${p.file}": ${p.message}`).join("; ");
  throw new Error(
    `Cannot open the ${what}: ${skipped} of ${total} samples cannot be used (more than ${+(
      fraction * 100
    ).toFixed(
      2,
    )}%, ${allowed} allowed); first: ${first}; run \`${checkCommand}\` for the full list`,
  );
}
