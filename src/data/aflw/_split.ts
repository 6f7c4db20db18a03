/**
 * The split of a root from its split file (`../_split_file.ts`), checked against the
 * database's usable faces, or made afresh.
 *
 * @module
 */
import { loadOrMakeSplit, type SplitFileKind } from "../_split_file.ts";
import type { AflwIndex } from "./database.ts";
import { AFLW_DEFAULT_SEED, type AflwSplit, defaultAflwSplitFile, makeAflwSplit } from "./split.ts";

/** AFLW's split file: face ids. */
const AFLW_SPLIT_FILE: SplitFileKind<number> = {
  dataset: "aflw",
  label: "AFLW",
  fileName: (seed) => defaultAflwSplitFile("", seed), // the name alone: join("", name)
  entries: "face ids",
  isEntry: (v): v is number => Number.isInteger(v),
  name: (id) => `face ${id}`,
};

/**
 * Checks a split read from `path` against the usable face ids: every usable face in a
 * split and no other ids. Errors name the file and say how to regenerate it.
 */
function checkCoverage(split: AflwSplit, path: string, usable: readonly number[]): void {
  const fail = (what: string): never => {
    throw new Error(`Cannot use AFLW split file "${path}": ${what}`);
  };
  const known = new Set(usable);
  let covered = 0;
  for (const name of ["train", "val", "test"] as const) {
    for (const id of split[name]) {
      if (!known.has(id)) {
        fail(
          `face ${id} (in "${name}") is not a usable face of the database; delete the file to regenerate it`,
        );
      }
      covered++;
    }
  }
  if (covered !== known.size) {
    const inSplit = new Set([...split.train, ...split.val, ...split.test]);
    const missing = usable.find((id) => !inSplit.has(id));
    fail(
      `it covers ${covered} faces but the database has ${known.size} usable faces ` +
        `(face ${missing} is in no split); delete the file to regenerate it`,
    );
  }
}

/**
 * The split of `root`: read from the split file (`splitFile`, else the root's or the
 * cache's) and checked against the database, or made and, with `write`, written (see
 * `_split_file.ts`). With `seed` undefined a file of any seed is taken.
 */
export async function aflwSplit(
  root: string,
  usable: readonly number[],
  seed: number | undefined,
  splitFile: string | undefined,
  write: boolean,
): Promise<{ split: AflwSplit; fromFile: boolean; path: string | null }> {
  const origin = await loadOrMakeSplit(AFLW_SPLIT_FILE, {
    root,
    seed: seed ?? AFLW_DEFAULT_SEED,
    checkSeed: seed !== undefined,
    splitFile,
    write,
    make: () => {
      const made = makeAflwSplit(usable, seed ?? AFLW_DEFAULT_SEED);
      return { seed: made.seed, splits: { train: made.train, val: made.val, test: made.test } };
    },
  });
  const split: AflwSplit = { seed: origin.content.seed, ...origin.content.splits };
  if (origin.fromFile) checkCoverage(split, origin.path!, usable);
  return { split, fromFile: origin.fromFile, path: origin.path };
}

/** Faces that can be samples: those with a rect. */
export function usableIds(index: AflwIndex): number[] {
  return index.faces.filter((f) => f.rect !== null).map((f) => f.faceId);
}
