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
  type PreprocessConfig,
  type RgbImage,
  take,
} from "../src/data/mod.ts";
import { BASELINE_NAMES, oracleKeypoints } from "../src/eval/mod.ts";
import {
  curveMax,
  type KeypointScores,
  type PerImageScores,
  type Prediction,
  type ProtocolEvaluator,
  type ProtocolName,
  protocolOf,
  type ProtocolScores,
} from "./protocols/mod.ts";

export type { KeypointScores, PerImageScores, ProtocolName, ProtocolScores };
/** The curves' grid (moved to the protocols' shared evaluator). */
export { curveMax };

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

/**
 * Scores `models` on `dataset` (a test split) under `protocol`, with the oracle: for
 * segmentation the ground truth at the network input's resolution mapped back (the loss
 * from resizing alone); for keypoints the cell centres of a map at `oracleStride`. Each
 * row (model, baseline, oracle) has its own evaluator of the protocol, fed the same samples.
 */
export async function scoreModels(
  protocolName: ProtocolName,
  dataset: Dataset,
  models: NamedModel[],
  pre: PreprocessConfig,
  oracleStride: number,
  options: ScoreOptions = {},
): Promise<Scored> {
  const protocol = protocolOf(protocolName);
  const data = take(dataset, options.limit);
  const total = data.ids.length;
  const classes = dataset.classes?.length ?? 0;
  const base = options.baselines;
  const hasSeg = protocol.segmentation !== undefined;
  const baselineNames: string[] = [
    ...(base?.background !== undefined && hasSeg ? [BASELINE_NAMES.background] : []),
    ...(base?.majority && hasSeg ? [BASELINE_NAMES.majority] : []),
    ...(base?.meanKeypoints && dataset.keypointNames?.length ? [BASELINE_NAMES.meanShape] : []),
  ];
  const names = [...models.map((m) => m.name), ...baselineNames, "oracle"];
  const evaluators = new Map<string, ProtocolEvaluator>(
    names.map((n) => [n, protocol.createEvaluator({ numClasses: classes })]),
  );
  const hasKp = Boolean(dataset.keypointNames?.length);
  const examples: Example[] = [];
  const keep = options.examples ?? 4;
  let done = 0;
  const unreadable: { id: string; message: string }[] = [];
  const preprocess = createPreprocessor(pre);
  // What the baselines predict is the same for every image: built once.
  const majority = baselineNames.includes(BASELINE_NAMES.majority)
    ? oneHot(base!.majority!, classes)
    : null;
  const meanShape = baselineNames.includes(BASELINE_NAMES.meanShape) ? base!.meanKeypoints! : null;
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
    const per = H * W * classes;
    for (let i = 0; i < n; i++) {
      const sample = await data.get(batch.indices[i]!);
      const t = batch.transforms[i]!;
      const K = sample.keypoints?.length ?? 0;
      const xyAt = (xy: Float32Array) => {
        const net = new Float32Array(K * 3);
        for (let k = 0; k < K; k++) {
          net[3 * k] = xy[(i * K + k) * 2]!;
          net[3 * k + 1] = xy[(i * K + k) * 2 + 1]!;
          net[3 * k + 2] = 1;
        }
        return net;
      };
      const predictions = new Map<string, Prediction>();
      for (const { name } of models) {
        const probs = segProbs.get(name);
        const xy = kpXY.get(name);
        predictions.set(name, {
          ...(probs ? { probabilities: probs.subarray(i * per, (i + 1) * per) } : {}),
          ...(xy && hasKp && K > 0 ? { keypoints: xyAt(xy) } : {}),
        });
      }
      if (baselineNames.includes(BASELINE_NAMES.background)) {
        // In the image frame: every pixel, inside the network's view or not.
        const { width: sw, height: sh } = sample.image;
        const back = new Float32Array(sw * sh * classes);
        for (let p = 0; p < sw * sh; p++) back[p * classes + base!.background!] = 1;
        predictions.set(BASELINE_NAMES.background, { imageProbabilities: back });
      }
      if (majority) predictions.set(BASELINE_NAMES.majority, { probabilities: majority });
      if (meanShape) {
        // Each keypoint at its mean training location, predicted visible like a model's.
        const net = Float32Array.from(meanShape, (v, j) => (j % 3 === 2 ? 1 : v));
        predictions.set(BASELINE_NAMES.meanShape, hasKp && K > 0 ? { keypoints: net } : {});
      }
      const oracle: Prediction = {};
      if (hasSeg && batch.segmentation) {
        oracle.probabilities = oneHot(
          batch.segmentation.subarray(i * H * W, (i + 1) * H * W),
          classes,
        );
      }
      if (hasKp && K > 0 && batch.keypoints) {
        const gtNet = batch.keypoints.subarray(i * K * 3, (i + 1) * K * 3);
        // Keypoints the crop pushed outside the input keep their own visibility here.
        oracle.keypoints = oracleInNetwork(gtNet, oracleStride, W, H).flat();
      }
      predictions.set("oracle", oracle);
      const example: Example | null = examples.length < keep
        ? { id: sample.id, image: sample.image, predictions: {} }
        : null;
      if (example && sample.segmentation) example.segmentation = sample.segmentation;
      if (example && sample.keypoints) example.keypoints = sample.keypoints;
      for (const [name, prediction] of predictions) {
        const back = evaluators.get(name)!.add(sample, prediction, t);
        if (example && models.some((m) => m.name === name)) example.predictions[name] = back;
      }
      if (example) examples.push(example);
    }
    done += n;
    options.onProgress?.(done + unreadable.length, total);
  }
  const allowed = Math.max(1, Math.floor((options.maxUnreadableFraction ?? 0.01) * total));
  if (unreadable.length > allowed) {
    throw new Error(
      `Cannot score ${protocol.name}: ${unreadable.length} of ${total} test samples are ` +
        `unreadable (more than ${allowed}); first: ${unreadable[0]!.id}: ${unreadable[0]!.message}`,
    );
  }
  const scores: Record<string, ProtocolScores> = {};
  const notes = new Set<string>();
  const gridMax = curveMax([...evaluators.values()].flatMap((e) => [...e.keypointErrors]));
  for (const name of names) {
    const r = evaluators.get(name)!.result({ curveMax: gridMax });
    r.notes.forEach((n) => notes.add(n));
    scores[name] = r.scores;
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
