/**
 * A run's options and its resolved config: what {@link train} accepts, what decides its
 * trajectory (stored in its checkpoints), and how the one becomes the other — the variant,
 * architecture, dataset, input size, recipe and model settings, each checked.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { BackendChoice } from "../backend.ts";
import {
  type ArchitectureSpec,
  type CLVMOptions,
  type Feedback,
  FEEDBACK_MODES,
} from "../clvm/config.ts";
import { VARIANT_NAMES, type VariantName, VARIANTS } from "../clvm/variants.ts";
import type { PreprocessConfig } from "../data/preprocess.ts";
import type { Dataset } from "../data/types.ts";
import { type Recipe, type RecipeName, resolveRecipe } from "./recipes.ts";
import type { LearningRateSchedule } from "./lr_schedule.ts";
import { openTrainData, type TrainData } from "./_datasets.ts";
import { warnAboutProblems } from "./data_problems.ts";

/** Options of `train()`. With `resume`, options left out come from the checkpoint. */
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
  /** Overrides the recipe's learning-rate schedule (`Recipe.learningRateSchedule`). */
  learningRateSchedule?: LearningRateSchedule;
  /** Overrides the recipe's keypoint task weight (`Recipe.taskWeights.keypoints`). */
  keypointWeight?: number;
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

function positiveInteger(what: string, value: unknown, min = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new Error(`Invalid ${what} ${JSON.stringify(value)}: expected an integer ≥ ${min}`);
  }
  return value;
}

function nonNegative(what: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`Invalid ${what} ${JSON.stringify(value)}: expected a finite number ≥ 0`);
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

/**
 * The config of a run from its `options`, with what they leave out taken from `prior` (the
 * checkpoint's config, when resuming) or the defaults; opens the dataset (a name) and says
 * through `log` what it left out. Every value is checked, with an error naming it.
 */
export async function resolveConfig(
  options: TrainOptions,
  prior: TrainConfig | undefined,
  log: (message: string) => void,
): Promise<{ config: TrainConfig; data: TrainData }> {
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
    ...(options.learningRateSchedule !== undefined
      ? { learningRateSchedule: options.learningRateSchedule }
      : {}),
    ...(options.keypointWeight !== undefined
      ? {
        taskWeights: {
          segmentation: resolveRecipe(recipeBase).taskWeights.segmentation,
          keypoints: nonNegative("keypointWeight", options.keypointWeight),
        },
      }
      : {}),
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
  return { config, data };
}
