/**
 * The LFW-Parts masks' colour code: pure red, green, blue = hair, skin, background.
 *
 * @module
 */
import type { RgbImage } from "../types.ts";

/**
 * Converts a mask (pure red/green/blue = hair/skin/background) to class indices; any other
 * colour becomes 255 (ignore) and is counted in `impure`. `counts` is per class.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskToClasses } from "./mask.ts";
 * const m = maskToClasses({ data: new Uint8Array([0, 0, 255, 255, 0, 0, 9, 9, 9]), width: 3, height: 1 });
 * assert.deepEqual([...m.classes], [2, 0, 255]);
 * assert.equal(m.impure, 1);
 * ```
 */
export function maskToClasses(
  mask: RgbImage,
): { classes: Uint8Array; counts: [number, number, number]; impure: number } {
  const n = mask.width * mask.height;
  const d = mask.data;
  const classes = new Uint8Array(n);
  let hair = 0, skin = 0, bg = 0, impure = 0;
  for (let p = 0, i = 0; p < n; p++, i += 3) {
    const r = d[i]!, g = d[i + 1]!, b = d[i + 2]!;
    if (r === 255 && g === 0 && b === 0) {
      classes[p] = 0;
      hair++;
    } else if (r === 0 && g === 255 && b === 0) {
      classes[p] = 1;
      skin++;
    } else if (r === 0 && g === 0 && b === 255) {
      classes[p] = 2;
      bg++;
    } else {
      classes[p] = 255;
      impure++;
    }
  }
  return { classes, counts: [hair, skin, bg], impure };
}
