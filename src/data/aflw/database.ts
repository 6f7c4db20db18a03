/**
 * Reading `data/aflw.sqlite`: the tables joined into one record per face (the join and
 * its documented irregularities in `mod.ts`).
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { errorMessage } from "../../util/fs.ts";
import type { DataProblem } from "../types.ts";
import { AFLW_LANDMARKS } from "./landmarks.ts";

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
 * Reads and joins `root/data/aflw.sqlite` (read-only) into one record per `Faces` row.
 * Errors name the path: a missing root or database, a file that is not SQLite, a missing
 * table or column.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { readAflwIndex } from "./mod.ts";
 * const index = readAflwIndex("/data/aflw");
 * assert.equal(index.faces.length, 24386); // the distributed database
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
