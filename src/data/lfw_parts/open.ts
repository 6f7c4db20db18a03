/**
 * Opening one split of an extracted LFW-Parts root as a {@link Dataset}: ids from the
 * split file, samples decoded on demand, the detector-made keypoints when prepared.
 *
 * @module
 */
import { join } from "node:path";
import { isDir } from "../../util/fs.ts";
import type { Dataset, Split } from "../types.ts";
import { hasSuperpixelFolders, SPLITS } from "./_folders.ts";
import {
  LFW_PARTS_KEYPOINT_NAMES,
  LFW_PARTS_KEYPOINTS_FILE,
  type LfwKeypoints,
  readLfwKeypoints,
} from "./keypoints.ts";
import { LFW_PARTS_CLASSES } from "./layout.ts";
import { type LfwPartsSample, loadLfwPartsSample } from "./sample.ts";
import { readLfwPartsSplit } from "./split.ts";

/** An LFW-Parts split. */
export interface LfwPartsDataset extends Dataset {
  /** True when both superpixel folders exist, so every sample has `superpixels`. */
  readonly hasSuperpixels: boolean;
  /** Decodes sample `index` (0-based, into `ids`). */
  get(index: number): Promise<LfwPartsSample>;
  /** Iterates the split in `ids` order, decoding one sample ahead. */
  [Symbol.asyncIterator](): AsyncIterator<LfwPartsSample>;
}

/** Options for {@link openLfwParts}. */
export interface OpenLfwPartsOptions {
  /** The extracted dataset (the layout of `layout.ts`). */
  root: string;
  /** Which split file to read. */
  split: Split;
  /** The dataset name reported on the result (default `"lfw-parts"`). */
  name?: string;
  /**
   * Serve `root/keypoints.txt` (detector-made, src/data/lfw_parts/keypoints.ts) as the samples'
   * `keypoints` when the file exists (default true); false ignores it.
   */
  keypoints?: boolean;
}

/**
 * Opens one split of an extracted LFW-Parts dataset. Ids come from the split file;
 * `get(i)` reads and decodes the JPEG and the PPM mask (checking that they are the same
 * size) and, when both superpixel folders exist, the superpixel map and labels.
 *
 * @example
 * ```ts ignore
 * import { openLfwParts } from "./open.ts";
 * const test = await openLfwParts({ root: "/tmp/lfw", split: "test" });
 * const s = await test.get(0); // { id, image: 250×250, segmentation: Uint8Array(62500) }
 * ```
 */
export async function openLfwParts(options: OpenLfwPartsOptions): Promise<LfwPartsDataset> {
  const { root, split } = options;
  if (!(await isDir(root))) {
    throw new Error(`Cannot open LFW-Parts at "${root}": directory not found`);
  }
  if (!SPLITS.includes(split)) {
    throw new Error(`Cannot open LFW-Parts split "${split}": expected one of ${SPLITS.join(", ")}`);
  }
  const ids = await readLfwPartsSplit(root, split);
  const hasSuperpixels = await hasSuperpixelFolders(root);
  const keypoints = options.keypoints === false ? null : await readLfwKeypoints(root);
  if (keypoints) {
    const missing = ids.filter((id) => !keypoints.points.has(id));
    if (missing.length > 0) {
      throw new Error(
        `Cannot open LFW-Parts ${split} with keypoints: ${missing.length} of its ${ids.length} ` +
          `images have no line in ${join(root, LFW_PARTS_KEYPOINTS_FILE)} (first: ` +
          `${missing.slice(0, 3).join(", ")}); rerun \`deno task data prepare lfw-parts\``,
      );
    }
  }
  const get = async (index: number): Promise<LfwPartsSample> => {
    const id = ids[index];
    if (id === undefined) {
      throw new RangeError(
        `Cannot get LFW-Parts ${split} sample ${index}: expected an index in 0..${ids.length - 1}`,
      );
    }
    const sample = await loadLfwPartsSample(root, id, hasSuperpixels);
    if (keypoints) sample.keypoints = keypointTriples(keypoints, id);
    return sample;
  };
  return {
    name: options.name ?? "lfw-parts",
    split,
    ids,
    classes: LFW_PARTS_CLASSES,
    ...(keypoints ? { keypointNames: LFW_PARTS_KEYPOINT_NAMES } : {}),
    hasSuperpixels,
    get,
    async *[Symbol.asyncIterator](): AsyncGenerator<LfwPartsSample> {
      // Decode one sample ahead of the consumer.
      let next: Promise<LfwPartsSample> | null = ids.length > 0 ? get(0) : null;
      for (let i = 0; i < ids.length; i++) {
        const current = next!;
        next = i + 1 < ids.length ? get(i + 1) : null;
        next?.catch(() => {}); // reported when awaited; never unhandled if we stop early
        yield await current;
      }
    },
  };
}

/** One image's keypoints as `[x, y, visible]` triples. */
function keypointTriples(kp: LfwKeypoints, id: string): [number, number, number][] {
  const p = kp.points.get(id)!;
  const out: [number, number, number][] = [];
  for (let k = 0; k < p.length; k += 3) out.push([p[k]!, p[k + 1]!, p[k + 2]!]);
  return out;
}
