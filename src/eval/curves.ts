/**
 * Cumulative error curves and "fraction below a threshold" summaries, the way keypoint
 * results are plotted in the paper (Fig. 8 AFLW, Fig. 10 LFW-Parts, Fig. 14 Pascal
 * Person): x = error threshold (normalized error), y = fraction of the test instances
 * whose error is at most x.
 *
 * Missing predictions carry an error of `Infinity` (Zhu & Ramanan's code uses NaN);
 * both `Infinity` and `NaN` count as failures at every threshold and stay in the
 * denominator, so a detector that skips hard faces is not rewarded.
 *
 * @module
 */

/** A cumulative error curve: `fractions[i]` = fraction of errors ≤ `thresholds[i]`. */
export interface ErrorCurve {
  /** The error thresholds x, ascending as given. */
  thresholds: Float64Array;
  /** Fraction (0..1) of instances with error ≤ the threshold. */
  fractions: Float64Array;
  /** Number of instances (the denominator), failures included. */
  count: number;
}

/**
 * `steps + 1` evenly spaced thresholds from 0 to `max` inclusive (default 0 … 0.2 in
 * steps of 0.001, the range of the paper's plots).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = thresholdGrid(0.1, 4); // 0, 0.025, 0.05, 0.075, 0.1
 * assert.ok(t.length === 5 && t[4] === 0.1);
 * ```
 */
export function thresholdGrid(max = 0.2, steps = 200): Float64Array {
  if (!(max > 0) || !Number.isFinite(max)) {
    throw new Error(`Cannot build a threshold grid up to ${max}: expected a positive number`);
  }
  if (!(Number.isInteger(steps) && steps >= 1)) {
    throw new Error(`Cannot build a threshold grid with ${steps} steps: expected an integer ≥ 1`);
  }
  const out = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) out[i] = (max * i) / steps;
  return out;
}

function checkErrors(errors: ArrayLike<number>, what: string): void {
  if (errors.length === 0) {
    throw new Error(`Cannot compute ${what} of an empty error list: expected at least one error`);
  }
}

/** The finite errors of `errors`, sorted ascending (failures dropped). */
function sortedFinite(errors: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < errors.length; i++) if (Number.isFinite(errors[i]!)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i]!;
    if (Number.isFinite(e)) out[k++] = e;
  }
  return out.sort();
}

/** Number of entries of ascending `sorted` that are ≤ x (inclusive) or < x (strict). */
function countBelow(sorted: Float64Array, x: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (inclusive ? v <= x : v < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The cumulative error curve of `errors` at `thresholds` (default `thresholdGrid()`):
 * y = fraction of instances with error ≤ x. `Infinity`/`NaN` errors are failures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = cumulativeErrorCurve([0.02, 0.04, 0.2, Infinity], [0.05, 0.5]);
 * assert.ok(c.fractions[0] === 0.5 && c.fractions[1] === 0.75);
 * ```
 */
export function cumulativeErrorCurve(
  errors: ArrayLike<number>,
  thresholds: ArrayLike<number> = thresholdGrid(),
): ErrorCurve {
  checkErrors(errors, "a cumulative error curve");
  const sorted = sortedFinite(errors);
  const xs = Float64Array.from(thresholds);
  const ys = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) ys[i] = countBelow(sorted, xs[i]!, true) / errors.length;
  return { thresholds: xs, fractions: ys, count: errors.length };
}

/**
 * Fraction of instances whose error is below `threshold`: `≤` by default (the
 * cumulative curve's convention, Zhu & Ramanan), `<` with `{ inclusive: false }` (the
 * Pascal Person "% of instances with error < 0.10" reading). Failures never count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(fractionBelow([0.05, 0.1, 0.2, Infinity], 0.1) === 0.5);
 * assert.ok(fractionBelow([0.05, 0.1, 0.2, Infinity], 0.1, { inclusive: false }) === 0.25);
 * ```
 */
export function fractionBelow(
  errors: ArrayLike<number>,
  threshold: number,
  options: { inclusive?: boolean } = {},
): number {
  checkErrors(errors, "the fraction below a threshold");
  const inclusive = options.inclusive ?? true;
  let n = 0;
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i]!;
    if (Number.isFinite(e) && (inclusive ? e <= threshold : e < threshold)) n++;
  }
  return n / errors.length;
}

/**
 * Area under a cumulative error curve divided by its x-range (trapezoid rule), in
 * [0, 1]: a one-number summary of the whole curve (1 = every error is 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = cumulativeErrorCurve([0, 0], [0, 0.1]);
 * assert.ok(curveArea(c) === 1);
 * ```
 */
export function curveArea(curve: ErrorCurve): number {
  const { thresholds: x, fractions: y } = curve;
  if (x.length < 2) {
    throw new Error(`Cannot integrate a curve of ${x.length} point(s): expected at least two`);
  }
  let area = 0;
  for (let i = 1; i < x.length; i++) area += (x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!) / 2;
  return area / (x[x.length - 1]! - x[0]!);
}

/** Summary of a set of normalized errors: curve, fractions at thresholds, mean/median. */
export interface ErrorSummary {
  /** The cumulative error curve on the default grid (0 … 0.2). */
  curve: ErrorCurve;
  /** `threshold → fraction` (with the inclusiveness the caller asked for). */
  below: Record<string, number>;
  /** Mean over finite errors (NaN if none). */
  meanFinite: number;
  /** Median over all errors, failures counted as +∞. */
  median: number;
  /** Number of failures (infinite or NaN errors). */
  failures: number;
}

/**
 * Summarizes `errors`: the cumulative curve (default grid), the fraction below each of
 * `thresholds` (keys are the thresholds as strings, e.g. `"0.05"`), the mean of the
 * finite errors, the median (failures as +∞) and the number of failures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = summarizeErrors([0.01, 0.03, Infinity], [0.05]);
 * assert.ok(s.below["0.05"] === 2 / 3 && s.failures === 1 && s.median === 0.03);
 * ```
 */
export function summarizeErrors(
  errors: ArrayLike<number>,
  thresholds: readonly number[] = [0.05, 0.1],
  options: { inclusive?: boolean; grid?: ArrayLike<number> } = {},
): ErrorSummary {
  checkErrors(errors, "a summary");
  const curve = cumulativeErrorCurve(errors, options.grid ?? thresholdGrid());
  const below: Record<string, number> = {};
  const inclusive = options.inclusive ?? true;
  for (const t of thresholds) below[String(t)] = fractionBelow(errors, t, { inclusive });
  const finite = sortedFinite(errors);
  let sum = 0;
  for (const e of finite) sum += e;
  const n = errors.length;
  const all = new Float64Array(n);
  all.set(finite);
  all.fill(Infinity, finite.length);
  const median = n % 2 === 1 ? all[(n - 1) / 2]! : (all[n / 2 - 1]! + all[n / 2]!) / 2;
  return {
    curve,
    below,
    meanFinite: finite.length > 0 ? sum / finite.length : NaN,
    median,
    failures: n - finite.length,
  };
}
