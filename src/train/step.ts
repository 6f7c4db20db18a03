/**
 * One SGD step of the trainer, and the batch layout (targets at each head's stride) that
 * its batches are built to.
 *
 * @module
 */
import { tf } from "../deps.ts";
import type { BatchStats, CLVM } from "../clvm/model.ts";
import type { Recipe } from "./recipes.ts";
import type { SGD } from "./sgd.ts";
import type { Batch, BatchSpec } from "./_inputs.ts";
import { batchLoss } from "./_batch_loss.ts";
import { releasingGradients } from "../ops/mod.ts";

/** Losses of one step or an average over steps. */
export interface Losses {
  /** Σ weight·loss over the heads. */
  loss: number;
  /** The segmentation loss (softmax cross-entropy), unweighted. */
  segmentation?: number;
  /** The keypoint loss (sigmoid log-loss), unweighted. */
  keypoints?: number;
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { createCLVM } from "../clvm/model.ts";
 * import { batches } from "../data/batches.ts";
 * import { createPreprocessor } from "../data/preprocess.ts";
 * import { isDecayed } from "./losses.ts";
 * import { resolveRecipe } from "./recipes.ts";
 * import { SGD } from "./sgd.ts";
 * import { openToyDataset } from "./toy_dataset.ts";
 * import { disposeBatch, toTensors } from "./_inputs.ts";
 * import { batchSpec, trainStep } from "./step.ts";
 * await tf.setBackend("cpu");
 * const clvm = createCLVM({ variant: "CLVM1-seg", heads: { segmentation: { channels: 3 } } });
 * const recipe = resolveRecipe("quick", {});
 * const sgd = new SGD(clvm.trainableVariables(), {
 *   learningRate: recipe.learningRate,
 *   momentum: recipe.momentum,
 *   weightDecay: recipe.weightDecay,
 *   decays: isDecayed,
 * });
 * const stream = batches(openToyDataset("train", 2, 16), {
 *   batchSize: 2,
 *   preprocess: createPreprocessor({ size: 16, crop: "image" }),
 * });
 * for await (const data of stream) {
 *   const batch = toTensors(data, batchSpec(clvm, recipe, 16));
 *   const result = await trainStep(clvm, sgd, batch, recipe);
 *   assert.ok(result.finite && result.loss > 0);
 *   assert.equal(result.loss, result.segmentation); // one head, task weight 1
 *   disposeBatch(batch);
 * }
 * sgd.dispose();
 * clvm.dispose();
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
    // Our ops free each intermediate gradient once used (`releasingGradients`).
    ({ value, grads } = releasingGradients(() =>
      tf.variableGrads(() => {
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
      }, [...params.values()])
    ));
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
