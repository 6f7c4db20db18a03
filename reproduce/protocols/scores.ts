/**
 * What one model (or the oracle, or a trivial baseline) scored on a protocol's test split:
 * the records `results.json` keeps.
 *
 * @module
 */

/** Keypoint scores: the fraction of instances under each threshold, and the curve. */
export interface KeypointScores {
  /** Threshold → fraction of instances (under the protocol's ≤/< rule). */
  below: Record<string, number>;
  meanError: number;
  medianError: number;
  failures: number;
  count: number;
  curve: { thresholds: number[]; fractions: number[] };
}

/**
 * Per-image values on the test split, in the order of `ids` (the same for every model of
 * one scoring pass), so that claims can be decided from paired differences. `null` marks
 * an image with nothing to score (a keypoint error that is undefined).
 */
export interface PerImageScores {
  ids: string[];
  /** LFW-Parts superpixel accuracy (%) per image. */
  superpixel?: (number | null)[];
  /** Pixel accuracy (%) per image (LFW-Parts) or per instance (Pascal Person's window). */
  pixel?: (number | null)[];
  /** Normalized mean keypoint error per image or instance. */
  keypointError?: (number | null)[];
}

/** What one model (or the oracle) scored on one protocol's test split. */
export interface ProtocolScores {
  /** LFW-Parts: superpixel accuracy (%), error reduction vs the CRF, pixel accuracy. */
  lfw?: {
    superpixelAccuracy: number;
    errorReduction: number;
    pixelAccuracy: number;
    approximate: boolean;
    superpixelSource: string;
  };
  /** Pascal Person: figure/ground pixel accuracy (%) in the evaluation window. */
  pascal?: { pixelAccuracy: number; meanPerInstance: number };
  keypoints?: KeypointScores;
  perImage?: PerImageScores;
}
