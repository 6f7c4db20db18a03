/**
 * LFW-Parts superpixels (docs/DATASETS.md §2.5–2.6): the map of superpixel ids and the
 * label of each superpixel, and the parsers of their `.dat` files.
 *
 * @module
 */

/** A superpixel map (id per pixel, 0-based, row-major) and the label of each superpixel. */
export interface LfwPartsSuperpixels {
  /** Superpixel id of each pixel (`width·height`, row-major, 0-based). */
  map: Int32Array;
  /** Class of each superpixel (0 hair, 1 skin, 2 background). */
  labels: Uint8Array;
}

/** Parses whitespace-separated non-negative integers from ASCII bytes, with line count. */
function parseInts(
  bytes: Uint8Array,
  file: string,
  what: string,
): { values: number[]; lines: number[] } {
  const values: number[] = [];
  const lines: number[] = []; // numbers per non-empty line
  let v = 0;
  let inNum = false;
  let onLine = 0;
  for (let i = 0; i <= bytes.length; i++) {
    const b = i < bytes.length ? bytes[i]! : 0x0a;
    if (b >= 0x30 && b <= 0x39) {
      v = v * 10 + b - 0x30;
      inNum = true;
      continue;
    }
    if (inNum) {
      values.push(v);
      onLine++;
      v = 0;
      inNum = false;
    }
    if (b === 0x0a) {
      if (onLine > 0) lines.push(onLine);
      onLine = 0;
    } else if (!(b === 0x20 || b === 0x09 || b === 0x0d)) {
      throw new Error(
        `Cannot read LFW-Parts ${what} "${file}": expected non-negative integers, found ` +
          `"${String.fromCharCode(b)}" at byte ${i}`,
      );
    }
  }
  return { values, lines };
}

/**
 * Parses a superpixel map `.dat` (docs/DATASETS.md §2.5): `height` lines of `width` integers,
 * the 0-based superpixel id of each pixel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSuperpixelMap } from "./superpixels.ts";
 * const map = parseSuperpixelMap(new TextEncoder().encode("0 0 1\n2 2 1\n"), "a.dat", 3, 2);
 * assert.deepEqual([...map], [0, 0, 1, 2, 2, 1]);
 * ```
 */
export function parseSuperpixelMap(
  bytes: Uint8Array,
  file: string,
  width: number,
  height: number,
): Int32Array {
  const { values, lines } = parseInts(bytes, file, "superpixel map");
  const bad = lines.findIndex((n) => n !== width);
  if (lines.length !== height || bad >= 0) {
    throw new Error(
      `Cannot read LFW-Parts superpixel map "${file}": expected ${height} lines of ${width} ` +
        `integers, found ${lines.length} lines` +
        (bad >= 0 ? ` (line ${bad + 1} has ${lines[bad]})` : ""),
    );
  }
  return Int32Array.from(values);
}

/**
 * Parses a per-superpixel label `.dat` (docs/DATASETS.md §2.6): the count N, then N labels in 0..2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSuperpixelLabels } from "./superpixels.ts";
 * assert.deepEqual([...parseSuperpixelLabels(new TextEncoder().encode("3\n0\n2\n1\n"), "a.dat")], [0, 2, 1]);
 * ```
 */
export function parseSuperpixelLabels(bytes: Uint8Array, file: string): Uint8Array {
  const { values } = parseInts(bytes, file, "superpixel labels");
  const n = values[0];
  if (n === undefined || values.length !== n + 1) {
    throw new Error(
      `Cannot read LFW-Parts superpixel labels "${file}": expected a count N then N labels, ` +
        `found N = ${n ?? "nothing"} and ${Math.max(0, values.length - 1)} labels`,
    );
  }
  const labels = Uint8Array.from(values.slice(1));
  const bad = labels.findIndex((l) => l > 2);
  if (bad >= 0) {
    throw new Error(
      `Cannot read LFW-Parts superpixel labels "${file}": expected labels 0..2, found ` +
        `${labels[bad]} for superpixel ${bad}`,
    );
  }
  return labels;
}
