/**
 * What a protocol of the reproduction is, as data: its dataset and how the real one is
 * found, its preprocessing and variants, its metrics (keypoint thresholds and the ≤/< rule,
 * the segmentation headline), the paper's numbers, its figures and palette, and an
 * evaluator that accumulates per test sample and reduces once (mmengine's
 * `BaseMetric.process` / `compute_metrics`). `evaluate.ts`, `report.ts`, `figures.ts`,
 * `data_sources.ts` and `main.ts` read these fields instead of naming protocols.
 *
 * @module
 */
import { join } from "node:path";
import type { Feedback } from "../../mod.ts";
import type { Keypoint, PreprocessConfig, Sample, Transform } from "../../src/data/mod.ts";
import type { Rgb } from "../../src/report/mod.ts";
import type { KeypointRule } from "./keypoint_rule.ts";
import type { ProtocolScores } from "./scores.ts";

/** The protocols. */
export type ProtocolName = "aflw" | "lfw-parts" | "pascal-person";

/** Where a protocol's data comes from. */
export interface DataSource {
  protocol: ProtocolName;
  /** The `openDataset` name. */
  dataset: string;
  /** The dataset's root (null: the synthetic default cache). */
  root: string | null;
  kind: "real" | "synthetic";
  /** AFLW, Pascal Person: the split file given with `--split-file` (default: the loader's). */
  splitFile?: string;
  /**
   * LFW-Parts: whether the split lists are the official ones (SHA-256); absent for the
   * other protocols.
   */
  official?: boolean;
  /**
   * LFW-Parts: where the keypoints come from (`"facemesh"`: detector-made, not
   * hand-corrected) or null when there are none (the multi-task rows are then skipped).
   */
  keypoints?: "facemesh" | null;
  /**
   * LFW-Parts with keypoints: the sanity figure the keypoint tool wrote (12 validation
   * images with their points, `keypoints_sanity.png` in the dataset root), when present.
   */
  keypointsFigure?: string;
  /** One sentence for the report. */
  description: string;
}

/** Whether `root` holds every path of one of `alternatives` (a protocol's `recognized`). */
export async function holdsOneOf(
  root: string,
  alternatives: readonly (readonly string[])[],
): Promise<boolean> {
  for (const paths of alternatives) {
    let all = true;
    for (const p of paths) {
      if (!(await Deno.stat(join(root, p)).then(() => true, () => false))) all = false;
    }
    if (all) return true;
  }
  return false;
}

/** What finding the real data may use besides the protocol's folder of the data root. */
export interface FindContext {
  /** The protocol's folder in the cache (extracted archives). */
  cache: string;
  log: (line: string) => void;
  /** False: do not make detector keypoints (tests). */
  keypoints?: boolean;
}

/**
 * One model's prediction for one test sample, as the network gave it. Frames: the
 * network input's unless named otherwise; the evaluator maps back with the transform.
 */
export interface Prediction {
  /** Class probabilities, `height·width·C` of the network input. */
  probabilities?: ArrayLike<number>;
  /** Class probabilities already in the sample's own frame (a baseline that sees all of it). */
  imageProbabilities?: ArrayLike<number>;
  /** Keypoints `K·3` (x, y, visible) in network input pixels. */
  keypoints?: ArrayLike<number>;
}

/** A prediction mapped into the sample's frame, as the qualitative figures draw it. */
export interface ImagePrediction {
  labels?: Uint8Array;
  keypoints?: Keypoint[];
}

/** What an evaluator reduces to. */
export interface EvaluationResult {
  scores: ProtocolScores;
  /** One sentence per metric on how it was computed. */
  notes: string[];
}

/** Accumulates one model's scores sample by sample (one evaluator per model or row). */
export interface ProtocolEvaluator {
  /** Scores `prediction` of `sample` (preprocessed by `transform`); returns it in the image frame. */
  add(sample: Sample, prediction: Prediction, transform: Transform): ImagePrediction;
  /** The keypoint errors so far, in the order added (NaN: undefined), for a shared curve grid. */
  readonly keypointErrors: readonly number[];
  /**
   * The scores of everything added. `curveMax`: the right end of the cumulative keypoint
   * curve's grid (default 0.2), shared by the models of one scoring pass.
   */
  result(options?: { curveMax?: number }): EvaluationResult;
}

/** How a protocol's keypoints are scored and shown. */
export interface KeypointTask {
  /** Fractions reported below these normalized errors. */
  thresholds: readonly number[];
  /** Whether an error equal to the threshold counts (≤) or not (<). */
  rule: KeypointRule;
  /** The threshold of the headline number. */
  headline: number;
  /** What is counted: "faces", "instances". */
  unit: string;
  /** What the error is divided by, in a few words. */
  normalizer: string;
  /** The error of one prediction (image frame) against the sample's ground truth. */
  error(pred: readonly Keypoint[], sample: Sample): number;
  /** Claims report how much of CLVM₁'s gap to the oracle CLVM₂ closes (Fig. 8's words). */
  oracleGap?: boolean;
}

/** A column of the segmentation table after "difference". */
export interface SegmentationColumn {
  header: string;
  /** The cell of a row: `name` a variant, baseline or "oracle", `list` its scores over seeds. */
  cell(name: string, list: readonly ProtocolScores[]): string;
}

/** How a protocol's segmentation is scored and shown. */
export interface SegmentationTask {
  /** The headline metric in words: "superpixel accuracy (%)". */
  metric: string;
  /** The headline number (%, higher is better) of some scores. */
  headline(s: ProtocolScores): number | undefined;
  /** Which per-image series claims pair. */
  perImage: "superpixel" | "pixel";
  /** The paper's headline number per variant and "oracle" (Table 1 or 2). */
  paper: Readonly<Record<string, number>>;
  /** What "ours" measures beside the name: "" or " (pooled)". */
  oursNote: string;
  /** Columns after the difference. */
  columns: readonly SegmentationColumn[];
  /** A paragraph under the table (prior art), or "". */
  footnote: string;
}

/**
 * A row the paper does not report, trained beside its rows on the same data and settings:
 * a preset with model options over it. Shown apart, with no paper number and no claim.
 */
export interface BeyondRow {
  /** The row's name (a folder name: letters, digits, `-`). */
  name: string;
  /** The preset it starts from (`VARIANTS` name). */
  variant: string;
  /** Model options over the preset. */
  model: { feedback?: Feedback; tied?: boolean; passes?: number };
  /** What it is and why it is there, in a sentence. */
  description: string;
}

/** One protocol, as data. */
export interface Protocol {
  name: ProtocolName;
  /** The report's section heading; `keypoints`: whether keypoint scores are shown. */
  heading(keypoints: boolean): string;
  /** The `openDataset` name of the real dataset. */
  dataset: string;
  /** The synthetic stand-in's `openDataset` name. */
  synthetic: string;
  /** The folder of the data root that holds it. */
  folder: string;
  /**
   * What its folder must hold to count as the real dataset: alternatives, each a list of
   * paths relative to the folder (a data root holding none of any protocol is an error).
   */
  recognized: readonly (readonly string[])[];
  /** Whether it reads a split file that `--split-file` may name. */
  splitFile: boolean;
  /**
   * Finds the real data in `root` (the data root's folder): its source, or why there is
   * none (a phrase: "no data/aflw.sqlite").
   */
  findData(root: string, context: FindContext): Promise<DataSource | string>;
  /** The paper's preprocessing (its `size` is the profile's `inputSize` in a run). */
  preprocess: PreprocessConfig;
  /** The report's sentence on the network input at side `inputSize`. */
  inputSentence(inputSize: number): string;
  /** The variants the paper reports (docs/MODEL.md §5), in table order. */
  variants: readonly string[];
  /** Rows beyond the paper a profile may ask for, by name. */
  beyond: readonly BeyondRow[];
  segmentation?: SegmentationTask;
  keypoints: KeypointTask;
  /** Figure ids: qualitative results, keypoint curves. */
  figures: { qualitative: string; keypointCurves: string };
  /** Overlay colour per class (null: drawn as the image), and the class names. */
  palette: readonly (Rgb | null)[];
  classNames: readonly string[];
  /** A new evaluator for one model of a test split with `numClasses` classes. */
  createEvaluator(options: { numClasses: number }): ProtocolEvaluator;
}
