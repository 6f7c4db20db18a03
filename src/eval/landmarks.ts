/**
 * Keypoint protocols: AFLW landmark error normalized by face size (Zhu & Ramanan 2012,
 * docs/DATASETS.md §1.5), Pascal Person keypoint error normalized by the visible box's longest
 * side (docs/DATASETS.md §3.4), heatmap decoding and the
 * resolution oracle (docs/MODEL.md §3).
 *
 * Points are in continuous pixel coordinates (src/data/types.ts): pixel (i, j) has its
 * centre at (i + 0.5, j + 0.5). Only ground-truth-visible keypoints are scored; the
 * predicted visibility flag is ignored by the errors (a prediction is always a point).
 * Pure functions over plain arrays: nothing here imports the model or tfjs.
 *
 * @module
 */
import type { Box } from "../data/types.ts";

/**
 * Keypoints as `[x, y, visible]` triples (`Keypoint[]` of src/data/types.ts) or as one
 * flat array of `K·3` numbers.
 */
export type Keypoints = readonly (readonly number[])[] | ArrayLike<number>;

function isNested(k: Keypoints): k is readonly (readonly number[])[] {
  return k.length > 0 && Array.isArray((k as readonly unknown[])[0]);
}

/** Number of keypoints in `k`. */
function countOf(k: Keypoints): number {
  if (k.length === 0) return 0;
  if (isNested(k)) return k.length;
  if (k.length % 3 !== 0) {
    throw new Error(`Cannot read ${k.length} numbers as keypoints: expected a multiple of 3`);
  }
  return k.length / 3;
}

/** `[x, y, visible]` of keypoint `i`. */
function get(k: Keypoints, i: number): [number, number, number] {
  if (isNested(k)) {
    const p = k[i]!;
    return [p[0]!, p[1]!, p[2] ?? 1];
  }
  const f = k as ArrayLike<number>;
  return [f[3 * i]!, f[3 * i + 1]!, f[3 * i + 2]!];
}

/**
 * Zhu & Ramanan's face size of one face: `s = (w + h) / 2`, where `w` and `h` are the
 * width and height of the tight box around the ground-truth-*visible* landmarks, each
 * measured as `max − min + 1` (pixels, as in `multipie_eval_landmark.m`). NaN when no
 * landmark is visible.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Visible points (10, 20) and (40, 30): w = 31, h = 11 → s = 21.
 * assert.ok(landmarkFaceSize([[10, 20, 1], [40, 30, 1], [99, 99, 0]]) === 21);
 * ```
 */
export function landmarkFaceSize(gt: Keypoints): number {
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  const n = countOf(gt);
  for (let i = 0; i < n; i++) {
    const [x, y, v] = get(gt, i);
    if (!v) continue;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (minX === Infinity) return NaN;
  return ((maxX - minX + 1) + (maxY - minY + 1)) / 2;
}

/**
 * Mean Euclidean distance, in pixels, between predicted and ground-truth keypoints over
 * the keypoints visible in the ground truth. `Infinity` when `pred` is null/undefined
 * (a missed detection) or any scored predicted point is not finite; NaN when no
 * ground-truth keypoint is visible (nothing to score).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Two visible points off by 3-4-5 and by 1 → (5 + 1) / 2 = 3; the invisible one is ignored.
 * const d = meanKeypointDistance([[3, 4, 1], [1, 0, 1], [50, 50, 1]], [[0, 0, 1], [0, 0, 1], [0, 0, 0]]);
 * assert.ok(d === 3);
 * ```
 */
export function meanKeypointDistance(
  pred: Keypoints | null | undefined,
  gt: Keypoints,
): number {
  const n = countOf(gt);
  if (pred != null && countOf(pred) !== n) {
    throw new Error(
      `Cannot compare ${countOf(pred)} predicted keypoints with ${n} ground-truth keypoints: ` +
        "expected the same count",
    );
  }
  let sum = 0;
  let visible = 0;
  for (let i = 0; i < n; i++) {
    const [gx, gy, gv] = get(gt, i);
    if (!gv) continue;
    visible++;
    if (pred == null) continue;
    const [px, py] = get(pred, i);
    sum += Math.hypot(px - gx, py - gy);
  }
  if (visible === 0) return NaN;
  if (pred == null || !Number.isFinite(sum)) return Infinity;
  return sum / visible;
}

/**
 * How the AFLW error is normalized (a config value):
 * - `"landmarks"` (default): Zhu & Ramanan's `s = (w + h) / 2` of the tight box around
 *   the face's visible GT landmarks (`landmarkFaceSize`). What the paper's curves use;
 *   with few visible landmarks the box, and so `s`, can be small.
 * - `"face-rect"`: `(width + height) / 2` of the face rectangle (AFLW's FaceRect is a
 *   square, so this is its side); steadier for profile faces with few landmarks.
 */
export type AflwNormalization = "landmarks" | "face-rect";

/**
 * One AFLW face's error: mean distance over visible GT landmarks divided by the face
 * size (`options.normalize`, default `"landmarks"`). `Infinity` for a missing
 * prediction; NaN when no landmark is visible.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Landmarks (0,0) and (9,9): s = (10 + 10) / 2 = 10; each prediction off by 1 px → 0.1.
 * const e = aflwError([[1, 0, 1], [9, 10, 1]], [[0, 0, 1], [9, 9, 1]]);
 * assert.ok(Math.abs(e - 0.1) < 1e-12);
 * ```
 */
export function aflwError(
  pred: Keypoints | null | undefined,
  gt: Keypoints,
  options: { normalize?: AflwNormalization; faceRect?: Box } = {},
): number {
  const mode = options.normalize ?? "landmarks";
  let size: number;
  if (mode === "landmarks") {
    size = landmarkFaceSize(gt);
  } else {
    const r = options.faceRect;
    if (!r) {
      throw new Error(
        'Cannot normalize an AFLW error by "face-rect": expected options.faceRect (the face rectangle)',
      );
    }
    size = (r.width + r.height) / 2;
  }
  const d = meanKeypointDistance(pred, gt);
  if (Number.isNaN(d) || Number.isNaN(size)) return NaN;
  return d / size;
}

/**
 * One Pascal Person instance's error: mean distance over GT-visible keypoints divided by
 * the longest side of the visible bounding box, `max(width, height)`. `Infinity` for a
 * missing prediction; NaN when no keypoint is visible.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const box = { x: 0, y: 0, width: 50, height: 100 };
 * // One visible keypoint off by 5 px → 5 / 100 = 0.05.
 * assert.ok(pascalKeypointError([[3, 4, 1]], [[0, 0, 1]], box) === 0.05);
 * ```
 */
export function pascalKeypointError(
  pred: Keypoints | null | undefined,
  gt: Keypoints,
  visibleBox: Box,
): number {
  const side = Math.max(visibleBox.width, visibleBox.height);
  if (!(side > 0)) {
    throw new Error(
      `Cannot normalize a Pascal Person keypoint error by a ${visibleBox.width}×${visibleBox.height} box: ` +
        "expected a positive side",
    );
  }
  return meanKeypointDistance(pred, gt) / side;
}

/**
 * The centre, in input pixels, of cell `cell` of a map with stride `stride`: cell c
 * covers input pixels [c·stride, (c+1)·stride), so its centre is (c + 0.5)·stride.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(cellCentre(2, 4) === 10);
 * ```
 */
export function cellCentre(cell: number, stride: number): number {
  return (cell + 0.5) * stride;
}

/**
 * The oracle prediction (docs/MODEL.md §3): the best a keypoint map of stride `stride` can
 * answer, i.e. the centre of the map cell containing each ground-truth point, in the
 * network input frame. When the map size is given, cells are clamped into it (points on
 * or beyond the last edge). Visibility flags are copied; non-finite points stay as they
 * are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Stride 4: x = 9.3 lies in cell 2 → centre 10; y = 0.2 in cell 0 → centre 2.
 * const [p] = oracleKeypoints([[9.3, 0.2, 1]], 4);
 * assert.ok(p![0] === 10 && p![1] === 2);
 * ```
 */
export function oracleKeypoints(
  gt: Keypoints,
  stride: number,
  mapSize?: { width: number; height: number },
): [number, number, number][] {
  if (!(stride > 0)) throw new Error(`Cannot build the oracle at stride ${stride}: expected > 0`);
  const n = countOf(gt);
  const out: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const [x, y, v] = get(gt, i);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      out.push([x, y, v]);
      continue;
    }
    let cx = Math.floor(x / stride);
    let cy = Math.floor(y / stride);
    if (mapSize) {
      cx = Math.min(Math.max(cx, 0), mapSize.width - 1);
      cy = Math.min(Math.max(cy, 0), mapSize.height - 1);
    }
    out.push([cellCentre(cx, stride), cellCentre(cy, stride), v]);
  }
  return out;
}

/**
 * Decodes one image's keypoint maps (`height·width·K`, channels last, as a head's NHWC
 * output for one image) into keypoints: the arg-max cell of each map (first in raster
 * order on ties) mapped to its centre in input pixels, visible when its value exceeds
 * `threshold` (default 0.5 — pass sigmoid probabilities; the rg-aflw demo's rule).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // A 2×2 map with one channel, peak at (row 1, col 0), stride 8 → (4, 12).
 * const [p] = keypointsFromMaps(new Float32Array([0.1, 0.2, 0.9, 0.3]), 2, 2, 1, 8);
 * assert.ok(p![0] === 4 && p![1] === 12 && p![2] === 1);
 * ```
 */
export function keypointsFromMaps(
  maps: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  stride: number,
  threshold = 0.5,
): [number, number, number][] {
  if (maps.length !== width * height * channels) {
    throw new Error(
      `Cannot decode keypoint maps of ${maps.length} values: expected ${height}·${width}·${channels} = ` +
        `${width * height * channels}`,
    );
  }
  const best = new Float64Array(channels).fill(-Infinity);
  const at = new Int32Array(channels);
  for (let p = 0; p < width * height; p++) {
    const base = p * channels;
    for (let k = 0; k < channels; k++) {
      const v = maps[base + k]!;
      if (v > best[k]!) {
        best[k] = v;
        at[k] = p;
      }
    }
  }
  const out: [number, number, number][] = [];
  for (let k = 0; k < channels; k++) {
    const p = at[k]!;
    out.push([
      cellCentre(p % width, stride),
      cellCentre(Math.floor(p / width), stride),
      best[k]! > threshold ? 1 : 0,
    ]);
  }
  return out;
}
