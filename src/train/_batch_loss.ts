// The weighted multi-task loss of a batch: what a training step differentiates and what
// validation averages.
import { tf } from "../deps.ts";
import type { BatchStats, CLVM } from "../clvm/model.ts";
import { segmentationLoss, sigmoidLogLoss } from "./losses.ts";
import type { Recipe } from "./recipes.ts";
import type { Batch } from "./_inputs.ts";

/** The loss tensors of a batch: the weighted total and each head's. */
export interface LossTensors {
  loss: tf.Scalar;
  segmentation?: tf.Scalar;
  keypoints?: tf.Scalar;
}

/** The weighted multi-task loss of a batch (call inside a tidy or a gradient scope). */
export function batchLoss(
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
