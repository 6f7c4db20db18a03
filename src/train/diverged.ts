/**
 * The error of a run whose loss (or a weight) stopped being finite.
 *
 * @module
 */

/** Thrown when the loss (or a weight) becomes NaN or infinite. */
export class TrainingDivergedError extends Error {
  /** The global step (1-based) whose loss was not finite. */
  readonly step: number;
  /** The epoch of that step. */
  readonly epoch: number;
  /** The last good checkpoint, kept as it was, or null when none was written. */
  readonly checkpoint: string | null;

  /** See the class doc. */
  constructor(message: string, step: number, epoch: number, checkpoint: string | null) {
    super(message);
    this.name = "TrainingDivergedError";
    this.step = step;
    this.epoch = epoch;
    this.checkpoint = checkpoint;
  }
}
