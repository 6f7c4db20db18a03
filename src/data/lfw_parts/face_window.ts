/**
 * The fixed face window of an aligned dataset, measured from its training masks: how
 * {@link LFW_PARTS_FACE_WINDOW} (src/data/preprocess.ts) was chosen, kept as code so that
 * the constant can be re-derived and checked against the data (face_window_test.ts).
 *
 * @module
 */
import type { Box } from "../types.ts";

/** Median of a non-empty list (mean of the two middle values for an even count). */
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** What {@link faceWindowFromMasks} measured. */
export interface FaceWindowStats {
  /** The square window: side = median skin-box width, centred horizontally on the median
   * skin-box centre, top at the median skin-box top. */
  window: Box;
  /** Masks with at least one skin pixel (the others are left out of every median). */
  masks: number;
  /** Median skin bounding box `[x0, y0, x1, y1]` (x1, y1 exclusive), per coordinate. */
  medianBox: [number, number, number, number];
  /** Median skin-box height (it runs down the neck, so the window is not its height). */
  medianHeight: number;
}

/**
 * Measures the face window from class masks (`width·height` class indices, row-major):
 * per mask, the bounding box of the pixels of class `skin`; then the window is the square
 * whose side is the median box width, whose horizontal centre is the median box centre
 * and whose top is the median box top. Pass TRAINING masks only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Two 4×4 masks with skin (1) in columns 1..2 of rows 1..3.
 * const m = Uint8Array.from({ length: 16 }, (_, p) => (p >= 4 && p % 4 >= 1 && p % 4 <= 2 ? 1 : 2));
 * const { window } = faceWindowFromMasks([m, m], 4, 4, 1);
 * assert.ok(window.x === 1 && window.y === 1 && window.width === 2);
 * ```
 */
export function faceWindowFromMasks(
  masks: Iterable<Uint8Array>,
  width: number,
  height: number,
  skin: number,
): FaceWindowStats {
  const x0s: number[] = [], y0s: number[] = [], x1s: number[] = [], y1s: number[] = [];
  let index = 0;
  for (const mask of masks) {
    if (mask.length !== width * height) {
      throw new Error(
        `Cannot measure the face window from mask ${index} of ${mask.length} pixels: ` +
          `expected ${width}×${height} = ${width * height}`,
      );
    }
    let x0 = width, y0 = height, x1 = -1, y1 = -1;
    for (let y = 0; y < height; y++) {
      const row = mask.subarray(y * width, (y + 1) * width);
      const first = row.indexOf(skin);
      if (first < 0) continue;
      const last = row.lastIndexOf(skin);
      if (y0 === height) y0 = y;
      y1 = y;
      if (first < x0) x0 = first;
      if (last > x1) x1 = last;
    }
    index++;
    if (x1 < 0) continue;
    x0s.push(x0);
    y0s.push(y0);
    x1s.push(x1 + 1);
    y1s.push(y1 + 1);
  }
  if (x0s.length === 0) {
    throw new Error(
      `Cannot measure the face window: none of the ${index} masks has a pixel of class ${skin}`,
    );
  }
  const widths = x0s.map((x, i) => x1s[i]! - x);
  const side = median(widths);
  const cx = median(x0s.map((x, i) => (x + x1s[i]!) / 2));
  const top = median(y0s);
  return {
    window: { x: cx - side / 2, y: top, width: side, height: side },
    masks: x0s.length,
    medianBox: [median(x0s), top, median(x1s), median(y1s)],
    medianHeight: median(y0s.map((y, i) => y1s[i]! - y)),
  };
}
