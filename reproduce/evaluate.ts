/**
 * Scoring trained models on a protocol's test split: one pass over the data, every model
 * predicting on the same decoded and preprocessed batch, predictions mapped back to the
 * dataset's frame and scored by src/eval. The oracle rows come from the same pass.
 *
 * @module
 */
import { type CLVM, keypointCoordinates } from "../mod.ts";
import { tf } from "../src/deps.ts";
import {
  batches,
  createPreprocessor,
  type Dataset,
  type Keypoint,
  mapKeypointsBack,
  mapProbabilitiesBack,
  type PreprocessConfig,
  type RgbImage,
  type Sample,
  sourceWindow,
  take,
  type Transform,
} from "../src/data/mod.ts";
import {
  aflwError,
  argmaxLabels,
  BASELINE_NAMES,
  type ErrorSummary,
  evaluatePascalSegmentation,
  LfwPartsEvaluator,
  type LfwPartsResult,
  oracleKeypoints,
  pascalKeypointError,
  type PascalSegmentationItem,
  slic,
  summarizeErrors,
  thresholdGrid,
} from "../src/eval/mod.ts";

/** The protocols. */
export type ProtocolName = "aflw" | "lfw-parts" | "pascal-person";

/** Keypoint scores: the fraction of instances under each threshold, and the curve. */
export interface KeypointScores {
  /** Threshold → fraction of instances (≤ for AFLW, < for Pascal Person). */
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

/**
 * The trivial baselines of a protocol (src/eval/baselines.ts), computed on its training
 * split in the network input frame, `width`×`height`.
 */
export interface TrainBaselines {
  width: number;
  height: number;
  /** Training images they were computed from. */
  images: number;
  /** The background class (all-background baseline). */
  background?: number;
  /** The per-position majority label of the training masks, `height·width`. */
  majority?: Uint8Array;
  /** Each keypoint's mean training location, `K·3`. */
  meanKeypoints?: Float32Array;
}

/** A model to score. */
export interface NamedModel {
  name: string;
  clvm: CLVM;
}

/** One test image with each model's predictions, kept for the qualitative figures. */
export interface Example {
  id: string;
  image: RgbImage;
  /** Ground truth in the image frame. */
  segmentation?: Uint8Array;
  keypoints?: Keypoint[];
  /** By model name: labels in the image frame and keypoints. */
  predictions: Record<string, { labels?: Uint8Array; keypoints?: Keypoint[] }>;
}

/** The result of {@link scoreModels}. */
export interface Scored {
  models: Record<string, ProtocolScores>;
  oracle: ProtocolScores;
  /** The trivial baselines' scores, by row name (`BASELINE_NAMES`). */
  baselines: Record<string, ProtocolScores>;
  examples: Example[];
  /** One sentence per metric on how it was computed. */
  protocolNotes: string[];
  /** Test images scored (the split's, less the unreadable ones). */
  images: number;
  /** Test samples that could not be read or preprocessed, left out of every row alike. */
  unreadable: { id: string; message: string }[];
}

/** Options of {@link scoreModels}. */
export interface ScoreOptions {
  batchSize?: number;
  /** Score only the first `limit` test samples (reported). */
  limit?: number;
  /** How many test images to keep for figures. */
  examples?: number;
  onProgress?: (done: number, total: number) => void;
  /** Trivial baselines to score beside the models (their network frame must be the input's). */
  baselines?: TrainBaselines;
  /**
   * The largest fraction of the test split that may be unreadable (default 0.01; at least
   * one sample is always allowed); those samples are left out of every row, more is an error.
   */
  maxUnreadableFraction?: number;
}

/** The size in cells of a keypoint map of `stride` over a `width`×`height` input. */
export function keypointMapSize(
  width: number,
  height: number,
  stride: number,
): { width: number; height: number } {
  return { width: Math.ceil(width / stride), height: Math.ceil(height / stride) };
}

/**
 * The keypoint oracle in network input pixels: each ground-truth keypoint (`K·3`, input
 * pixels) at the centre of its cell of a map of `stride`, clamped to the map — whose size
 * is in cells, so points past the crop's right or bottom edge land on the last cell.
 */
export function oracleInNetwork(
  gt: ArrayLike<number>,
  stride: number,
  width: number,
  height: number,
): [number, number, number][] {
  return oracleKeypoints(Array.from(gt), stride, keypointMapSize(width, height, stride));
}

const KP_THRESHOLDS: Record<ProtocolName, number[]> = {
  aflw: [0.05, 0.1],
  "lfw-parts": [0.05, 0.1],
  "pascal-person": [0.1],
};

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

function keypointScores(
  errors: number[],
  protocol: ProtocolName,
  gridMax: number,
): KeypointScores {
  const finite = errors.filter((e) => !Number.isNaN(e));
  const s: ErrorSummary = summarizeErrors(finite, KP_THRESHOLDS[protocol], {
    inclusive: protocol !== "pascal-person",
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

function keypointError(
  protocol: ProtocolName,
  pred: Keypoint[],
  sample: Sample,
): number {
  const gt = sample.keypoints!;
  if (protocol === "pascal-person") return pascalKeypointError(pred, gt, sample.box!);
  return aflwError(pred, gt);
}

/** Per-pixel class probabilities (softmax of bilinearly upsampled logits), `N·H·W·C`. */
async function segmentationProbabilities(logits: tf.Tensor4D, h: number, w: number) {
  const probs = tf.tidy(() => tf.softmax(tf.image.resizeBilinear(logits, [h, w], false, true)));
  const data = await probs.data() as Float32Array;
  probs.dispose();
  return data;
}

function oneHot(labels: Uint8Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let p = 0; p < labels.length; p++) {
    const l = labels[p]!;
    if (l < classes) out[p * classes + l] = 1;
  }
  return out;
}

function lfwImages(ev: LfwPartsEvaluator): number {
  try {
    return ev.result().images;
  } catch {
    return 0;
  }
}

/**
 * Scores `models` on `dataset` (a test split) under `protocol`, with the oracle: for
 * segmentation the ground truth at the network input's resolution mapped back (the loss
 * from resizing alone); for keypoints the cell centres of a map at `oracleStride`.
 */
export async function scoreModels(
  protocol: ProtocolName,
  dataset: Dataset,
  models: NamedModel[],
  pre: PreprocessConfig,
  oracleStride: number,
  options: ScoreOptions = {},
): Promise<Scored> {
  const data = take(dataset, options.limit);
  const total = data.ids.length;
  const classes = dataset.classes?.length ?? 0;
  const base = options.baselines;
  const baselineNames: string[] = [
    ...(base?.background !== undefined && protocol !== "aflw" ? [BASELINE_NAMES.background] : []),
    ...(base?.majority && protocol !== "aflw" ? [BASELINE_NAMES.majority] : []),
    ...(base?.meanKeypoints && dataset.keypointNames?.length ? [BASELINE_NAMES.meanShape] : []),
  ];
  const names = [...models.map((m) => m.name), ...baselineNames, "oracle"];
  const ids: string[] = [];
  const lfw = new Map(names.map((n) => [n, new LfwPartsEvaluator({ numClasses: classes })]));
  const pascal = new Map<string, PascalSegmentationItem[]>(names.map((n) => [n, []]));
  const kpErrors = new Map<string, number[]>(names.map((n) => [n, []]));
  const hasSeg = protocol !== "aflw";
  const hasKp = Boolean(dataset.keypointNames?.length);
  const examples: Example[] = [];
  const keep = options.examples ?? 4;
  let done = 0;
  const unreadable: { id: string; message: string }[] = [];
  const preprocess = createPreprocessor(pre);
  for await (
    const batch of batches(data, {
      batchSize: options.batchSize ?? 8,
      preprocess,
      shuffle: false,
      prefetch: 2,
      onUnreadable: (_index, id, error) => unreadable.push({ id, message: error.message }),
    })
  ) {
    const { size: n, height: H, width: W } = batch;
    if (base && baselineNames.length > 0 && (base.width !== W || base.height !== H)) {
      throw new Error(
        `Cannot score baselines of a ${base.width}×${base.height} frame on ${W}×${H} inputs: ` +
          "expected the network input size",
      );
    }
    const x = tf.tensor4d(batch.images, [n, H, W, 3]);
    const segProbs = new Map<string, Float32Array>();
    const kpXY = new Map<string, Float32Array>();
    for (const { name, clvm } of models) {
      const out = clvm.predict(x);
      if (out.segmentation) {
        segProbs.set(name, await segmentationProbabilities(out.segmentation, H, W));
      }
      if (out.keypoints) {
        const layer = clvm.options.heads.keypoints!.layer;
        const { xy, peak } = keypointCoordinates(out.keypoints, clvm.stride(layer));
        kpXY.set(name, await xy.data() as Float32Array);
        tf.dispose([xy, peak]);
      }
      tf.dispose(Object.values(out));
    }
    x.dispose();
    if (hasSeg) segProbs.set("oracle", oneHot(batch.segmentation!, classes));
    if (baselineNames.includes(BASELINE_NAMES.majority)) {
      const one = oneHot(base!.majority!, classes);
      const all = new Float32Array(n * one.length);
      for (let i = 0; i < n; i++) all.set(one, i * one.length);
      segProbs.set(BASELINE_NAMES.majority, all);
    }
    if (baselineNames.includes(BASELINE_NAMES.meanShape)) {
      const K = base!.meanKeypoints!.length / 3;
      const all = new Float32Array(n * K * 2);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < K; k++) {
          all[(i * K + k) * 2] = base!.meanKeypoints![3 * k]!;
          all[(i * K + k) * 2 + 1] = base!.meanKeypoints![3 * k + 1]!;
        }
      }
      kpXY.set(BASELINE_NAMES.meanShape, all);
    }
    for (let i = 0; i < n; i++) {
      const sample = await data.get(batch.indices[i]!) as Sample & {
        superpixels?: { map: Int32Array; labels: Uint8Array };
      };
      const t: Transform = batch.transforms[i]!;
      const { width: sw, height: sh } = sample.image;
      ids.push(sample.id);
      const example: Example | null = examples.length < keep
        ? { id: sample.id, image: sample.image, predictions: {} }
        : null;
      if (example && sample.segmentation) example.segmentation = sample.segmentation;
      if (example && sample.keypoints) example.keypoints = sample.keypoints;
      let superpixels: { map: ArrayLike<number>; count: number; source: "slic" } | undefined;
      if (protocol === "lfw-parts" && !sample.superpixels) {
        const sp = slic(sample.image);
        superpixels = { map: sp.labels, count: sp.count, source: "slic" };
      }
      const frames = [...segProbs.keys()];
      if (hasSeg && baselineNames.includes(BASELINE_NAMES.background)) {
        frames.push(BASELINE_NAMES.background);
      }
      for (const name of frames) {
        const per = H * W * classes;
        let back: Float32Array;
        if (name === BASELINE_NAMES.background) {
          // In the image frame: every pixel, inside the network's view or not.
          back = new Float32Array(sw * sh * classes);
          for (let p = 0; p < sw * sh; p++) back[p * classes + base!.background!] = 1;
        } else {
          const local = segProbs.get(name)!.subarray(i * per, (i + 1) * per);
          back = mapProbabilitiesBack(local, classes, t);
        }
        if (protocol === "lfw-parts") {
          lfw.get(name)!.add({
            probabilities: back,
            width: sw,
            height: sh,
            mask: sample.segmentation!,
            ...(sample.superpixels
              ? { superpixels: { map: sample.superpixels.map, labels: sample.superpixels.labels } }
              : { superpixels: superpixels! }),
          });
        }
        const labels = argmaxLabels(back, classes);
        if (protocol === "pascal-person") {
          pascal.get(name)!.push({
            pred: labels,
            gt: sample.segmentation!,
            width: sw,
            window: sourceWindow(t),
          });
        }
        if (example && models.some((m) => m.name === name)) {
          example.predictions[name] = { labels };
        }
      }
      if (hasKp && sample.keypoints) {
        const K = sample.keypoints.length;
        for (const [name, xy] of kpXY) {
          const net = new Float32Array(K * 3);
          for (let k = 0; k < K; k++) {
            net[3 * k] = xy[(i * K + k) * 2]!;
            net[3 * k + 1] = xy[(i * K + k) * 2 + 1]!;
            net[3 * k + 2] = 1;
          }
          const pred = mapKeypointsBack(net, t);
          kpErrors.get(name)!.push(keypointError(protocol, pred, sample));
          if (example && models.some((m) => m.name === name)) {
            (example.predictions[name] ??= {}).keypoints = pred;
          }
        }
        const gtNet = batch.keypoints!.subarray(i * K * 3, (i + 1) * K * 3);
        const oracle = mapKeypointsBack(oracleInNetwork(gtNet, oracleStride, W, H).flat(), t);
        // Keypoints the crop pushed outside the input keep their own visibility here.
        kpErrors.get("oracle")!.push(keypointError(protocol, oracle, sample));
      }
      if (example) examples.push(example);
    }
    done += n;
    options.onProgress?.(done + unreadable.length, total);
  }
  const allowed = Math.max(1, Math.floor((options.maxUnreadableFraction ?? 0.01) * total));
  if (unreadable.length > allowed) {
    throw new Error(
      `Cannot score ${protocol}: ${unreadable.length} of ${total} test samples are unreadable ` +
        `(more than ${allowed}); first: ${unreadable[0]!.id}: ${unreadable[0]!.message}`,
    );
  }
  const scores: Record<string, ProtocolScores> = {};
  const notes = new Set<string>();
  const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);
  const gridMax = curveMax([...kpErrors.values()].flat());
  for (const name of names) {
    const s: ProtocolScores = {};
    const perImage: PerImageScores = { ids };
    if (protocol === "lfw-parts" && lfwImages(lfw.get(name)!) > 0) {
      const r: LfwPartsResult = lfw.get(name)!.result();
      perImage.superpixel = r.perImage.superpixel.map(finiteOrNull);
      perImage.pixel = r.perImage.pixel.map(finiteOrNull);
      s.lfw = {
        superpixelAccuracy: r.superpixel.percent,
        errorReduction: r.superpixel.errorReduction,
        pixelAccuracy: r.pixel.percent,
        approximate: r.superpixel.approximate,
        superpixelSource: r.superpixel.superpixelSource,
      };
      notes.add(r.protocol);
    }
    if (protocol === "pascal-person" && pascal.get(name)!.length > 0) {
      const r = evaluatePascalSegmentation(pascal.get(name)!);
      s.pascal = { pixelAccuracy: r.pooled, meanPerInstance: r.meanPerInstance };
      perImage.pixel = r.counts.map((c) =>
        finiteOrNull(c.total > 0 ? (100 * c.correct) / c.total : NaN)
      );
      notes.add(r.protocol);
    }
    if (kpErrors.get(name)!.length > 0) {
      s.keypoints = keypointScores(kpErrors.get(name)!, protocol, gridMax);
      perImage.keypointError = kpErrors.get(name)!.map(finiteOrNull);
    }
    if (perImage.superpixel || perImage.pixel || perImage.keypointError) s.perImage = perImage;
    scores[name] = s;
  }
  const { oracle, ...rest } = scores;
  const modelScores: Record<string, ProtocolScores> = {};
  const baselineScores: Record<string, ProtocolScores> = {};
  for (const [name, s] of Object.entries(rest)) {
    if (baselineNames.includes(name)) baselineScores[name] = s;
    else modelScores[name] = s;
  }
  if (base && baselineNames.length > 0) {
    const kinds = [
      baselineNames.includes(BASELINE_NAMES.background) ? "all background" : "",
      baselineNames.includes(BASELINE_NAMES.majority)
        ? "the per-position majority label of the training masks (in the network's input " +
          "frame, mapped back like a model's prediction)"
        : "",
      baselineNames.includes(BASELINE_NAMES.meanShape)
        ? "each keypoint at its mean training location (network frame, mapped back)"
        : "",
    ].filter(Boolean);
    notes.add(`Trivial baselines from ${base.images} training images: ${kinds.join("; ")}.`);
  }
  if (unreadable.length > 0) {
    notes.add(
      `${unreadable.length} of ${total} test samples could not be read and are left out of ` +
        `every row: ${unreadable.slice(0, 10).map((u) => `${u.id} (${u.message})`).join("; ")}` +
        (unreadable.length > 10 ? `; and ${unreadable.length - 10} more.` : "."),
    );
  }
  return {
    models: modelScores,
    oracle: oracle!,
    baselines: baselineScores,
    examples,
    protocolNotes: [...notes],
    images: total - unreadable.length,
    unreadable,
  };
}
