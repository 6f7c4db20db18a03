/**
 * The evaluator every protocol shares: per sample it maps the prediction back to the
 * sample's frame with the preprocessing transform, scores keypoints with the protocol's
 * error and ≤/< rule, and hands segmentation to the protocol's own core (LFW-Parts'
 * superpixels, Pascal Person's window); per-image values stay aligned with the samples.
 *
 * @module
 */
import {
  type Keypoint,
  mapKeypointsBack,
  mapProbabilitiesBack,
  type Sample,
  type Transform,
} from "../../src/data/mod.ts";
import { argmaxLabels, summarizeErrors, thresholdGrid } from "../../src/eval/mod.ts";
import { inclusive } from "./keypoint_rule.ts";
import type {
  EvaluationResult,
  ImagePrediction,
  KeypointTask,
  ProtocolEvaluator,
} from "./protocol.ts";
import type { KeypointScores, PerImageScores, ProtocolScores } from "./scores.ts";

/** A protocol's segmentation metric, image by image (in the image frame). */
export interface SegmentationCore {
  /** Scores one image: class probabilities and their arg-max labels, `height·width(·C)`. */
  add(sample: Sample, probabilities: ArrayLike<number>, labels: Uint8Array, t: Transform): void;
  /** Images added so far. */
  readonly count: number;
  /** The pooled scores, per-image values in the order added, and the metric's sentence. */
  result(): {
    scores: Pick<ProtocolScores, "lfw" | "pascal">;
    perImage: Pick<PerImageScores, "superpixel" | "pixel">;
    note: string;
  };
}

/**
 * The right end of the cumulative-error curves' grid: the paper's 0.2, widened (to a
 * multiple of 0.05) to the 95th percentile of the errors when models do worse, so the
 * curves show the models' range.
 */
export function curveMax(errors: readonly number[]): number {
  const finite = errors.filter((e) => Number.isFinite(e)).sort((a, b) => a - b);
  if (finite.length === 0) return 0.2;
  const p95 = finite[Math.min(finite.length - 1, Math.floor(0.95 * finite.length))]!;
  return Math.max(0.2, Math.ceil(p95 / 0.05) * 0.05);
}

/** Keypoint scores of some errors (NaN: undefined, left out) under `task`'s thresholds and rule. */
export function keypointScores(
  errors: readonly number[],
  task: Pick<KeypointTask, "thresholds" | "rule">,
  gridMax = 0.2,
): KeypointScores {
  const finite = errors.filter((e) => !Number.isNaN(e));
  const s = summarizeErrors(finite, task.thresholds, {
    inclusive: inclusive(task.rule),
    grid: thresholdGrid(gridMax, 200),
  });
  return {
    below: s.below,
    meanError: s.meanFinite,
    medianError: s.median,
    failures: s.failures,
    count: finite.length,
    curve: { thresholds: Array.from(s.curve.thresholds), fractions: Array.from(s.curve.fractions) },
  };
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * An evaluator for a protocol whose keypoints are scored by `keypoints` and whose
 * segmentation (when it has one) by `segmentation()`'s core, with `numClasses` classes.
 */
export function sharedEvaluator(
  keypoints: KeypointTask,
  segmentation: SegmentationCore | null,
  numClasses: number,
): ProtocolEvaluator {
  const ids: string[] = [];
  /** Per sample: the index of its image in the segmentation core, or -1. */
  const segAt: number[] = [];
  /** Per sample: its keypoint error (NaN: none or undefined). */
  const kpError: number[] = [];
  /** Per sample: whether a keypoint prediction was scored. */
  const kpAdded: boolean[] = [];
  let kpCount = 0;
  return {
    get keypointErrors() {
      return kpError.filter((_, i) => kpAdded[i]);
    },
    add(sample: Sample, prediction, t: Transform): ImagePrediction {
      ids.push(sample.id);
      const out: ImagePrediction = {};
      let seg = -1;
      const probs = prediction.imageProbabilities ??
        (prediction.probabilities
          ? mapProbabilitiesBack(prediction.probabilities, numClasses, t)
          : undefined);
      if (probs && segmentation && sample.segmentation) {
        out.labels = argmaxLabels(probs, numClasses);
        seg = segmentation.count;
        segmentation.add(sample, probs, out.labels, t);
      } else if (probs) out.labels = argmaxLabels(probs, numClasses);
      segAt.push(seg);
      let error = NaN;
      let added = false;
      if (prediction.keypoints && sample.keypoints) {
        out.keypoints = mapKeypointsBack(prediction.keypoints, t) as Keypoint[];
        error = keypoints.error(out.keypoints, sample);
        added = true;
        kpCount++;
      }
      kpError.push(error);
      kpAdded.push(added);
      return out;
    },
    result(options: { curveMax?: number } = {}): EvaluationResult {
      const scores: ProtocolScores = {};
      const perImage: PerImageScores = { ids: [...ids] };
      const notes: string[] = [];
      if (segmentation && segmentation.count > 0) {
        const r = segmentation.result();
        Object.assign(scores, r.scores);
        for (const key of ["superpixel", "pixel"] as const) {
          const values = r.perImage[key];
          if (values) perImage[key] = segAt.map((j) => (j < 0 ? null : finiteOrNull(values[j]!)));
        }
        notes.push(r.note);
      }
      if (kpCount > 0) {
        const errors = kpError.filter((_, i) => kpAdded[i]);
        scores.keypoints = keypointScores(errors, keypoints, options.curveMax);
        perImage.keypointError = kpError.map(finiteOrNull);
      }
      if (perImage.superpixel || perImage.pixel || perImage.keypointError) {
        scores.perImage = perImage;
      }
      return { scores, notes };
    },
  };
}
