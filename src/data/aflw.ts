/**
 * AFLW (Koestinger et al. 2011): faces from `data/aflw.sqlite` and the Flickr images under
 * `data/flickr/{0,2,3}/`, as {@link Sample}s with 21 landmarks and the face rect, split
 * 1000 val / 1000 test / rest train by a seeded shuffle kept in a split file
 * (docs/DATASETS.md §1).
 *
 * How the database is read (docs/DATASETS.md §1.2): every `Faces` row is joined to its
 * `FaceImages` row by `file_id` (never by `image_id`), to its `FaceRect`, to its
 * `FeatureCoords` rows and, when present, to its `FacePose`.
 *
 * Documented handling of what the real database is known to carry:
 * - Invisible landmarks have no `FeatureCoords` row; they come out as `[0, 0, 0]`
 *   (x = y = 0, visible 0).
 * - Faces without a `FaceRect` (a dozen in the distributed file) are skipped: they are in
 *   no split, and {@link checkAflw} lists them as notes, not problems.
 * - `FeatureCoords` rows whose `feature_id` lies outside 1..21 (ids of the extra
 *   `FeatureCoordTypes` rows added for other databases) are ignored. A `feature_id` with no
 *   `FeatureCoordTypes` row is ignored by the loader too, but is a problem for the check.
 * - When a face has two rows for the same landmark or two rects, the first row (by rowid)
 *   counts; the check lists the duplicates as notes.
 *
 * Faults are handled per sample, never by refusing the database (issue 13 §8):
 * - A NULL (or text) coordinate: that landmark is taken as invisible; a NULL in a
 *   `FaceRect`, a zero-size rect, a face without a `FaceImages` row or whose image file
 *   is missing: the face keeps its place in the split (splits depend only on which faces
 *   have a rect) but {@link openAflw} skips it. A visible landmark outside the image by
 *   more than the rect's larger side (what `data check` flags) is taken as invisible.
 *   Each is listed in the dataset's `problems` with the face id and its file.
 * - More than 1% of a split skipped (`maxSkipFraction`) is one error naming the count.
 * - The split file lives in the root when the root is writable, else in the split cache
 *   (`_split_file.ts`), or where `splitFile` says.
 *
 * Coordinates (converted to the convention of `types.ts`, where pixel column i spans
 * [i, i + 1) and has its centre at i + 0.5) [inferred: the AFLW C++ toolkit stores OpenCV
 * style pixel indices]: a landmark stored as (x, y), 0-based with pixel centres at
 * integers, becomes (x + 0.5, y + 0.5); the integer `FaceRect` (x, y, w, h) covers pixels
 * x..x+w-1, i.e. the continuous box `{ x, y, width: w, height: h }` unchanged. The rect
 * may extend outside the image (negative x or y); it is not clipped.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { errorMessage } from "../util/fs.ts";
import { Mulberry32, shuffleInPlace } from "../util/prng.ts";
import { decodeRgb, jpegInfo } from "../formats/image.ts";
import { checkSkips, loadOrMakeSplit, SplitFileError, type SplitFileKind } from "./_split_file.ts";
import type {
  Box,
  CheckReport,
  DataProblem,
  Dataset,
  Keypoint,
  RgbImage,
  Sample,
  Split,
} from "./types.ts";

/**
 * The 21 AFLW landmark names in `feature_id` order (id k is index k - 1), which is also
 * the channel order of the heatmaps. Left/right are from the viewer's point of view.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AFLW_LANDMARKS } from "./aflw.ts";
 * assert.equal(AFLW_LANDMARKS.length, 21);
 * assert.equal(AFLW_LANDMARKS[7], "LeftEyeCenter");
 * ```
 */
export const AFLW_LANDMARKS: readonly string[] = Object.freeze([
  "LeftBrowLeftCorner",
  "LeftBrowCenter",
  "LeftBrowRightCorner",
  "RightBrowLeftCorner",
  "RightBrowCenter",
  "RightBrowRightCorner",
  "LeftEyeLeftCorner",
  "LeftEyeCenter",
  "LeftEyeRightCorner",
  "RightEyeLeftCorner",
  "RightEyeCenter",
  "RightEyeRightCorner",
  "LeftEar",
  "NoseLeft",
  "NoseCenter",
  "NoseRight",
  "RightEar",
  "MouthLeftCorner",
  "MouthCenter",
  "MouthRightCorner",
  "ChinCenter",
]);

/**
 * For each landmark index (0-based), the index of its mirror image under a horizontal
 * flip (docs/DATASETS.md §1.3); 14, 18 and 20 map to themselves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AFLW_FLIP } from "./aflw.ts";
 * assert.equal(AFLW_FLIP[0], 5);
 * assert.equal(AFLW_FLIP[14], 14);
 * ```
 */
export const AFLW_FLIP: readonly number[] = Object.freeze([
  5,
  4,
  3,
  2,
  1,
  0,
  11,
  10,
  9,
  8,
  7,
  6,
  16,
  15,
  14,
  13,
  12,
  19,
  18,
  17,
  20,
]);

/** The seed of the split when none is given. */
export const AFLW_DEFAULT_SEED = 1;

/** One face of the database after the join, in the database's own units. */
export interface AflwFace {
  /** `Faces.face_id`. */
  faceId: number;
  /** `Faces.file_id`, the image's basename (`image00002.jpg`). */
  fileId: string;
  /** `FaceImages.filepath`, relative to `data/flickr/` (`0/image00002.jpg`); null without a `FaceImages` row. */
  filepath: string | null;
  /** `FaceImages.width` (as stored; the decoded image is the authority). */
  imageWidth: number | null;
  /** `FaceImages.height` (as stored). */
  imageHeight: number | null;
  /** `FaceRect` (x, y, w, h); null when the face has no rect. */
  rect: { x: number; y: number; w: number; h: number } | null;
  /** Slot k - 1 holds `FeatureCoords` (x, y) of feature_id k (AFLW frame), null when absent. */
  landmarks: ([x: number, y: number] | null)[];
  /** `FacePose` in radians, when present. */
  pose: { roll: number; pitch: number; yaw: number } | null;
}

/** Everything read from `aflw.sqlite`, before images are touched. */
export interface AflwIndex {
  /** The dataset root (the folder holding `data/`). */
  root: string;
  /** The database path. */
  sqlitePath: string;
  /** Every `Faces` row, by ascending face_id, including faces without a rect. */
  faces: AflwFace[];
  /** Problems of the database itself (dangling feature ids, missing images rows, …). */
  problems: DataProblem[];
  /** Known, handled irregularities (faces without a rect, duplicate rows, …). */
  notes: DataProblem[];
  /** Number of `FeatureCoords` rows of AFLW faces with feature_id outside 1..21 (ignored). */
  ignoredLandmarks: number;
}

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

const REQUIRED_TABLES: Record<string, string[]> = {
  Faces: ["face_id", "file_id"],
  FaceImages: ["file_id", "filepath", "width", "height"],
  FaceRect: ["face_id", "x", "y", "w", "h"],
  FeatureCoords: ["face_id", "feature_id", "x", "y"],
  FeatureCoordTypes: ["feature_id", "descr"],
};

/** The database path of a root. */
function sqlitePathOf(root: string): string {
  return join(root, "data", "aflw.sqlite");
}

/**
 * The default split file of a root and seed: `root/clvm-split-seed<seed>.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultAflwSplitFile } from "./aflw.ts";
 * assert.equal(defaultAflwSplitFile("/data/aflw", 1), "/data/aflw/clvm-split-seed1.json");
 * ```
 */
export function defaultAflwSplitFile(root: string, seed: number): string {
  return join(root, AFLW_SPLIT_FILE.fileName(seed));
}

/**
 * Reads and joins `root/data/aflw.sqlite` (read-only) into one record per `Faces` row.
 * Errors name the path: a missing root or database, a file that is not SQLite, a missing
 * table or column.
 *
 * @example
 * ```ts ignore
 * import { readAflwIndex } from "./aflw.ts";
 * const index = readAflwIndex("/data/aflw");
 * console.log(index.faces.length); // 24386 for the distributed database
 * ```
 */
export function readAflwIndex(root: string): AflwIndex {
  let rootInfo: Deno.FileInfo;
  try {
    rootInfo = Deno.statSync(root);
  } catch {
    throw new Error(`Cannot open AFLW root "${root}": the folder does not exist`);
  }
  if (!rootInfo.isDirectory) {
    throw new Error(`Cannot open AFLW root "${root}": expected a folder, found a file`);
  }
  const sqlitePath = sqlitePathOf(root);
  let dbInfo: Deno.FileInfo;
  try {
    dbInfo = Deno.statSync(sqlitePath);
  } catch {
    throw new Error(
      `Cannot open AFLW database "${sqlitePath}": the file does not exist (expected data/aflw.sqlite under the root)`,
    );
  }
  if (!dbInfo.isFile) {
    throw new Error(
      `Cannot open AFLW database "${sqlitePath}": expected a SQLite file, found a ${
        dbInfo.isDirectory ? "directory" : "special file"
      }`,
    );
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(sqlitePath, { readOnly: true });
  } catch (e) {
    throw new Error(`Cannot open AFLW database "${sqlitePath}": ${errorMessage(e)}`);
  }
  try {
    return readTables(db, root, sqlitePath);
  } finally {
    db.close();
  }
}

type Row = Record<string, unknown>;

function readTables(db: DatabaseSync, root: string, sqlitePath: string): AflwIndex {
  const fail = (what: string): never => {
    throw new Error(`Cannot read AFLW database "${sqlitePath}": ${what}`);
  };
  let tables: Set<string>;
  try {
    tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Row[])
        .map((r) => String(r.name)),
    );
  } catch (e) {
    return fail(errorMessage(e));
  }
  for (const [table, columns] of Object.entries(REQUIRED_TABLES)) {
    if (!tables.has(table)) fail(`expected a table "${table}", found none`);
    const have = new Set(
      (db.prepare(`PRAGMA table_info("${table}")`).all() as Row[]).map((r) => String(r.name)),
    );
    for (const column of columns) {
      if (!have.has(column)) fail(`expected a column "${column}" in table "${table}"`);
    }
  }
  const problems: DataProblem[] = [];
  const notes: DataProblem[] = [];
  /** A number, or null (listed as a problem) when the row holds NULL or text. */
  const maybe = (v: unknown, what: string, consequence: string): number | null => {
    const n = typeof v === "bigint" ? Number(v) : v;
    if (typeof n === "number" && Number.isFinite(n)) return n;
    problems.push({
      file: sqlitePath,
      message: `expected a number for ${what}, found ${
        typeof v === "string" ? JSON.stringify(v) : String(v)
      }; ${consequence}`,
    });
    return null;
  };

  const types = new Map<number, string>();
  for (const r of db.prepare("SELECT feature_id, descr FROM FeatureCoordTypes").all() as Row[]) {
    const id = maybe(r.feature_id, "FeatureCoordTypes.feature_id", "the row is ignored");
    if (id !== null) types.set(id, String(r.descr));
  }
  AFLW_LANDMARKS.forEach((name, i) => {
    const descr = types.get(i + 1);
    if (descr === undefined) {
      problems.push({
        file: sqlitePath,
        message: `FeatureCoordTypes has no row for feature_id ${i + 1} (expected "${name}")`,
      });
    } else if (descr !== name) {
      problems.push({
        file: sqlitePath,
        message: `FeatureCoordTypes feature_id ${
          i + 1
        } is "${descr}", expected "${name}" (landmark order)`,
      });
    }
  });

  const images = new Map<
    string,
    { filepath: string; width: number | null; height: number | null }
  >();
  for (
    const r of db.prepare("SELECT file_id, filepath, width, height FROM FaceImages ORDER BY rowid")
      .all() as Row[]
  ) {
    const fileId = String(r.file_id);
    if (images.has(fileId)) {
      notes.push({
        file: sqlitePath,
        message: `FaceImages has several rows for file_id "${fileId}"; the first is used`,
      });
      continue;
    }
    images.set(fileId, {
      filepath: String(r.filepath),
      width: maybe(r.width, `FaceImages.width of "${fileId}"`, "the size is taken from the JPEG"),
      height: maybe(
        r.height,
        `FaceImages.height of "${fileId}"`,
        "the size is taken from the JPEG",
      ),
    });
  }

  const faces: AflwFace[] = [];
  const byId = new Map<number, AflwFace>();
  for (
    const r of db.prepare("SELECT face_id, file_id FROM Faces ORDER BY face_id").all() as Row[]
  ) {
    const faceId = maybe(r.face_id, "Faces.face_id", "the row is skipped");
    if (faceId === null) continue;
    const fileId = String(r.file_id);
    const image = images.get(fileId);
    if (!image) {
      problems.push({
        file: sqlitePath,
        message: `face ${faceId} names image "${fileId}", which has no FaceImages row`,
      });
    }
    const face: AflwFace = {
      faceId,
      fileId,
      filepath: image?.filepath ?? null,
      imageWidth: image?.width ?? null,
      imageHeight: image?.height ?? null,
      rect: null,
      landmarks: AFLW_LANDMARKS.map(() => null),
      pose: null,
    };
    faces.push(face);
    byId.set(faceId, face);
  }

  for (
    const r of db.prepare("SELECT face_id, x, y, w, h FROM FaceRect ORDER BY rowid").all() as Row[]
  ) {
    const faceId = maybe(r.face_id, "FaceRect.face_id", "the row is skipped");
    if (faceId === null) continue;
    const face = byId.get(faceId);
    if (!face) {
      notes.push({ file: sqlitePath, message: `FaceRect row for unknown face ${faceId}` });
      continue;
    }
    if (face.rect) {
      notes.push({
        file: sqlitePath,
        message: `face ${faceId} has several FaceRect rows; the first is used`,
      });
      continue;
    }
    // A NULL in a rect keeps the face in its split (splits depend only on which faces
    // have a rect) but makes it unusable: openAflw skips it and lists it.
    const skip = "the face is skipped";
    const rect = {
      x: maybe(r.x, `FaceRect.x of face ${faceId}`, skip) ?? NaN,
      y: maybe(r.y, `FaceRect.y of face ${faceId}`, skip) ?? NaN,
      w: maybe(r.w, `FaceRect.w of face ${faceId}`, skip) ?? NaN,
      h: maybe(r.h, `FaceRect.h of face ${faceId}`, skip) ?? NaN,
    };
    if (Number.isFinite(rect.w) && Number.isFinite(rect.h) && !(rect.w > 0 && rect.h > 0)) {
      problems.push({
        file: sqlitePath,
        message: `face ${faceId} has a FaceRect of size ${rect.w}×${rect.h}, expected positive`,
      });
    }
    face.rect = rect;
  }

  let ignoredLandmarks = 0;
  const dangling = new Map<number, number>();
  for (
    const r of db.prepare("SELECT face_id, feature_id, x, y FROM FeatureCoords ORDER BY rowid")
      .all() as Row[]
  ) {
    const faceId = maybe(r.face_id, "FeatureCoords.face_id", "the row is ignored");
    if (faceId === null) continue;
    const featureId = maybe(
      r.feature_id,
      `FeatureCoords.feature_id of face ${faceId}`,
      "the row is ignored",
    );
    if (featureId === null) continue;
    const face = byId.get(faceId);
    if (!types.has(featureId)) dangling.set(featureId, (dangling.get(featureId) ?? 0) + 1);
    if (!face) continue;
    if (!(Number.isInteger(featureId) && featureId >= 1 && featureId <= 21)) {
      ignoredLandmarks++;
      continue;
    }
    if (face.landmarks[featureId - 1]) {
      notes.push({
        file: sqlitePath,
        message: `face ${faceId} has several FeatureCoords rows for feature_id ${featureId}; ` +
          "the first is used",
      });
      continue;
    }
    const name = AFLW_LANDMARKS[featureId - 1];
    const invisible = "the landmark is taken as invisible";
    const x = maybe(
      r.x,
      `FeatureCoords.x of face ${faceId} landmark ${featureId} (${name})`,
      invisible,
    );
    const y = x === null ? null : maybe(
      r.y,
      `FeatureCoords.y of face ${faceId} landmark ${featureId} (${name})`,
      invisible,
    );
    // A NULL coordinate: the landmark stays absent (invisible), as if it had no row.
    if (x !== null && y !== null) face.landmarks[featureId - 1] = [x, y];
  }
  for (const [featureId, count] of dangling) {
    problems.push({
      file: sqlitePath,
      message:
        `${count} FeatureCoords row(s) have feature_id ${featureId}, which has no FeatureCoordTypes row`,
    });
  }

  if (tables.has("FacePose")) {
    for (
      const r of db.prepare("SELECT face_id, roll, pitch, yaw FROM FacePose ORDER BY rowid")
        .all() as Row[]
    ) {
      const faceId = maybe(r.face_id, "FacePose.face_id", "the row is ignored");
      const face = faceId === null ? undefined : byId.get(faceId);
      if (!face || face.pose) continue;
      const ignored = "the face has no pose";
      const roll = maybe(r.roll, `FacePose.roll of face ${face.faceId}`, ignored);
      const pitch = maybe(r.pitch, `FacePose.pitch of face ${face.faceId}`, ignored);
      const yaw = maybe(r.yaw, `FacePose.yaw of face ${face.faceId}`, ignored);
      if (roll !== null && pitch !== null && yaw !== null) face.pose = { roll, pitch, yaw };
    }
  }

  for (const face of faces) {
    if (!face.rect) {
      notes.push({
        file: sqlitePath,
        message: `face ${face.faceId} has no FaceRect and is skipped`,
      });
    }
  }
  return { root, sqlitePath, faces, problems, notes, ignoredLandmarks };
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
 * import { aflwHeldOutCount } from "./aflw.ts";
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
 * import { makeAflwSplit } from "./aflw.ts";
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

/** AFLW's split file: face ids. */
const AFLW_SPLIT_FILE: SplitFileKind<number> = {
  dataset: "aflw",
  label: "AFLW",
  fileName: (seed) => `clvm-split-seed${seed}.json`,
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
async function aflwSplit(
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
function usableIds(index: AflwIndex): number[] {
  return index.faces.filter((f) => f.rect !== null).map((f) => f.faceId);
}

/**
 * The sample of one face: the decoded image (RGB), the 21 keypoints converted to the
 * continuous frame (+0.5, see the module doc) with invisible ones `[0, 0, 0]`, and the
 * rect as the box. Errors name the image file and the face.
 *
 * @example
 * ```ts ignore
 * import { readAflwIndex, readAflwSample } from "./aflw.ts";
 * const index = readAflwIndex("/data/aflw");
 * const sample = await readAflwSample(index.root, index.faces[0]!);
 * console.log(sample.id, sample.box); // face39341 { x: …, y: …, width: …, height: … }
 * ```
 */
export async function readAflwSample(root: string, face: AflwFace): Promise<Sample> {
  const unusable = aflwFaceDefect(face);
  if (unusable) throw new Error(`Cannot read AFLW face ${face.faceId}: ${unusable}`);
  const rect = face.rect!;
  const path = join(root, "data", "flickr", face.filepath!);
  const image = await readAflwImage(path, face.faceId);
  const far = new Set(aflwOutlierLandmarks(face, image.width, image.height));
  const keypoints: Keypoint[] = face.landmarks.map((p, k) =>
    p && !far.has(k) ? [p[0] + 0.5, p[1] + 0.5, 1] : [0, 0, 0]
  );
  const box: Box = { x: rect.x, y: rect.y, width: rect.w, height: rect.h };
  return { id: `face${face.faceId}`, image, keypoints, box };
}

/**
 * Why a face cannot be a sample (no image row, no rect, a rect with NULL values or no
 * area), or null when it can. Such faces keep their place in the split (which depends
 * only on which faces have a rect) and are skipped by {@link openAflw}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aflwFaceDefect, type AflwFace } from "./aflw.ts";
 * const face: AflwFace = {
 *   faceId: 7, fileId: "image1.jpg", filepath: "0/image1.jpg", imageWidth: 100,
 *   imageHeight: 80, rect: { x: 5, y: 5, w: 0, h: 20 }, landmarks: [], pose: null,
 * };
 * assert.match(aflwFaceDefect(face) ?? "", /FaceRect is 0×20/);
 * ```
 */
export function aflwFaceDefect(face: AflwFace): string | null {
  if (face.filepath === null) return `its image "${face.fileId}" has no FaceImages row`;
  if (!face.rect) return "it has no FaceRect";
  const { x, y, w, h } = face.rect;
  if (![x, y, w, h].every(Number.isFinite)) {
    return `its FaceRect (${x}, ${y}, ${w}, ${h}) holds NULL values (image "${face.fileId}")`;
  }
  if (!(w > 0 && h > 0)) {
    return `its FaceRect is ${w}×${h} (image "${face.fileId}"), expected a positive size`;
  }
  return null;
}

/**
 * The 0-based indices of a face's landmarks that lie outside a `width`×`height` image
 * by more than the face rect's larger side: the rule `data check` flags, and the
 * landmarks the loader drops (as invisible) instead of training on them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { aflwOutlierLandmarks, type AflwFace } from "./aflw.ts";
 * const face: AflwFace = {
 *   faceId: 7, fileId: "image1.jpg", filepath: "0/image1.jpg", imageWidth: 100,
 *   imageHeight: 80, rect: { x: 5, y: 5, w: 30, h: 20 }, landmarks: [[10, 10], [1e9, 10]],
 *   pose: null,
 * };
 * assert.deepEqual(aflwOutlierLandmarks(face, 100, 80), [1]);
 * ```
 */
export function aflwOutlierLandmarks(face: AflwFace, width: number, height: number): number[] {
  if (!face.rect) return [];
  const margin = Math.max(face.rect.w, face.rect.h);
  const out: number[] = [];
  face.landmarks.forEach((p, k) => {
    if (!p) return;
    const x = p[0] + 0.5, y = p[1] + 0.5;
    if (x < -margin || y < -margin || x > width + margin || y > height + margin) out.push(k);
  });
  return out;
}

/** Reads and decodes one AFLW JPEG; errors name the file and, when given, the face. */
async function readAflwImage(
  path: string,
  faceId?: number,
  decode = true,
): Promise<RgbImage> {
  const of = faceId === undefined ? "" : ` (image of face ${faceId})`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot read AFLW image "${path}"${of}: the file does not exist`);
    }
    throw new Error(`Cannot read AFLW image "${path}"${of}: ${errorMessage(e)}`);
  }
  const kind = faceId === undefined ? "AFLW image" : `AFLW image of face ${faceId}`;
  if (!decode) {
    const info = jpegInfo(bytes, path, kind);
    return { data: new Uint8Array(0), width: info.width, height: info.height };
  }
  return await decodeRgb(bytes, path, kind);
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
 * import { openAflw } from "./aflw.ts";
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
 * import { checkAflw } from "./aflw.ts";
 * const report = await checkAflw("/data/aflw");
 * console.log(JSON.stringify(report.splits)); // {"train":22386,"val":1000,"test":1000}
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
