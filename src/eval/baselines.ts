/**
 * Trivial baselines every table is read against (a model that does not beat them did not
 * learn): for segmentation, all-background and the per-position majority label of the
 * training masks; for keypoints, each keypoint at its mean training location. Both are
 * computed on the training split only and applied to the test split unchanged.
 *
 * @module
 */

/** The names of the baseline rows. */
export const BASELINE_NAMES = {
  background: "baseline: all background",
  majority: "baseline: per-position majority",
  meanShape: "baseline: mean keypoint location",
} as const;

/**
 * The index of the background class in `classes` ("background", "bg" or "ground",
 * case-insensitive).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(backgroundClass(["hair", "skin", "background"]) === 2);
 * ```
 */
export function backgroundClass(classes: readonly string[]): number {
  const i = classes.findIndex((c) => /^(background|bg|ground)$/i.test(c));
  if (i < 0) {
    throw new Error(
      `Cannot find the background class in [${
        classes.join(", ")
      }]: expected one named "background"`,
    );
  }
  return i;
}

/**
 * Accumulates training masks of one fixed size (`width·height` labels, 255 ignored) and
 * gives the majority label at each position (ties to the lowest class; positions never
 * labelled take `fallback`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = new PositionMajority(2, 1, 2, 0);
 * m.add(Uint8Array.of(1, 0));
 * m.add(Uint8Array.of(1, 255));
 * assert.ok(m.result().join() === "1,0");
 * ```
 */
export class PositionMajority {
  /** Width of the label maps, in pixels. */
  readonly width: number;
  /** Height of the label maps, in pixels. */
  readonly height: number;
  /** Number of classes. */
  readonly classes: number;
  /** The label of a position no training map labels. */
  readonly fallback: number;
  #counts: Uint32Array;
  #masks = 0;

  /** A majority over masks of `width`×`height` with `classes` classes. */
  constructor(width: number, height: number, classes: number, fallback: number) {
    if (!(classes >= 1 && fallback >= 0 && fallback < classes)) {
      throw new Error(
        `Invalid per-position majority of ${classes} classes with fallback ${fallback}: ` +
          "expected ≥ 1 class and a fallback among them",
      );
    }
    this.width = width;
    this.height = height;
    this.classes = classes;
    this.fallback = fallback;
    this.#counts = new Uint32Array(width * height * classes);
  }

  /** Masks added so far. */
  get masks(): number {
    return this.#masks;
  }

  /** Adds one mask. */
  add(mask: ArrayLike<number>): void {
    const n = this.width * this.height;
    if (mask.length !== n) {
      throw new Error(
        `Cannot add a mask of ${mask.length} labels to a ${this.width}×${this.height} majority: ` +
          `expected ${n}`,
      );
    }
    const C = this.classes, counts = this.#counts;
    for (let p = 0; p < n; p++) {
      const l = mask[p]!;
      if (l < C) counts[p * C + l]!++;
    }
    this.#masks++;
  }

  /** The majority label per position. */
  result(): Uint8Array {
    const n = this.width * this.height, C = this.classes, counts = this.#counts;
    const out = new Uint8Array(n);
    for (let p = 0; p < n; p++) {
      let best = this.fallback, hi = 0;
      for (let c = 0; c < C; c++) {
        const v = counts[p * C + c]!;
        if (v > hi) {
          hi = v;
          best = c;
        }
      }
      out[p] = best;
    }
    return out;
  }
}

/**
 * Accumulates keypoints (`K·3`: x, y, visible) and gives each keypoint's mean location
 * over the instances where it is visible (NaN and invisible where it never is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = new MeanKeypoints(1);
 * m.add([0, 2, 1]);
 * m.add([4, 6, 1]);
 * m.add([100, 100, 0]); // invisible: not counted
 * assert.ok(m.result().join() === "2,4,1");
 * ```
 */
export class MeanKeypoints {
  /** Number of keypoints per sample. */
  readonly count: number;
  #sum: Float64Array;
  #seen: Uint32Array;

  /** A mean of `count` keypoints. */
  constructor(count: number) {
    this.count = count;
    this.#sum = new Float64Array(2 * count);
    this.#seen = new Uint32Array(count);
  }

  /** Adds one instance's keypoints. */
  add(keypoints: ArrayLike<number>): void {
    if (keypoints.length !== 3 * this.count) {
      throw new Error(
        `Cannot add ${
          keypoints.length / 3
        } keypoints to a mean of ${this.count}: expected ${this.count}`,
      );
    }
    for (let k = 0; k < this.count; k++) {
      const x = keypoints[3 * k]!, y = keypoints[3 * k + 1]!, v = keypoints[3 * k + 2]!;
      if (!(v > 0) || !Number.isFinite(x) || !Number.isFinite(y)) continue;
      this.#sum[2 * k] = this.#sum[2 * k]! + x;
      this.#sum[2 * k + 1] = this.#sum[2 * k + 1]! + y;
      this.#seen[k]!++;
    }
  }

  /** The mean location of each keypoint, `K·3`. */
  result(): Float32Array {
    const out = new Float32Array(3 * this.count);
    for (let k = 0; k < this.count; k++) {
      const n = this.#seen[k]!;
      out[3 * k] = n > 0 ? this.#sum[2 * k]! / n : NaN;
      out[3 * k + 1] = n > 0 ? this.#sum[2 * k + 1]! / n : NaN;
      out[3 * k + 2] = n > 0 ? 1 : 0;
    }
    return out;
  }
}

/** Which direction is better for a metric. */
export type Direction = "higher" | "lower";

/**
 * Whether a model's score beats a baseline's by more than `margin` (in the metric's
 * units): "did it learn?".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(beatsBaseline(85, 80, "higher"));
 * assert.ok(!beatsBaseline(0.3, 0.27, "lower"));
 * ```
 */
export function beatsBaseline(
  model: number,
  baseline: number,
  direction: Direction,
  margin = 0,
): boolean {
  if (!Number.isFinite(model) || !Number.isFinite(baseline)) return false;
  return direction === "higher" ? model > baseline + margin : model < baseline - margin;
}
