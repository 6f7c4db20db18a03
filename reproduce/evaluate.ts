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
  type Transform,
} from "../src/data/mod.ts";
import {
  aflwError,
  argmaxLabels,
  type ErrorSummary,
  evaluatePascalSegmentation,
  LfwPartsEvaluator,
  type LfwPartsResult,
  oracleKeypoints,
  pascalKeypointError,
  type PascalSegmentationItem,
  slic,
  summarizeErrors,
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
  examples: Example[];
  /** One sentence per metric on how it was computed. */
  protocolNotes: string[];
  images: number;
}

/** Options of {@link scoreModels}. */
export interface ScoreOptions {
  batchSize?: number;
  /** Score only the first `limit` test samples (reported). */
  limit?: number;
  /** How many test images to keep for figures. */
  examples?: number;
  onProgress?: (done: number, total: number) => void;
}

const KP_THRESHOLDS: Record<ProtocolName, number[]> = {
  aflw: [0.05, 0.1],
  "lfw-parts": [0.05, 0.1],
  "pascal-person": [0.1],
};

function limited(dataset: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= dataset.ids.length) return dataset;
  const ids = dataset.ids.slice(0, limit);
  return {
    ...dataset,
    ids,
    get: (i: number) => dataset.get(i),
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < ids.length; i++) yield await dataset.get(i);
    },
  };
}

function keypointScores(errors: number[], protocol: ProtocolName): KeypointScores {
  const finite = errors.filter((e) => !Number.isNaN(e));
  const s: ErrorSummary = summarizeErrors(finite, KP_THRESHOLDS[protocol], {
    inclusive: protocol !== "pascal-person",
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
  const data = limited(dataset, options.limit);
  const total = data.ids.length;
  const classes = dataset.classes?.length ?? 0;
  const names = [...models.map((m) => m.name), "oracle"];
  const lfw = new Map(names.map((n) => [n, new LfwPartsEvaluator({ numClasses: classes })]));
  const pascal = new Map<string, PascalSegmentationItem[]>(names.map((n) => [n, []]));
  const kpErrors = new Map<string, number[]>(names.map((n) => [n, []]));
  const hasSeg = protocol !== "aflw";
  const hasKp = Boolean(dataset.keypointNames?.length);
  const examples: Example[] = [];
  const keep = options.examples ?? 4;
  let done = 0;
  const preprocess = createPreprocessor(pre);
  for await (
    const batch of batches(data, {
      batchSize: options.batchSize ?? 8,
      preprocess,
      shuffle: false,
      prefetch: 2,
    })
  ) {
    const { size: n, height: H, width: W } = batch;
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
    for (let i = 0; i < n; i++) {
      const sample = await data.get(batch.indices[i]!) as Sample & {
        superpixels?: { map: Int32Array; labels: Uint8Array };
      };
      const t: Transform = batch.transforms[i]!;
      const { width: sw, height: sh } = sample.image;
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
      for (const [name, probs] of segProbs) {
        const per = H * W * classes;
        const local = probs.subarray(i * per, (i + 1) * per);
        const back = mapProbabilitiesBack(local, classes, t);
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
        if (example && name !== "oracle") example.predictions[name] = { labels };
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
          if (example) (example.predictions[name] ??= {}).keypoints = pred;
        }
        const gtNet = batch.keypoints!.subarray(i * K * 3, (i + 1) * K * 3);
        const oracle = mapKeypointsBack(
          oracleKeypoints(gtNet, oracleStride, { width: W, height: H }).flat(),
          t,
        );
        // Keypoints the crop pushed outside the input keep their own visibility here.
        kpErrors.get("oracle")!.push(keypointError(protocol, oracle, sample));
      }
      if (example) examples.push(example);
    }
    done += n;
    options.onProgress?.(done, total);
  }
  const scores: Record<string, ProtocolScores> = {};
  const notes = new Set<string>();
  for (const name of names) {
    const s: ProtocolScores = {};
    if (protocol === "lfw-parts" && lfwImages(lfw.get(name)!) > 0) {
      const r: LfwPartsResult = lfw.get(name)!.result();
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
      notes.add(r.protocol);
    }
    if (kpErrors.get(name)!.length > 0) s.keypoints = keypointScores(kpErrors.get(name)!, protocol);
    scores[name] = s;
  }
  const { oracle, ...rest } = scores;
  return { models: rest, oracle: oracle!, examples, protocolNotes: [...notes], images: total };
}
