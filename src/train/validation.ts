/**
 * Validation of the trainer: losses and the cheap task metrics (pixel accuracy, keypoint
 * error) of a model over a split, in inference mode.
 *
 * @module
 */
import { tf } from "../deps.ts";
import type { CLVM } from "../clvm/model.ts";
import { keypointCoordinates } from "../clvm/heads.ts";
import { batches } from "../data/batches.ts";
import { createPreprocessor, type PreprocessConfig } from "../data/preprocess.ts";
import type { Dataset } from "../data/types.ts";
import { upsampleBilinear } from "./losses.ts";
import type { Recipe } from "./recipes.ts";
import { disposeBatch, toTensors } from "./_inputs.ts";
import { batchLoss } from "./_batch_loss.ts";
import { batchSpec, type Losses } from "./step.ts";

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

/**
 * Losses and the cheap task metrics of `clvm` (inference mode, batch norm from its
 * running averages) over `dataset` in its own order, `batchSize` images at a time,
 * preprocessed without augmentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { createCLVM } from "../clvm/model.ts";
 * import { RECIPES } from "./recipes.ts";
 * import { openToyDataset } from "./toy_dataset.ts";
 * import { evaluate } from "./validation.ts";
 * await tf.setBackend("cpu");
 * const clvm = createCLVM({ variant: "CLVM1-seg", heads: { segmentation: { channels: 3 } } });
 * const dataset = openToyDataset("val", 3, 16);
 * const val = await evaluate(clvm, dataset, { size: 16, crop: "image" }, RECIPES.quick, 2);
 * assert.equal(val.images, 3);
 * assert.ok(val.pixelAccuracy! >= 0 && val.pixelAccuracy! <= 1);
 * assert.equal(val.keypointError, undefined); // no keypoint head
 * clvm.dispose();
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
