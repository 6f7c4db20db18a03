/**
 * clvm: the convolutional latent-variable model of Hu & Ramanan on Deno's WebGPU through
 * TensorFlow.js — the model and its variants, the backend, the datasets in their real
 * formats, preprocessing, training and the paper's evaluation.
 *
 * Tensors are tfjs-core's: import `tf` from the same npm specifier this package uses
 * (`npm:@tensorflow/tfjs-core@4.22.0`), which Deno resolves to the same module, so tensors
 * and backends are shared. Lower-level pieces (kernels, ops, checkpoint files, the report
 * renderers) are in the packages' own faces, `src/<package>/mod.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
 * import { createCLVM, initBackend } from "./mod.ts";
 * await initBackend("cpu");
 * const before = tf.memory().numTensors;
 * const clvm = createCLVM({ variant: "CLVM2-seg", architecture: "tiny", seed: 1 });
 * const x = tf.zeros([1, 32, 32, 3]);
 * const out = clvm.predict(x);
 * assert.deepEqual(out.segmentation?.shape, [1, 32, 32, 3]);
 * tf.dispose([x, out.segmentation!]);
 * clvm.dispose();
 * assert.equal(tf.memory().numTensors, before);
 * ```
 *
 * @module
 */
export * from "./src/backend.ts";
export type {
  Scalar,
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor3D,
  Tensor4D,
  Variable,
} from "./src/deps.ts";
export {
  ARCHITECTURES,
  type ArchitectureSpec,
  type BatchStats,
  CLVM,
  type CLVMOptions,
  createCLVM,
  type Feedback,
  FEEDBACK_MODES,
  type ForwardOptions,
  type HeadOutputs,
  type HeadSpec,
  type HeadsSpec,
  keypointCoordinates,
  type LayerSpec,
  loadCheckpoint,
  oracleKeypointLocations,
  type ResolvedOptions,
  saveCheckpoint,
  segmentationLabels,
  setInferenceKernels,
  type StoredTensor,
  VARIANT_NAMES,
  type VariantName,
  VARIANTS,
  type WeightMap,
  weightNames,
} from "./src/clvm/mod.ts";
export {
  type Box,
  checkDataset,
  type CheckReport,
  createPreprocessor,
  type DataProblem,
  type Dataset,
  DATASET_NAMES,
  fromNetwork,
  type Keypoint,
  type KeypointInput,
  mapKeypointsBack,
  mapLabelsBack,
  mapProbabilitiesBack,
  openDataset,
  type OpenDatasetOptions,
  type PadMode,
  PREPROCESS,
  preprocess,
  type PreprocessConfig,
  type Preprocessed,
  type RandomSource,
  REAL_DATASET_NAMES,
  registerSyntheticDataset,
  type RgbImage,
  type Sample,
  type Split,
  SYNTHETIC_DATASET_NAMES,
  type SyntheticGenerator,
  toNetwork,
  type Transform,
} from "./src/data/mod.ts";
export * from "./src/eval/mod.ts";
export {
  type BaselineCheck,
  type DataIdentity,
  type EpochRecord,
  type KeypointBiasInit,
  type Losses,
  type LossNormalization,
  type ModelSettings,
  type Recipe,
  RECIPE_NAMES,
  type RecipeName,
  type RecipeOverrides,
  RECIPES,
  resolveRecipe,
  ResumeError,
  type SegmentationTarget,
  train,
  type TrainConfig,
  type TrainData,
  TrainingDivergedError,
  type TrainOptions,
  type TrainResult,
  type Validation,
} from "./src/train/mod.ts";
