/**
 * Opening one split of AFLW: the database read once, the split from its file, images
 * decoded on demand; unusable faces skipped and listed.
 *
 * @module
 */
import { join } from "node:path";
import { checkSkips } from "../_split_file.ts";
import type { DataProblem, Dataset, Sample, Split } from "../types.ts";
import { aflwSplit, usableIds } from "./_split.ts";
import { type AflwFace, readAflwIndex } from "./database.ts";
import { AFLW_LANDMARKS } from "./landmarks.ts";
import { aflwFaceDefect, aflwOutlierLandmarks, readAflwSample } from "./sample.ts";

/** Options of {@link openAflw}. */
export interface AflwOptions {
  /** The folder holding `data/aflw.sqlite` and `data/flickr/`. */
  root: string;
  /** Which split to open. */
  split: Split;
  /** Seed of the split shuffle (default {@link AFLW_DEFAULT_SEED}). */
  seed?: number;
  /**
   * Where the split is kept. Default: `root/clvm-split-seed<seed>.json` when it exists or
   * the root is writable, else a file in the split cache (see `_split_file.ts`).
   */
  splitFile?: string;
  /**
   * The largest fraction of the split that may be skipped as unusable (default 0.01;
   * at least one sample is allowed unless it is 0). More than that is an error.
   */
  maxSkipFraction?: number;
}

/**
 * Opens one split of AFLW. The database is read once (see the module doc for the join
 * and the handling of invisible landmarks, rect-less faces and extra feature ids);
 * images are decoded on demand by `get`. The split comes from the split file
 * (`splitFile`, default `root/clvm-split-seed<seed>.json`) when it exists, and is made
 * and written there otherwise, so every run and every user of the root share it.
 * Sample ids are `face<face_id>`, in ascending face_id order.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { openAflw } from "./mod.ts";
 * const test = await openAflw({ root: "/data/aflw", split: "test" });
 * const sample = await test.get(0);
 * assert.equal(test.ids.length, 1000);
 * assert.equal(sample.keypoints?.length, 21);
 * ```
 */
export async function openAflw(options: AflwOptions): Promise<Dataset> {
  const { root, split: which } = options;
  if (!["train", "val", "test"].includes(which)) {
    throw new Error(`Cannot open AFLW split "${which}": expected "train", "val" or "test"`);
  }
  const index = readAflwIndex(root);
  const usable = usableIds(index);
  const { split } = await aflwSplit(root, usable, options.seed, options.splitFile, true);
  const byId = new Map(index.faces.map((f) => [f.faceId, f]));
  const all = split[which].map((id) => byId.get(id)!);
  // Per sample, not per split: unusable faces and missing images are skipped and listed;
  // far-away landmarks are dropped (invisible) and listed. Too many skips is an error.
  const problems: DataProblem[] = [];
  const faces: AflwFace[] = [];
  for (const face of all) {
    const defect = aflwFaceDefect(face);
    const path = face.filepath === null
      ? index.sqlitePath
      : join(root, "data", "flickr", face.filepath);
    if (defect) {
      problems.push({ file: path, message: `face ${face.faceId} skipped: ${defect}` });
      continue;
    }
    let isFile = false;
    try {
      isFile = Deno.statSync(path).isFile;
    } catch {
      isFile = false;
    }
    if (!isFile) {
      problems.push({
        file: path,
        message: `face ${face.faceId} skipped: its image does not exist`,
      });
      continue;
    }
    if (face.imageWidth !== null && face.imageHeight !== null) {
      for (const k of aflwOutlierLandmarks(face, face.imageWidth, face.imageHeight)) {
        const p = face.landmarks[k]!;
        problems.push({
          file: index.sqlitePath,
          message: `face ${face.faceId} landmark ${k + 1} (${AFLW_LANDMARKS[k]}) at (${p[0]}, ${
            p[1]
          }) lies far outside the ${face.imageWidth}×${face.imageHeight} image; taken as invisible`,
        });
      }
    }
    faces.push(face);
  }
  const kept = new Set(faces.map((f) => f.faceId));
  for (const p of index.problems) {
    // NULL coordinates of this split's faces (handled as invisible landmarks) are listed too.
    const m = /^expected a number for FeatureCoords\.[xy] of face (\d+) /.exec(p.message);
    if (m && kept.has(Number(m[1]))) problems.push(p);
  }
  checkSkips(
    `AFLW ${which} split of "${root}"`,
    all.length,
    all.length - faces.length,
    problems,
    options.maxSkipFraction,
    `deno task data check aflw --root ${root}`,
  );
  const ids = Object.freeze(faces.map((f) => `face${f.faceId}`));
  const get = (i: number): Promise<Sample> => {
    const face = faces[i];
    if (!Number.isInteger(i) || !face) {
      return Promise.reject(
        new RangeError(
          `Cannot get AFLW ${which} sample ${i}: expected an index in 0..${faces.length - 1}`,
        ),
      );
    }
    return readAflwSample(root, face);
  };
  return {
    name: "aflw",
    split: which,
    ids,
    keypointNames: AFLW_LANDMARKS,
    problems: Object.freeze(problems),
    get,
    async *[Symbol.asyncIterator](): AsyncGenerator<Sample> {
      for (let i = 0; i < faces.length; i++) yield await get(i);
    },
  };
}
