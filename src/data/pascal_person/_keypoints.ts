/**
 * A keypoint file's points as a sample's 20 keypoints (the coordinates in `mod.ts`).
 *
 * @module
 */
import type { Keypoint } from "../types.ts";
import type { BourdevAnnotation } from "./bourdev_xml.ts";
import { PASCAL_PERSON_KEYPOINTS } from "./labels.ts";

export function inside(kp: { x: number; y: number }, width: number, height: number): boolean {
  const x = kp.x - 0.5;
  const y = kp.y - 0.5;
  return x >= 0 && x <= width && y >= 0 && y <= height;
}

/** Converts a keypoint file to the sample's 20 keypoints (module doc: coordinates). */
export function toKeypoints(
  ann: BourdevAnnotation,
  width: number,
  height: number,
  file: string,
  strict: boolean,
): Keypoint[] {
  const out: Keypoint[] = PASCAL_PERSON_KEYPOINTS.map(() => [NaN, NaN, 0]);
  for (const kp of ann.keypoints) {
    const slot = PASCAL_PERSON_KEYPOINTS.indexOf(kp.name);
    if (slot < 0) {
      throw new Error(
        `Cannot read Pascal Person keypoint file "${file}": expected a person keypoint name, found "${kp.name}"`,
      );
    }
    const isInside = inside(kp, width, height);
    if (!isInside && strict) {
      throw new Error(
        `Cannot read Pascal Person keypoint file "${file}": keypoint "${kp.name}" at (${kp.x}, ${kp.y}) is outside the ${width}×${height} image (expected 1-based coordinates within it)`,
      );
    }
    out[slot] = [kp.x - 0.5, kp.y - 0.5, kp.visible === 1 && isInside ? 1 : 0];
  }
  return out;
}
