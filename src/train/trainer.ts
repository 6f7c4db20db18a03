/**
 * The trainer: epochs of SGD over a dataset with a seeded shuffle, validation every
 * epoch, best-on-validation and last checkpoints, a progress bar, and a JSON-lines log.
 *
 * A run writes into its `out` folder:
 *
 * - `last.ckpt`: the state after the last finished epoch (and every `checkpointEvery`
 *   steps within one): weights, SGD velocities, epoch and step, the shuffle generator's
 *   state, and the resolved config. `resume` continues from it; the resumed run is the
 *   continuous run, bit for bit (the shuffle of an epoch is regenerated from the saved
 *   generator state, and batches already done in it are skipped).
 * - `best.ckpt`: the same, of the epoch with the lowest validation loss so far.
 * - `log.jsonl`: one JSON object per line — `start`/`resume` events, one `epoch` record
 *   per epoch (train and validation losses, pixel accuracy and/or keypoint error,
 *   images/s, `tf.memory()`), and a `diverged` event if the loss became NaN or infinite.
 *
 * - `.clvm-lock`: while a run writes the folder, its pid, host and start time
 *   (`src/util/lock.ts`); a second writer is refused.
 *
 * Both checkpoints are ordinary CLVM checkpoints: `loadCheckpoint` opens them.
 *
 * A NaN or infinite loss stops the run before the step is applied, with a
 * {@link TrainingDivergedError} naming the step; nothing written before is touched.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { tf } from "../deps.ts";
import { type BackendChoice, type BackendName, initBackend } from "../backend.ts";
import {
  type ArchitectureSpec,
  type CLVMOptions,
  type Feedback,
  FEEDBACK_MODES,
} from "../clvm/config.ts";
import { VARIANT_NAMES, type VariantName, VARIANTS } from "../clvm/variants.ts";
import { type BatchStats, type CLVM, createCLVM } from "../clvm/model.ts";
import {
  type CheckpointContents,
  readCheckpointFile,
  restoreWeights,
  type StoredTensor,
  storeTensors,
  writeCheckpointFile,
} from "../clvm/checkpoint.ts";
import { keypointCoordinates } from "../clvm/heads.ts";
import { mixSeed } from "../util/prng.ts";
import { batchCount, batches } from "../data/batches.ts";
import { createPreprocessor, type PreprocessConfig } from "../data/preprocess.ts";
import type { Dataset } from "../data/types.ts";
import { registerWasmConvKernels } from "../kernels/wasm_conv.ts";
import { isDecayed, segmentationLoss, sigmoidLogLoss, upsampleBilinear } from "./losses.ts";
import { type Recipe, type RecipeName, resolveRecipe } from "./recipes.ts";
import { SGD } from "./sgd.ts";
import { initKeypointBias } from "./head_init.ts";
import { type BaselineCheck, guardAgainstBaselines } from "./baseline_guard.ts";
import { type Batch, type BatchSpec, disposeBatch, toTensors } from "./_inputs.ts";
import { openTrainData, type TrainData } from "./_datasets.ts";
import { exists } from "../util/fs.ts";
import { createProgress } from "../util/progress.ts";
import { acquireLock } from "../util/lock.ts";
import { makeRunDir, moveContentsAside, runDirState, timeStamp } from "../util/run_dir.ts";
import { registerCpuConvGrad } from "./_cpu_conv_grad.ts";

export type { TrainData } from "./_datasets.ts";
export type { Batch, BatchSpec } from "./_inputs.ts";

/** Options of {@link train}. With `resume`, options left out come from the checkpoint. */
export interface TrainOptions {
  /** A variant of `VARIANTS` (docs/MODEL.md §4). */
  variant?: VariantName | string;
  /** `"tiny"` (default), `"paper"` or an explicit spec with the variants' 8 layers. */
  architecture?: "tiny" | "paper" | ArchitectureSpec;
  /** A dataset name (`openTrainData`), or the splits themselves. */
  dataset?: string | TrainData;
  /** Where the dataset lies on disk (real datasets). */
  root?: string;
  /**
   * AFLW, Pascal Person: the split file to read, or to write when absent (default: in the
   * dataset root, or in the split cache when the root is read-only).
   */
  splitFile?: string;
  /** Total epochs (a resumed run trains until this many are done; default: the recipe's). */
  epochs?: number;
  /** Images per step (default: the recipe's). */
  batchSize?: number;
  /** Seed of the weights and of the shuffle (default 1). */
  seed?: number;
  /** The run's folder: `last.ckpt`, `best.ckpt`, `log.jsonl`. */
  out: string;
  /** Continue from `out/last.ckpt`. */
  resume?: boolean;
  /**
   * Start a new run in an `out` that holds one: its files are moved aside to
   * `OUT.old-<time>/` first (never deleted). Ignored with `resume`.
   */
  force?: boolean;
  /**
   * tfjs backend (default `auto`: the fastest here; see `initBackend`). A resumed run
   * without one continues on the backend that trained it.
   */
  backend?: BackendChoice;
  /** `paper`, `quick` or a custom recipe (default: `paper` for the paper architecture, else `quick`). */
  recipe?: RecipeName | Recipe;
  /** Overrides the recipe's learning rate. */
  learningRate?: number;
  /** How the top-down signal crosses an NMS layer (default: `"replicate"`, docs/MODEL.md §1). */
  feedback?: Feedback;
  /** Tied (true) or separate (false) top-down filters (default: the variant's). */
  tied?: boolean;
  /** Bottom-up/top-down passes k ≥ 1 (default: the variant's). */
  passes?: number;
  /** Side of the square network input (default: the dataset's protocol size, docs/MODEL.md §4). */
  inputSize?: number;
  /** Also write `last.ckpt` every this many steps within an epoch (0: at epoch ends only). */
  checkpointEvery?: number;
  /**
   * Threads of the `wasm` backend (default 1; more load tfjs's threaded build, see
   * `initBackend`). A run's own choice, not a setting of its checkpoint: a resumed run may
   * take another count (its results then agree to 1e-5, not to the bit).
   */
  threads?: number;
  /** Stop (as if killed, writing nothing more) after this many steps of this call. */
  stopAfterSteps?: number;
  /** Draw a progress bar on stderr (default false). */
  progress?: boolean;
  /** Receives one line per epoch and notices (default: nothing). */
  log?: (message: string) => void;
}

/** Everything that decides a run's trajectory: stored in its checkpoints. */
export interface TrainConfig {
  /** The variant trained. */
  variant: VariantName;
  /** The architecture's name or spec. */
  architecture: "tiny" | "paper" | ArchitectureSpec;
  /** The dataset's name. */
  dataset: string;
  /** The dataset's folder (null: the default, or a synthetic dataset's cache). */
  root: string | null;
  /** How samples become network inputs (crop, `size`, normalization). */
  preprocess: PreprocessConfig;
  /** Seed of the initial weights and of the shuffle. */
  seed: number;
  /** Epochs to train in total. */
  epochs: number;
  /** The resolved recipe (overrides applied). */
  recipe: Recipe;
  /** Output channels per head: the dataset's classes and keypoints. */
  heads: { segmentation?: number; keypoints?: number };
  /** Steps between mid-epoch `last.ckpt` writes (0: epoch ends only). */
  checkpointEvery: number;
  /**
   * The model options the variant's preset leaves open or that were overridden, resolved:
   * feedback, tied, passes. Absent in checkpoints written before it existed (those
   * trained the preset's, with replicate feedback: {@link presetModel}).
   */
  model?: ModelSettings;
  /**
   * The data's identity: the train and val split lists' sizes and fingerprints
   * ({@link splitFingerprint}). Absent in checkpoints written before it existed.
   */
  data?: DataIdentity;
}

/** The model options a run may set on top of its variant's preset, resolved. */
export interface ModelSettings {
  /** How the top-down signal crosses an NMS layer. */
  feedback: Feedback;
  /** Whether the top-down filters are the bottom-up ones. */
  tied: boolean;
  /** Bottom-up/top-down passes k ≥ 1. */
  passes: number;
}

/** The {@link ModelSettings} a variant's preset gives (replicate feedback, docs/MODEL.md §1). */
export function presetModel(variant: VariantName): ModelSettings {
  const preset = VARIANTS[variant];
  return {
    feedback: preset.feedback ?? "replicate",
    tied: preset.tied ?? true,
    passes: preset.passes ?? 1,
  };
}

/**
 * A variant's {@link ModelSettings} with `overrides` applied, each checked: `feedback` one of
 * `FEEDBACK_MODES`, `tied` a boolean, `passes` an integer ≥ 1.
 */
export function modelSettings(
  variant: VariantName,
  overrides: { feedback?: unknown; tied?: unknown; passes?: unknown },
): ModelSettings {
  const out = presetModel(variant);
  if (overrides.feedback !== undefined) {
    if (!(FEEDBACK_MODES as readonly unknown[]).includes(overrides.feedback)) {
      throw new Error(
        `Unknown feedback ${JSON.stringify(overrides.feedback)}: expected one of ${
          FEEDBACK_MODES.join(", ")
        }`,
      );
    }
    out.feedback = overrides.feedback as Feedback;
  }
  if (overrides.tied !== undefined) {
    if (typeof overrides.tied !== "boolean") {
      throw new Error(
        `Invalid tied ${JSON.stringify(overrides.tied)}: expected a boolean (true or false)`,
      );
    }
    out.tied = overrides.tied;
  }
  if (overrides.passes !== undefined) out.passes = positiveInteger("passes", overrides.passes);
  return out;
}

/** Which samples a run trains and validates on. */
export interface DataIdentity {
  /** Training samples. */
  trainImages: number;
  /** Validation samples. */
  valImages: number;
  /** {@link splitFingerprint} of the training ids. */
  train: string;
  /** {@link splitFingerprint} of the validation ids. */
  val: string;
}

/** The first 16 hex digits of the SHA-256 of a split's ids, one per line, in order. */
export function splitFingerprint(ids: readonly string[]): string {
  return createHash("sha256").update(ids.join("\n")).digest("hex").slice(0, 16);
}

/** The {@link DataIdentity} of a train and a val split. */
export function dataIdentity(data: { train: Dataset; val: Dataset }): DataIdentity {
  return {
    trainImages: data.train.ids.length,
    valImages: data.val.ids.length,
    train: splitFingerprint(data.train.ids),
    val: splitFingerprint(data.val.ids),
  };
}

/**
 * A resume that cannot continue: the folder's checkpoint (or another of its files)
 * disagrees with the command (`fields` lists the differences), or is unreadable.
 */
export class ResumeError extends Error {
  /** What went wrong: `conflict` (settings differ), `corrupt` (a file is unreadable). */
  readonly kind: "conflict" | "corrupt";
  /** The settings that differ (for `conflict`), each "name value (the checkpoint has …)". */
  readonly fields: string[];

  /** See the class doc. */
  constructor(message: string, kind: "conflict" | "corrupt", fields: string[] = []) {
    super(message);
    this.name = "ResumeError";
    this.kind = kind;
    this.fields = fields;
  }
}

/** Losses of one step or an average over steps. */
export interface Losses {
  /** Σ weight·loss over the heads. */
  loss: number;
  /** The segmentation loss (softmax cross-entropy), unweighted. */
  segmentation?: number;
  /** The keypoint loss (sigmoid log-loss), unweighted. */
  keypoints?: number;
}

/** Validation results. */
export interface Validation extends Losses {
  /** Images evaluated. */
  images: number;
  /** Fraction of labelled pixels classified right, at input resolution. */
  pixelAccuracy?: number;
  /** Mean distance of visible keypoints to their prediction, over the input side. */
  keypointError?: number;
  /** Wall time of the validation. */
  seconds: number;
}

/** One `epoch` line of `log.jsonl`. */
export interface EpochRecord {
  /** The record type. */
  event: "epoch";
  /** The epoch (1-based). */
  epoch: number;
  /** SGD steps done after it. */
  step: number;
  /** Mean training losses over the epoch's steps, images and time spent in steps. */
  train: Losses & { images: number; seconds: number; imagesPerSecond: number };
  /** Validation after the epoch. */
  val: Validation;
  /** Whether this epoch set a new lowest validation loss (and was saved as best.ckpt). */
  best: boolean;
  /** The learning rate used. */
  learningRate: number;
  /** `tf.memory()` (and the process RSS) at the end of the epoch. */
  memory: {
    numTensors: number;
    numBytes: number;
    numBytesInGPU?: number;
    rss: number;
  };
  /** ISO date and time the record was written. */
  time: string;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** The run's folder. */
  out: string;
  /** The backend that trained. */
  backend: BackendName;
  /** The run's resolved config. */
  config: TrainConfig;
  /** Epochs completed in total. */
  epochs: number;
  /** SGD steps taken in total. */
  step: number;
  /** The epochs completed by this call. */
  history: EpochRecord[];
  /** The epoch with the lowest validation loss so far (null before the first epoch ends). */
  best: { epoch: number; validationLoss: number } | null;
  /** Paths of the run's files. */
  checkpoints: { last: string; best: string; log: string };
  /** `stop-after-steps` when `stopAfterSteps` ended the call early. */
  stopped: "completed" | "stop-after-steps";
  /** The last epoch's validation against the trivial baselines (`baseline_guard.ts`). */
  baselines?: BaselineCheck[];
  /** Warnings of the run's end, e.g. a model that did not beat a trivial baseline. */
  warnings?: string[];
}

/** Thrown when the loss (or a weight) becomes NaN or infinite. */
export class TrainingDivergedError extends Error {
  /** The global step (1-based) whose loss was not finite. */
  readonly step: number;
  /** The epoch of that step. */
  readonly epoch: number;
  /** The last good checkpoint, kept as it was, or null when none was written. */
  readonly checkpoint: string | null;

  /** See the class doc. */
  constructor(message: string, step: number, epoch: number, checkpoint: string | null) {
    super(message);
    this.name = "TrainingDivergedError";
    this.step = step;
    this.epoch = epoch;
    this.checkpoint = checkpoint;
  }
}

const FORMAT = "clvm-train/1";

/** The training state stored in a checkpoint's `meta.train`. */
interface TrainState {
  format: typeof FORMAT;
  config: TrainConfig;
  /** Epochs completed. */
  epoch: number;
  /** Batches of epoch `epoch + 1` already done. */
  batchInEpoch: number;
  step: number;
  /**
   * Seed of the shuffle: epoch e's order is `Mulberry32(mixSeed(shuffleSeed, e − 1))`
   * (`batches.ts`), so (shuffleSeed, epoch, batchInEpoch) is the whole generator state.
   */
  shuffleSeed: number;
  /** Sums over the batches of the unfinished epoch. */
  accum: Accum;
  best: { epoch: number; validationLoss: number } | null;
  optimizer: { iterations: number };
  /** The backend that trained (absent in checkpoints written before it existed). */
  backend?: BackendName;
}

interface Accum {
  loss: number;
  segmentation: number;
  keypoints: number;
  batches: number;
  images: number;
  seconds: number;
}

const zeroAccum = (): Accum => ({
  loss: 0,
  segmentation: 0,
  keypoints: 0,
  batches: 0,
  images: 0,
  seconds: 0,
});

/** Registers the convolution gradients a backend needs to train fast (or at all). */
export function prepareBackendForTraining(name: BackendName): void {
  if (name === "wasm") registerWasmConvKernels();
  if (name === "cpu") registerCpuConvGrad();
}

/** The model options of a training config. */
export function modelOptions(config: TrainConfig): CLVMOptions {
  const preset = VARIANTS[config.variant];
  const heads: NonNullable<CLVMOptions["heads"]> = {};
  for (const task of ["segmentation", "keypoints"] as const) {
    if (preset.heads?.[task]) heads[task] = { channels: config.heads[task]! };
  }
  return {
    variant: config.variant,
    architecture: config.architecture,
    ...(config.model ?? {}),
    seed: config.seed,
    batchNorm: config.recipe.batchNorm,
    weightStd: config.recipe.weightStd,
    biasStd: config.recipe.biasStd,
    heads,
  };
}

/** The batch layout for a model and recipe at input side `size`. */
export function batchSpec(clvm: CLVM, recipe: Recipe, size: number): BatchSpec {
  const spec: BatchSpec = { size };
  const { segmentation, keypoints } = clvm.options.heads;
  if (segmentation) {
    spec.segmentation = {
      classes: segmentation.channels,
      stride: clvm.stride(segmentation.layer),
      target: recipe.segmentationTarget,
    };
  }
  if (keypoints) {
    spec.keypoints = {
      count: keypoints.channels,
      stride: clvm.stride(keypoints.layer),
      dilation: recipe.keypointDilation,
    };
  }
  return spec;
}

interface LossTensors {
  loss: tf.Scalar;
  segmentation?: tf.Scalar;
  keypoints?: tf.Scalar;
}

/** The weighted multi-task loss of a batch (call inside a tidy or a gradient scope). */
function batchLoss(
  clvm: CLVM,
  batch: Batch,
  recipe: Recipe,
  training: boolean,
  stats: BatchStats | undefined,
): LossTensors & { outputs: ReturnType<CLVM["forward"]> } {
  const outputs = clvm.forward(
    batch.x,
    stats ? { training, batchStats: stats } : { training },
  );
  const parts: LossTensors = { loss: tf.scalar(0) };
  let total: tf.Tensor = parts.loss;
  if (outputs.segmentation && batch.lossLabels) {
    parts.segmentation = segmentationLoss(
      outputs.segmentation,
      batch.lossLabels,
      recipe.segmentationTarget,
      recipe.lossNormalization,
    );
    total = tf.add(total, tf.mul(parts.segmentation, recipe.taskWeights.segmentation));
  }
  if (outputs.keypoints && batch.keypointTargets) {
    parts.keypoints = sigmoidLogLoss(
      outputs.keypoints,
      batch.keypointTargets,
      recipe.lossNormalization,
      recipe.keypointPositiveWeight,
    );
    total = tf.add(total, tf.mul(parts.keypoints, recipe.taskWeights.keypoints));
  }
  parts.loss = total as tf.Scalar;
  return { ...parts, outputs };
}

/** The outcome of {@link trainStep}. */
export interface StepResult extends Losses {
  /** False when the loss was NaN or infinite: nothing was updated. */
  finite: boolean;
}

/**
 * One SGD step on `batch`: forward in training mode, gradients of the weighted loss
 * with respect to every trainable parameter (a tied top-down filter is the bottom-up
 * filter itself, so it gets one gradient from both uses), the update, and the
 * batch-norm running averages. When the loss is not finite nothing is changed.
 *
 * @example
 * ```ts ignore
 * const result = await trainStep(clvm, sgd, batch, recipe);
 * console.log(result.loss);
 * ```
 */
export async function trainStep(
  clvm: CLVM,
  sgd: SGD,
  batch: Batch,
  recipe: Recipe,
): Promise<StepResult> {
  const params = clvm.trainableVariables();
  const byVariable = new Map([...params].map(([name, v]) => [v.name, name]));
  const stats: BatchStats = new Map();
  const kept: tf.Tensor[] = [];
  let value: tf.Scalar | undefined;
  let grads: tf.NamedTensorMap = {};
  try {
    const parts: { segmentation?: tf.Scalar; keypoints?: tf.Scalar } = {};
    ({ value, grads } = tf.variableGrads(() => {
      const { loss, segmentation, keypoints, outputs } = batchLoss(
        clvm,
        batch,
        recipe,
        true,
        stats,
      );
      if (segmentation) kept.push(parts.segmentation = tf.keep(segmentation));
      if (keypoints) kept.push(parts.keypoints = tf.keep(keypoints));
      void outputs;
      return loss;
    }, [...params.values()]));
    const read = async (t?: tf.Scalar) => t ? (await t.data())[0]! : undefined;
    const result: StepResult = { finite: true, loss: (await read(value))! };
    const seg = await read(parts.segmentation);
    const kp = await read(parts.keypoints);
    if (seg !== undefined) result.segmentation = seg;
    if (kp !== undefined) result.keypoints = kp;
    if (!Number.isFinite(result.loss)) return { ...result, finite: false };
    const named = new Map<string, tf.Tensor>();
    for (const [varName, g] of Object.entries(grads)) {
      const name = byVariable.get(varName);
      if (name) named.set(name, g);
    }
    sgd.step(named);
    clvm.updateBatchNormAverages(stats, recipe.batchNormMomentum);
    return result;
  } finally {
    tf.dispose([...kept, ...Object.values(grads), ...(value ? [value] : [])]);
    for (const { mean, variance } of stats.values()) tf.dispose([mean, variance]);
  }
}

/**
 * Says, through `log`, what the dataset left out or changed when it was opened (samples
 * skipped as unusable, landmarks taken as invisible): one line with the count and the
 * first three, so a flagged value never trains silently.
 */
export function warnAboutProblems(dataset: Dataset, log: (message: string) => void): void {
  const problems = dataset.problems ?? [];
  if (problems.length === 0) return;
  const first = problems.slice(0, 3).map((p) => `${p.file}: ${p.message}`).join("; ");
  log(
    `Warning: ${dataset.name} ${dataset.split} was opened with ${problems.length} problem(s), ` +
      `left out or marked invisible: ${first}${problems.length > 3 ? "; …" : ""}`,
  );
}

/**
 * A `batches()` `onUnreadable` for training and validation: a sample that cannot be read
 * or preprocessed (a truncated JPEG, say) is left out and named once through `log`; more
 * than 1% of the split (at least one sample is always allowed) ends the run with one error.
 */
export function skipUnreadable(
  dataset: Dataset,
  log: (message: string) => void,
): (index: number, id: string, error: Error) => void {
  const bad = new Set<string>();
  const allowed = Math.max(1, Math.floor(0.01 * dataset.ids.length));
  return (_index, id, error) => {
    if (bad.has(id)) return;
    bad.add(id);
    if (bad.size > allowed) {
      throw new Error(
        `Cannot train on ${dataset.name} ${dataset.split}: ${bad.size} of ` +
          `${dataset.ids.length} samples are unreadable (more than ${allowed}); last: ${id}: ` +
          error.message,
      );
    }
    log(`Warning: left out unreadable ${dataset.split} sample ${id}: ${error.message}`);
  };
}

/**
 * Losses and the cheap task metrics of `clvm` (inference mode, batch norm from its
 * running averages) over `dataset` in its own order, `batchSize` images at a time,
 * preprocessed without augmentation.
 *
 * @example
 * ```ts ignore
 * const val = await evaluate(clvm, dataset, { size: 32, crop: "image" }, RECIPES.quick, 8);
 * console.log(val.loss, val.pixelAccuracy);
 * ```
 */
export async function evaluate(
  clvm: CLVM,
  dataset: Dataset,
  preprocess: PreprocessConfig,
  recipe: Recipe,
  batchSize: number,
  onUnreadable?: (index: number, id: string, error: Error) => void,
): Promise<Validation> {
  const start = performance.now();
  const { heads } = clvm.options;
  const spec = batchSpec(clvm, recipe, preprocess.size);
  let loss = 0, seg = 0, kp = 0, images = 0;
  let correct = 0, labelled = 0, distance = 0, visible = 0;
  const pre = createPreprocessor({ ...preprocess, flipProbability: 0 });
  const stream = batches(dataset, {
    batchSize,
    preprocess: pre,
    shuffle: false,
    ...(onUnreadable ? { onUnreadable } : {}),
  });
  for await (const data of stream) {
    const batch = toTensors(data, spec);
    try {
      const r = tf.tidy(() => {
        const { loss, segmentation, keypoints, outputs } = batchLoss(
          clvm,
          batch,
          recipe,
          false,
          undefined,
        );
        const out: tf.Tensor[] = [loss, segmentation ?? tf.scalar(0), keypoints ?? tf.scalar(0)];
        if (outputs.segmentation && batch.labels) {
          const size = spec.size;
          const predicted = tf.argMax(upsampleBilinear(outputs.segmentation, size, size), 3);
          const mask = tf.notEqual(batch.labels, 255);
          out.push(
            tf.sum(tf.cast(tf.logicalAnd(tf.equal(predicted, batch.labels), mask), "int32")),
          );
          out.push(tf.sum(tf.cast(mask, "int32")));
        }
        if (outputs.keypoints) {
          const { xy } = keypointCoordinates(outputs.keypoints, spec.keypoints!.stride);
          out.push(xy);
        }
        return out;
      });
      try {
        const values = await Promise.all(r.map((t) => t.data()));
        const n = batch.count;
        loss += values[0]![0]! * n;
        seg += values[1]![0]! * n;
        kp += values[2]![0]! * n;
        images += n;
        let next = 3;
        if (batch.labels && heads.segmentation) {
          correct += values[next++]![0]!;
          labelled += values[next++]![0]!;
        }
        if (batch.keypoints && heads.keypoints) {
          const xy = values[next++]!;
          const k = spec.keypoints!.count;
          batch.keypoints.forEach((points, i) => {
            points.forEach(([x, y, v], j) => {
              if (!v) return;
              const px = xy[(i * k + j) * 2]!;
              const py = xy[(i * k + j) * 2 + 1]!;
              distance += Math.hypot(px - x, py - y);
              visible++;
            });
          });
        }
      } finally {
        tf.dispose(r);
      }
    } finally {
      disposeBatch(batch);
    }
  }
  const result: Validation = {
    loss: loss / images,
    images,
    seconds: (performance.now() - start) / 1000,
  };
  if (heads.segmentation) {
    result.segmentation = seg / images;
    result.pixelAccuracy = labelled ? correct / labelled : NaN;
  }
  if (heads.keypoints) {
    result.keypoints = kp / images;
    result.keypointError = visible ? distance / visible / spec.size : NaN;
  }
  return result;
}

function positiveInteger(what: string, value: unknown, min = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new Error(`Invalid ${what} ${JSON.stringify(value)}: expected an integer ≥ ${min}`);
  }
  return value;
}

function checkVariant(variant: unknown): VariantName {
  if (typeof variant !== "string" || !(VARIANT_NAMES as readonly string[]).includes(variant)) {
    throw new Error(
      `Unknown variant ${JSON.stringify(variant)}: expected one of ${VARIANT_NAMES.join(", ")}`,
    );
  }
  return variant as VariantName;
}

/** The heads' channel counts a dataset gives a variant, or an error naming what is missing. */
function headChannels(variant: VariantName, data: TrainData): TrainConfig["heads"] {
  const preset = VARIANTS[variant];
  const heads: TrainConfig["heads"] = {};
  if (preset.heads?.segmentation) {
    const n = data.train.classes?.length;
    if (!n) {
      throw new Error(
        `Variant "${variant}" needs segmentation labels, but dataset "${data.name}" has none ` +
          `(keypoint-only variants: ${
            VARIANT_NAMES.filter((v) => !VARIANTS[v].heads?.segmentation).join(", ")
          })`,
      );
    }
    heads.segmentation = n;
  }
  if (preset.heads?.keypoints) {
    const n = data.train.keypointNames?.length;
    if (!n) {
      throw new Error(
        `Variant "${variant}" needs keypoints, but dataset "${data.name}" has none ` +
          `(segmentation-only variants: ${
            VARIANT_NAMES.filter((v) => !VARIANTS[v].heads?.keypoints).join(", ")
          })`,
      );
    }
    heads.keypoints = n;
  }
  return heads;
}

function checkInputSize(size: number, architecture: TrainConfig["architecture"]): void {
  positiveInteger("input size", size);
  const layers = typeof architecture === "string" ? null : architecture.layers;
  const nms = layers ? layers.filter((l) => l.nms).length : 2;
  if (size % 2 ** nms !== 0) {
    throw new Error(
      `Invalid input size ${size}: expected a multiple of ${2 ** nms} (the architecture's ${nms} ` +
        "NMS layers each halve it)",
    );
  }
}

function readState(contents: CheckpointContents, path: string): TrainState {
  const state = contents.meta.train as TrainState | undefined;
  if (!state || state.format !== FORMAT) {
    throw new Error(
      `Cannot resume from "${path}": it is not a training checkpoint (expected meta.train ` +
        `in format "${FORMAT}"; a model-only checkpoint cannot be resumed)`,
    );
  }
  return state;
}

/** Reads the JSON lines of a log, keeping those that belong before the checkpoint. */
async function pruneLog(path: string, epoch: number): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const kept = text.split("\n").filter((line) => {
    if (!line.trim()) return false;
    try {
      const record = JSON.parse(line) as { event?: string; epoch?: number };
      return !(record.event === "epoch" && (record.epoch ?? 0) > epoch);
    } catch {
      return false;
    }
  });
  await Deno.writeTextFile(path, kept.map((l) => `${l}\n`).join(""));
}

async function appendLog(path: string, record: Record<string, unknown>): Promise<void> {
  await Deno.writeTextFile(path, `${JSON.stringify(record)}\n`, { append: true });
}

function memoryRecord(): EpochRecord["memory"] {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  const out: EpochRecord["memory"] = {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    rss: Deno.memoryUsage().rss,
  };
  if (typeof m.numBytesInGPU === "number") out.numBytesInGPU = m.numBytesInGPU;
  return out;
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined ? "-" : v.toFixed(digits);
}

/**
 * Trains a variant on a dataset (see the module doc for what lands in `out`).
 *
 * `out` has one writer: `train` holds its lock file (`src/util/lock.ts`) while it runs, and
 * a second writer is refused naming the first. A new run refuses an `out` that holds one
 * (`last.ckpt`, `best.ckpt` or `done.json`) unless `force`, which moves those files aside.
 *
 * With `resume`, continues `out/last.ckpt`. The options given must agree with it (all but
 * `epochs`, `progress`, `log`, `checkpointEvery`, `stopAfterSteps`), and so must the data
 * (the split lists' fingerprints), the backend (left out: the checkpoint's), the log's
 * start record and `best.ckpt`: a difference is a {@link ResumeError} naming the fields.
 * A missing or corrupt `best.ckpt` is rewritten from `last.ckpt` when they hold the same
 * epoch, and is otherwise a {@link ResumeError} of kind `corrupt`.
 *
 * @example
 * ```ts ignore
 * import { train } from "./trainer.ts";
 * const result = await train({
 *   variant: "M-CLVM2", architecture: "tiny", dataset: "toy-shapes",
 *   epochs: 2, seed: 1, out: "results/run1", backend: "cpu",
 * });
 * console.log(result.best);
 * ```
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  if (!options || typeof options.out !== "string" || !options.out) {
    throw new Error("Cannot train: options.out (the run's folder) is required");
  }
  const log = options.log ?? (() => {});
  if ((await runDirState(options.out)) === "missing" && options.resume) {
    throw new Error(
      `Cannot resume: "${
        join(options.out, "last.ckpt")
      }" does not exist (start without --resume to begin a run)`,
    );
  }
  await makeRunDir(options.out);
  const what = typeof options.variant === "string" ? `train ${options.variant}` : "train";
  const lock = await acquireLock(options.out, what, log);
  try {
    return await trainLocked(options, log);
  } finally {
    await lock.release();
  }
}

/** The files of a run in `out` that a new run would overwrite. */
async function runFiles(out: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of ["last.ckpt", "best.ckpt", "done.json"]) {
    if (await exists(join(out, name))) found.push(name);
  }
  return found;
}

async function trainLocked(
  options: TrainOptions,
  log: (message: string) => void,
): Promise<TrainResult> {
  const out = options.out;
  const paths = {
    last: join(out, "last.ckpt"),
    best: join(out, "best.ckpt"),
    log: join(out, "log.jsonl"),
  };

  // 1. The saved state, when resuming; a new run never overwrites an old one.
  let saved: { contents: CheckpointContents; state: TrainState } | null = null;
  if (options.resume) {
    if (!(await exists(paths.last))) {
      throw new Error(
        `Cannot resume: "${paths.last}" does not exist (start without --resume to begin a run)`,
      );
    }
    let contents: CheckpointContents;
    try {
      contents = await readCheckpointFile(paths.last);
    } catch (error) {
      throw new ResumeError(
        `${(error as Error).message}; start over without --resume and with --force (the old ` +
          "files are moved aside)",
        "corrupt",
      );
    }
    saved = { contents, state: readState(contents, paths.last) };
  } else {
    const found = await runFiles(out);
    if (found.length > 0) {
      if (!options.force) {
        throw new Error(
          `Cannot start a run in "${out}": it already holds one (${found.join(", ")}); pass ` +
            "--resume to continue it, --force to move it aside, or choose another --out",
        );
      }
      const aside = await moveContentsAside(out);
      log(`Moved the earlier run in "${out}" aside to "${aside}"`);
    } else if (await exists(paths.log)) {
      const old = `${paths.log}.old-${timeStamp()}`;
      await Deno.rename(paths.log, old);
      log(`"${paths.log}" had no checkpoint beside it; kept it as "${old}"`);
    }
  }

  // 2. The config: the options, or the checkpoint's for what they leave out.
  const prior = saved?.state.config;
  const variant = checkVariant(options.variant ?? prior?.variant);
  const architecture = options.architecture ?? prior?.architecture ?? "tiny";
  const datasetOption = options.dataset ?? prior?.dataset;
  if (datasetOption === undefined) {
    throw new Error("Cannot train: options.dataset is required (a dataset name or its splits)");
  }
  const root = options.root ?? prior?.root ?? undefined;
  const data = typeof datasetOption === "string"
    ? await openTrainData(datasetOption, root, undefined, options.splitFile)
    : datasetOption;
  for (const ds of [data.train, data.val]) warnAboutProblems(ds, log);
  const inputSize = options.inputSize ?? prior?.preprocess.size ?? data.preprocess.size;
  checkInputSize(inputSize, architecture);
  const preprocess: PreprocessConfig = { ...data.preprocess, size: inputSize };
  const recipeBase = options.recipe ?? prior?.recipe ??
    (architecture === "paper" ? "paper" : "quick");
  const recipe = resolveRecipe(recipeBase, {
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
  });
  const config: TrainConfig = {
    variant,
    architecture,
    dataset: data.name,
    root: root ?? null,
    preprocess,
    seed: options.seed ?? prior?.seed ?? 1,
    epochs: positiveInteger("epochs", options.epochs ?? prior?.epochs ?? recipe.epochs),
    recipe,
    heads: headChannels(variant, data),
    checkpointEvery: positiveInteger(
      "checkpointEvery",
      options.checkpointEvery ?? prior?.checkpointEvery ?? 0,
      0,
    ),
    data: dataIdentity(data),
    model: modelSettings(variant, {
      feedback: options.feedback ?? prior?.model?.feedback,
      tied: options.tied ?? prior?.model?.tied,
      passes: options.passes ?? prior?.model?.passes,
    }),
  };
  if (!Number.isInteger(config.seed)) {
    throw new Error(`Invalid seed ${config.seed}: expected an integer`);
  }
  if (options.stopAfterSteps !== undefined) {
    positiveInteger("stopAfterSteps", options.stopAfterSteps);
  }
  if (saved) {
    const conflicts = resumeConflicts(saved.state.config, config);
    if (conflicts.length) {
      throw new ResumeError(
        `Cannot resume "${paths.last}" with different settings: ${conflicts.join("; ")}. ` +
          "Leave them out to use the checkpoint's, or start a new run in another folder",
        "conflict",
        conflicts,
      );
    }
    await checkFolder(paths, saved.state, log);
  }

  // 3. Backend, model, optimizer.
  const report = await initBackend(
    options.backend ?? saved?.state.backend ?? "auto",
    log,
    options.threads !== undefined ? { threads: options.threads } : {},
  );
  const onBackend = report.name === "wasm"
    ? `wasm (${report.threads} thread${report.threads === 1 ? "" : "s"})`
    : report.name;
  const threadsField = report.threads !== undefined ? { threads: report.threads } : {};
  if (saved?.state.backend && report.name !== saved.state.backend) {
    const field = `backend ${report.name} (the checkpoint was trained on ${saved.state.backend})`;
    throw new ResumeError(
      `Cannot resume "${paths.last}" with different settings: ${field}. Leave --backend out ` +
        "to continue on the checkpoint's (another backend rounds differently), or start a new run",
      "conflict",
      [field],
    );
  }
  prepareBackendForTraining(report.name);
  const clvm = createCLVM(modelOptions(config));
  initKeypointBias(clvm, recipe, inputSize);
  const sgd = new SGD(clvm.trainableVariables(), {
    learningRate: recipe.learningRate,
    momentum: recipe.momentum,
    weightDecay: recipe.weightDecay,
    decays: isDecayed,
  });
  try {
    let state: TrainState = {
      format: FORMAT,
      config,
      epoch: 0,
      batchInEpoch: 0,
      step: 0,
      shuffleSeed: mixSeed(config.seed, 0x5af1e),
      accum: zeroAccum(),
      best: null,
      optimizer: { iterations: 0 },
      backend: report.name,
    };
    if (saved) {
      restoreWeights(clvm, saved.contents, paths.last);
      sgd.setState(
        { iterations: saved.state.optimizer.iterations, tensors: saved.contents.tensors },
        `checkpoint "${paths.last}"`,
      );
      state = { ...saved.state, config, backend: report.name };
      await pruneLog(paths.log, state.epoch);
      await appendLog(paths.log, {
        event: "resume",
        epoch: state.epoch,
        batchInEpoch: state.batchInEpoch,
        step: state.step,
        epochs: config.epochs,
        backend: report.name,
        ...threadsField,
        time: new Date().toISOString(),
      });
      log(
        `Resuming "${out}" at epoch ${state.epoch + 1} batch ${state.batchInEpoch + 1} ` +
          `(step ${state.step}) on ${onBackend}`,
      );
    } else {
      await Deno.writeTextFile(
        paths.log,
        `${
          JSON.stringify({
            event: "start",
            config,
            backend: report.name,
            ...threadsField,
            model: clvm.options,
            time: new Date().toISOString(),
          })
        }\n`,
      );
      const preset = presetModel(variant);
      const changed = (["feedback", "tied", "passes"] as const)
        .filter((k) => config.model![k] !== preset[k])
        .map((k) => `${k} ${config.model![k]}`);
      log(
        `Training ${variant}${changed.length ? ` (${changed.join(", ")})` : ""} ` +
          `(${typeof architecture === "string" ? architecture : "custom"}) ` +
          `on ${data.name} (${data.train.ids.length} train / ${data.val.ids.length} val, ` +
          `${inputSize}×${inputSize}) with recipe ${recipe.name} on ${onBackend} into "${out}"`,
      );
    }
    const result = await runEpochs(clvm, sgd, data, state, {
      paths,
      report,
      options,
      log,
    });
    return await guardAgainstBaselines(result, data, log);
  } finally {
    sgd.dispose();
    clvm.dispose();
  }
}

/** The settings of `now` that differ from `saved`, each "name value (the checkpoint has …)". */
export function resumeConflicts(saved: TrainConfig, now: TrainConfig): string[] {
  const out: string[] = [];
  const keys = ["variant", "architecture", "dataset", "preprocess", "seed", "heads"] as const;
  for (const key of keys) {
    const a = JSON.stringify(saved[key]);
    const b = JSON.stringify(now[key]);
    if (a !== b) out.push(`${key} ${b} (the checkpoint has ${a})`);
  }
  const model = (c: TrainConfig) =>
    c.model ?? (Object.hasOwn(VARIANTS, c.variant) ? presetModel(c.variant) : undefined);
  const [ma, mb] = [model(saved), model(now)];
  for (const key of ["feedback", "tied", "passes"] as const) {
    if (ma && mb && ma[key] !== mb[key]) {
      out.push(`${key} ${JSON.stringify(mb[key])} (the checkpoint has ${JSON.stringify(ma[key])})`);
    }
  }
  if (saved.root !== null && now.root !== null && resolve(saved.root) !== resolve(now.root)) {
    out.push(`root "${now.root}" (the checkpoint has "${saved.root}")`);
  }
  if (saved.data && now.data) {
    for (const split of ["train", "val"] as const) {
      const n = `${split}Images` as const;
      if (saved.data[split] !== now.data[split] || saved.data[n] !== now.data[n]) {
        out.push(
          `${split} split ${now.data[n]} samples, fingerprint ${now.data[split]} (the ` +
            `checkpoint has ${saved.data[n]}, ${saved.data[split]})`,
        );
      }
    }
  }
  for (const key of Object.keys(saved.recipe) as (keyof Recipe)[]) {
    const a = JSON.stringify(saved.recipe[key]);
    const b = JSON.stringify(now.recipe[key]);
    if (a !== b) out.push(`recipe ${key} ${b} (the checkpoint has ${a})`);
  }
  return out;
}

/** The identity of a run: what must agree between its checkpoints and its log. */
function identityConflicts(a: TrainConfig, b: TrainConfig): string[] {
  const out: string[] = [];
  const keys = ["variant", "architecture", "dataset", "seed", "heads", "data", "model"] as const;
  for (const key of keys) {
    if (a[key] === undefined || b[key] === undefined) continue;
    const x = JSON.stringify(a[key]);
    const y = JSON.stringify(b[key]);
    if (x !== y) out.push(`${key} ${x} (last.ckpt has ${y})`);
  }
  if (JSON.stringify(a.recipe?.name) !== JSON.stringify(b.recipe?.name)) {
    out.push(`recipe ${JSON.stringify(a.recipe?.name)} (last.ckpt has ${b.recipe?.name})`);
  }
  return out;
}

/**
 * Checks, before a resume, that the folder's log and `best.ckpt` belong to the run of
 * `last.ckpt`, and that `best.ckpt` is readable (rewriting it from `last.ckpt` when they
 * hold the same epoch).
 */
async function checkFolder(
  paths: { last: string; best: string; log: string },
  state: TrainState,
  log: (message: string) => void,
): Promise<void> {
  try {
    const first = (await Deno.readTextFile(paths.log)).split("\n", 1)[0]!;
    const start = JSON.parse(first) as { event?: string; config?: TrainConfig };
    if (start.event === "start" && start.config) {
      const differ = identityConflicts(start.config, state.config);
      if (differ.length) {
        throw new ResumeError(
          `Cannot resume "${paths.last}": "${paths.log}" was started by another run ` +
            `(${differ.join("; ")}); the folder holds two runs`,
          "conflict",
          differ,
        );
      }
    }
  } catch (error) {
    if (error instanceof ResumeError) throw error;
    // No log or an unreadable first line: the log is rewritten from the checkpoint on.
  }
  if (state.best === null) return;
  let problem: string;
  try {
    const best = await readCheckpointFile(paths.best);
    const other = readState(best, paths.best);
    const differ = identityConflicts(other.config, state.config);
    if (differ.length === 0) return;
    throw new ResumeError(
      `Cannot resume "${paths.last}": "${paths.best}" holds another run (${differ.join("; ")})`,
      "conflict",
      differ,
    );
  } catch (error) {
    if (error instanceof ResumeError) throw error;
    problem = (error as Error).message;
  }
  if (state.best.epoch === state.epoch && state.batchInEpoch === 0) {
    const contents = await readCheckpointFile(paths.last);
    await writeCheckpointFile(paths.best, contents);
    log(`${problem}; rewrote it from "${paths.last}" (both hold epoch ${state.epoch})`);
    return;
  }
  throw new ResumeError(
    `${problem}. Its epoch ${state.best.epoch} cannot be rebuilt from "${paths.last}" ` +
      `(epoch ${state.epoch}${state.batchInEpoch ? `, batch ${state.batchInEpoch}` : ""}): ` +
      "start over without --resume and with --force (the old files are moved aside)",
    "corrupt",
  );
}

interface RunContext {
  paths: { last: string; best: string; log: string };
  report: { name: BackendName };
  options: TrainOptions;
  log: (message: string) => void;
}

async function runEpochs(
  clvm: CLVM,
  sgd: SGD,
  data: TrainData,
  start: TrainState,
  ctx: RunContext,
): Promise<TrainResult> {
  const { config } = start;
  const { recipe } = config;
  const { paths, options, log } = ctx;
  const spec = batchSpec(clvm, recipe, config.preprocess.size);
  const preprocess = createPreprocessor(config.preprocess);
  const batchSize = recipe.batchSize;
  const batchesPerEpoch = batchCount(data.train.ids.length, batchSize);
  const history: EpochRecord[] = [];
  let state = start;
  let stepsThisCall = 0;
  // The checkpoint that a divergence leaves in place.
  let lastGood: { path: string; epoch: number; step: number } | null = start.step > 0
    ? { path: paths.last, epoch: start.epoch, step: start.step }
    : null;
  const lastGoodText = (): string =>
    lastGood
      ? `"${lastGood.path}" (epoch ${lastGood.epoch}, step ${lastGood.step})`
      : "(none written yet)";

  const save = async (next: TrainState, targets: string[]): Promise<void> => {
    const tensors = await storeTensors(Object.entries(clvm.getWeights()));
    for (const [name, t] of tensors) {
      if (!t.data.every(Number.isFinite)) {
        throw new TrainingDivergedError(
          `Training diverged by step ${next.step}: weight "${name}" is not finite; ` +
            `kept the last good checkpoint ${lastGoodText()}`,
          next.step,
          next.epoch,
          lastGood?.path ?? null,
        );
      }
    }
    const opt = await sgd.state();
    const all = new Map<string, StoredTensor>([...tensors, ...opt.tensors]);
    const meta = {
      train: { ...next, optimizer: { iterations: opt.iterations }, backend: ctx.report.name },
      clvm: clvm.options,
    };
    for (const path of targets) await writeCheckpointFile(path, { meta, tensors: all });
    lastGood = { path: paths.last, epoch: next.epoch, step: next.step };
  };

  const skipTrainSample = skipUnreadable(data.train, log);
  const skipValSample = skipUnreadable(data.val, log);
  for (let epoch = state.epoch + 1; epoch <= config.epochs; epoch++) {
    const accum = { ...state.accum };
    const imagesAtStart = accum.images;
    const bar = options.progress
      ? createProgress(`epoch ${epoch}/${config.epochs}`, batchesPerEpoch, {
        startAt: state.batchInEpoch,
        rateUnit: "img",
      })
      : null;
    const stream = batches(data.train, {
      batchSize,
      preprocess,
      seed: state.shuffleSeed,
      epoch: epoch - 1,
      startBatch: state.batchInEpoch,
      onUnreadable: skipTrainSample,
    });
    let t0 = performance.now();
    for await (const data of stream) {
      const b = data.batch;
      const batch = toTensors(data, spec);
      let result: StepResult;
      try {
        result = await trainStep(clvm, sgd, batch, recipe);
      } catch (error) {
        const message = (error as Error).message;
        if (ctx.report.name === "wasm" && /out of bounds|abort|out of memory/i.test(message)) {
          throw new Error(
            `Training step ${state.step + 1} failed on the wasm backend (${message}): a batch ` +
              `of ${data.size} at ${config.preprocess.size}×${config.preprocess.size} most likely ` +
              "needs more than the wasm heap holds; use a smaller --batch or --input-size, or " +
              "another --backend",
          );
        }
        throw error;
      } finally {
        disposeBatch(batch);
      }
      const step = state.step + 1;
      if (!result.finite) {
        bar?.done(`epoch ${epoch}/${config.epochs}: diverged at step ${step}`);
        const message =
          `Training diverged at step ${step} (epoch ${epoch}, batch ${
            b + 1
          } of ${batchesPerEpoch}): the loss is ${result.loss}. The step was not applied; ` +
          (lastGood
            ? `the last good checkpoint ${lastGoodText()} is kept as it was`
            : "no checkpoint had been written yet") +
          ". Try a lower learning rate (--lr)";
        await appendLog(paths.log, {
          event: "diverged",
          epoch,
          batch: b + 1,
          step,
          loss: String(result.loss),
          losses: { segmentation: result.segmentation, keypoints: result.keypoints },
          checkpoint: lastGood,
          time: new Date().toISOString(),
        });
        throw new TrainingDivergedError(message, step, epoch, lastGood?.path ?? null);
      }
      accum.loss += result.loss;
      accum.segmentation += result.segmentation ?? 0;
      accum.keypoints += result.keypoints ?? 0;
      accum.batches++;
      accum.images += data.size;
      accum.seconds += (performance.now() - t0) / 1000;
      state = { ...state, step, batchInEpoch: b + 1, accum };
      stepsThisCall++;
      const loss = accum.loss / accum.batches;
      bar?.update(b + 1, {
        work: accum.images - imagesAtStart,
        note: `loss ${Number.isFinite(loss) ? loss.toFixed(4) : String(loss)}`,
      });
      if (
        config.checkpointEvery > 0 && step % config.checkpointEvery === 0 &&
        b + 1 < batchesPerEpoch
      ) {
        await save(state, [paths.last]);
      }
      if (options.stopAfterSteps !== undefined && stepsThisCall >= options.stopAfterSteps) {
        bar?.done(`epoch ${epoch}/${config.epochs}: stopped after ${stepsThisCall} steps`);
        return result_(ctx, state, history, "stop-after-steps");
      }
      t0 = performance.now();
    }

    // End of epoch: validation, log, checkpoints.
    const val = await evaluate(
      clvm,
      data.val,
      config.preprocess,
      recipe,
      batchSize,
      skipValSample,
    );
    const improved = state.best === null || val.loss < state.best.validationLoss;
    const best = improved ? { epoch, validationLoss: val.loss } : state.best;
    const trainLosses: Losses = { loss: accum.loss / accum.batches };
    if (clvm.options.heads.segmentation) {
      trainLosses.segmentation = accum.segmentation / accum.batches;
    }
    if (clvm.options.heads.keypoints) trainLosses.keypoints = accum.keypoints / accum.batches;
    const record: EpochRecord = {
      event: "epoch",
      epoch,
      step: state.step,
      train: {
        ...trainLosses,
        images: accum.images,
        seconds: accum.seconds,
        imagesPerSecond: accum.images / accum.seconds,
      },
      val,
      best: improved,
      learningRate: sgd.learningRate,
      memory: memoryRecord(),
      time: new Date().toISOString(),
    };
    const done: TrainState = {
      ...state,
      epoch,
      batchInEpoch: 0,
      accum: zeroAccum(),
      best,
    };
    await appendLog(paths.log, record as unknown as Record<string, unknown>);
    await save(done, improved ? [paths.best, paths.last] : [paths.last]);
    state = done;
    history.push(record);
    const metrics = [
      val.pixelAccuracy !== undefined ? `pixel acc ${(val.pixelAccuracy * 100).toFixed(1)}%` : "",
      val.keypointError !== undefined ? `kp err ${(val.keypointError * 100).toFixed(1)}%` : "",
    ].filter(Boolean).join(", ");
    const summary = `epoch ${epoch}/${config.epochs}: train loss ${fmt(trainLosses.loss)} | ` +
      `val loss ${fmt(val.loss)}${metrics ? `, ${metrics}` : ""}${improved ? " (best)" : ""} | ` +
      `${record.train.imagesPerSecond.toFixed(1)} img/s, ${record.memory.numTensors} tensors`;
    if (bar) bar.done(summary);
    else log(summary);
  }
  return result_(ctx, state, history, "completed");
}

function result_(
  ctx: RunContext,
  state: TrainState,
  history: EpochRecord[],
  stopped: TrainResult["stopped"],
): TrainResult {
  return {
    out: ctx.options.out,
    backend: ctx.report.name,
    config: state.config,
    epochs: state.epoch,
    step: state.step,
    history,
    best: state.best,
    checkpoints: ctx.paths,
    stopped,
  };
}
