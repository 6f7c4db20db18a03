/**
 * Where `reproduce` finds the real data: `--data-root DIR`, else `$CLVM_DATA`, else `./data`
 * in the checkout. A root that is given (flag or environment) must exist and hold at least
 * one recognizable dataset; a protocol named on the command line must find its dataset in
 * a given root. Only protocols that were not asked for fall back to their synthetic
 * stand-ins, and the default `./data` may be absent. See docs/DATASETS.md for the layouts.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { type DataSource, PROTOCOL_LIST } from "./protocols/mod.ts";

/** The data root and where it came from. */
export interface DataRoot {
  /** The folder, or null (every protocol on its stand-in). */
  dir: string | null;
  /** What chose it. */
  from: "--data-root" | "CLVM_DATA" | "default" | "--synthetic";
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

/** What each dataset's folder must hold to count, as paths relative to the root (`protocols/`). */
export const RECOGNIZED: Readonly<Record<string, readonly (readonly string[])[]>> = Object
  .fromEntries(
    PROTOCOL_LIST.map((
      p,
    ) => [p.name, p.recognized.map((paths) => paths.map((x) => `${p.folder}/${x}`))]),
  );

/** The datasets of {@link RECOGNIZED} that `dir` holds. */
export async function datasetsIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const [name, alternatives] of Object.entries(RECOGNIZED)) {
    for (const paths of alternatives) {
      if ((await Promise.all(paths.map((p) => exists(join(dir, p))))).every(Boolean)) {
        found.push(name);
        break;
      }
    }
  }
  return found;
}

function lookedFor(dir: string): string {
  return Object.values(RECOGNIZED)
    .map((alts) => alts.map((paths) => paths.map((p) => join(dir, p)).join(" + ")).join(" or "))
    .join("; ");
}

/**
 * Resolves the data root from the flag, the environment and the checkout. Throws one
 * sentence when a given root is missing or holds no dataset it recognizes.
 *
 * @example
 * ```ts ignore
 * const root = await resolveDataRoot(undefined, Deno.env.get("CLVM_DATA"), ".");
 * ```
 */
export async function resolveDataRoot(
  flag: string | undefined,
  env: string | undefined,
  repo: string,
): Promise<DataRoot> {
  const given = flag !== undefined
    ? { dir: resolve(flag), from: "--data-root" as const }
    : env
    ? { dir: resolve(env), from: "CLVM_DATA" as const }
    : null;
  if (!given) {
    const dir = join(repo, "data");
    return { dir: (await exists(dir)) ? dir : null, from: "default" };
  }
  const what = given.from === "CLVM_DATA" ? `CLVM_DATA=${given.dir}` : `--data-root ${given.dir}`;
  let isDir = false;
  try {
    isDir = (await Deno.stat(given.dir)).isDirectory;
  } catch { /* missing */ }
  if (!isDir) {
    throw new Error(
      `The data root of ${what} is not a directory (deno task data download <dataset> --to DIR fetches one)`,
    );
  }
  if ((await datasetsIn(given.dir)).length === 0) {
    throw new Error(
      `The data root of ${what} holds no dataset: looked for ${lookedFor(given.dir)}`,
    );
  }
  return given;
}

/**
 * Throws when a protocol named on the command line would run on its stand-in although a
 * data root was given: the user asked for the real data and would not get it.
 */
export function requireRealData(source: DataSource, root: DataRoot, named: boolean): void {
  if (!named || source.kind === "real") return;
  if (root.from !== "--data-root" && root.from !== "CLVM_DATA") return;
  throw new Error(
    `${source.protocol} was asked for, but the data root ${root.dir} lacks it: ${source.description}`,
  );
}
