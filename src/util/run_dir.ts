/**
 * Run folders that are never overwritten: a new run gets a new folder, an existing one is
 * resumed or refused, and `--force` moves the old contents aside (never deletes them).
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { LOCK_NAME } from "./lock.ts";

/** A run folder's state before a command writes into it. */
export type RunDirState = "missing" | "empty" | "used";

/** Thrown for a folder a command cannot use: one line, naming the path. */
export class RunDirError extends Error {
  /** See the class doc. */
  constructor(message: string) {
    super(message);
    this.name = "RunDirError";
  }
}

/**
 * Whether `dir` is missing, empty (a lock file alone counts as empty) or holds an
 * earlier run; a path that is a file (or cannot be listed) is a {@link RunDirError}.
 */
export async function runDirState(dir: string, flag = "--out"): Promise<RunDirState> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    if (error instanceof Deno.errors.NotADirectory) {
      throw new RunDirError(`Invalid ${flag} "${dir}": a parent of it is a file, not a folder`);
    }
    throw new RunDirError(`Cannot use ${flag} "${dir}": ${(error as Error).message}`);
  }
  if (!info.isDirectory) {
    throw new RunDirError(`Invalid ${flag} "${dir}": it is a file; expected a folder`);
  }
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name !== LOCK_NAME) return "used";
    }
  } catch (error) {
    throw new RunDirError(`Cannot list ${flag} "${dir}": ${(error as Error).message}`);
  }
  return "empty";
}

/** Creates `dir` (and its parents) as a folder, with a one-line error when it cannot. */
export async function makeRunDir(dir: string, flag = "--out"): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory) {
      throw new RunDirError(`Invalid ${flag} "${dir}": it (or a parent of it) is a file`);
    }
    throw new RunDirError(`Cannot create ${flag} "${dir}": ${(error as Error).message}`);
  }
}

/** A file-name-safe UTC time: `20261202T035512Z`. */
export function timeStamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

/**
 * Moves everything in `dir` except its lock file into a new sibling folder
 * `DIR.old-<time>[-N]` and returns that folder's path. Nothing is deleted; the caller,
 * who holds the lock, keeps it.
 */
export async function moveContentsAside(dir: string): Promise<string> {
  const stamp = timeStamp();
  let aside = "";
  for (let n = 1;; n++) {
    aside = join(dirname(dir), `${basename(dir)}.old-${stamp}${n > 1 ? `-${n}` : ""}`);
    try {
      await Deno.mkdir(aside);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name === LOCK_NAME) continue;
    await Deno.rename(join(dir, entry.name), join(aside, entry.name));
  }
  return aside;
}

/**
 * Creates a new folder `BASE`, or `BASE-2`, `BASE-3`, … when taken (atomically: two
 * commands started together get two folders), and returns it.
 */
export async function createNewRunDir(base: string): Promise<string> {
  await makeRunDir(dirname(base));
  for (let n = 1;; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await Deno.mkdir(dir);
      return dir;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
}

/** The newest existing folder among `BASE`, `BASE-2`, … (the highest N), or null. */
export async function latestRunDir(base: string): Promise<string | null> {
  let best: { n: number; dir: string } | null = null;
  try {
    for await (const entry of Deno.readDir(dirname(base))) {
      if (!entry.isDirectory) continue;
      const name = basename(base);
      let n = 0;
      if (entry.name === name) n = 1;
      else {
        const m = entry.name.startsWith(`${name}-`) &&
          /^\d+$/.exec(entry.name.slice(name.length + 1));
        if (m) n = Number(m[0]);
      }
      if (n > 0 && (!best || n > best.n)) best = { n, dir: join(dirname(base), entry.name) };
    }
  } catch {
    return null;
  }
  return best?.dir ?? null;
}

/** Reads a JSON file of a run folder; a missing file is null, a broken one a one-line error. */
export async function readRunJson<T>(path: string): Promise<T | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new RunDirError(`Cannot read "${path}": ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new RunDirError(
      `"${path}" is not valid JSON (${(error as Error).message}); truncated or edited?`,
    );
  }
}
