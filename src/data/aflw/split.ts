/**
 * The paper's AFLW split: 1000 val and 1000 test faces by a seeded shuffle, the rest
 * train, and where its split file lives by default.
 *
 * @module
 */
import { join } from "node:path";
import { Mulberry32, shuffleInPlace } from "../../util/prng.ts";

/** The seed of the split when none is given. */
export const AFLW_DEFAULT_SEED = 1;
/** The face ids of each split, as kept in the split file. */
export interface AflwSplit {
  /** The seed the shuffle was made with. */
  seed: number;
  /** Face ids of the training split, ascending. */
  train: number[];
  /** Face ids of the validation split, ascending. */
  val: number[];
  /** Face ids of the test split, ascending. */
  test: number[];
}

/**
 * The default split file of a root and seed: `root/clvm-split-seed<seed>.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultAflwSplitFile } from "./mod.ts";
 * assert.equal(defaultAflwSplitFile("/data/aflw", 1), "/data/aflw/clvm-split-seed1.json");
 * ```
 */
export function defaultAflwSplitFile(root: string, seed: number): string {
  return join(root, `clvm-split-seed${seed}.json`);
}

/**
 * The number of faces held out for val and for test each: the paper's 1000 when the
 * dataset has at least 6000 usable faces (the distributed database has ~24k); below that,
 * a sixth of the faces each (so 240 synthetic faces give 40 / 40 / 160), which keeps two
 * thirds for training and is continuous at 6000.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aflwHeldOutCount } from "./mod.ts";
 * assert.equal(aflwHeldOutCount(24386), 1000);
 * assert.equal(aflwHeldOutCount(240), 40);
 * ```
 */
export function aflwHeldOutCount(faces: number): number {
  return Math.min(1000, Math.round(faces / 6));
}

/**
 * The paper's split of the given face ids: sorted ascending, shuffled (Fisher–Yates with
 * mulberry32 seeded by `seed`), the first {@link aflwHeldOutCount} to val, the next as
 * many to test, the rest to train; each list sorted ascending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeAflwSplit } from "./mod.ts";
 * const split = makeAflwSplit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 1);
 * assert.equal(split.val.length, 2);
 * assert.equal(split.test.length, 2);
 * assert.equal(split.train.length, 8);
 * ```
 */
export function makeAflwSplit(faceIds: readonly number[], seed: number): AflwSplit {
  const ids = [...faceIds].sort((a, b) => a - b);
  const n = aflwHeldOutCount(ids.length);
  shuffleInPlace(ids, new Mulberry32(seed));
  const sorted = (a: number[]): number[] => a.sort((x, y) => x - y);
  return {
    seed,
    val: sorted(ids.slice(0, n)),
    test: sorted(ids.slice(n, 2 * n)),
    train: sorted(ids.slice(2 * n)),
  };
}
