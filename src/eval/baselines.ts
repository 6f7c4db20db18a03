/**
 * Trivial baselines every table is read against (a model that does not beat them did not
 * learn): for segmentation, all-background and the per-position majority label of the
 * training masks; for keypoints, each keypoint at its mean training location. Both are
 * computed on the training split only and applied to the test split unchanged. The report
 * (`reproduce/baselines.ts`) and the trainer's "did it learn?" guard
 * (`src/train/baseline_guard.ts`) both compute them here.
 *
 * A label map is a `Uint8Array` of class indices (row-major, 255 = unlabelled, never
 * scored); keypoints are `[x, y, visible]` triples (flat, `K·3`, for the accumulators).
 *
 * @module
 */
import type { Keypoint } from "../data/types.ts";
import { IGNORE, pixelCounts, pooledCounts } from "./segmentation.ts";

/** The names of the baseline rows. */
export const BASELINE_NAMES = {
  background: "baseline: all background",
  majority: "baseline: per-position majority",
  meanShape: "baseline: mean keypoint location",
} as const;

/**
 * The index of the background class in `classes` ("background", "bg" or "ground",
 * case-insensitive); without one, `fallback` when given, else an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(backgroundClass(["hair", "skin", "background"]) === 2);
 * ```
 */
export function backgroundClass(classes: readonly string[], fallback?: number): number {
  const i = classes.findIndex((c) => /^(background|bg|ground)$/i.test(c));
  if (i < 0 && fallback !== undefined) return fallback;
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
 * labelled take `fallback`). A label that is neither a class nor 255 is an error.
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
      else if (l !== IGNORE) {
        throw new Error(
          `Cannot add mask ${this.#masks} to the per-position majority: pixel ${p} has ` +
            `class ${l}, expected 0..${C - 1} or ${IGNORE}`,
        );
      }
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

  /** The mean location of each keypoint, `K·3` (float32, as the network frame's arrays). */
  result(): Float32Array {
    return Float32Array.from(this.keypoints().flat());
  }

  /** The mean location of each keypoint in double precision, `[x, y, visible]`. */
  keypoints(): Keypoint[] {
    return Array.from({ length: this.count }, (_, k): Keypoint => {
      const n = this.#seen[k]!;
      return n > 0 ? [this.#sum[2 * k]! / n, this.#sum[2 * k + 1]! / n, 1] : [NaN, NaN, 0];
    });
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

function sameSize(maps: readonly Uint8Array[], what: string): number {
  const size = maps[0]?.length ?? 0;
  maps.forEach((m, i) => {
    if (m.length !== size) {
      throw new Error(
        `Cannot compute ${what}: label map ${i} has ${m.length} pixels, expected ${size} ` +
          "like map 0 (bring every map to one size first)",
      );
    }
  });
  return size;
}

/**
 * Pooled pixel accuracy, as a fraction, of answering the fixed `label` on every image of
 * `labels` (a single class such as the background, or a per-position map as long as each
 * image); NaN when no pixel is labelled.
 */
function constantLabelAccuracy(label: number | Uint8Array, labels: readonly Uint8Array[]): number {
  const counts = labels.map((truth, i) => {
    if (typeof label !== "number" && label.length !== truth.length) {
      throw new Error(
        `Cannot score a ${label.length}-pixel label map on image ${i} of ${truth.length} pixels`,
      );
    }
    return pixelCounts(
      typeof label === "number" ? new Uint8Array(truth.length).fill(label) : label,
      truth,
    );
  });
  const { correct, total } = pooledCounts(counts);
  return total ? correct / total : NaN;
}

/**
 * Pixel accuracy (a fraction) of labelling every pixel `background` (default class 0),
 * over the labelled pixels of `labels` pooled (NaN when none is labelled).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(allBackgroundAccuracy([new Uint8Array([0, 0, 1, 255])]) === 2 / 3);
 * ```
 */
export function allBackgroundAccuracy(labels: readonly Uint8Array[], background = 0): number {
  return constantLabelAccuracy(background, labels);
}

/**
 * The per-position majority label ({@link PositionMajority}) of training maps of one size
 * (ties: the lower index; a pixel never labelled gets `fallback`, default 0). Classes
 * must be below `numClasses` (or 255).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const map = majorityLabelMap([new Uint8Array([0, 1]), new Uint8Array([1, 1])], 2);
 * assert.ok(map.join() === "0,1");
 * ```
 */
export function majorityLabelMap(
  labels: readonly Uint8Array[],
  numClasses: number,
  fallback = 0,
): Uint8Array {
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 255) {
    throw new Error(`Invalid class count ${numClasses}: expected an integer in 1..255`);
  }
  const majority = new PositionMajority(
    sameSize(labels, "the majority label map"),
    1,
    numClasses,
    fallback,
  );
  for (const map of labels) majority.add(map);
  return majority.result();
}

/**
 * Pixel accuracy (a fraction) of answering the fixed label map `map` (e.g.
 * {@link majorityLabelMap} of the training masks) on every image of `labels`, pooled over
 * labelled pixels (NaN when none is labelled).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(labelMapAccuracy(new Uint8Array([0, 1]), [new Uint8Array([0, 0])]) === 0.5);
 * ```
 */
export function labelMapAccuracy(map: Uint8Array, labels: readonly Uint8Array[]): number {
  return constantLabelAccuracy(map, labels);
}

/**
 * The mean shape ({@link MeanKeypoints}): each keypoint at its mean position over the
 * samples where it is visible (finite x, y and visible > 0). A keypoint never visible is
 * `[NaN, NaN, 0]`. Every sample must list the same number of keypoints.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const shape = meanKeypointShape([[[0, 0, 1]], [[2, 4, 1]], [[9, 9, 0]]]);
 * assert.deepEqual(shape, [[1, 2, 1]]);
 * ```
 */
export function meanKeypointShape(keypoints: readonly (readonly Keypoint[])[]): Keypoint[] {
  const k = keypoints[0]?.length ?? 0;
  const mean = new MeanKeypoints(k);
  keypoints.forEach((points, i) => {
    if (points.length !== k) {
      throw new Error(
        `Cannot compute the mean keypoint shape: sample ${i} has ${points.length} keypoints, ` +
          `expected ${k} like sample 0`,
      );
    }
    mean.add(points.flat());
  });
  return mean.keypoints();
}

/**
 * Per sample, the mean distance of its visible keypoints to the fixed answer `shape`
 * (e.g. {@link meanKeypointShape} of the training keypoints), divided by `normalizer`
 * (a number for every sample, such as the input side, or one per sample, such as each
 * face's size). NaN for a sample with no visible keypoint that the shape can answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(shapeErrors([[0, 0, 1]], [[[3, 4, 1]]], 10), [0.5]);
 * ```
 */
export function shapeErrors(
  shape: readonly Keypoint[],
  keypoints: readonly (readonly Keypoint[])[],
  normalizer: number | readonly number[] = 1,
): number[] {
  return keypoints.map((points, i) => {
    const { sum, count } = distanceSum(shape, points, i);
    const z = typeof normalizer === "number" ? normalizer : normalizer[i]!;
    return count ? sum / count / z : NaN;
  });
}

/**
 * The mean over every visible keypoint of all samples (pooled, as the trainer's
 * `keypointError`) of its distance to the answer `shape`, divided by `normalizer`
 * (NaN when no keypoint is visible).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const train: [number, number, number][][] = [[[0, 0, 1]], [[4, 0, 1]]];
 * assert.ok(pooledShapeError(meanKeypointShape(train), [[[2, 3, 1]]], 1) === 3);
 * ```
 */
export function pooledShapeError(
  shape: readonly Keypoint[],
  keypoints: readonly (readonly Keypoint[])[],
  normalizer = 1,
): number {
  let sum = 0;
  let count = 0;
  keypoints.forEach((points, i) => {
    const d = distanceSum(shape, points, i);
    sum += d.sum;
    count += d.count;
  });
  return count ? sum / count / normalizer : NaN;
}

function distanceSum(
  shape: readonly Keypoint[],
  points: readonly Keypoint[],
  i: number,
): { sum: number; count: number } {
  if (points.length !== shape.length) {
    throw new Error(
      `Cannot score the mean shape on sample ${i}: it has ${points.length} keypoints, ` +
        `the shape ${shape.length}`,
    );
  }
  let sum = 0;
  let count = 0;
  points.forEach(([x, y, v], j) => {
    const [mx, my, mv] = shape[j]!;
    if (!v || !mv || !Number.isFinite(x) || !Number.isFinite(y)) return;
    sum += Math.hypot(x - mx, y - my);
    count++;
  });
  return { sum, count };
}
