/**
 * The learning rate of each SGD step under a recipe's schedule. `"constant"` keeps η (the
 * paper gives no schedule); `"cosine"` anneals it from η at the first step towards 0 at
 * the last, η·½(1 + cos(π·t/T)) for step t of T (SGDR without restarts: Loshchilov &
 * Hutter, 2017), so that the last epochs average out the noise of a large η.
 *
 * The rate depends only on the step count and the run's length, so a resumed run takes
 * the same steps as an uninterrupted one.
 *
 * @module
 */

/** How η changes over a run. */
export type LearningRateSchedule = "constant" | "cosine";

/** The schedules, for validating user input. */
export const LEARNING_RATE_SCHEDULES: readonly LearningRateSchedule[] = ["constant", "cosine"];

/**
 * η for the step that follows `step` completed steps of a run of `totalSteps`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { learningRateAt } from "./lr_schedule.ts";
 * assert.equal(learningRateAt(0.1, "constant", 7, 10), 0.1);
 * assert.equal(learningRateAt(0.1, "cosine", 0, 10), 0.1);
 * assert.ok(Math.abs(learningRateAt(0.1, "cosine", 5, 10) - 0.05) < 1e-12);
 * ```
 */
export function learningRateAt(
  learningRate: number,
  schedule: LearningRateSchedule,
  step: number,
  totalSteps: number,
): number {
  if (schedule === "constant") return learningRate;
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new Error(`Invalid totalSteps ${totalSteps}: expected an integer ≥ 1`);
  }
  if (!Number.isInteger(step) || step < 0 || step >= totalSteps) {
    throw new Error(`Invalid step ${step}: expected an integer in [0, ${totalSteps})`);
  }
  return learningRate * 0.5 * (1 + Math.cos(Math.PI * step / totalSteps));
}
