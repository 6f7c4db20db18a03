/**
 * The trivial baselines of a protocol, computed on its training split in the network's
 * input frame (the same preprocessing as the models', without augmentation): the
 * per-position majority label of the training masks and each keypoint's mean location.
 * `scoreModels` scores them on the test split beside the models.
 *
 * @module
 */
import { batches } from "../src/data/mod.ts";
import { createPreprocessor, type PreprocessConfig } from "../src/data/mod.ts";
import type { Dataset } from "../src/data/mod.ts";
import { backgroundClass, MeanKeypoints, PositionMajority } from "../src/eval/mod.ts";
import type { TrainBaselines } from "./evaluate.ts";

/**
 * The baselines of `train` under `pre` (no flips), over its first `limit` samples (all
 * when null — the reproduction passes the models' training-set size).
 */
export async function trainBaselines(
  train: Dataset,
  pre: PreprocessConfig,
  limit: number | null = null,
): Promise<TrainBaselines> {
  const ids = limit === null ? train.ids : train.ids.slice(0, limit);
  const data: Dataset = ids === train.ids ? train : {
    ...train,
    ids,
    get: (i: number) => train.get(i),
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < ids.length; i++) yield await train.get(i);
    },
  };
  const classes = train.classes ?? [];
  const background = classes.length > 0 ? backgroundClass(classes) : undefined;
  let majority: PositionMajority | null = null;
  let mean: MeanKeypoints | null = null;
  let width = pre.size, height = pre.size, images = 0;
  for await (
    const b of batches(data, {
      batchSize: 16,
      preprocess: createPreprocessor({ ...pre, flipProbability: 0 }),
      shuffle: false,
      prefetch: 1,
      // The trainers name (and count) unreadable training samples; the baselines skip them.
      onUnreadable: () => {},
    })
  ) {
    width = b.width;
    height = b.height;
    const per = b.width * b.height;
    if (b.segmentation && background !== undefined) {
      majority ??= new PositionMajority(b.width, b.height, classes.length, background);
      for (let i = 0; i < b.size; i++) {
        majority.add(b.segmentation.subarray(i * per, (i + 1) * per));
      }
    }
    if (b.keypoints && b.numKeypoints) {
      const K = b.numKeypoints;
      mean ??= new MeanKeypoints(K);
      for (let i = 0; i < b.size; i++) mean.add(b.keypoints.subarray(i * K * 3, (i + 1) * K * 3));
    }
    images += b.size;
  }
  if (images === 0) {
    throw new Error(`Cannot compute baselines on the ${train.name} training split: it is empty`);
  }
  return {
    width,
    height,
    images,
    ...(background !== undefined ? { background } : {}),
    ...(majority ? { majority: majority.result() } : {}),
    ...(mean ? { meanKeypoints: mean.result() } : {}),
  };
}
