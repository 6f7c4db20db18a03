/**
 * The feedback modes: how a top-down signal crosses an NMS layer (`Pᵀ`, docs/MODEL.md §1).
 * One union for the whole project (the model's option, the ops, the plain-TypeScript
 * reference); every site that branches on it is a `switch` whose `default` calls
 * {@link unknownFeedback}, so a new mode does not compile until each site handles it.
 *
 * @module
 */

/** The feedback modes, in the order error messages list them. */
export const FEEDBACK_MODES = ["replicate", "switches", "zero-interlace"] as const;

/**
 * How a top-down signal crosses an NMS layer: copied to the 4 cells of each group
 * (`replicate`), sent to the cell that won the layer's last NMS (`switches`), or the layer
 * above zero-interlaced to the NMS layer's grid before its filter is applied there
 * (`zero-interlace`, the paper's Fig. 6).
 */
export type Feedback = typeof FEEDBACK_MODES[number];

/**
 * The `default` of an exhaustive `switch` over {@link Feedback}: it compiles only where
 * every mode has its own `case` (then `mode` is `never`), and throws for a value that is
 * no mode at all (one that came past the type checker).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Feedback, unknownFeedback } from "./feedback.ts";
 * const copies = (mode: Feedback): number => {
 *   switch (mode) {
 *     case "replicate":
 *       return 4;
 *     case "switches":
 *     case "zero-interlace":
 *       return 1;
 *     default:
 *       return unknownFeedback(mode);
 *   }
 * };
 * assert.equal(copies("replicate"), 4);
 * assert.throws(() => copies("unpool" as Feedback), /Unknown feedback "unpool"/);
 * ```
 */
export function unknownFeedback(mode: never): never {
  throw new Error(
    `Unknown feedback ${JSON.stringify(mode)}: expected one of ${FEEDBACK_MODES.join(", ")}`,
  );
}
