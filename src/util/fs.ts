/**
 * Small file-system helpers shared by the data readers, the trainer and the checkpoints:
 * whether a path exists or is a folder, an error's message, and writes that never leave a
 * half-written file behind (a temporary file beside the target, then a rename).
 *
 * @module
 */

/** Whether `error` says the path (or one of its parents) is not there. */
function isMissing(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory;
}

/**
 * Whether `path` exists (a file, a folder or anything else). A missing path is `false`;
 * any other failure (no permission) is thrown, so it is never mistaken for absence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exists } from "./fs.ts";
 * assert.equal(await exists(import.meta.dirname ?? "."), true);
 * assert.equal(await exists("/no/such/path"), false);
 * ```
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * Whether `path` is a folder (following links). A missing path is `false`; any other
 * failure is thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDir } from "./fs.ts";
 * assert.equal(await isDir(import.meta.dirname ?? "."), true);
 * assert.equal(await isDir("/no/such/path"), false);
 * ```
 */
export async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * The message of a thrown value: an `Error`'s `message`, anything else as a string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorMessage } from "./fs.ts";
 * assert.equal(errorMessage(new Error("disk full")), "disk full");
 * assert.equal(errorMessage("plain"), "plain");
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Flush the data to disk before the rename (default true; a crash then keeps either file). */
  sync?: boolean;
}

/**
 * Writes `data` (text as UTF-8, bytes, or byte chunks in order) to `path` atomically: into a
 * uniquely named temporary file beside it, flushed, then renamed over `path`. Readers see
 * the old file or the new one, never a part; on failure the temporary file is removed and
 * the error is thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./fs.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.json`, '{"ok":true}\n');
 * assert.equal(await Deno.readTextFile(`${dir}/a.json`), '{"ok":true}\n');
 * assert.equal([...Deno.readDirSync(dir)].length, 1, "no temporary file left");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  options: AtomicWriteOptions = {},
): Promise<void> {
  const chunks = typeof data === "string"
    ? [new TextEncoder().encode(data)]
    : data instanceof Uint8Array
    ? [data]
    : data;
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      for (const chunk of chunks) {
        let written = 0;
        while (written < chunk.length) written += await file.write(chunk.subarray(written));
      }
      if (options.sync ?? true) await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}
