/**
 * Validating a Pascal Person root (`deno task data check pascal-person`): every file
 * the join touches, and the split file against the data.
 *
 * @module
 */
import { join } from "node:path";
import { errorMessage, isDir } from "../../util/fs.ts";
import { loadOrMakeSplit, SplitFileError } from "../_split_file.ts";
import type { CheckReport, DataProblem, Split } from "../types.ts";
import { scan } from "./_scan.ts";
import { PASCAL_SPLIT_FILE, type PascalPersonEntry, splitInstances, SPLITS } from "./_split.ts";
import { PASCAL_PERSON_KEYPOINTS } from "./labels.ts";

/** The Pascal Person {@link CheckReport}, plus how many annotations the join left out. */
export interface PascalPersonCheckReport extends CheckReport {
  /** Annotations the join left out, by reason. */
  excluded: {
    /** Keypoint files whose visible box matches no VOC person box. */
    noVocMatch: number;
    /** Matched persons of images without an SBD `inst/<image>.mat`. */
    noSbdFile: number;
    /** Matched persons whose box matches no SBD person instance. */
    noSbdMatch: number;
  };
}

/**
 * Validates a Pascal Person root: every keypoint file, VOC annotation, JPEG (size via its
 * header), SBD `inst` and `cls` file that the join touches, and the split file when one
 * exists. Never throws for data problems; they are listed in `problems`. Class fractions
 * are pooled over all instances' whole-image masks (labelled pixels only); the visible
 * fraction is visible keypoints over 20 slots per instance, after marking keypoints
 * outside the image invisible.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { checkPascalPerson } from "./mod.ts";
 * const report = await checkPascalPerson("data/pascal-person");
 * const { train, val, test } = report.splits;
 * assert.ok(Math.abs(train / (train + val + test) - 0.7) < 0.01); // 70/10/20 by image
 * ```
 */
export async function checkPascalPerson(
  root: string,
  options: { seed?: number; splitFile?: string } = {},
): Promise<PascalPersonCheckReport> {
  const seed = options.seed ?? 0;
  const problems: DataProblem[] = [];
  const report: PascalPersonCheckReport = {
    dataset: "pascal-person",
    root,
    splits: { train: 0, val: 0, test: 0 },
    classFractions: { background: 0, person: 0 },
    keypoints: { names: [...PASCAL_PERSON_KEYPOINTS], visibleFraction: 0 },
    problems,
    excluded: { noVocMatch: 0, noSbdFile: 0, noSbdMatch: 0 },
  };
  if (!(await isDir(root))) {
    problems.push({ file: root, message: "missing directory: expected the Pascal Person root" });
    return report;
  }
  const { instances, excluded } = await scan(root, (p) => problems.push(p), true);
  report.excluded = excluded;
  let person = 0;
  let labelled = 0;
  let visible = 0;
  for (const inst of instances) {
    person += inst.personPixels;
    labelled += inst.labelledPixels;
    visible += inst.visible;
  }
  if (labelled > 0) {
    report.classFractions = { background: 1 - person / labelled, person: person / labelled };
  }
  if (instances.length > 0) {
    report.keypoints!.visibleFraction = visible /
      (instances.length * PASCAL_PERSON_KEYPOINTS.length);
  }
  let splitPath = options.splitFile ?? join(root, PASCAL_SPLIT_FILE.fileName(seed));
  let splits: Record<Split, PascalPersonEntry[]>;
  try {
    const origin = await loadOrMakeSplit(PASCAL_SPLIT_FILE, {
      root,
      seed,
      splitFile: options.splitFile,
      write: false,
      make: () => ({ seed, splits: splitInstances(instances, seed) }),
    });
    splits = origin.content.splits;
    if (origin.path) splitPath = origin.path;
  } catch (e) {
    if (e instanceof SplitFileError) splitPath = e.file;
    problems.push({ file: splitPath, message: errorMessage(e) });
    splits = splitInstances(instances, seed);
  }
  const found = new Map(instances.map((i) => [i.id, i]));
  for (const s of SPLITS) {
    report.splits[s] = splits[s].length;
    for (const e of splits[s]) {
      const f = found.get(e.id);
      if (
        !f || f.keypointFile !== e.keypointFile || f.vocObject !== e.vocObject ||
        f.sbdInstance !== e.sbdInstance
      ) {
        problems.push({
          file: splitPath,
          message: `expected ${s} entry ${JSON.stringify(e)} to match the data, found ${
            f
              ? JSON.stringify({
                keypointFile: f.keypointFile,
                vocObject: f.vocObject,
                sbdInstance: f.sbdInstance,
              })
              : "no such instance"
          }`,
        });
      }
    }
  }
  return report;
}
