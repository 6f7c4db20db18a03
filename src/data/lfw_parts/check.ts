/**
 * The validator of a whole extracted LFW-Parts root (`deno task data check lfw-parts`).
 *
 * @module
 */
import { join } from "node:path";
import { isDir } from "../../util/fs.ts";
import type { CheckReport, DataProblem, Split } from "../types.ts";
import { checkSample, message } from "./_check_sample.ts";
import { hasSuperpixelFolders, MASKS, SPLITS } from "./_folders.ts";
import { mapPool } from "./_map_pool.ts";
import { checkLfwKeypoints, LFW_PARTS_KEYPOINT_NAMES } from "./keypoints.ts";
import { LFW_PARTS_CLASSES, LFW_PARTS_SIZE } from "./layout.ts";
import { LFW_PARTS_SPLIT_FILES, parseLfwPartsSplit } from "./split.ts";

/** Options for {@link checkLfwParts}. */
export interface CheckLfwPartsOptions {
  /** The dataset name in the report (default `"lfw-parts"`). */
  name?: string;
  /** Fully decode every JPEG (slower); by default only its header and end marker are read. */
  decode?: boolean;
  /** Expected image and mask size (default 250). */
  size?: number;
  /** Files read at once (default 16). */
  concurrency?: number;
  /** Called after each sample with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Validates a whole extracted LFW-Parts dataset: the three split files (format, no
 * duplicates, disjoint, union = the set of masks), every mask (P6 header, size, only pure
 * red/green/blue), every image (present, JPEG, same size as its mask, not truncated) and,
 * when present, every superpixel map and label file (shape, id range, and labels equal to
 * those the documented construction gives from the mask). Never throws for bad data:
 * each problem is listed with its file.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { checkLfwParts } from "./check.ts";
 * const report = await checkLfwParts("/tmp/lfw");
 * assert.deepEqual(report.splits, { train: 1500, val: 500, test: 927 });
 * assert.deepEqual(Object.keys(report.classFractions!), ["hair", "skin", "background"]);
 * ```
 */
export async function checkLfwParts(
  root: string,
  options: CheckLfwPartsOptions = {},
): Promise<CheckReport> {
  const size = options.size ?? LFW_PARTS_SIZE;
  const problems: DataProblem[] = [];
  const report: CheckReport = {
    dataset: options.name ?? "lfw-parts",
    root,
    splits: { train: 0, val: 0, test: 0 },
    classFractions: {},
    problems,
  };
  if (!(await isDir(root))) {
    problems.push({ file: root, message: "directory not found" });
    return report;
  }
  // Split files.
  const owner = new Map<string, Split>();
  const all: string[] = [];
  const splitIds: Record<Split, string[]> = { train: [], val: [], test: [] };
  for (const split of SPLITS) {
    const file = join(root, LFW_PARTS_SPLIT_FILES[split]);
    let ids: string[];
    try {
      ids = parseLfwPartsSplit(await Deno.readTextFile(file), file);
    } catch (e) {
      problems.push({
        file,
        message: e instanceof Deno.errors.NotFound ? "split file not found" : message(e),
      });
      continue;
    }
    report.splits[split] = ids.length;
    splitIds[split] = ids;
    for (const id of ids) {
      const prev = owner.get(id);
      if (prev !== undefined) {
        problems.push({
          file,
          message: prev === split
            ? `"${id}" is listed twice`
            : `"${id}" is in both the ${prev} and ${split} splits`,
        });
        continue;
      }
      owner.set(id, split);
      all.push(id);
    }
  }
  // Masks on disk that no split names.
  try {
    for await (const e of Deno.readDir(join(root, MASKS))) {
      if (e.isFile && e.name.endsWith(".ppm") && !owner.has(e.name.slice(0, -4))) {
        problems.push({ file: join(root, MASKS, e.name), message: "mask is in no split file" });
      }
    }
  } catch {
    problems.push({ file: join(root, MASKS), message: "mask directory not found" });
  }
  const hasSuperpixels = await hasSuperpixelFolders(root);
  const counts = [0, 0, 0];
  let done = 0;
  await mapPool(all, options.concurrency ?? 16, async (id) => {
    const found = await checkSample(root, id, size, options.decode ?? false, hasSuperpixels);
    problems.push(...found.problems);
    for (let c = 0; c < 3; c++) counts[c]! += found.counts[c]!;
    options.onProgress?.(++done, all.length);
  });
  const total = counts[0]! + counts[1]! + counts[2]!;
  for (let c = 0; c < 3; c++) {
    report.classFractions![LFW_PARTS_CLASSES[c]!] = total > 0
      ? Math.round((counts[c]! / total) * 1e6) / 1e6
      : 0;
  }
  // The detector-made keypoints, when prepared (optional: no file is no problem).
  const kp = await checkLfwKeypoints(root, splitIds);
  if (kp.present) {
    problems.push(...kp.problems);
    report.keypoints = {
      names: [...LFW_PARTS_KEYPOINT_NAMES],
      visibleFraction: Math.round(kp.visibleFraction * 1e6) / 1e6,
    };
  }
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return report;
}
