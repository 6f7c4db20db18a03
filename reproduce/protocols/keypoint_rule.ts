/**
 * Whether a keypoint error equal to the threshold counts as below it: the one place the
 * ≤ (AFLW and LFW-Parts: the cumulative curve's convention, Zhu & Ramanan) or < (Pascal
 * Person: "% of instances below 10%") of a protocol turns into a comparison.
 *
 * @module
 */

/** `≤`: an error equal to the threshold counts; `<`: it does not. */
export type KeypointRule = "≤" | "<";

/**
 * Whether `error` is below `threshold` under `rule`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isBelow(0.1, 0.1, "≤"), true);
 * assert.equal(isBelow(0.1, 0.1, "<"), false);
 * ```
 */
export function isBelow(error: number, threshold: number, rule: KeypointRule): boolean {
  return rule === "≤" ? error <= threshold : error < threshold;
}

/** The `inclusive` option of src/eval's curves for `rule`. */
export function inclusive(rule: KeypointRule): boolean {
  return isBelow(0, 0, rule);
}
