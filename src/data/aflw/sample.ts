/**
 * One AFLW face as a sample, and the rules that make a face unusable or a landmark
 * invisible.
 *
 * @module
 */
import { join } from "node:path";
import type { Box, Keypoint, Sample } from "../types.ts";
import { readAflwImage } from "./_image.ts";
import type { AflwFace } from "./database.ts";

/**
 * The sample of one face: the decoded image (RGB), the 21 keypoints converted to the
 * continuous frame (+0.5, see the module doc) with invisible ones `[0, 0, 0]`, and the
 * rect as the box. Errors name the image file and the face.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { readAflwIndex, readAflwSample } from "./mod.ts";
 * const index = readAflwIndex("/data/aflw");
 * const sample = await readAflwSample(index.root, index.faces[0]!);
 * assert.equal(sample.id, `face${index.faces[0]!.faceId}`);
 * assert.equal(sample.keypoints!.length, 21);
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
 * import { aflwFaceDefect, type AflwFace } from "./mod.ts";
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
 * import { aflwOutlierLandmarks, type AflwFace } from "./mod.ts";
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
