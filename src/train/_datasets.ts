// Dataset names the trainer accepts, and each one's preprocessing (docs/MODEL.md §4).
import { DATASET_NAMES as DATA_NAMES, openDataset } from "../data/open_dataset.ts";
import { PREPROCESS, type PreprocessConfig } from "../data/preprocess.ts";
import type { Dataset } from "../data/types.ts";
import { openToyDataset, TOY_DATASET, TOY_SIZE } from "./toy_dataset.ts";

/** A training and a validation split, and how samples become network inputs. */
export interface TrainData {
  /** The dataset's name (stored in checkpoints; a resumed run must name the same). */
  name: string;
  /** The split trained on. */
  train: Dataset;
  /** The split validated on after every epoch. */
  val: Dataset;
  /** Crop, size and normalization of the network input (`preprocess.ts`). */
  preprocess: PreprocessConfig;
}

/** Every dataset name the trainer accepts: `openDataset`'s and the toy task. */
export const DATASET_NAMES: readonly string[] = [...DATA_NAMES, TOY_DATASET];

/** The protocol's preprocessing of a dataset name (synthetic stand-ins: their real one's). */
export function preprocessFor(name: string): PreprocessConfig {
  if (name === TOY_DATASET) return { size: TOY_SIZE, crop: "image" };
  const real = name.replace(/^synthetic-/, "") as keyof typeof PREPROCESS;
  const config = PREPROCESS[real];
  if (!config) {
    throw new Error(`Unknown dataset "${name}": expected one of ${DATASET_NAMES.join(", ")}`);
  }
  return config;
}

/**
 * Opens the train and val splits of dataset `name` (synthetic ones are generated on
 * first use; `root` is required for the real ones). `inputSize` overrides the protocol's
 * network input side.
 */
export async function openTrainData(
  name: string,
  root: string | undefined,
  inputSize?: number,
  splitFile?: string,
): Promise<TrainData> {
  if (!DATASET_NAMES.includes(name)) {
    throw new Error(`Unknown dataset "${name}": expected one of ${DATASET_NAMES.join(", ")}`);
  }
  const base = preprocessFor(name);
  const preprocess = inputSize === undefined ? base : { ...base, size: inputSize };
  if (name === TOY_DATASET) {
    return { name, train: openToyDataset("train"), val: openToyDataset("val"), preprocess };
  }
  const options = {
    ...(root === undefined ? {} : { root }),
    ...(splitFile === undefined ? {} : { splitFile }),
  };
  const [train, val] = await Promise.all([
    openDataset(name, { ...options, split: "train" }),
    openDataset(name, { ...options, split: "val" }),
  ]);
  return { name, train, val, preprocess };
}
