/**
 * Detector-made facial keypoints for LFW Part Labels (issue 9 §2): the file format, its
 * reader and checker, the named subset of MediaPipe FaceMesh's 468 landmarks it holds,
 * and the checks of where the points fall. The points are made by MediaPipe FaceMesh
 * (tools/facemesh/, run by `deno task data prepare lfw-parts`), NOT corrected by hand as
 * the paper's were (the authors applied a landmark detector trained on AFLW and corrected
 * it interactively; the public data has no keypoints). Nothing here imports the detector.
 *
 * File `keypoints.txt` in the dataset root, plain text:
 *
 *     # clvm LFW-Parts keypoints v1
 *     # made by: MediaPipe FaceMesh (@vladmandic/human 3.3.6 models/facemesh.json), not hand-corrected
 *     # names: LeftBrowLeftCorner LeftBrowCenter … ChinCenter
 *     Aaron_Eckhart_0001 x1 y1 v1 x2 y2 v2 … x19 y19 v19
 *     …
 *
 * Lines starting with `#` are comments; the `# names:` line must list
 * {@link LFW_PARTS_KEYPOINT_NAMES} in order. One line per image of the three split
 * lists (each id once), `3·K` numbers after the id: x, y in the 250×250 image's
 * continuous pixel frame (pixel i has centre i + 0.5) and visible ∈ {0, 1}.
 *
 * @module
 */
import { AFLW_LANDMARKS } from "../aflw/landmarks.ts";
import { join } from "node:path";
import type { DataProblem, Split } from "../types.ts";

/** The keypoint file's name in the dataset root. */
export const LFW_PARTS_KEYPOINTS_FILE = "keypoints.txt";

/** The file's first line. */
export const LFW_PARTS_KEYPOINTS_MAGIC = "# clvm LFW-Parts keypoints v1";

/**
 * The 19 keypoints, in AFLW's order and with AFLW's names (docs/DATASETS.md §1.3; "Left/Right"
 * from the viewer's point of view) minus AFLW's two ear points, which FaceMesh has no
 * landmark for. The paper made its LFW-Parts keypoints with a landmark detector trained
 * on AFLW, so this mirrors AFLW's set: brow corners and centres, eye corners and
 * centres, nose wings and tip, mouth corners and centre, chin.
 */
export const LFW_PARTS_KEYPOINT_NAMES: readonly string[] = Object.freeze(
  AFLW_LANDMARKS.filter((name) => !name.endsWith("Ear")),
);

/**
 * For each keypoint of {@link LFW_PARTS_KEYPOINT_NAMES}, the FaceMesh landmarks (0-based
 * indices into the 468 of MediaPipe's canonical face mesh) whose mean it is. Viewer's left
 * is the subject's right. Brows: the upper brow contour's outer end, middle and inner end
 * (70/105/107, 300/334/336); eyes: the outer and inner corners (33/133, 263/362) and, for
 * the centre, the middle of the upper and lower lids (159+145, 386+374); nose: the alar
 * wings (129, 358) and the tip (1); mouth: the corners (61, 291) and the middle of the
 * inner lips (13+14); chin: the bottom of the face oval (152).
 */
export const FACEMESH_KEYPOINT_INDICES: readonly (readonly number[])[] = Object.freeze([
  [70],
  [105],
  [107],
  [336],
  [334],
  [300],
  [33],
  [159, 145],
  [133],
  [362],
  [386, 374],
  [263],
  [129],
  [1],
  [358],
  [61],
  [13, 14],
  [291],
  [152],
]);

/** The frame the coordinates must lie in (the funneled images are 250×250). */
const FRAME = 250;

/** A keypoint file's contents: `K·3` floats (x, y, visible) per image id. */
export interface LfwKeypoints {
  /** Keypoint names (the `# names:` line). */
  names: string[];
  /** The comment lines (without `# `), the provenance among them. */
  header: string[];
  /** `K·3` floats per id, in file order. */
  points: Map<string, Float32Array>;
}

/** A problem in a keypoint file, naming the file and line. */
export class KeypointFileError extends Error {
  /** An error whose message names the file (and line) and what was expected. */
  constructor(message: string) {
    super(message);
    this.name = "KeypointFileError";
  }
}

/**
 * Parses a keypoint file's text (see the module doc); `file` names it in errors, with the
 * line number. Checks the magic line, the names, each line's count of numbers, that every
 * number is finite, that x and y lie in [0, 250] and visible is 0 or 1, and that no id
 * repeats. It does not know the split lists: {@link checkLfwKeypoints} compares them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatLfwKeypoints, parseLfwKeypoints } from "./keypoints.ts";
 * const text = formatLfwKeypoints(new Map([["A_0001", new Float32Array(19 * 3).fill(1)]]), "test");
 * assert.ok(parseLfwKeypoints(text, "k.txt").points.get("A_0001")!.length === 57);
 * ```
 */
export function parseLfwKeypoints(text: string, file: string): LfwKeypoints {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines[0]?.trim() !== LFW_PARTS_KEYPOINTS_MAGIC) {
    throw new KeypointFileError(
      `Cannot read keypoints from ${file}:1: expected the first line "${LFW_PARTS_KEYPOINTS_MAGIC}"`,
    );
  }
  const header: string[] = [];
  let names: string[] | null = null;
  const points = new Map<string, Float32Array>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const where = `${file}:${i + 1}`;
    if (line === "") continue;
    if (line.startsWith("#")) {
      const body = line.replace(/^#\s?/, "");
      header.push(body);
      if (body.startsWith("names:")) names = body.slice(6).trim().split(/\s+/);
      continue;
    }
    if (!names) {
      throw new KeypointFileError(
        `Cannot read keypoints from ${where}: expected a "# names: …" line before the first image`,
      );
    }
    const fields = line.split(/\s+/);
    const id = fields[0]!;
    const k = names.length;
    if (fields.length !== 1 + 3 * k) {
      throw new KeypointFileError(
        `Cannot read keypoints from ${where}: image "${id}" has ${fields.length - 1} numbers, ` +
          `expected ${3 * k} (x y visible for ${k} keypoints)`,
      );
    }
    if (points.has(id)) {
      throw new KeypointFileError(`Cannot read keypoints from ${where}: image "${id}" repeats`);
    }
    const values = new Float32Array(3 * k);
    for (let j = 0; j < 3 * k; j++) {
      const v = Number(fields[j + 1]);
      const name = names[Math.floor(j / 3)]!;
      if (!Number.isFinite(v)) {
        throw new KeypointFileError(
          `Cannot read keypoints from ${where}: "${fields[j + 1]}" of ${name} of "${id}" is ` +
            "not a finite number",
        );
      }
      if (j % 3 === 2 ? v !== 0 && v !== 1 : !(v >= 0 && v <= FRAME)) {
        throw new KeypointFileError(
          `Cannot read keypoints from ${where}: ${"xyv"[j % 3]} = ${v} of ${name} of "${id}" ` +
            (j % 3 === 2 ? "is not a visibility: expected 0 or 1" : `is outside 0..${FRAME}`),
        );
      }
      values[j] = v;
    }
    points.set(id, values);
  }
  if (!names) {
    throw new KeypointFileError(`Cannot read keypoints from ${file}: no "# names: …" line`);
  }
  return { names, header, points };
}

/**
 * Formats keypoints as a keypoint file (the module doc's format), ids in the map's
 * order, two decimals per coordinate. `provenance` is written as the `# made by:` line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatLfwKeypoints } from "./keypoints.ts";
 * assert.ok(formatLfwKeypoints(new Map(), "hand").startsWith("# clvm LFW-Parts keypoints v1\n"));
 * ```
 */
export function formatLfwKeypoints(
  points: ReadonlyMap<string, ArrayLike<number>>,
  provenance: string,
  extraHeader: readonly string[] = [],
): string {
  const k = LFW_PARTS_KEYPOINT_NAMES.length;
  const out = [
    LFW_PARTS_KEYPOINTS_MAGIC,
    `# made by: ${provenance}`,
    ...extraHeader.map((h) => `# ${h}`),
    "# x y in the 250×250 image's pixel frame (pixel i has centre i + 0.5); visible 0 or 1",
    `# names: ${LFW_PARTS_KEYPOINT_NAMES.join(" ")}`,
  ];
  for (const [id, p] of points) {
    if (p.length !== 3 * k) {
      throw new Error(
        `Cannot format the keypoints of "${id}": ${p.length} numbers, expected ${3 * k}`,
      );
    }
    const fields = [id];
    for (let j = 0; j < 3 * k; j++) {
      fields.push(j % 3 === 2 ? String(p[j]) : Number(p[j]).toFixed(2));
    }
    out.push(fields.join(" "));
  }
  return out.join("\n") + "\n";
}

/**
 * Reads `root/keypoints.txt`, or returns null when the file does not exist; throws a
 * {@link KeypointFileError} naming the file and line when it is malformed or its names
 * differ from {@link LFW_PARTS_KEYPOINT_NAMES}.
 */
export async function readLfwKeypoints(root: string): Promise<LfwKeypoints | null> {
  const file = join(root, LFW_PARTS_KEYPOINTS_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const parsed = parseLfwKeypoints(text, file);
  if (parsed.names.join(" ") !== LFW_PARTS_KEYPOINT_NAMES.join(" ")) {
    throw new KeypointFileError(
      `Cannot read keypoints from ${file}: the names line lists ${parsed.names.length} names ` +
        `(${
          parsed.names.slice(0, 3).join(", ")
        }, …), expected ${LFW_PARTS_KEYPOINT_NAMES.length} ` +
        `(${LFW_PARTS_KEYPOINT_NAMES.slice(0, 3).join(", ")}, …)`,
    );
  }
  return parsed;
}

/**
 * Validates `root/keypoints.txt` against the split lists: every id of every split has a
 * line, no line names an id outside them, and the file parses (counts, ranges, names).
 * Returns the problems (empty when sound) and the visible fraction; a missing file is one
 * problem saying how to make it.
 */
export async function checkLfwKeypoints(
  root: string,
  splits: Readonly<Record<Split, readonly string[]>>,
): Promise<{ problems: DataProblem[]; visibleFraction: number; present: boolean }> {
  const file = join(root, LFW_PARTS_KEYPOINTS_FILE);
  let kp: LfwKeypoints | null;
  try {
    kp = await readLfwKeypoints(root);
  } catch (e) {
    return {
      problems: [{ file, message: (e as Error).message }],
      visibleFraction: 0,
      present: true,
    };
  }
  if (!kp) {
    return {
      problems: [{
        file,
        message: "keypoint file not found: `deno task data prepare lfw-parts` makes it " +
          "(MediaPipe FaceMesh, tools/facemesh/)",
      }],
      visibleFraction: 0,
      present: false,
    };
  }
  const problems: DataProblem[] = [];
  const wanted = new Set<string>();
  for (const ids of Object.values(splits)) for (const id of ids) wanted.add(id);
  const missing = [...wanted].filter((id) => !kp!.points.has(id));
  const extra = [...kp.points.keys()].filter((id) => !wanted.has(id));
  if (missing.length > 0) {
    problems.push({
      file,
      message: `${missing.length} of the ${wanted.size} images of the split lists have no ` +
        `keypoint line (first: ${missing.slice(0, 3).join(", ")}); the file may be truncated`,
    });
  }
  if (extra.length > 0) {
    problems.push({
      file,
      message: `${extra.length} keypoint lines name images in no split list (first: ` +
        `${extra.slice(0, 3).join(", ")})`,
    });
  }
  let visible = 0, total = 0;
  for (const p of kp.points.values()) {
    for (let j = 2; j < p.length; j += 3) {
      visible += p[j]!;
      total++;
    }
  }
  return { problems, visibleFraction: total > 0 ? visible / total : 0, present: true };
}

/**
 * The fraction of visible keypoints that fall inside the dilated skin ∪ hair mask: a
 * point counts when some pixel within `radius` (Chebyshev distance, pixels) of the pixel
 * containing it has class `hair` or `skin`. `classes` is `width·height` (0 hair, 1 skin,
 * 2 background, 255 ignore). Returns the counts so that they can be pooled over images.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keypointsInFace } from "./keypoints.ts";
 * const mask = Uint8Array.from({ length: 100 }, (_, p) => (p % 10 < 5 ? 1 : 2));
 * const r = keypointsInFace(new Float32Array([2.5, 2.5, 1, 8.5, 2.5, 1]), mask, 10, 10, 2);
 * assert.ok(r.inside === 1 && r.visible === 2);
 * ```
 */
export function keypointsInFace(
  keypoints: ArrayLike<number>,
  classes: Uint8Array,
  width: number,
  height: number,
  radius: number,
): { inside: number; visible: number } {
  if (classes.length !== width * height) {
    throw new Error(
      `Cannot test keypoints against a mask of ${classes.length} pixels: expected ${width}×${height}`,
    );
  }
  let inside = 0, visible = 0;
  for (let k = 0; k + 2 < keypoints.length; k += 3) {
    if (!(keypoints[k + 2]! > 0)) continue;
    visible++;
    const px = Math.floor(keypoints[k]!), py = Math.floor(keypoints[k + 1]!);
    let hit = false;
    for (let y = Math.max(0, py - radius); !hit && y <= Math.min(height - 1, py + radius); y++) {
      for (let x = Math.max(0, px - radius); x <= Math.min(width - 1, px + radius); x++) {
        const c = classes[y * width + x]!;
        if (c === 0 || c === 1) {
          hit = true;
          break;
        }
      }
    }
    if (hit) inside++;
  }
  return { inside, visible };
}

/**
 * The 19 keypoints (`19·3`: x, y, visible) from a FaceMesh mesh (`468·3`, source frame):
 * each the mean of its {@link FACEMESH_KEYPOINT_INDICES}; visible = 1 when the face
 * score is at least `minScore` and the point lies in the 250×250 frame (then clamped to
 * it is not needed), else 0 with the point clamped into the frame.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keypointsFromMesh } from "./keypoints.ts";
 * const mesh = new Float32Array(468 * 3).fill(100);
 * assert.ok(keypointsFromMesh(mesh, 0.9)[2] === 1 && keypointsFromMesh(mesh, 0.1)[2] === 0);
 * ```
 */
export function keypointsFromMesh(
  mesh: ArrayLike<number>,
  score: number,
  minScore = 0.5,
): Float32Array {
  if (mesh.length !== 468 * 3) {
    throw new Error(`Cannot take keypoints from a mesh of ${mesh.length} numbers: expected 468·3`);
  }
  const k = FACEMESH_KEYPOINT_INDICES.length;
  const out = new Float32Array(3 * k);
  FACEMESH_KEYPOINT_INDICES.forEach((indices, i) => {
    let x = 0, y = 0;
    for (const m of indices) {
      x += mesh[3 * m]!;
      y += mesh[3 * m + 1]!;
    }
    x /= indices.length;
    y /= indices.length;
    const inFrame = x >= 0 && x <= FRAME && y >= 0 && y <= FRAME;
    out[3 * i] = Math.min(Math.max(x, 0), FRAME);
    out[3 * i + 1] = Math.min(Math.max(y, 0), FRAME);
    out[3 * i + 2] = score >= minScore && inFrame ? 1 : 0;
  });
  return out;
}
