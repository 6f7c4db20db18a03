/**
 * Opening one split of Pascal Person: the split from its split file (made by a scan on
 * first open), then samples decoded on demand.
 *
 * @module
 */
import { isDir } from "../../util/fs.ts";
import { checkSkips, loadOrMakeSplit } from "../_split_file.ts";
import type { DataProblem, Dataset, Sample, Split } from "../types.ts";
import { layout } from "./_layout.ts";
import { loadSample } from "./_sample.ts";
import { scan } from "./_scan.ts";
import { PASCAL_SPLIT_FILE, type PascalPersonEntry, splitInstances, SPLITS } from "./_split.ts";
import { PASCAL_PERSON_CLASSES, PASCAL_PERSON_KEYPOINTS } from "./labels.ts";

/** Options of {@link openPascalPerson}. */
export interface PascalPersonOptions {
  /** The dataset root (layout in the module doc). */
  root: string;
  /** Which split to open. */
  split: Split;
  /** Split seed (default 0). */
  seed?: number;
  /**
   * Where the split file lives. Default: `root/clvm-splits-seed<seed>.json` when it
   * exists or the root is writable, else a file in the split cache (`../_split_file.ts`).
   */
  splitFile?: string;
  /** Throw on a keypoint outside the image instead of marking it invisible. */
  strict?: boolean;
  /**
   * The largest fraction of the instances that may be skipped as unusable (default
   * 0.01; at least one is allowed unless it is 0). More than that is an error.
   */
  maxSkipFraction?: number;
}

function isFileSync(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Opens one split of Pascal Person (layout, join, sample format, coordinates and split
 * are described in the module doc). The first open scans the dataset and writes the
 * split file; later opens read it.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { openPascalPerson } from "./mod.ts";
 * const train = await openPascalPerson({ root: "data/pascal-person", split: "train" });
 * const sample = await train.get(0);
 * assert.match(sample.id, /^\d{4}_\d{6}_p\d+$/); // e.g. 2008_000008_p1
 * assert.equal(sample.keypoints!.length, 20);
 * ```
 */
export async function openPascalPerson(options: PascalPersonOptions): Promise<Dataset> {
  const { root, split } = options;
  const seed = options.seed ?? 0;
  if (!SPLITS.includes(split)) {
    throw new Error(`Cannot open Pascal Person split "${split}": expected train, val or test`);
  }
  if (!(await isDir(root))) {
    throw new Error(`Cannot open Pascal Person at "${root}": missing directory`);
  }
  const { content } = await loadOrMakeSplit(PASCAL_SPLIT_FILE, {
    root,
    seed,
    splitFile: options.splitFile,
    make: async () => {
      // Per sample, not per dataset: files the scan cannot use are skipped and listed.
      const problems: DataProblem[] = [];
      const result = await scan(root, (p) => {
        if (p.message.startsWith("missing directory")) {
          throw new Error(`Cannot open Pascal Person at "${root}": "${p.file}": ${p.message}`);
        }
        problems.push(p);
      }, false);
      checkSkips(
        `Pascal Person dataset at "${root}"`,
        result.instances.length + problems.length,
        problems.length,
        problems,
        options.maxSkipFraction,
        `deno task data check pascal-person --root ${root}`,
      );
      const entries = result.instances.map((
        { id, image, keypointFile, vocObject, sbdInstance },
      ) => ({ id, image, keypointFile, vocObject, sbdInstance }));
      return { seed, splits: splitInstances(entries, seed), problems };
    },
  });
  const splits = content.splits;
  const scanProblems: DataProblem[] = [...(content.problems ?? [])];
  const dirs = layout(root);
  // Files named by the split that have gone missing since: skipped and listed.
  const problems: DataProblem[] = [...scanProblems];
  const entries: PascalPersonEntry[] = [];
  for (const e of splits[split]) {
    const gone = [
      `${dirs.keypoints}/${e.keypointFile}`,
      `${dirs.images}/${e.image}.jpg`,
      `${dirs.inst}/${e.image}.mat`,
    ].find((f) => !isFileSync(f));
    if (gone) {
      problems.push({ file: gone, message: `sample ${e.id} skipped: the file does not exist` });
    } else entries.push(e);
  }
  checkSkips(
    `Pascal Person ${split} split of "${root}"`,
    splits[split].length,
    splits[split].length - entries.length,
    problems.slice(scanProblems.length),
    options.maxSkipFraction,
    `deno task data check pascal-person --root ${root}`,
  );
  const strict = options.strict ?? false;
  const get = (index: number): Promise<Sample> => {
    const entry = entries[index];
    if (!Number.isInteger(index) || entry === undefined) {
      throw new RangeError(
        `Cannot get Pascal Person ${split} sample ${index}: expected an index in 0..${
          entries.length - 1
        }`,
      );
    }
    return loadSample(entry, dirs, strict);
  };
  return {
    name: "pascal-person",
    split,
    ids: Object.freeze(entries.map((e) => e.id)),
    classes: PASCAL_PERSON_CLASSES,
    keypointNames: PASCAL_PERSON_KEYPOINTS,
    problems: Object.freeze(problems),
    get: (index: number) => {
      try {
        return get(index);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    [Symbol.asyncIterator](): AsyncIterator<Sample> {
      // One sample decoded ahead of the consumer.
      let next = 0;
      let ahead: Promise<Sample> | null = entries.length > 0 ? get(0) : null;
      return {
        async next(): Promise<IteratorResult<Sample>> {
          if (ahead === null) return { done: true, value: undefined };
          const current = ahead;
          next++;
          ahead = next < entries.length ? get(next) : null;
          // Keep a failed prefetch from surfacing as an unhandled rejection.
          ahead?.catch(() => {});
          return { done: false, value: await current };
        },
      };
    },
  };
}
