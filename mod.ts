/**
 * clvm: the convolutional latent-variable model of Hu & Ramanan on Deno's WebGPU
 * through TensorFlow.js.
 *
 * @example
 * ```ts
 * import { createCLVM, initBackend, tf } from "./mod.ts";
 * await initBackend("cpu");
 * const clvm = createCLVM({ architecture: "tiny", passes: 2, heads: { segmentation: { layer: 1, channels: 3 } }, seed: 1 });
 * const out = clvm.predict(tf.zeros([1, 32, 32, 3]));
 * out.segmentation?.dispose();
 * clvm.dispose();
 * ```
 *
 * @module
 */
export { tf } from "./src/deps.ts";
export * from "./src/backend.ts";
export * from "./src/clvm/config.ts";
export * from "./src/clvm/variants.ts";
export { CLVM, createCLVM, setInferenceKernels, weightNames } from "./src/clvm/model.ts";
export type { BatchStats, ForwardOptions, WeightMap } from "./src/clvm/model.ts";
export * from "./src/clvm/heads.ts";
export {
  loadCheckpoint,
  readCheckpointFile,
  restoreWeights,
  saveCheckpoint,
  writeCheckpointFile,
} from "./src/clvm/checkpoint.ts";
export type { CheckpointContents, StoredTensor } from "./src/clvm/checkpoint.ts";
export type {
  Box,
  CheckReport,
  DataProblem,
  Dataset,
  Keypoint,
  RgbImage,
  Sample,
  Split,
} from "./src/data/types.ts";
export {
  checkDataset,
  DATASET_NAMES,
  openDataset,
  REAL_DATASET_NAMES,
  SYNTHETIC_DATASET_NAMES,
} from "./src/data/open_dataset.ts";
export type { OpenDatasetOptions } from "./src/data/open_dataset.ts";
export {
  createPreprocessor,
  fromNetwork,
  mapKeypointsBack,
  mapLabelsBack,
  mapProbabilitiesBack,
  PREPROCESS,
  preprocess,
  toNetwork,
} from "./src/data/preprocess.ts";
export type { PreprocessConfig, Preprocessed, Transform } from "./src/data/preprocess.ts";
export { train, TrainingDivergedError } from "./src/train/trainer.ts";
export type { EpochRecord, TrainConfig, TrainOptions, TrainResult } from "./src/train/trainer.ts";
export { RECIPE_NAMES, RECIPES, resolveRecipe } from "./src/train/recipes.ts";
export type { Recipe, RecipeName } from "./src/train/recipes.ts";
