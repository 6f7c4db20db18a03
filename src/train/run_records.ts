/**
 * What a run reports: the `epoch` records of its log and the result of {@link train}.
 *
 * @module
 */
import type { BackendName } from "../backend.ts";
import type { BaselineCheck } from "./baseline_guard.ts";
import type { Losses } from "./step.ts";
import type { TrainConfig } from "./train_config.ts";
import type { Validation } from "./validation.ts";

/** One `epoch` line of `log.jsonl`. */
export interface EpochRecord {
  /** The record type. */
  event: "epoch";
  /** The epoch (1-based). */
  epoch: number;
  /** SGD steps done after it. */
  step: number;
  /** Mean training losses over the epoch's steps, images and time spent in steps. */
  train: Losses & { images: number; seconds: number; imagesPerSecond: number };
  /** Validation after the epoch. */
  val: Validation;
  /** Whether this epoch set a new lowest validation loss (and was saved as best.ckpt). */
  best: boolean;
  /** The learning rate used. */
  learningRate: number;
  /** `tf.memory()` (and the process RSS) at the end of the epoch. */
  memory: {
    numTensors: number;
    numBytes: number;
    numBytesInGPU?: number;
    rss: number;
  };
  /** ISO date and time the record was written. */
  time: string;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** The run's folder. */
  out: string;
  /** The backend that trained. */
  backend: BackendName;
  /** The run's resolved config. */
  config: TrainConfig;
  /** Epochs completed in total. */
  epochs: number;
  /** SGD steps taken in total. */
  step: number;
  /** The epochs completed by this call. */
  history: EpochRecord[];
  /** The epoch with the lowest validation loss so far (null before the first epoch ends). */
  best: { epoch: number; validationLoss: number } | null;
  /** Paths of the run's files. */
  checkpoints: { last: string; best: string; log: string };
  /** `stop-after-steps` when `stopAfterSteps` ended the call early. */
  stopped: "completed" | "stop-after-steps";
  /** The last epoch's validation against the trivial baselines (`baseline_guard.ts`). */
  baselines?: BaselineCheck[];
  /** Warnings of the run's end, e.g. a model that did not beat a trivial baseline. */
  warnings?: string[];
}
