/**
 * Training: the losses, SGD with momentum, the recipes, the trainer with its checkpoints and
 * resume, the datasets it accepts (with the toy task) and the tensors it feeds.
 *
 * @module
 */
export * from "./losses.ts";
export * from "./recipes.ts";
export * from "./sgd.ts";
export * from "./lr_schedule.ts";
export * from "./toy_dataset.ts";
export {
  type DataIdentity,
  dataIdentity,
  modelOptions,
  type ModelSettings,
  modelSettings,
  presetModel,
  splitFingerprint,
  type TrainConfig,
  type TrainOptions,
} from "./train_config.ts";
export * from "./step.ts";
export * from "./validation.ts";
export * from "./data_problems.ts";
export { prepareBackendForTraining } from "./prepare_backend.ts";
export * from "./diverged.ts";
export * from "./run_records.ts";
export * from "./resume.ts";
export { train } from "./trainer.ts";
export * from "./baseline_guard.ts";
export * from "./head_init.ts";
export type { TrainData } from "./_datasets.ts";
export { DATASET_NAMES as TRAIN_DATASET_NAMES, openTrainData, preprocessFor } from "./_datasets.ts";
export { type Batch, type BatchSpec, disposeBatch, toTensors } from "./_inputs.ts";
export { MODEL_FLAGS, modelFlags, type ModelOverrides } from "./model_flags.ts";
// The types of other packages that the names above take or return, so the face documents
// them whole.
export type { Scalar, Tensor, Tensor3D, Tensor4D } from "../deps.ts";
export type { BackendChoice, BackendName } from "../backend.ts";
export type { ArchitectureSpec, CLVMOptions, Feedback } from "../clvm/config.ts";
export type { VariantName } from "../clvm/variants.ts";
export type { CLVM } from "../clvm/model.ts";
export type { StoredTensor } from "../clvm/checkpoint.ts";
export type { Dataset, Keypoint, Sample, Split } from "../data/types.ts";
export type { PreprocessConfig } from "../data/preprocess.ts";
export type { Batch as DataBatch } from "../data/batches.ts";
export type { Tensor1D, Tensor2D, Variable } from "../deps.ts";
export type { HeadSpec, HeadsSpec, LayerSpec, ResolvedOptions } from "../clvm/config.ts";
export type { BatchStats, ForwardOptions, WeightMap } from "../clvm/model.ts";
export type { HeadOutputs } from "../clvm/heads.ts";
export type { Box, DataProblem, RgbImage } from "../data/types.ts";
export type { PadMode, Transform } from "../data/preprocess.ts";
