/**
 * The 21 AFLW landmarks: their names in `feature_id` order and the left/right pairs a
 * horizontal flip swaps.
 *
 * @module
 */

/**
 * The 21 AFLW landmark names in `feature_id` order (id k is index k - 1), which is also
 * the channel order of the heatmaps. Left/right are from the viewer's point of view.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AFLW_LANDMARKS } from "./mod.ts";
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
 * import { AFLW_FLIP } from "./mod.ts";
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
