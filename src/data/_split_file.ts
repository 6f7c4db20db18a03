/**
 * Split files: the train/val/test assignment of a dataset kept beside it as JSON, so
 * every run and every user of a root get the same samples, and later opens skip the
 * work of making it. One format for every dataset that makes its own split (AFLW,
 * Pascal Person); the entries differ (face ids, joined instances). Private to
 * `src/data/`.
 *
 * ```json
 * {"format": "clvm-aflw-split", "version": 1, "dataset": "aflw", "seed": 1,
 *  "counts": {"train": 22386, "val": 1000, "test": 1000},
 *  "train": [...], "val": [...], "test": [...], "problems": [{"file", "message"}]}
 * ```
 *
 * `problems` (optional) lists files the split could not use. Pascal Person's earlier
 * files, `{"dataset": "pascal-person", "format": 1, "seed", "splits": {"train": [...], …}}`,
 * are read too.
 *
 * Where: the dataset's own file in the root (`clvm-split-seed1.json`) or, when the root
 * is read-only, the split cache: `$CLVM_SPLIT_CACHE` when set, else
 * `$XDG_CACHE_HOME/clvm/splits` when `XDG_CACHE_HOME` is set, else `.cache/splits` under
 * the current directory (beside the synthetic datasets). A root's file there is named by
 * the dataset, a fingerprint of the root's real path (SHA-256, 16 hex digits) and the
 * seed: `aflw-3f2a…-seed1.json`, so two roots never share one.
 *
 * @module
 */
import { join } from "node:path";
import { errorMessage } from "../util/fs.ts";
import type { DataProblem, Split } from "./types.ts";

const SPLITS: readonly Split[] = ["train", "val", "test"];
const VERSION = 1;

/** What differs between the datasets' split files. */
export interface SplitFileKind<E> {
  /** The dataset as the file names it: `"aflw"`, `"pascal-person"`. */
  dataset: string;
  /** The dataset in messages: `"AFLW"`. */
  label: string;
  /** The file's name in the root for `seed`. */
  fileName(seed: number): string;
  /** What an entry is, for errors: `"face ids"`. */
  entries: string;
  /** Whether `value` is an entry. */
  isEntry(value: unknown): value is E;
  /** The entry in messages (`face 3`, `"2008_000008_p1"`); each may be in one split only. */
  name(entry: E): string;
}

/** The content of a split file. */
export interface SplitFileContent<E> {
  /** The seed the split was made with. */
  seed: number;
  /** The entries of each split. */
  splits: Record<Split, E[]>;
  /** Files the split could not use, with why. */
  problems?: DataProblem[];
}

/** A split file that cannot be used; `file` names it. */
export class SplitFileError extends Error {
  /** The split file. */
  readonly file: string;
  /** @param file The split file. @param message What is wrong, with the file named. */
  constructor(file: string, message: string) {
    super(message);
    this.name = "SplitFileError";
    this.file = file;
  }
}

/** The format tag of `kind`'s files. */
function formatOf(kind: SplitFileKind<unknown>): string {
  return `clvm-${kind.dataset}-split`;
}

/**
 * Reads and checks the split file at `path`; null when there is none. `seed`, when
 * given, is the seed the file must have been made with. Errors name the file.
 */
export async function readSplitFile<E>(
  kind: SplitFileKind<E>,
  path: string,
  seed: number | undefined,
): Promise<SplitFileContent<E> | null> {
  const fail = (m: string): never => {
    throw new SplitFileError(path, `Cannot read ${kind.label} split file "${path}": ${m}`);
  };
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    return fail(errorMessage(e));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`expected JSON (${errorMessage(e)})`);
  }
  const obj = (json !== null && typeof json === "object" ? json : {}) as Record<string, unknown>;
  const legacy = obj.dataset === kind.dataset && obj.format === 1;
  if (!legacy && obj.format !== formatOf(kind)) {
    fail(`expected an object with "format": "${formatOf(kind)}"`);
  }
  if (!legacy && obj.version !== undefined && obj.version !== VERSION) {
    fail(`expected "version": ${VERSION}, found ${JSON.stringify(obj.version)}`);
  }
  if (typeof obj.seed !== "number") fail(`expected a numeric "seed"`);
  if (seed !== undefined && obj.seed !== seed) {
    fail(
      `expected seed ${seed}, found ${obj.seed} (the file was made with seed ${obj.seed}; ` +
        "pass that seed, or delete the file to make the split afresh)",
    );
  }
  const lists = (legacy ? obj.splits : obj) as Record<string, unknown> | undefined;
  const splits: Record<Split, E[]> = { train: [], val: [], test: [] };
  const seen = new Map<string, Split>();
  for (const s of SPLITS) {
    const list = lists?.[s];
    if (!Array.isArray(list)) return fail(`expected "${s}" to be a list of ${kind.entries}`);
    for (const e of list) {
      if (!kind.isEntry(e)) {
        fail(`expected "${s}" to be a list of ${kind.entries}, found ${JSON.stringify(e)}`);
      }
      const name = kind.name(e);
      const before = seen.get(name);
      if (before) fail(`${name} is in both "${before}" and "${s}"`);
      seen.set(name, s);
    }
    splits[s] = list as E[];
  }
  const problems = obj.problems;
  if (
    problems !== undefined &&
    !(Array.isArray(problems) &&
      problems.every((p) => typeof p?.file === "string" && typeof p.message === "string"))
  ) {
    fail(`expected "problems" to be a list of {file, message}, found ${JSON.stringify(problems)}`);
  }
  const out: SplitFileContent<E> = { seed: obj.seed as number, splits };
  if (problems !== undefined) out.problems = problems as DataProblem[];
  return out;
}

/** The text of a split file holding `content`. */
export function formatSplitFile<E>(kind: SplitFileKind<E>, content: SplitFileContent<E>): string {
  const { splits } = content;
  const counts = { train: splits.train.length, val: splits.val.length, test: splits.test.length };
  const data: Record<string, unknown> = {
    format: formatOf(kind),
    version: VERSION,
    dataset: kind.dataset,
    seed: content.seed,
    counts,
    ...splits,
  };
  if (content.problems && content.problems.length > 0) data.problems = content.problems;
  return JSON.stringify(data, null, 1) + "\n";
}

/** Where a dataset's split comes from and goes, and whether it was read. */
export interface SplitOrigin<E> {
  /** The split. */
  content: SplitFileContent<E>;
  /** The file it was read from or written to; null when made and not written. */
  path: string | null;
  /** True when read from `path`. */
  fromFile: boolean;
}

/** Options of {@link loadOrMakeSplit}. */
export interface LoadOrMakeSplitOptions<E> {
  /** The dataset root. */
  root: string;
  /** The seed the split is made with and named by. */
  seed: number;
  /** Check a file's seed against `seed` (default true). */
  checkSeed?: boolean;
  /** The split file as the user named it; absent: the root's, or the cache's. */
  splitFile?: string | undefined;
  /** Makes the split when no file holds it. */
  make(): Promise<SplitFileContent<E>> | SplitFileContent<E>;
  /** Write a made split (default true); false only reads (the checks). */
  write?: boolean;
}

/**
 * The split of a root: read from the named split file, or else from the root's file
 * or the cache's, whichever exists; otherwise made, and written to the named file (an
 * error when that fails), or to the root, or (a read-only root) to the cache. When
 * neither can be written the split is used unwritten: it is a function of the seed.
 */
export async function loadOrMakeSplit<E>(
  kind: SplitFileKind<E>,
  options: LoadOrMakeSplitOptions<E>,
): Promise<SplitOrigin<E>> {
  const { root, seed, splitFile } = options;
  const check = options.checkSeed === false ? undefined : seed;
  const candidates = splitFile !== undefined
    ? [splitFile]
    : [join(root, kind.fileName(seed)), await cachedSplitFile(kind.dataset, root, seed)];
  for (const path of candidates) {
    const content = await readSplitFile(kind, path, check);
    if (content) return { content, path, fromFile: true };
  }
  const content = await options.make();
  if (options.write === false) return { content, path: null, fromFile: false };
  const text = formatSplitFile(kind, content);
  for (const [i, path] of candidates.entries()) {
    // The cache folder may not exist yet; the root and a named file's folder must.
    const failed = await tryWriteAtomic(path, text, i > 0);
    if (failed === null) return { content, path, fromFile: false };
    if (splitFile !== undefined) {
      throw new SplitFileError(
        path,
        `Cannot write ${kind.label} split file "${path}": ${failed} (pass splitFile, or ` +
          "--split-file, to keep it elsewhere)",
      );
    }
  }
  return { content, path: null, fromFile: false };
}

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
