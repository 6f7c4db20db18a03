// The training state a checkpoint carries in `meta.train`: with the weights and the SGD
// velocities, everything a resumed run needs to continue as the continuous run would.
import type { BackendName } from "../backend.ts";
import type { CheckpointContents } from "../clvm/checkpoint.ts";
import type { TrainConfig } from "./train_config.ts";

export const FORMAT = "clvm-train/1";

/** The training state stored in a checkpoint's `meta.train`. */
export interface TrainState {
  format: typeof FORMAT;
  config: TrainConfig;
  /** Epochs completed. */
  epoch: number;
  /** Batches of epoch `epoch + 1` already done. */
  batchInEpoch: number;
  step: number;
  /**
   * Seed of the shuffle: epoch e's order is `Mulberry32(mixSeed(shuffleSeed, e − 1))`
   * (`batches.ts`), so (shuffleSeed, epoch, batchInEpoch) is the whole generator state.
   */
  shuffleSeed: number;
  /** Sums over the batches of the unfinished epoch. */
  accum: Accum;
  best: { epoch: number; validationLoss: number } | null;
  optimizer: { iterations: number };
  /** The backend that trained (absent in checkpoints written before it existed). */
  backend?: BackendName;
}

export interface Accum {
  loss: number;
  segmentation: number;
  keypoints: number;
  batches: number;
  images: number;
  seconds: number;
}

export const zeroAccum = (): Accum => ({
  loss: 0,
  segmentation: 0,
  keypoints: 0,
  batches: 0,
  images: 0,
  seconds: 0,
});

/** The training state of a checkpoint read from `path`, or an error saying it has none. */
export function readState(contents: CheckpointContents, path: string): TrainState {
  const state = contents.meta.train as TrainState | undefined;
  if (!state || state.format !== FORMAT) {
    throw new Error(
      `Cannot resume from "${path}": it is not a training checkpoint (expected meta.train ` +
        `in format "${FORMAT}"; a model-only checkpoint cannot be resumed)`,
    );
  }
  return state;
}
