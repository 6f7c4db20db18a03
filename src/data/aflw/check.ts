/**
 * Validating an AFLW root (`deno task data check aflw`): the join, every image, every
 * landmark and the split file.
 *
 * @module
 */
import { join } from "node:path";
import { errorMessage } from "../../util/fs.ts";
import { SplitFileError } from "../_split_file.ts";
import type { CheckReport, DataProblem } from "../types.ts";
import { readAflwImage } from "./_image.ts";
import { aflwSplit, usableIds } from "./_split.ts";
import { readAflwIndex } from "./database.ts";
import { AFLW_LANDMARKS } from "./landmarks.ts";
import { aflwOutlierLandmarks } from "./sample.ts";
import { AFLW_DEFAULT_SEED, defaultAflwSplitFile } from "./split.ts";

/** {@link CheckReport} with AFLW's counts and its handled irregularities. */
export interface AflwCheckReport extends CheckReport {
  /** Handled irregularities (faces without a rect, duplicate rows): listed, not problems. */
  notes: DataProblem[];
  /** Rows and files: faces (all `Faces` rows), usable faces (with a rect), images, visible landmarks, ignored landmark rows (ids outside 1..21). */
  counts: {
    faces: number;
    usableFaces: number;
    facesWithoutRect: number;
    images: number;
    landmarks: number;
    ignoredLandmarks: number;
  };
  /** The split file the splits come from, or null when they were computed (not written). */
  splitFile: string | null;
}

/** Options of {@link checkAflw}. */
export interface AflwCheckOptions {
  /** Seed of the split to count (default {@link AFLW_DEFAULT_SEED}). */
  seed?: number;
  /** The split file to read if it exists (default `root/clvm-split-seed<seed>.json`). */
  splitFile?: string;
  /**
   * Decode every image (default true); false only reads each JPEG's header and checks
   * that it ends with the end-of-image marker (much faster on the full dataset).
   */
  decode?: boolean;
}

/**
 * Validates an AFLW root: the database join, every image file (exists, decodes, matches
 * `FaceImages` width/height), every visible landmark (not outside the image by more than
 * the face rect's size), the `FeatureCoordTypes` dictionary, and the split file when
 * present (otherwise the split is computed without writing it). Throws only when the
 * database cannot be read at all; everything else is a problem in the report.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { checkAflw } from "./mod.ts";
 * const report = await checkAflw("/data/aflw");
 * assert.deepEqual(report.splits, { train: 22386, val: 1000, test: 1000 });
 * ```
 */
export async function checkAflw(
  root: string,
  options: AflwCheckOptions = {},
): Promise<AflwCheckReport> {
  const index = readAflwIndex(root);
  const problems = [...index.problems];
  const notes = [...index.notes];
  const usable = usableIds(index);
  const seed = options.seed ?? AFLW_DEFAULT_SEED;
  let splits = { train: 0, val: 0, test: 0 };
  let splitFile: string | null = null;
  try {
    const { split, path } = await aflwSplit(root, usable, options.seed, options.splitFile, false);
    splits = { train: split.train.length, val: split.val.length, test: split.test.length };
    splitFile = path;
  } catch (e) {
    const file = e instanceof SplitFileError
      ? e.file
      : options.splitFile ?? defaultAflwSplitFile(root, seed);
    problems.push({ file, message: errorMessage(e) });
  }

  const decode = options.decode ?? true;
  const imageSizes = new Map<string, { width: number; height: number } | null>();
  let landmarks = 0;
  let visible = 0;
  for (const face of index.faces) {
    if (!face.rect || face.filepath === null) continue;
    const path = join(root, "data", "flickr", face.filepath);
    if (!imageSizes.has(path)) {
      let size: { width: number; height: number } | null = null;
      try {
        const img = await readAflwImage(path, undefined, decode);
        size = { width: img.width, height: img.height };
        if (img.width !== face.imageWidth || img.height !== face.imageHeight) {
          problems.push({
            file: path,
            message: `image size ${img.width}×${img.height} differs from FaceImages ` +
              `${face.imageWidth}×${face.imageHeight}`,
          });
        }
      } catch (e) {
        const missing = e instanceof Deno.errors.NotFound || /does not exist/.test(errorMessage(e));
        problems.push({
          file: path,
          message: missing
            ? `image of face ${face.faceId} does not exist`
            : `image of face ${face.faceId} cannot be read: ${errorMessage(e)}`,
        });
      }
      imageSizes.set(path, size);
    }
    const size = imageSizes.get(path) ?? { width: face.imageWidth, height: face.imageHeight };
    const far = size.width === null || size.height === null
      ? new Set<number>()
      : new Set(aflwOutlierLandmarks(face, size.width, size.height));
    face.landmarks.forEach((p, k) => {
      landmarks++;
      if (!p) return;
      visible++;
      if (far.has(k)) {
        problems.push({
          file: index.sqlitePath,
          message: `face ${face.faceId} landmark ${k + 1} (${AFLW_LANDMARKS[k]}) at ` +
            `(${p[0]}, ${p[1]}) lies outside the ${size.width}×${size.height} image ` +
            `by more than the face rect's size ${Math.max(face.rect!.w, face.rect!.h)}`,
        });
      }
    });
  }
  return {
    dataset: "aflw",
    root,
    splits,
    keypoints: { names: [...AFLW_LANDMARKS], visibleFraction: landmarks ? visible / landmarks : 0 },
    problems,
    notes,
    counts: {
      faces: index.faces.length,
      usableFaces: usable.length,
      facesWithoutRect: index.faces.length - usable.length,
      images: new Set(index.faces.map((f) => f.fileId)).size,
      landmarks: visible,
      ignoredLandmarks: index.ignoredLandmarks,
    },
    splitFile,
  };
}
