/**
 * Trivial baselines that a trained model must beat to count as having learned anything:
 * for segmentation, labelling every pixel background ({@link allBackgroundAccuracy}) or
 * with the per-position majority label of the training masks ({@link majorityLabelMap});
 * for keypoints, answering each keypoint's mean training position
 * ({@link meanKeypointShape}). Pure functions over label maps and keypoint lists, all in
 * one frame (the network input, or a dataset's own pixels): the caller brings training
 * and test data to the same size.
 *
 * A label map is a `Uint8Array` of class indices (row-major, 255 = unlabelled, never
 * scored); keypoints are `[x, y, visible]` triples.
 *
 * @module
 */
import type { Keypoint } from "../data/types.ts";

/** The label value of an unlabelled pixel (not scored). */
const IGNORE = 255;

/** Correct and labelled pixel counts of one image. */
export interface PixelCounts {
  /** Labelled pixels whose label the baseline got right. */
  correct: number;
  /** Pixels with a label (not 255). */
  labelled: number;
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
 * Per image, the labelled pixels and how many of them equal the constant `label` map
 * (a single class, e.g. background 0, or a per-position map as long as each image).
 *
 * @example
 * ```ts
 * import { constantLabelCounts } from "./baseline_scores.ts";
 * constantLabelCounts(0, [new Uint8Array([0, 1, 255])]); // [{ correct: 1, labelled: 2 }]
 * ```
 */
export function constantLabelCounts(
  label: number | Uint8Array,
  labels: readonly Uint8Array[],
): PixelCounts[] {
  return labels.map((truth, i) => {
    if (typeof label !== "number" && label.length !== truth.length) {
      throw new Error(
        `Cannot score a ${label.length}-pixel label map on image ${i} of ${truth.length} pixels`,
      );
    }
    let correct = 0;
    let labelled = 0;
    for (let p = 0; p < truth.length; p++) {
      const t = truth[p]!;
      if (t === IGNORE) continue;
      labelled++;
      if (t === (typeof label === "number" ? label : label[p])) correct++;
    }
    return { correct, labelled };
  });
}

/** Pooled pixel accuracy Σ correct / Σ labelled (NaN when nothing is labelled). */
export function pooledAccuracy(counts: readonly PixelCounts[]): number {
  let correct = 0;
  let labelled = 0;
  for (const c of counts) {
    correct += c.correct;
    labelled += c.labelled;
  }
  return labelled ? correct / labelled : NaN;
}

/**
 * Pixel accuracy of labelling every pixel `background` (default class 0), over the
 * labelled pixels of `labels` pooled (NaN when none is labelled).
 *
 * @example
 * ```ts
 * import { allBackgroundAccuracy } from "./baseline_scores.ts";
 * allBackgroundAccuracy([new Uint8Array([0, 0, 1, 255])]); // 2/3
 * ```
 */
export function allBackgroundAccuracy(labels: readonly Uint8Array[], background = 0): number {
  return pooledAccuracy(constantLabelCounts(background, labels));
}

/**
 * The per-position majority label of training maps of one size: at each pixel, the class
 * most often labelled there (ties: the lower index; a pixel never labelled gets
 * `fallback`, default 0). Classes must be below `numClasses` (or 255).
 *
 * @example
 * ```ts
 * import { majorityLabelMap } from "./baseline_scores.ts";
 * majorityLabelMap([new Uint8Array([0, 1]), new Uint8Array([1, 1])], 2); // Uint8Array [0, 1]
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
  const size = sameSize(labels, "the majority label map");
  const votes = new Int32Array(size * numClasses);
  labels.forEach((map, i) => {
    for (let p = 0; p < size; p++) {
      const v = map[p]!;
      if (v === IGNORE) continue;
      if (v >= numClasses) {
        throw new Error(
          `Cannot compute the majority label map: map ${i} pixel ${p} has class ${v}, ` +
            `expected 0..${numClasses - 1} or ${IGNORE}`,
        );
      }
      votes[p * numClasses + v]!++;
    }
  });
  const out = new Uint8Array(size);
  for (let p = 0; p < size; p++) {
    let best = fallback;
    let most = 0;
    for (let k = 0; k < numClasses; k++) {
      if (votes[p * numClasses + k]! > most) {
        most = votes[p * numClasses + k]!;
        best = k;
      }
    }
    out[p] = best;
  }
  return out;
}

/**
 * Pixel accuracy of answering the fixed label map `map` (e.g. {@link majorityLabelMap} of
 * the training masks) on every image of `labels`, pooled over labelled pixels.
 *
 * @example
 * ```ts
 * import { labelMapAccuracy } from "./baseline_scores.ts";
 * labelMapAccuracy(new Uint8Array([0, 1]), [new Uint8Array([0, 0])]); // 0.5
 * ```
 */
export function labelMapAccuracy(map: Uint8Array, labels: readonly Uint8Array[]): number {
  return pooledAccuracy(constantLabelCounts(map, labels));
}

/**
 * The mean shape: each keypoint at its mean position over the samples where it is
 * visible (finite x, y and visible ≠ 0). A keypoint never visible is `[NaN, NaN, 0]`.
 * Every sample must list the same number of keypoints.
 *
 * @example
 * ```ts
 * import { meanKeypointShape } from "./baseline_scores.ts";
 * meanKeypointShape([[[0, 0, 1]], [[2, 4, 1]], [[9, 9, 0]]]); // [[1, 2, 1]]
 * ```
 */
export function meanKeypointShape(keypoints: readonly (readonly Keypoint[])[]): Keypoint[] {
  const k = keypoints[0]?.length ?? 0;
  const sx = new Float64Array(k);
  const sy = new Float64Array(k);
  const n = new Int32Array(k);
  keypoints.forEach((points, i) => {
    if (points.length !== k) {
      throw new Error(
        `Cannot compute the mean keypoint shape: sample ${i} has ${points.length} keypoints, ` +
          `expected ${k} like sample 0`,
      );
    }
    points.forEach(([x, y, v], j) => {
      if (!v || !Number.isFinite(x) || !Number.isFinite(y)) return;
      sx[j]! += x;
      sy[j]! += y;
      n[j]!++;
    });
  });
  return Array.from(
    { length: k },
    (_, j): Keypoint => n[j] ? [sx[j]! / n[j]!, sy[j]! / n[j]!, 1] : [NaN, NaN, 0],
  );
}

/**
 * Per sample, the mean distance of its visible keypoints to the fixed answer `shape`
 * (e.g. {@link meanKeypointShape} of the training keypoints), divided by `normalizer`
 * (a number for every sample, such as the input side, or one per sample, such as each
 * face's size). NaN for a sample with no visible keypoint that the shape can answer.
 *
 * @example
 * ```ts
 * import { shapeErrors } from "./baseline_scores.ts";
 * shapeErrors([[0, 0, 1]], [[[3, 4, 1]]], 10); // [0.5]
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
 * import { meanKeypointShape, pooledShapeError } from "./baseline_scores.ts";
 * const train = [[[0, 0, 1]], [[4, 0, 1]]] as [number, number, number][][];
 * pooledShapeError(meanKeypointShape(train), [[[2, 3, 1]]], 1); // 3
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
