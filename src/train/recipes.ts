/**
 * Training recipes: every training constant in one typed config per recipe (STYLE:
 * configs, not code). `paper` is the paper's §3 setting; `quick` is what trains the
 * `tiny` architecture fastest to a useful loss on this project's 2-core CPUs.
 *
 * @module
 */
import {
  LOSS_NORMALIZATIONS,
  type LossNormalization,
  SEGMENTATION_TARGETS,
  type SegmentationTarget,
} from "./losses.ts";
import { LEARNING_RATE_SCHEDULES, type LearningRateSchedule } from "./lr_schedule.ts";

/** How a keypoint head's bias starts (see {@link Recipe.keypointBiasInit}). */
export type KeypointBiasInit = "gaussian" | "prior";

/** The keypoint bias initializations, for validating user input. */
export const KEYPOINT_BIAS_INITS: readonly KeypointBiasInit[] = ["gaussian", "prior"];

/** A training recipe. */
export interface Recipe {
  /** The recipe's name (`paper`, `quick`, or a custom one). */
  name: string;
  /** One sentence on where the values come from. */
  description: string;
  /** Images per SGD step. */
  batchSize: number;
  /** Default number of epochs (the paper gives none; a run's `epochs` overrides it). */
  epochs: number;
  /**
   * SGD learning rate η. Measured on the keypoint task of {@link Recipe.lossNormalization}
   * (mean loss): η 0.01 0.128, 0.05 0.061, 0.2 0.073, 0.5 0.149 — 0.05 is best.
   */
  learningRate: number;
  /**
   * How η changes over the run (`lr_schedule.ts`): `"constant"` (the paper gives no
   * schedule) or `"cosine"`, annealed from η towards 0 over all the run's steps. Recipes
   * stored before this field existed trained with `"constant"`. Measured (tiny, quick
   * recipe, seed 1, validation after the last epoch; constant → cosine): LFW-Parts quick
   * setting, CLVM₁-seg (150 images × 3 epochs) pixel accuracy 71.9% → 72.5%; Pascal
   * stand-in (800 × 6 epochs, η 0.02, keypoint weight 30) CLVM₁-seg 86.5 → 86.3%,
   * CLVM₂-seg 82.7 → 82.9%, M-CLVM₁ 88.0 → 84.5% and keypoint error 7.0 → 8.6%,
   * M-CLVM₂ 85.4 → 84.7% and 7.2 → 7.5%, CLVM₁-kp 7.6 → 7.0%, CLVM₂-kp 7.5 → 7.8%. These
   * short runs are still improving at their end, so annealing costs more progress than it
   * removes noise: every recipe keeps the constant η.
   */
  learningRateSchedule: LearningRateSchedule;
  /** SGD momentum μ. */
  momentum: number;
  /** Weight decay λ on conv, top-down and head filters (not biases, not batch norm). */
  weightDecay: number;
  /** Batch-normalize the bottom-up and top-down signals. */
  batchNorm: boolean;
  /**
   * Momentum of the batch-norm running averages (Keras convention: weight of the old).
   * Measured as for {@link Recipe.lossNormalization}: 0.9 gives 0.061, 0.5 0.073, 0.99
   * 0.077 — 0.9 stays.
   */
  batchNormMomentum: number;
  /**
   * Training images over which the batch-norm averages are recomputed before each
   * validation (`batch_norm_averages.ts`; 0 keeps the running averages, as recipes
   * stored before this field existed did). The paper does not say how its test-time
   * statistics were made (MatConvNet tests with moments accumulated in training). Measured on real LFW-Parts
   * (tiny CLVM₂-seg, 200 validation images): validation pixel accuracy after epoch 4
   * 52.7% with the running averages, 82.2% with 320 images recomputed; see that module.
   */
  batchNormRecomputeImages: number;
  /** Standard deviation of the initial filters. */
  weightStd: number;
  /** Standard deviation of the initial biases. */
  biasStd: number;
  /** Multi-task loss = Σ weight·loss over the model's heads. */
  taskWeights: { segmentation: number; keypoints: number };
  /** How segmentation logits and labels meet (see `losses.ts`). */
  segmentationTarget: SegmentationTarget;
  /** Side of the square a keypoint's target covers, in map cells (paper: 3). */
  keypointDilation: number;
  /**
   * How both losses are normalized (`losses.ts`): `"mean"` over cells, or
   * `"sum-over-batch"`, MatConvNet's sum over cells divided by the batch (the authors'
   * toolbox; the same η then takes steps about h·w·K times larger). Recipes stored before
   * this field existed trained with `"mean"`. Measured (`benchmarks/keypoint_knobs.ts`,
   * tiny CLVM₁-kp, toy-shapes at 64 px, 96 steps of batch 8, seed 1; validation keypoint
   * error, mean-shape baseline 0.252): mean at η 0.05 0.061; sum/batch at η 0.05 and
   * 0.01 0.729 (the maps collapse: worse than the mean shape), at η 0.001 0.062 — the
   * sum needs an η about 50× smaller to train as well. On LFW-Parts with the `paper`
   * recipe the sum diverges (see {@link RECIPES}), so every recipe uses the mean.
   */
  lossNormalization: LossNormalization;
  /**
   * The keypoint head's initial bias: `"gaussian"` like every bias (N(0, biasStd²)), or
   * `"prior"`, the prior-probability bias −log((1−π)/π) with π = dilation²/(h·w) the
   * fraction of positive cells of a map (`priorBias` in `clvm/params.ts`), as detection
   * heads start. The loss is unchanged. Measured as above: 0.031 with the prior against
   * 0.061 without (half the error for the same steps; with η 0.2 0.041 against 0.073).
   * At σ(0) = ½ the first steps are spent pushing thousands of negative cells down; the
   * prior starts there.
   */
  keypointBiasInit: KeypointBiasInit;
  /**
   * Weight of the positive cells in the keypoint log-loss. 1 is the paper's loss; other
   * values depart from it (an option for experiments, never the `paper` recipe).
   * Measured as above: ×10 gives 0.046 (better than the paper's loss with a Gaussian
   * bias, 0.061, worse than the prior bias with the paper's loss, 0.031).
   */
  keypointPositiveWeight: number;
}

/** What recipes stored before a field existed trained with. */
const LEGACY_DEFAULTS = {
  learningRateSchedule: "constant",
  lossNormalization: "mean",
  keypointBiasInit: "gaussian",
  keypointPositiveWeight: 1,
  batchNormRecomputeImages: 0,
} as const satisfies Partial<Recipe>;

/** The recipe names. */
export type RecipeName = "paper" | "quick";

/**
 * The recipes.
 *
 * - `paper`: Hu & Ramanan §3 — SGD, batch 32, η 0.01, μ 0.9, λ 0.0005, batch norm, no
 *   pre-training, filters ~ N(0, 0.01²), biases ~ N(0, 0.1²). The paper gives no epoch
 *   count; 30 is ours. The losses are the mean over cells, not the authors' MatConvNet
 *   convention (sum over pixels / batch), because that diverges with η 0.01: on real
 *   LFW-Parts (`benchmarks/loss_normalization.ts`: tiny CLVM₁-seg — the paper
 *   architecture is too slow on this CPU —, 128 training images at 96 px, 12 steps of
 *   batch 32, seed 1) the summed training loss grew 3.7·10⁹ → 9.5·10¹⁴ → 2.8·10¹⁵ over
 *   three epochs and validation pixel accuracy fell to 21–60%, below the 70% majority
 *   class; with the mean it fell 0.92 → 0.80 → 0.76 (still predicting the majority class
 *   after 12 steps). The keypoint bias keeps the paper's N(0, 0.1²).
 * - `quick`: the same model and losses with batch 8 and η 0.05. Measured on this
 *   project's 2-core CPUs (wasm backend, `tiny` M-CLVM₂): on `toy-shapes` after 5 epochs
 *   (same images seen, about the same seconds), validation loss for batch 8 / 16 / 32 at
 *   η 0.01, 0.05, 0.1, 0.2 was 0.128 0.126 0.212 0.181 / 0.363 0.253 0.365 0.409 /
 *   0.865 1.855 1.655 1.492 (batch 8 wins: more steps per second of data; larger batches
 *   also leave the batch-norm averages behind); on `synthetic-pascal-person` after 12
 *   epochs η 0.05 reached 0.553 and η 0.01 0.578. The losses are the mean over cells
 *   (the sum needs a ~50× smaller η to train as well) and the keypoint head starts at
 *   the prior-probability bias, which halved the keypoint error for the same 96 steps
 *   (0.031 against 0.061; see the fields' docs for every knob measured).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECIPES } from "./recipes.ts";
 * assert.equal(RECIPES.paper.batchSize, 32);
 * assert.equal(RECIPES.paper.learningRate, 0.01);
 * ```
 */
export const RECIPES: Readonly<Record<RecipeName, Readonly<Recipe>>> = {
  paper: {
    name: "paper",
    description: "Hu & Ramanan §3: SGD, batch 32, lr 0.01, momentum 0.9, decay 0.0005, " +
      "batch norm, N(0, 0.01²) filters, N(0, 0.1²) biases",
    batchSize: 32,
    epochs: 30,
    learningRate: 0.01,
    learningRateSchedule: "constant",
    momentum: 0.9,
    weightDecay: 0.0005,
    batchNorm: true,
    batchNormMomentum: 0.9,
    batchNormRecomputeImages: 320,
    weightStd: 0.01,
    biasStd: 0.1,
    taskWeights: { segmentation: 1, keypoints: 1 },
    segmentationTarget: "upsample-logits",
    keypointDilation: 3,
    lossNormalization: "mean",
    keypointBiasInit: "gaussian",
    keypointPositiveWeight: 1,
  },
  quick: {
    name: "quick",
    description: "The paper's model and losses (mean over cells) with batch 8, lr 0.05 and " +
      "the prior-probability keypoint bias: the fastest setting measured to a useful loss " +
      "for the tiny architecture on a 2-core CPU",
    batchSize: 8,
    epochs: 10,
    learningRate: 0.05,
    learningRateSchedule: "constant",
    momentum: 0.9,
    weightDecay: 0.0005,
    batchNorm: true,
    batchNormMomentum: 0.9,
    batchNormRecomputeImages: 320,
    weightStd: 0.01,
    biasStd: 0.1,
    taskWeights: { segmentation: 1, keypoints: 1 },
    segmentationTarget: "upsample-logits",
    keypointDilation: 3,
    lossNormalization: "mean",
    keypointBiasInit: "prior",
    keypointPositiveWeight: 1,
  },
};

/** The recipe names, for validating user input. */
export const RECIPE_NAMES: readonly RecipeName[] = Object.keys(RECIPES) as RecipeName[];

/** Fields to replace in a recipe; `undefined` ones are ignored. */
export type RecipeOverrides = { [K in keyof Recipe]?: Recipe[K] | undefined };

const NUMBER_FIELDS = [
  "batchSize",
  "epochs",
  "learningRate",
  "momentum",
  "weightDecay",
  "batchNormMomentum",
  "batchNormRecomputeImages",
  "weightStd",
  "biasStd",
  "keypointDilation",
  "keypointPositiveWeight",
] as const;

/**
 * A recipe by name, or a custom one checked field by field, with `overrides` applied.
 * Errors name the field and what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveRecipe } from "./recipes.ts";
 * assert.equal(resolveRecipe("paper", { learningRate: 0.1 }).learningRate, 0.1);
 * ```
 */
export function resolveRecipe(
  recipe: RecipeName | Recipe,
  overrides: RecipeOverrides = {},
): Recipe {
  let base: Recipe;
  if (typeof recipe === "string") {
    const named = (RECIPES as Record<string, Recipe>)[recipe];
    if (!named) {
      throw new Error(`Unknown recipe "${recipe}": expected one of ${RECIPE_NAMES.join(", ")}`);
    }
    base = named;
  } else {
    base = recipe;
  }
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as Partial<Recipe>;
  const r: Recipe = {
    ...LEGACY_DEFAULTS,
    ...base,
    ...defined,
    taskWeights: { ...base.taskWeights, ...defined.taskWeights },
  };
  for (const field of NUMBER_FIELDS) {
    const v = r[field];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new Error(`Invalid recipe ${field} ${v}: expected a finite number ≥ 0`);
    }
  }
  for (const field of ["batchSize", "epochs", "keypointDilation"] as const) {
    if (!Number.isInteger(r[field]) || r[field] < 1) {
      throw new Error(`Invalid recipe ${field} ${r[field]}: expected an integer ≥ 1`);
    }
  }
  if (!Number.isInteger(r.batchNormRecomputeImages)) {
    throw new Error(
      `Invalid recipe batchNormRecomputeImages ${r.batchNormRecomputeImages}: expected an ` +
        "integer ≥ 0",
    );
  }
  if (r.keypointDilation % 2 !== 1) {
    throw new Error(`Invalid recipe keypointDilation ${r.keypointDilation}: expected odd`);
  }
  if (!(r.learningRate > 0)) {
    throw new Error(`Invalid recipe learningRate ${r.learningRate}: expected a number > 0`);
  }
  if (r.momentum >= 1 || r.batchNormMomentum >= 1) {
    throw new Error(
      `Invalid recipe momentum ${r.momentum} / batchNormMomentum ${r.batchNormMomentum}: ` +
        "expected numbers in [0, 1)",
    );
  }
  if (!LEARNING_RATE_SCHEDULES.includes(r.learningRateSchedule)) {
    throw new Error(
      `Invalid recipe learningRateSchedule "${r.learningRateSchedule}": expected one of ${
        LEARNING_RATE_SCHEDULES.join(", ")
      }`,
    );
  }
  if (!SEGMENTATION_TARGETS.includes(r.segmentationTarget)) {
    throw new Error(
      `Invalid recipe segmentationTarget "${r.segmentationTarget}": expected one of ${
        SEGMENTATION_TARGETS.join(", ")
      }`,
    );
  }
  if (!LOSS_NORMALIZATIONS.includes(r.lossNormalization)) {
    throw new Error(
      `Invalid recipe lossNormalization "${r.lossNormalization}": expected one of ${
        LOSS_NORMALIZATIONS.join(", ")
      }`,
    );
  }
  if (!KEYPOINT_BIAS_INITS.includes(r.keypointBiasInit)) {
    throw new Error(
      `Invalid recipe keypointBiasInit "${r.keypointBiasInit}": expected one of ${
        KEYPOINT_BIAS_INITS.join(", ")
      }`,
    );
  }
  if (!(r.keypointPositiveWeight > 0)) {
    throw new Error(
      `Invalid recipe keypointPositiveWeight ${r.keypointPositiveWeight}: expected a number > 0`,
    );
  }
  for (const task of ["segmentation", "keypoints"] as const) {
    const w = r.taskWeights[task];
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      throw new Error(`Invalid recipe taskWeights.${task} ${w}: expected a finite number ≥ 0`);
    }
  }
  return r;
}

/**
 * The fields of `now` whose value differs in `saved`, a recipe a model trained with (a
 * field `saved` lacks counts as what recipes trained with before it existed).
 */
export function recipeFieldsDiffering(saved: Recipe, now: Recipe): (keyof Recipe)[] {
  const then = resolveRecipe(saved);
  return (Object.keys(now) as (keyof Recipe)[])
    .filter((k) => JSON.stringify(then[k]) !== JSON.stringify(now[k]));
}
