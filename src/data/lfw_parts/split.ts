/**
 * The official split lists of LFW-Parts (`parts_train.txt`, `parts_validation.txt`,
 * `parts_test.txt`): their names, their `<Name> <number>` format and how a root's are read.
 *
 * @module
 */
import { join } from "node:path";
import type { Split } from "../types.ts";

/** The official split file of each split. */
export const LFW_PARTS_SPLIT_FILES: Readonly<Record<Split, string>> = {
  train: "parts_train.txt",
  val: "parts_validation.txt",
  test: "parts_test.txt",
};

/**
 * Parses a split file: one `<Name> <number>` per line, the number zero-padded or not;
 * returns the ids `<Name>_<NNNN>` (re-padded to 4 digits) in file order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLfwPartsSplit } from "./split.ts";
 * assert.deepEqual(parseLfwPartsSplit("Inga_Hall 0001\nDianne_Feinstein 2\n", "parts_train.txt"), [
 *   "Inga_Hall_0001",
 *   "Dianne_Feinstein_0002",
 * ]);
 * ```
 */
export function parseLfwPartsSplit(text: string, file: string): string[] {
  const ids: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() === "") continue;
    const m = /^(\S+)[ \t]+(\d+)\s*$/.exec(line);
    const n = m ? Number(m[2]) : NaN;
    if (!m || !(n >= 1 && n <= 9999)) {
      throw new Error(
        `Cannot read LFW-Parts split "${file}" line ${
          i + 1
        }: expected "<Name> <number 1..9999>", ` +
          `found "${line.slice(0, 80)}"`,
      );
    }
    ids.push(`${m[1]}_${String(n).padStart(4, "0")}`);
  }
  return ids;
}

/**
 * Reads the ids of one split from `root`'s split file.
 *
 * @example
 * ```ts ignore
 * import { readLfwPartsSplit } from "./split.ts";
 * const ids = await readLfwPartsSplit("/tmp/lfw", "test"); // 927 ids
 * ```
 */
export async function readLfwPartsSplit(root: string, split: Split): Promise<string[]> {
  const file = join(root, LFW_PARTS_SPLIT_FILES[split]);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot read LFW-Parts split "${file}": file not found (expected the official split ` +
          "files; `deno task data prepare lfw-parts --from DIR --root DIR` copies them)",
      );
    }
    throw e;
  }
  return parseLfwPartsSplit(text, file);
}
