/**
 * LFW Part Labels (Kae et al., CVPR 2013): loader, validator and `prepare` (docs/DATASETS.md §2).
 *
 * The extracted layout under `root`:
 *
 *     lfw_funneled/<Name>/<Name>_<NNNN>.jpg                       250×250 funneled images
 *     parts_lfw_funneled_gt_images/<Name>_<NNNN>.ppm             P6 masks, R/G/B = hair/skin/background
 *     parts_lfw_funneled_superpixels_mat/<Name>/<Name>_<NNNN>.dat  superpixel ids (optional)
 *     parts_lfw_funneled_gt/<Name>/<Name>_<NNNN>.dat             per-superpixel labels (optional)
 *     parts_train.txt  parts_validation.txt  parts_test.txt       `<Name> <number>` lines
 *
 * Samples carry the image, the per-pixel class (0 hair, 1 skin, 2 background; a pixel
 * whose colour is not pure red, green or blue is 255 = ignore), when both superpixel
 * folders exist, the superpixel map and labels, and, when `keypoints.txt` exists (made by
 * `deno task data prepare lfw-parts` with MediaPipe FaceMesh: detector-made, not
 * hand-corrected; src/data/lfw_parts/keypoints.ts), 19 facial keypoints with visibility. Pixel
 * frame: the image's own, 250×250.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { errorMessage, exists, isDir } from "../../util/fs.ts";
import { createProgress } from "../../util/progress.ts";
import { decodePpm, decodeRgb, ImageFormatError, jpegInfo } from "../../formats/image.ts";
import {
  checkLfwKeypoints,
  LFW_PARTS_KEYPOINT_NAMES,
  LFW_PARTS_KEYPOINTS_FILE,
  type LfwKeypoints,
  readLfwKeypoints,
} from "./keypoints.ts";
import { extractTar } from "../../formats/tar.ts";
import type { CheckReport, DataProblem, Dataset, RgbImage, Sample, Split } from "../types.ts";

/** Segmentation classes by index (= the mask's R, G, B channel). */
export const LFW_PARTS_CLASSES: readonly string[] = ["hair", "skin", "background"];

/** Width and height of every funneled image and mask. */
export const LFW_PARTS_SIZE = 250;

/** The official split file of each split. */
export const LFW_PARTS_SPLIT_FILES: Readonly<Record<Split, string>> = {
  train: "parts_train.txt",
  val: "parts_validation.txt",
  test: "parts_test.txt",
};

const IMAGES = "lfw_funneled";
const MASKS = "parts_lfw_funneled_gt_images";
const SUPERPIXELS = "parts_lfw_funneled_superpixels_mat";
const SP_LABELS = "parts_lfw_funneled_gt";
const SPLITS: readonly Split[] = ["train", "val", "test"];

/** A superpixel map (id per pixel, 0-based, row-major) and the label of each superpixel. */
export interface LfwPartsSuperpixels {
  /** Superpixel id of each pixel (`width·height`, row-major, 0-based). */
  map: Int32Array;
  /** Class of each superpixel (0 hair, 1 skin, 2 background). */
  labels: Uint8Array;
}

/** An LFW-Parts sample: a {@link Sample} with superpixels when the dataset has them. */
export type LfwPartsSample = Sample & { superpixels?: LfwPartsSuperpixels };

/** An LFW-Parts split. */
export interface LfwPartsDataset extends Dataset {
  /** True when both superpixel folders exist, so every sample has `superpixels`. */
  readonly hasSuperpixels: boolean;
  /** Decodes sample `index` (0-based, into `ids`). */
  get(index: number): Promise<LfwPartsSample>;
  /** Iterates the split in `ids` order, decoding one sample ahead. */
  [Symbol.asyncIterator](): AsyncIterator<LfwPartsSample>;
}

/** The files of one sample, under `root`. */
export interface LfwPartsPaths {
  /** `lfw_funneled/<Name>/<id>.jpg` */
  image: string;
  /** `parts_lfw_funneled_gt_images/<id>.ppm` */
  mask: string;
  /** `parts_lfw_funneled_superpixels_mat/<Name>/<id>.dat` */
  superpixels: string;
  /** `parts_lfw_funneled_gt/<Name>/<id>.dat` */
  labels: string;
}

/**
 * Where the files of sample `id` (`<Name>_<NNNN>`) live under `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lfwPartsPaths } from "./lfw_parts.ts";
 * assert.equal(lfwPartsPaths("/d", "Inga_Hall_0001").image, "/d/lfw_funneled/Inga_Hall/Inga_Hall_0001.jpg");
 * ```
 */
export function lfwPartsPaths(root: string, id: string): LfwPartsPaths {
  const name = id.replace(/_\d{4}$/, "");
  return {
    image: join(root, IMAGES, name, `${id}.jpg`),
    mask: join(root, MASKS, `${id}.ppm`),
    superpixels: join(root, SUPERPIXELS, name, `${id}.dat`),
    labels: join(root, SP_LABELS, name, `${id}.dat`),
  };
}

/**
 * Parses a split file: one `<Name> <number>` per line, the number zero-padded or not;
 * returns the ids `<Name>_<NNNN>` (re-padded to 4 digits) in file order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLfwPartsSplit } from "./lfw_parts.ts";
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
 * import { readLfwPartsSplit } from "./lfw_parts.ts";
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

/**
 * Converts a mask (pure red/green/blue = hair/skin/background) to class indices; any other
 * colour becomes 255 (ignore) and is counted in `impure`. `counts` is per class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskToClasses } from "./lfw_parts.ts";
 * const m = maskToClasses({ data: new Uint8Array([0, 0, 255, 255, 0, 0, 9, 9, 9]), width: 3, height: 1 });
 * assert.deepEqual([...m.classes], [2, 0, 255]);
 * assert.equal(m.impure, 1);
 * ```
 */
export function maskToClasses(
  mask: RgbImage,
): { classes: Uint8Array; counts: [number, number, number]; impure: number } {
  const n = mask.width * mask.height;
  const d = mask.data;
  const classes = new Uint8Array(n);
  let hair = 0, skin = 0, bg = 0, impure = 0;
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const r = d[i]!, g = d[i + 1]!, b = d[i + 2]!;
    if (r === 255 && g === 0 && b === 0) {
      classes[p] = 0;
      hair++;
    } else if (r === 0 && g === 255 && b === 0) {
      classes[p] = 1;
      skin++;
    } else if (r === 0 && g === 0 && b === 255) {
      classes[p] = 2;
      bg++;
    } else {
      classes[p] = 255;
      impure++;
    }
  }
  return { classes, counts: [hair, skin, bg], impure };
}

/** Parses whitespace-separated non-negative integers from ASCII bytes, with line count. */
function parseInts(
  bytes: Uint8Array,
  file: string,
  what: string,
): { values: number[]; lines: number[] } {
  const values: number[] = [];
  const lines: number[] = []; // numbers per non-empty line
  let v = 0;
  let inNum = false;
  let onLine = 0;
  for (let i = 0; i <= bytes.length; i++) {
    const b = i < bytes.length ? bytes[i]! : 0x0a;
    if (b >= 0x30 && b <= 0x39) {
      v = v * 10 + b - 0x30;
      inNum = true;
      continue;
    }
    if (inNum) {
      values.push(v);
      onLine++;
      v = 0;
      inNum = false;
    }
    if (b === 0x0a) {
      if (onLine > 0) lines.push(onLine);
      onLine = 0;
    } else if (!(b === 0x20 || b === 0x09 || b === 0x0d)) {
      throw new Error(
        `Cannot read LFW-Parts ${what} "${file}": expected non-negative integers, found ` +
          `"${String.fromCharCode(b)}" at byte ${i}`,
      );
    }
  }
  return { values, lines };
}

/**
 * Parses a superpixel map `.dat` (docs/DATASETS.md §2.5): `height` lines of `width` integers,
 * the 0-based superpixel id of each pixel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSuperpixelMap } from "./lfw_parts.ts";
 * const map = parseSuperpixelMap(new TextEncoder().encode("0 0 1\n2 2 1\n"), "a.dat", 3, 2);
 * assert.deepEqual([...map], [0, 0, 1, 2, 2, 1]);
 * ```
 */
export function parseSuperpixelMap(
  bytes: Uint8Array,
  file: string,
  width: number,
  height: number,
): Int32Array {
  const { values, lines } = parseInts(bytes, file, "superpixel map");
  const bad = lines.findIndex((n) => n !== width);
  if (lines.length !== height || bad >= 0) {
    throw new Error(
      `Cannot read LFW-Parts superpixel map "${file}": expected ${height} lines of ${width} ` +
        `integers, found ${lines.length} lines` +
        (bad >= 0 ? ` (line ${bad + 1} has ${lines[bad]})` : ""),
    );
  }
  return Int32Array.from(values);
}

/**
 * Parses a per-superpixel label `.dat` (docs/DATASETS.md §2.6): the count N, then N labels in 0..2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSuperpixelLabels } from "./lfw_parts.ts";
 * assert.deepEqual([...parseSuperpixelLabels(new TextEncoder().encode("3\n0\n2\n1\n"), "a.dat")], [0, 2, 1]);
 * ```
 */
export function parseSuperpixelLabels(bytes: Uint8Array, file: string): Uint8Array {
  const { values } = parseInts(bytes, file, "superpixel labels");
  const n = values[0];
  if (n === undefined || values.length !== n + 1) {
    throw new Error(
      `Cannot read LFW-Parts superpixel labels "${file}": expected a count N then N labels, ` +
        `found N = ${n ?? "nothing"} and ${Math.max(0, values.length - 1)} labels`,
    );
  }
  const labels = Uint8Array.from(values.slice(1));
  const bad = labels.findIndex((l) => l > 2);
  if (bad >= 0) {
    throw new Error(
      `Cannot read LFW-Parts superpixel labels "${file}": expected labels 0..2, found ` +
        `${labels[bad]} for superpixel ${bad}`,
    );
  }
  return labels;
}

async function readFileNamed(path: string, kind: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new ImageFormatError(kind, path, "file not found");
    throw e;
  }
}

async function readSuperpixels(
  paths: LfwPartsPaths,
  width: number,
  height: number,
): Promise<LfwPartsSuperpixels> {
  const [mapBytes, labelBytes] = await Promise.all([
    readFileNamed(paths.superpixels, "LFW-Parts superpixel map"),
    readFileNamed(paths.labels, "LFW-Parts superpixel labels"),
  ]);
  const map = parseSuperpixelMap(mapBytes, paths.superpixels, width, height);
  const labels = parseSuperpixelLabels(labelBytes, paths.labels);
  let max = -1;
  for (let i = 0; i < map.length; i++) if (map[i]! > max) max = map[i]!;
  if (max >= labels.length) {
    throw new Error(
      `Cannot read LFW-Parts superpixel map "${paths.superpixels}": expected ids below ` +
        `${labels.length} (the count in "${paths.labels}"), found ${max}`,
    );
  }
  return { map, labels };
}

/** Options for {@link openLfwParts}. */
export interface OpenLfwPartsOptions {
  /** The extracted dataset (see the module doc). */
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
 * import { openLfwParts } from "./lfw_parts.ts";
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
  const hasSuperpixels = (await isDir(join(root, SUPERPIXELS))) &&
    (await isDir(join(root, SP_LABELS)));
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

/**
 * Reads one LFW-Parts sample by id (see {@link openLfwParts}).
 *
 * @example
 * ```ts ignore
 * import { loadLfwPartsSample } from "./lfw_parts.ts";
 * const s = await loadLfwPartsSample("/tmp/lfw", "Inga_Hall_0001", false);
 * ```
 */
export async function loadLfwPartsSample(
  root: string,
  id: string,
  withSuperpixels: boolean,
): Promise<LfwPartsSample> {
  const paths = lfwPartsPaths(root, id);
  const [imageBytes, maskBytes] = await Promise.all([
    readFileNamed(paths.image, "LFW-Parts image"),
    readFileNamed(paths.mask, "LFW-Parts mask"),
  ]);
  const mask = decodePpm(maskBytes, { name: paths.mask, kind: "LFW-Parts mask" });
  const image = await decodeRgb(imageBytes, paths.image, "LFW-Parts image");
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new Error(
      `Cannot read LFW-Parts sample "${id}": the mask "${paths.mask}" is ${mask.width}×` +
        `${mask.height} but the image "${paths.image}" is ${image.width}×${image.height}`,
    );
  }
  const sample: LfwPartsSample = { id, image, segmentation: maskToClasses(mask).classes };
  if (withSuperpixels) sample.superpixels = await readSuperpixels(paths, mask.width, mask.height);
  return sample;
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping order. */
async function mapPool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

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

const message = (e: unknown): string => e instanceof ImageFormatError ? e.reason : errorMessage(e);

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
 * import { checkLfwParts } from "./lfw_parts.ts";
 * const report = await checkLfwParts("/tmp/lfw");
 * console.log(report.splits, report.classFractions, report.problems.length);
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
  const hasSuperpixels = (await isDir(join(root, SUPERPIXELS))) &&
    (await isDir(join(root, SP_LABELS)));
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

async function checkSample(
  root: string,
  id: string,
  size: number,
  decode: boolean,
  withSuperpixels: boolean,
): Promise<{ problems: DataProblem[]; counts: number[] }> {
  const paths = lfwPartsPaths(root, id);
  const problems: DataProblem[] = [];
  const counts = [0, 0, 0];
  const [maskBytes, imageBytes] = await Promise.all([
    Deno.readFile(paths.mask).catch((e) => e as Error),
    Deno.readFile(paths.image).catch((e) => e as Error),
  ]);
  let mask: RgbImage | null = null;
  let classes: Uint8Array | null = null;
  if (maskBytes instanceof Error) {
    problems.push({
      file: paths.mask,
      message: maskBytes instanceof Deno.errors.NotFound
        ? "mask file not found"
        : maskBytes.message,
    });
  } else {
    try {
      mask = decodePpm(maskBytes, { name: paths.mask, width: size, height: size });
      const m = maskToClasses(mask);
      classes = m.classes;
      for (let c = 0; c < 3; c++) counts[c] = m.counts[c]!;
      if (m.impure > 0) {
        problems.push({
          file: paths.mask,
          message: `${m.impure} pixels are not pure red, green or blue`,
        });
      }
    } catch (e) {
      problems.push({ file: paths.mask, message: message(e) });
    }
  }
  if (imageBytes instanceof Error) {
    problems.push({
      file: paths.image,
      message: imageBytes instanceof Deno.errors.NotFound
        ? "image file not found"
        : imageBytes.message,
    });
  } else {
    try {
      const dims = decode
        ? await decodeRgb(imageBytes, paths.image)
        : jpegInfo(imageBytes, paths.image);
      if (dims.width !== size || dims.height !== size) {
        problems.push({
          file: paths.image,
          message:
            `expected ${size}×${size} pixels (the mask's size), found ${dims.width}×${dims.height}`,
        });
      }
    } catch (e) {
      problems.push({ file: paths.image, message: message(e) });
    }
  }
  if (withSuperpixels) {
    try {
      const sp = await readSuperpixels(paths, size, size);
      if (classes) {
        // docs/DATASETS.md §2.6: a superpixel takes the class of its last pure pixel in raster order.
        const expected = new Uint8Array(sp.labels.length);
        for (let p = 0; p < classes.length; p++) {
          if (classes[p] !== 255) expected[sp.map[p]!] = classes[p]!;
        }
        let wrong = 0;
        for (let k = 0; k < expected.length; k++) if (expected[k] !== sp.labels[k]) wrong++;
        if (wrong > 0) {
          problems.push({
            file: paths.labels,
            message: `${wrong} of ${sp.labels.length} superpixel labels disagree with the mask`,
          });
        }
      }
    } catch (e) {
      const file = String(e).includes(paths.labels) ? paths.labels : paths.superpixels;
      problems.push({ file, message: message(e) });
    }
  }
  return { problems, counts };
}

/** What {@link prepareLfwParts} reports as it goes. */
export interface PrepareProgress {
  /** The archive being extracted. */
  archive: string;
  /** Compressed bytes of the archive read so far. */
  bytesRead: number;
  /** The archive's size in bytes. */
  bytesTotal: number;
  /** Files written so far from this archive. */
  files: number;
  /** True once for each archive, when it is finished. */
  done: boolean;
}

/** Options for {@link prepareLfwParts}. */
export interface PrepareLfwPartsOptions {
  /** The folder with the downloads (tarballs and split files). */
  from: string;
  /** Where the extracted layout goes (created if needed). */
  root: string;
  /** Progress per archive; the CLI draws a bar from it. */
  onProgress?: (progress: PrepareProgress) => void;
}

/** What {@link prepareLfwParts} did. */
export interface PrepareLfwPartsResult {
  /** The folder that was prepared. */
  root: string;
  /** Files written per archive (0 when it was already extracted and unchanged). */
  extracted: Record<string, number>;
  /** Archives skipped because the same archive was already extracted here. */
  unchanged: string[];
}

const MARKER = ".lfw-parts-prepared.json";

interface Marker {
  version: 1;
  archives: Record<string, { size: number; mtime: number; key: string; files: string[] }>;
}

/**
 * Extracts the official LFW-Parts downloads in `from` into the layout {@link openLfwParts}
 * reads: the split files are copied; from `lfw-funneled.tgz` (or the labelled subset
 * `lfw-funneled-parts-subset.tgz`) only the images that a split names are extracted
 * (`pairs*.txt` and unlabelled images are skipped); all masks from
 * `parts_lfw_funneled_gt_images.tgz`; and the superpixel tarballs when present.
 * Idempotent: an archive already extracted into `root` (same size and time, its files
 * still present, recorded in `root/.lfw-parts-prepared.json`) is not read again.
 *
 * @example
 * ```ts ignore
 * import { prepareLfwParts } from "./lfw_parts.ts";
 * await prepareLfwParts({ from: "data/lfw-parts", root: "/tmp/lfw" });
 * ```
 */
export async function prepareLfwParts(
  options: PrepareLfwPartsOptions,
): Promise<PrepareLfwPartsResult> {
  const { from, root } = options;
  if (!(await isDir(from))) {
    throw new Error(`Cannot prepare LFW-Parts from "${from}": directory not found`);
  }
  const imagesArchive = (await exists(join(from, "lfw-funneled.tgz")))
    ? "lfw-funneled.tgz"
    : (await exists(join(from, "lfw-funneled-parts-subset.tgz")))
    ? "lfw-funneled-parts-subset.tgz"
    : null;
  if (!imagesArchive) {
    throw new Error(
      `Cannot prepare LFW-Parts from "${from}": expected lfw-funneled.tgz or ` +
        "lfw-funneled-parts-subset.tgz",
    );
  }
  if (!(await exists(join(from, "parts_lfw_funneled_gt_images.tgz")))) {
    throw new Error(
      `Cannot prepare LFW-Parts from "${from}": expected parts_lfw_funneled_gt_images.tgz`,
    );
  }
  await Deno.mkdir(root, { recursive: true });
  // Split files first: they say which images are needed.
  const needed = new Set<string>();
  for (const split of SPLITS) {
    const name = LFW_PARTS_SPLIT_FILES[split];
    let text: string;
    try {
      text = await Deno.readTextFile(join(from, name));
    } catch {
      throw new Error(`Cannot prepare LFW-Parts from "${from}": expected the split file ${name}`);
    }
    for (const id of parseLfwPartsSplit(text, join(from, name))) needed.add(id);
    const dest = join(root, name);
    const old = await Deno.readTextFile(dest).catch(() => null);
    if (old !== text) await Deno.writeTextFile(dest, text);
  }
  const markerPath = join(root, MARKER);
  let marker: Marker = { version: 1, archives: {} };
  try {
    const parsed = JSON.parse(await Deno.readTextFile(markerPath));
    if (parsed?.version === 1 && parsed.archives) marker = parsed;
  } catch { /* first run */ }

  const neededKey = createHash("sha256").update([...needed].sort().join("\n")).digest("hex");
  const plans: { archive: string; key: string; select: (name: string) => boolean }[] = [
    {
      archive: imagesArchive,
      key: neededKey,
      select: (n) => {
        const m = /^lfw_funneled\/([^/]+)\/(\1_\d{4})\.jpg$/.exec(n);
        return m !== null && needed.has(m[2]!);
      },
    },
    {
      archive: "parts_lfw_funneled_gt_images.tgz",
      key: "",
      select: (n) => /^[^/]+\/[^/]+\.ppm$/.test(n),
    },
  ];
  for (
    const [archive, top] of [
      ["parts_lfw_funneled_superpixels_mat.tgz", SUPERPIXELS],
      ["parts_lfw_funneled_gt.tgz", SP_LABELS],
    ] as const
  ) {
    if (await exists(join(from, archive))) {
      plans.push({
        archive,
        key: "",
        select: (n) => n.startsWith(`${top}/`) && n.endsWith(".dat"),
      });
    }
  }
  const result: PrepareLfwPartsResult = { root, extracted: {}, unchanged: [] };
  for (const { archive, key, select } of plans) {
    const path = join(from, archive);
    const st = await Deno.stat(path);
    const mtime = st.mtime?.getTime() ?? 0;
    const prev = marker.archives[archive];
    if (prev && prev.size === st.size && prev.mtime === mtime && prev.key === key) {
      const present = await mapPool(prev.files, 32, (f) => exists(join(root, f)));
      if (present.every(Boolean)) {
        result.unchanged.push(archive);
        result.extracted[archive] = 0;
        continue;
      }
    }
    let files = 0;
    let read = 0;
    let total = st.size;
    options.onProgress?.({ archive, bytesRead: 0, bytesTotal: total, files, done: false });
    const written = await extractTar(path, root, {
      select: (e) => select(e.name),
      onBytes: (r, t) => {
        read = r;
        total = t;
        options.onProgress?.({ archive, bytesRead: r, bytesTotal: t, files, done: false });
      },
      onFile: () => files++,
    });
    options.onProgress?.({ archive, bytesRead: read, bytesTotal: total, files, done: true });
    result.extracted[archive] = written.length;
    marker.archives[archive] = { size: st.size, mtime, key, files: written };
    await Deno.writeTextFile(markerPath, JSON.stringify(marker));
  }
  return result;
}

/**
 * A progress callback for {@link prepareLfwParts} that draws one bar per archive on stderr.
 *
 * @example
 * ```ts ignore
 * import { prepareLfwParts, progressBars } from "./lfw_parts.ts";
 * await prepareLfwParts({ from: "dl", root: "/tmp/lfw", onProgress: progressBars() });
 * ```
 */
export function progressBars(): (p: PrepareProgress) => void {
  let current: { archive: string; bar: ReturnType<typeof createProgress> } | null = null;
  return (p) => {
    if (current?.archive !== p.archive) {
      current?.bar.done();
      current = {
        archive: p.archive,
        bar: createProgress(p.archive, p.bytesTotal, { unit: "bytes" }),
      };
    }
    current.bar.update(p.bytesRead);
    if (p.done) {
      current.bar.done();
      current = null;
    }
  };
}
