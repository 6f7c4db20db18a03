/**
 * The shapes every dataset loader yields (docs/MODEL.md §6).
 *
 * Coordinates are continuous, in the image's own pixel frame: (0, 0) is the top-left
 * corner of the top-left pixel, so pixel (column i, row j) has its centre at
 * (i + 0.5, j + 0.5). Each loader converts its format's convention (VOC's 1-based
 * inclusive boxes, …) into this one and says how in its doc comment.
 *
 * @module
 */

import type { RgbImage } from "../formats/rgb_image.ts";

// The decoded image belongs to the codecs (src/formats/); samples carry it.
export type { RgbImage };

/** An axis-aligned box in continuous pixel coordinates. */
export interface Box {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width (right edge − left edge). */
  width: number;
  /** Height (bottom edge − top edge). */
  height: number;
}

/** One keypoint: x, y in continuous pixel coordinates, and 1 if visible else 0. */
export type Keypoint = [x: number, y: number, visible: number];

/** One example of a dataset, in the dataset's own pixel frame. */
export interface Sample {
  /** Stable id, unique within the dataset (e.g. `Aaron_Eckhart_0001`). */
  id: string;
  /** The image. */
  image: RgbImage;
  /** Class index per pixel (`width·height`, row-major); 255 = ignore. */
  segmentation?: Uint8Array;
  /** `[K][3]`: x, y, visible — in the dataset's keypoint order. */
  keypoints?: Keypoint[];
  /** The object's box (face rect, visible person box). */
  box?: Box;
}

/** The dataset splits. */
export type Split = "train" | "val" | "test";

/** A split of a dataset: ids known up front, samples decoded on demand. */
export interface Dataset {
  /** `"aflw" | "lfw-parts" | "pascal-person"` or a synthetic name. */
  name: string;
  /** Which split this is. */
  split: Split;
  /** The sample ids of this split, in a fixed order. */
  ids: readonly string[];
  /** Segmentation class names by index (segmentation datasets). */
  classes?: readonly string[];
  /** Keypoint names in order (keypoint datasets). */
  keypointNames?: readonly string[];
  /**
   * What the loader left out of this split or changed, each with its file: samples
   * skipped as unusable (a missing image, a zero-size box), landmarks taken as
   * invisible (NULL or far outside the image). Empty or absent when nothing was.
   */
  problems?: readonly DataProblem[];
  /** Decodes sample `index` (0-based, into `ids`). */
  get(index: number): Promise<Sample>;
  /** Iterates the split in `ids` order. */
  [Symbol.asyncIterator](): AsyncIterator<Sample>;
}

/** One problem found while validating a dataset. */
export interface DataProblem {
  /** The file (or folder) at fault. */
  file: string;
  /** What is wrong with it, and what was expected. */
  message: string;
}

/** What `deno task data check <dataset> --root DIR` prints (as JSON). */
export interface CheckReport {
  /** The dataset's name. */
  dataset: string;
  /** The folder checked. */
  root: string;
  /** Samples per split. */
  splits: { train: number; val: number; test: number };
  /** Fraction of labelled pixels per class name (segmentation datasets). */
  classFractions?: Record<string, number>;
  /** Keypoint names and the fraction of keypoints that are visible (keypoint datasets). */
  keypoints?: { names: string[]; visibleFraction: number };
  /** Every problem found; empty when the dataset is complete and readable. */
  problems: DataProblem[];
}
