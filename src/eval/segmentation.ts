/**
 * Segmentation protocols: pixel accuracy (LFW-Parts, Pascal Person figure/ground within
 * an evaluation window), LFW-Parts superpixel accuracy pooled over the test set with the
 * error reduction against Kae et al.'s CRF (docs/DATASETS.md §2.7), an *approximate* superpixel
 * accuracy over SLIC superpixels when the dataset's own superpixel files are absent, and
 * the resolution oracle of Tables 1 and 2 (docs/MODEL.md §3).
 *
 * Label maps are row-major `width·height` class indices, 255 = ignore. Probability maps
 * are `height·width·C` (channels last, one image of an NHWC batch). Accuracies are in
 * percent (0..100), as the paper's tables print them. Pure functions over typed arrays;
 * nothing here imports the model or tfjs.
 *
 * @module
 */
import type { Box, RgbImage } from "../data/types.ts";
import { slic, type SlicOptions } from "./superpixels.ts";

/** The label that marks pixels (or superpixels) left out of every score. */
export const IGNORE = 255;

/** Kae et al.'s CRF superpixel accuracy on LFW-Parts (%), the error-reduction baseline. */
export const CRF_BASELINE = 93.23;

/** Correct and scored pixel counts of one image (sum them to pool over a set). */
export interface PixelCounts {
  /** Pixels whose prediction equals the ground truth. */
  correct: number;
  /** Pixels scored (ground truth not 255, inside the window). */
  total: number;
}

/**
 * Counts correctly labelled pixels among those whose ground truth is not 255. With
 * `window` (a box in continuous pixel coordinates; needs `width`), only pixels whose
 * centre lies in the box, `x ≤ i + 0.5 < x + width` (same for rows), are scored; the box
 * is clipped to the image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // gt 0 1 255 1, pred 0 0 2 1 → the 255 is ignored; 2 of the 3 scored pixels are right.
 * const c = pixelCounts([0, 0, 2, 1], new Uint8Array([0, 1, 255, 1]));
 * assert.ok(c.correct === 2 && c.total === 3);
 * ```
 */
export function pixelCounts(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
  options: { width?: number; window?: Box } = {},
): PixelCounts {
  if (pred.length !== gt.length) {
    throw new Error(
      `Cannot compare a prediction of ${pred.length} pixels with a ground truth of ${gt.length}: ` +
        "expected the same size",
    );
  }
  let x0 = 0, x1 = 1, y0 = 0, y1 = gt.length;
  let w = 1;
  if (options.window) {
    w = options.width ?? 0;
    if (!(w > 0) || gt.length % w !== 0) {
      throw new Error(
        `Cannot apply an evaluation window to ${gt.length} pixels with width ${options.width}: ` +
          "expected options.width dividing the pixel count",
      );
    }
    const h = gt.length / w;
    const b = options.window;
    x0 = Math.max(0, Math.ceil(b.x - 0.5));
    x1 = Math.min(w, Math.ceil(b.x + b.width - 0.5));
    y0 = Math.max(0, Math.ceil(b.y - 0.5));
    y1 = Math.min(h, Math.ceil(b.y + b.height - 0.5));
  }
  let correct = 0, total = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0, p = y * w + x0; x < x1; x++, p++) {
      const g = gt[p]!;
      if (g === IGNORE) continue;
      total++;
      if (pred[p] === g) correct++;
    }
  }
  return { correct, total };
}

/**
 * Pooled pixel accuracy (%) over one or several images: 100·Σ correct / Σ total.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(pooledAccuracy([{ correct: 1, total: 2 }, { correct: 3, total: 3 }]) === 80);
 * ```
 */
export function pooledAccuracy(counts: PixelCounts | readonly PixelCounts[]): number {
  const list = Array.isArray(counts) ? counts as readonly PixelCounts[] : [counts as PixelCounts];
  const { correct, total } = pooledCounts(list);
  if (total === 0) throw new Error("Cannot compute an accuracy over zero scored pixels");
  return (100 * correct) / total;
}

/**
 * The counts of several images summed (what {@link pooledAccuracy} divides).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const sum = pooledCounts([{ correct: 1, total: 2 }, { correct: 3, total: 3 }]);
 * assert.ok(sum.correct === 4 && sum.total === 5);
 * ```
 */
export function pooledCounts(counts: readonly PixelCounts[]): PixelCounts {
  let correct = 0, total = 0;
  for (const k of counts) {
    correct += k.correct;
    total += k.total;
  }
  return { correct, total };
}

/**
 * Mean over images of the per-image pixel accuracy (%); images without scored pixels
 * are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(meanAccuracy([{ correct: 1, total: 2 }, { correct: 3, total: 3 }]) === 75);
 * ```
 */
export function meanAccuracy(counts: readonly PixelCounts[]): number {
  let sum = 0, n = 0;
  for (const k of counts) {
    if (k.total === 0) continue;
    sum += k.correct / k.total;
    n++;
  }
  if (n === 0) throw new Error("Cannot compute a mean accuracy: no image has scored pixels");
  return (100 * sum) / n;
}

/**
 * Arg-max class per pixel of a `pixels·C` probability (or logit) map; ties go to the
 * lowest class index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(argmaxLabels([0.2, 0.8, 0.5, 0.5], 2).join() === "1,0");
 * ```
 */
export function argmaxLabels(probs: ArrayLike<number>, numClasses: number): Uint8Array {
  if (probs.length % numClasses !== 0) {
    throw new Error(
      `Cannot take the arg-max of ${probs.length} values over ${numClasses} classes: ` +
        "expected a multiple of the class count",
    );
  }
  const n = probs.length / numClasses;
  const out = new Uint8Array(n);
  for (let p = 0, q = 0; p < n; p++, q += numClasses) {
    let best = probs[q]!, arg = 0;
    for (let c = 1; c < numClasses; c++) {
      const v = probs[q + c]!;
      if (v > best) {
        best = v;
        arg = c;
      }
    }
    out[p] = arg;
  }
  return out;
}

function checkSuperpixelMap(map: ArrayLike<number>, count: number, pixels: number): void {
  if (map.length !== pixels) {
    throw new Error(
      `Cannot use a superpixel map of ${map.length} pixels for ${pixels} pixels: expected the same size`,
    );
  }
  for (let p = 0; p < map.length; p++) {
    const s = map[p]!;
    if (!(s >= 0 && s < count) || !Number.isInteger(s)) {
      throw new Error(
        `Cannot use superpixel id ${s} at pixel ${p}: expected an integer in 0..${count - 1}`,
      );
    }
  }
}

/**
 * The majority label of each superpixel over its pixels whose label is not 255; ties go
 * to the lowest class; a superpixel without labelled pixels gets 255. Used for the
 * ground truth of SLIC superpixels (majority of mask pixels) and for the "majority of
 * arg-max" prediction rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Superpixel 0 = pixels 0,1,2 with labels 1,1,0 → 1; superpixel 1 = pixel 3 (255) → 255.
 * const l = superpixelMajority([1, 1, 0, 255], [0, 0, 0, 1], 2, 2);
 * assert.ok(l.join() === "1,255");
 * ```
 */
export function superpixelMajority(
  labels: ArrayLike<number>,
  superpixels: ArrayLike<number>,
  count: number,
  numClasses: number,
): Uint8Array {
  checkSuperpixelMap(superpixels, count, labels.length);
  const votes = new Int32Array(count * numClasses);
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p]!;
    if (l === IGNORE) continue;
    if (!(l >= 0 && l < numClasses)) {
      throw new Error(
        `Cannot vote with label ${l} at pixel ${p}: expected 0..${numClasses - 1} or 255`,
      );
    }
    votes[superpixels[p]! * numClasses + l]!++;
  }
  const out = new Uint8Array(count);
  for (let s = 0; s < count; s++) {
    let best = 0, arg = IGNORE;
    for (let c = 0; c < numClasses; c++) {
      const v = votes[s * numClasses + c]!;
      if (v > best) {
        best = v;
        arg = c;
      }
    }
    out[s] = arg;
  }
  return out;
}

/**
 * How a per-pixel prediction becomes a per-superpixel one (docs/DATASETS.md §2.7, [inferred]):
 * `"mean-probability"` (default) averages the class probabilities over the superpixel's
 * pixels and takes the arg-max; `"majority"` takes the most frequent per-pixel arg-max.
 */
export type SuperpixelVote = "mean-probability" | "majority";

/**
 * Per-superpixel predicted labels from a `pixels·C` probability map.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Superpixel 0 = pixels 0,1: probabilities (0.9, 0.1) and (0.4, 0.6) → mean (0.65, 0.35) → 0,
 * // although the majority of arg-maxes is a tie (0 and 1 → lowest, 0).
 * const l = superpixelPredictions([0.9, 0.1, 0.4, 0.6], [0, 0], 1, 2);
 * assert.ok(l[0] === 0);
 * ```
 */
export function superpixelPredictions(
  probs: ArrayLike<number>,
  superpixels: ArrayLike<number>,
  count: number,
  numClasses: number,
  vote: SuperpixelVote = "mean-probability",
): Uint8Array {
  if (probs.length !== superpixels.length * numClasses) {
    throw new Error(
      `Cannot pool ${probs.length} probabilities over ${superpixels.length} pixels and ${numClasses} ` +
        `classes: expected ${superpixels.length * numClasses}`,
    );
  }
  if (vote === "majority") {
    return superpixelMajority(argmaxLabels(probs, numClasses), superpixels, count, numClasses);
  }
  checkSuperpixelMap(superpixels, count, superpixels.length);
  const sums = new Float64Array(count * numClasses);
  for (let p = 0, q = 0; p < superpixels.length; p++, q += numClasses) {
    const o = superpixels[p]! * numClasses;
    for (let c = 0; c < numClasses; c++) sums[o + c] = sums[o + c]! + probs[q + c]!;
  }
  return argmaxLabels(sums, numClasses);
}

/** Wrong and scored superpixel counts of one image. */
export interface SuperpixelCounts {
  /** Scored superpixels whose predicted label differs from the ground truth. */
  wrong: number;
  /** Superpixels scored (ground truth not 255). */
  total: number;
}

/**
 * Compares per-superpixel predictions with per-superpixel ground truth (255 = not
 * scored).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = superpixelCounts([0, 1, 2, 0], [0, 2, 2, 255]);
 * assert.ok(c.wrong === 1 && c.total === 3);
 * ```
 */
export function superpixelCounts(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
): SuperpixelCounts {
  if (pred.length !== gt.length) {
    throw new Error(
      `Cannot compare ${pred.length} predicted superpixels with ${gt.length} ground-truth ones: ` +
        "expected the same count",
    );
  }
  let wrong = 0, total = 0;
  for (let s = 0; s < gt.length; s++) {
    const g = gt[s]!;
    if (g === IGNORE) continue;
    total++;
    if (pred[s] !== g) wrong++;
  }
  return { wrong, total };
}

/**
 * Superpixel accuracy pooled over a set (Kae et al.):
 * `100·(1 − Σ wrong / Σ superpixels)` — not a mean of per-image accuracies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // Image A: 1 wrong of 10; image B: 0 of 30 → 100·(1 − 1/40) = 97.5.
 * assert.ok(pooledSuperpixelAccuracy([{ wrong: 1, total: 10 }, { wrong: 0, total: 30 }]) === 97.5);
 * ```
 */
export function pooledSuperpixelAccuracy(counts: readonly SuperpixelCounts[]): number {
  let wrong = 0, total = 0;
  for (const c of counts) {
    wrong += c.wrong;
    total += c.total;
  }
  if (total === 0) throw new Error("Cannot compute a superpixel accuracy over zero superpixels");
  return 100 * (1 - wrong / total);
}

/**
 * Relative error reduction (%) of accuracy `accuracy` (%) against `baseline` (%,
 * default the CRF's 93.23): `100·(acc − base) / (100 − base)`. GLOC's 94.95 gives 25.4.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(errorReduction(94.95) - 25.4) < 0.05);
 * ```
 */
export function errorReduction(accuracy: number, baseline: number = CRF_BASELINE): number {
  if (!(baseline < 100)) {
    throw new Error(
      `Cannot measure error reduction against a ${baseline}% baseline: expected < 100`,
    );
  }
  return (100 * (accuracy - baseline)) / (100 - baseline);
}

function maxId(map: ArrayLike<number>): number {
  let m = -1;
  for (let p = 0; p < map.length; p++) if (map[p]! > m) m = map[p]!;
  return m;
}

/** Where the superpixels of an LFW-Parts evaluation came from. */
export type SuperpixelSource = "dataset" | "slic";

/** The LFW-Parts scores over the images added to an `LfwPartsEvaluator`. */
export interface LfwPartsResult {
  /** Number of images added. */
  images: number;
  /** Pixel accuracy (%) pooled over all pixels of all images (255 ignored). */
  pixel: { percent: number; correct: number; total: number };
  /** Superpixel accuracy and what it was computed over. */
  superpixel: {
    /** Pooled superpixel accuracy (%). */
    percent: number;
    wrong: number;
    total: number;
    /** Error reduction (%) against `baseline`. */
    errorReduction: number;
    baseline: number;
    /** True when the superpixels are our SLIC ones, not the dataset's: not comparable 1:1 with Table 1. */
    approximate: boolean;
    superpixelSource: SuperpixelSource;
    vote: SuperpixelVote;
  };
  /**
   * Per image, in the order added: superpixel and pixel accuracy (%), NaN for an image
   * with nothing scored. Paired comparisons between models are made on these.
   */
  perImage: { superpixel: number[]; pixel: number[] };
  /** The protocol in one sentence, for reports. */
  protocol: string;
}

/** One LFW-Parts test image for `LfwPartsEvaluator.add`. */
export interface LfwPartsInput {
  /** `height·width·C` class probabilities in the dataset's 250×250 frame. */
  probabilities: ArrayLike<number>;
  /** Image width (250 for LFW-Parts). */
  width: number;
  /** Image height (250 for LFW-Parts). */
  height: number;
  /** Ground-truth class per pixel (0 hair, 1 skin, 2 background; 255 ignored). */
  mask: ArrayLike<number>;
  /**
   * The dataset's superpixels (`parts_lfw_funneled_superpixels_mat`, 0-based ids) and,
   * when given, their labels (`parts_lfw_funneled_gt`); without labels the majority of
   * mask pixels is used. Omit to run SLIC on `image`; or pass SLIC superpixels computed
   * once and cached (`slic(image).labels`, `.count`) with `source: "slic"`, so that
   * several models are scored on the same superpixels without recomputing them.
   */
  superpixels?: {
    map: ArrayLike<number>;
    /** Number of superpixels (default: `labels.length` when given, else max id + 1). */
    count?: number;
    labels?: ArrayLike<number>;
    /** Where the map came from (default `"dataset"`); `"slic"` marks the result approximate. */
    source?: SuperpixelSource;
  };
  /** The RGB image, needed for SLIC when `superpixels` is absent. */
  image?: RgbImage;
}

/**
 * Accumulates LFW-Parts scores image by image: pooled pixel accuracy and pooled
 * superpixel accuracy with error reduction vs the CRF. When images come without the
 * dataset's superpixels, SLIC superpixels of the image are used, their ground truth is
 * the majority of mask pixels, and the result says `approximate: true`,
 * `superpixelSource: "slic"`. Mixing both sources in one evaluation is refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ev = new LfwPartsEvaluator();
 * const probs = new Float32Array([1, 0, 0, 0, 1, 0]); // 2 pixels, 3 classes
 * ev.add({ probabilities: probs, width: 2, height: 1, mask: [0, 1], superpixels: { map: [0, 1], count: 2 } });
 * assert.ok(ev.result().superpixel.percent === 100);
 * ```
 */
export class LfwPartsEvaluator {
  /** Number of classes (3: hair, skin, background). */
  readonly numClasses: number;
  /** How pixel probabilities become a superpixel label. */
  readonly vote: SuperpixelVote;
  /** SLIC options used when the dataset's superpixels are absent. */
  readonly slicOptions: SlicOptions;
  /** Accuracy (%) that the error reduction is measured against. */
  readonly baseline: number;
  #pixel: PixelCounts = { correct: 0, total: 0 };
  #sp: SuperpixelCounts = { wrong: 0, total: 0 };
  #images = 0;
  #source: SuperpixelSource | null = null;
  #perSuperpixel: number[] = [];
  #perPixel: number[] = [];

  /**
   * `numClasses` (default 3), the superpixel vote rule (default mean probability), SLIC
   * options for the approximate score (default 300 segments, compactness 10) and the
   * error-reduction baseline (default the CRF's 93.23 %).
   */
  constructor(
    options: {
      numClasses?: number;
      vote?: SuperpixelVote;
      slic?: SlicOptions;
      baseline?: number;
    } = {},
  ) {
    this.numClasses = options.numClasses ?? 3;
    this.vote = options.vote ?? "mean-probability";
    this.slicOptions = options.slic ?? {};
    this.baseline = options.baseline ?? CRF_BASELINE;
  }

  /** Scores one image and adds it to the pooled counts. */
  add(input: LfwPartsInput): void {
    const { width, height, mask, probabilities } = input;
    const n = width * height;
    if (mask.length !== n || probabilities.length !== n * this.numClasses) {
      throw new Error(
        `Cannot score an LFW-Parts image of ${width}×${height}: expected a mask of ${n} and ` +
          `${n}·${this.numClasses} probabilities, got ${mask.length} and ${probabilities.length}`,
      );
    }
    let map: ArrayLike<number>;
    let count: number;
    let gtLabels: ArrayLike<number>;
    let source: SuperpixelSource;
    if (input.superpixels) {
      source = input.superpixels.source ?? "dataset";
      map = input.superpixels.map;
      count = input.superpixels.count ?? input.superpixels.labels?.length ?? maxId(map) + 1;
      gtLabels = input.superpixels.labels ??
        superpixelMajority(mask, map, count, this.numClasses);
      if (gtLabels.length !== count) {
        throw new Error(
          `Cannot use ${gtLabels.length} superpixel labels for ${count} superpixels: expected one each`,
        );
      }
    } else {
      if (!input.image) {
        throw new Error(
          "Cannot score LFW-Parts superpixels without the dataset's superpixel map or the image for SLIC",
        );
      }
      source = "slic";
      const sp = slic(input.image, this.slicOptions);
      map = sp.labels;
      count = sp.count;
      gtLabels = superpixelMajority(mask, map, count, this.numClasses);
    }
    if (this.#source !== null && this.#source !== source) {
      throw new Error(
        `Cannot mix superpixel sources in one LFW-Parts evaluation: started with "${this.#source}", ` +
          `this image uses "${source}"`,
      );
    }
    this.#source = source;
    const pix = pixelCounts(argmaxLabels(probabilities, this.numClasses), mask);
    this.#pixel.correct += pix.correct;
    this.#pixel.total += pix.total;
    const pred = superpixelPredictions(probabilities, map, count, this.numClasses, this.vote);
    const c = superpixelCounts(pred, gtLabels);
    this.#sp.wrong += c.wrong;
    this.#sp.total += c.total;
    this.#perPixel.push(pix.total > 0 ? (100 * pix.correct) / pix.total : NaN);
    this.#perSuperpixel.push(c.total > 0 ? (100 * (c.total - c.wrong)) / c.total : NaN);
    this.#images++;
  }

  /** The pooled scores so far. */
  result(): LfwPartsResult {
    if (this.#images === 0 || this.#source === null) {
      throw new Error("Cannot report LFW-Parts scores: no image was added");
    }
    const percent = pooledSuperpixelAccuracy([this.#sp]);
    const approximate = this.#source === "slic";
    return {
      images: this.#images,
      pixel: { percent: pooledAccuracy(this.#pixel), ...this.#pixel },
      superpixel: {
        percent,
        ...this.#sp,
        errorReduction: errorReduction(percent, this.baseline),
        baseline: this.baseline,
        approximate,
        superpixelSource: this.#source,
        vote: this.vote,
      },
      perImage: { superpixel: [...this.#perSuperpixel], pixel: [...this.#perPixel] },
      protocol: approximate
        ? "LFW-Parts: APPROXIMATE superpixel accuracy over our own SLIC superpixels (the dataset's " +
          "superpixel files were absent), GT = majority of mask pixels, prediction = " +
          `${this.vote} vote, pooled over ${this.#images} images; not directly comparable with Table 1`
        : "LFW-Parts: superpixel accuracy over the dataset's superpixels (Kae et al.), prediction = " +
          `${this.vote} vote, pooled over ${this.#images} images`,
    };
  }
}

/** One Pascal Person test instance for `evaluatePascalSegmentation`. */
export interface PascalSegmentationItem {
  /** Predicted figure (1) / ground (0) per pixel, in the image frame. */
  pred: ArrayLike<number>;
  /** Ground truth: 1 = this instance, 0 = everything else (other people too), 255 = ignore. */
  gt: ArrayLike<number>;
  /** Image width (row length of `pred` and `gt`). */
  width: number;
  /**
   * The evaluated window in image pixels (continuous coordinates), clipped to the image.
   * The reproduction uses the padded, squared network crop around the visible box
   * (`sourceWindow(transform)` of src/data/preprocess.ts), since that is all the network
   * sees; pass the whole image to score everything.
   */
  window: Box;
}

/**
 * Pascal Person figure/ground pixel accuracy (%) within each instance's window: pooled
 * over all scored pixels of the set, and the mean of per-instance accuracies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const window = { x: 0, y: 0, width: 2, height: 1 };
 * const r = evaluatePascalSegmentation([{ pred: [1, 0, 1], gt: [1, 1, 1], width: 3, window }]);
 * assert.ok(r.pooled === 50 && r.meanPerInstance === 50);
 * ```
 */
export function evaluatePascalSegmentation(
  items: readonly PascalSegmentationItem[],
): { pooled: number; meanPerInstance: number; counts: PixelCounts[]; protocol: string } {
  const counts = items.map((it) =>
    pixelCounts(it.pred, it.gt, { width: it.width, window: it.window })
  );
  return {
    pooled: pooledAccuracy(counts),
    meanPerInstance: meanAccuracy(counts),
    counts,
    protocol: "Pascal Person: figure/ground pixel accuracy inside each instance's evaluation " +
      "window (the padded square network crop around the visible box), other people as ground",
  };
}

/** The oracle label map of `oracleSegmentation`. */
export interface OracleSegmentation {
  /** Label per cell, `cellsX·cellsY`. */
  cells: Uint8Array;
  /** Number of cells per row: ceil(width / stride). */
  cellsX: number;
  /** Number of cell rows: ceil(height / stride). */
  cellsY: number;
  /** The cell labels at input resolution (`width·height`), nearest upsampling. */
  labels: Uint8Array;
}

/**
 * The best label map a head of stride `stride` can produce (docs/MODEL.md §3, the oracle rows of
 * Tables 1 and 2): each cell (input pixels [c·stride, (c+1)·stride) per axis, the last
 * one partial when the size is not a multiple) takes the majority label of its non-255
 * pixels (ties to the lowest class, 255 when none), then every pixel takes its cell's
 * label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * // 4×2 map (rows 0,1,0,1 and 1,1,0,0), stride 2: left cell has 0,1,1,1 → 1; right 0,1,0,0 → 0.
 * const o = oracleSegmentation([0, 1, 0, 1, 1, 1, 0, 0], 4, 2, 2, 2);
 * assert.ok(o.cells.join() === "1,0" && o.labels.join() === "1,1,0,0,1,1,0,0");
 * ```
 */
export function oracleSegmentation(
  gt: ArrayLike<number>,
  width: number,
  height: number,
  stride: number,
  numClasses: number,
): OracleSegmentation {
  if (gt.length !== width * height) {
    throw new Error(
      `Cannot build the segmentation oracle of ${gt.length} pixels as ${width}×${height}: ` +
        "expected width·height pixels",
    );
  }
  if (!(Number.isInteger(stride) && stride >= 1)) {
    throw new Error(
      `Cannot build the segmentation oracle at stride ${stride}: expected an integer ≥ 1`,
    );
  }
  const cellsX = Math.ceil(width / stride);
  const cellsY = Math.ceil(height / stride);
  const cellOfX = new Int32Array(width);
  for (let x = 0; x < width; x++) cellOfX[x] = Math.floor(x / stride);
  const ids = new Int32Array(width * height);
  for (let y = 0, p = 0; y < height; y++) {
    const row = Math.floor(y / stride) * cellsX;
    for (let x = 0; x < width; x++, p++) ids[p] = row + cellOfX[x]!;
  }
  const cells = superpixelMajority(gt, ids, cellsX * cellsY, numClasses);
  const labels = new Uint8Array(width * height);
  for (let p = 0; p < labels.length; p++) labels[p] = cells[ids[p]!]!;
  return { cells, cellsX, cellsY, labels };
}
