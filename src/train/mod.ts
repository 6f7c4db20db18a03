/**
 * Training: the losses, SGD with momentum, the recipes, the trainer with its checkpoints and
 * resume, the datasets it accepts (with the toy task) and the tensors it feeds.
 *
 * @module
 */
export * from "./losses.ts";
export * from "./recipes.ts";
export * from "./sgd.ts";
export * from "./toy_dataset.ts";
export * from "./trainer.ts";
export * from "./baseline_guard.ts";
export * from "./head_init.ts";
export { DATASET_NAMES as TRAIN_DATASET_NAMES, openTrainData, preprocessFor } from "./_datasets.ts";
export { disposeBatch, toTensors } from "./_inputs.ts";
export { MODEL_FLAGS, modelFlags, type ModelOverrides } from "./model_flags.ts";
