/**
 * The trainer's "did it learn?" guard: after the last epoch, the validation metric is
 * compared with the trivial baselines of `eval/baselines.ts` (the report's own), computed from the training
 * split and scored on the validation split in the network-input frame (what the trainer's
 * validation measures): all-background and the per-position majority label for pixel
 * accuracy, the mean keypoint shape for keypoint error. A model no better than one of
 * them ends the run with a warning — a `baselines` record in `log.jsonl`, a line through
 * the run's `log`, and `warnings` in the returned result — never silently.
 *
 * @module
 */
import { batches } from "../data/batches.ts";
import { createPreprocessor, type PreprocessConfig } from "../data/preprocess.ts";
import type { Dataset, Keypoint } from "../data/types.ts";
import {
  allBackgroundAccuracy,
  backgroundClass,
  labelMapAccuracy,
  majorityLabelMap,
  meanKeypointShape,
  pooledShapeError,
} from "../eval/baselines.ts";
import type { TrainData } from "./_datasets.ts";

/** The validation metrics the guard compares (a trainer `Validation` has them). */
export interface ValidationScores {
  /** Fraction of labelled pixels classified right. */
  pixelAccuracy?: number;
  /** Mean keypoint error over the input side. */
  keypointError?: number;
}

/**
 * What the guard reads of a finished run; a trainer `TrainResult` is one. (Structural, so
 * that this file does not import the trainer that calls it.)
 */
export interface GuardedRun {
  /** One record per epoch, the last one last. */
  history: readonly { epoch: number; val: ValidationScores }[];
  /** Why the run ended. */
  stopped: string;
  /** The run's settings. */
  config: {
    epochs: number;
    preprocess: PreprocessConfig;
    heads: { segmentation?: number; keypoints?: number };
    variant: string;
    dataset: string;
  };
  /** Where the run writes its log. */
  checkpoints: { log: string };
}

/** The trivial baselines' validation metrics (in the trainer's units). */
export interface BaselineValues {
  /** Pixel accuracy of labelling everything background (the class named "background"). */
  allBackground?: number;
  /** Pixel accuracy of the training masks' per-position majority label. */
  majorityLabel?: number;
  /** Keypoint error (over the input side) of each keypoint at its mean training position. */
  meanShape?: number;
}

/** One comparison of the model's validation metric with a baseline. */
export interface BaselineCheck {
  /** Which baseline. */
  baseline: "all-background" | "majority-label" | "mean-shape";
  /** The validation metric compared. */
  metric: "pixelAccuracy" | "keypointError";
  /** The model's value after the last epoch. */
  model: number;
  /** The baseline's value on the same validation split. */
  value: number;
  /** Whether the model is strictly better (higher accuracy, lower error). */
  beaten: boolean;
}

const BASELINE_NAMES: Record<BaselineCheck["baseline"], string> = {
  "all-background": "all-background",
  "majority-label": "per-position majority-label",
  "mean-shape": "mean-shape",
};

/**
 * The baselines for a run's heads: training labels and keypoints give the majority map
 * and the mean shape, which are scored on the validation split; both splits are
 * preprocessed as the trainer's validation does (no augmentation). The background is the
 * class named "background" (LFW-Parts: index 2; also "bg" or "ground", as in the report),
 * else class 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { computeBaselines } from "./baseline_guard.ts";
 * import { openToyDataset } from "./toy_dataset.ts";
 * const data = {
 *   name: "toy-shapes",
 *   train: openToyDataset("train", 12, 16),
 *   val: openToyDataset("val", 6, 16),
 *   preprocess: { size: 16, crop: "image" } as const,
 * };
 * const values = await computeBaselines(data, data.preprocess, { segmentation: 3 });
 * assert.ok(values.allBackground! > 0.5); // the toy images are mostly background
 * assert.ok(values.majorityLabel! > 0.5);
 * assert.equal(values.meanShape, undefined); // no keypoint head, no mean-shape baseline
 * ```
 */
export async function computeBaselines(
  data: TrainData,
  preprocess: PreprocessConfig,
  heads: { segmentation?: number; keypoints?: number },
): Promise<BaselineValues> {
  const out: BaselineValues = {};
  if (!heads.segmentation && !heads.keypoints) return out;
  const [train, val] = await Promise.all([
    collect(data.train, preprocess),
    collect(data.val, preprocess),
  ]);
  if (heads.segmentation && val.labels.length) {
    out.allBackground = allBackgroundAccuracy(
      val.labels,
      backgroundClass(data.train.classes ?? [], 0),
    );
    if (train.labels.length) {
      out.majorityLabel = labelMapAccuracy(
        majorityLabelMap(train.labels, heads.segmentation),
        val.labels,
      );
    }
  }
  if (heads.keypoints && train.keypoints.length && val.keypoints.length) {
    out.meanShape = pooledShapeError(
      meanKeypointShape(train.keypoints),
      val.keypoints,
      preprocess.size,
    );
  }
  return out;
}

/**
 * The comparisons of a validation result with the baselines (those both sides have).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareWithBaselines } from "./baseline_guard.ts";
 * const checks = compareWithBaselines({ keypointError: 0.29 }, { meanShape: 0.27 });
 * assert.equal(checks[0]?.beaten, false);
 * ```
 */
export function compareWithBaselines(
  val: ValidationScores,
  baselines: BaselineValues,
): BaselineCheck[] {
  const checks: BaselineCheck[] = [];
  const accuracy = val.pixelAccuracy;
  if (accuracy !== undefined) {
    const pairs = [
      ["all-background", baselines.allBackground],
      ["majority-label", baselines.majorityLabel],
    ] as const;
    for (const [baseline, value] of pairs) {
      if (value === undefined || !Number.isFinite(value)) continue;
      checks.push({
        baseline,
        metric: "pixelAccuracy",
        model: accuracy,
        value,
        beaten: accuracy > value,
      });
    }
  }
  const error = val.keypointError;
  if (error !== undefined && baselines.meanShape !== undefined) {
    if (Number.isFinite(baselines.meanShape)) {
      checks.push({
        baseline: "mean-shape",
        metric: "keypointError",
        model: error,
        value: baselines.meanShape,
        beaten: error < baselines.meanShape,
      });
    }
  }
  return checks;
}

/**
 * The warning for a check the model did not pass (null when it did), e.g. "CLVM2-kp on
 * synthetic-pascal-person did not beat the mean-shape baseline: 0.290 vs 0.270
 * (validation keypoint error over the input side, lower is better)".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baselineWarning } from "./baseline_guard.ts";
 * const check = {
 *   baseline: "mean-shape", metric: "keypointError", model: 0.29, value: 0.27, beaten: false,
 * } as const;
 * assert.equal(
 *   baselineWarning("CLVM2-kp", "synthetic-pascal-person", check),
 *   "CLVM2-kp on synthetic-pascal-person did not beat the mean-shape baseline: 0.290 vs " +
 *     "0.270 (validation keypoint error over the input side, lower is better)",
 * );
 * assert.equal(baselineWarning("CLVM2-kp", "x", { ...check, beaten: true }), null);
 * ```
 */
export function baselineWarning(
  model: string,
  dataset: string,
  check: BaselineCheck,
): string | null {
  if (check.beaten) return null;
  const what = check.metric === "pixelAccuracy"
    ? "validation pixel accuracy, higher is better"
    : "validation keypoint error over the input side, lower is better";
  const show = (v: number) =>
    check.metric === "pixelAccuracy" ? `${(v * 100).toFixed(2)}%` : v.toFixed(3);
  return `${model} on ${dataset} did not beat the ${BASELINE_NAMES[check.baseline]} baseline: ` +
    `${show(check.model)} vs ${show(check.value)} (${what})`;
}

/**
 * The guard the trainer runs when a run completes: the last epoch's validation against
 * the baselines, a `baselines` record appended to the run's `log.jsonl` (with the checks
 * and warnings), each warning sent to `log`, and the result with `baselines` and
 * `warnings` filled in. A call that trained no epoch, or stopped early, is returned as is.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * const logged: string[] = [];
 * const result = await guardAgainstBaselines(await runEpochs(...), data, (m) => logged.push(m));
 * assert.deepEqual(logged, (result.warnings ?? []).map((w) => `Warning: ${w}`));
 * ```
 */
export async function guardAgainstBaselines<R extends GuardedRun>(
  result: R,
  data: TrainData,
  log: (message: string) => void = () => {},
): Promise<R & { baselines?: BaselineCheck[]; warnings?: string[] }> {
  const last = result.history.at(-1);
  if (!last || result.stopped !== "completed" || last.epoch !== result.config.epochs) {
    return result;
  }
  const { config } = result;
  const values = await computeBaselines(data, config.preprocess, config.heads);
  const checks = compareWithBaselines(last.val, values);
  const warnings = checks
    .map((c) => baselineWarning(config.variant, config.dataset, c))
    .filter((w): w is string => w !== null);
  await Deno.writeTextFile(
    result.checkpoints.log,
    `${
      JSON.stringify({
        event: "baselines",
        epoch: last.epoch,
        split: "val",
        values,
        checks,
        warnings,
        time: new Date().toISOString(),
      })
    }\n`,
    { append: true },
  );
  for (const w of warnings) log(`Warning: ${w}`);
  return { ...result, baselines: checks, warnings };
}

async function collect(
  dataset: Dataset,
  preprocess: PreprocessConfig,
): Promise<{ labels: Uint8Array[]; keypoints: Keypoint[][] }> {
  const labels: Uint8Array[] = [];
  const keypoints: Keypoint[][] = [];
  const pre = createPreprocessor({ ...preprocess, flipProbability: 0 });
  const pixels = preprocess.size * preprocess.size;
  // Unreadable samples were already named (and counted) by the training run: skip them.
  const stream = batches(dataset, {
    batchSize: 8,
    preprocess: pre,
    shuffle: false,
    onUnreadable: () => {},
  });
  for await (const b of stream) {
    for (let i = 0; i < b.size; i++) {
      if (b.segmentation) labels.push(b.segmentation.slice(i * pixels, (i + 1) * pixels));
      if (b.keypoints && b.numKeypoints) {
        const k = b.numKeypoints;
        keypoints.push(Array.from({ length: k }, (_, j): Keypoint => {
          const o = (i * k + j) * 3;
          return [b.keypoints![o]!, b.keypoints![o + 1]!, b.keypoints![o + 2]!];
        }));
      }
    }
  }
  return { labels, keypoints };
}
