/**
 * The command-line flags of the model options a run sets on top of its variant's preset:
 * `--feedback MODE`, `--passes N`, `--tied true|false` (or `--untied`). Shared by `deno task train` and
 * `deno task reproduce`, so both accept and check them alike.
 *
 * @module
 */
import { FEEDBACK_MODES } from "../clvm/config.ts";
import { choiceOption, integerOption, type OptionSpecs, UsageError } from "../util/cli.ts";
import type { TrainOptions } from "./train_config.ts";

/** The model options a command line may override. */
export type ModelOverrides = Pick<TrainOptions, "feedback" | "tied" | "passes">;

/** The flags' specs, to spread into a command's `options`. */
export const MODEL_FLAGS = {
  feedback: {
    type: "string",
    arg: "MODE",
    help: `${
      FEEDBACK_MODES.join(", ")
    }: how the top-down signal\ncrosses an NMS layer (default replicate)`,
  },
  passes: {
    type: "string",
    arg: "N",
    help: "bottom-up/top-down passes k ≥ 1 (default: the variant's)",
  },
  tied: {
    type: "string",
    arg: "true|false",
    help: "top-down filters tied to the bottom-up ones (default: the\nvariant's)",
  },
  untied: { type: "boolean", help: "separate top-down filters: the same as --tied false" },
} as const satisfies OptionSpecs;

/**
 * The {@link MODEL_FLAGS} given in `values` (a command's parsed options), checked: an
 * invalid value throws a one-line `UsageError` listing the valid ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelFlags } from "./model_flags.ts";
 * assert.deepEqual(modelFlags({ feedback: "switches", tied: "false" }), {
 *   feedback: "switches",
 *   tied: false,
 * });
 * ```
 */
export function modelFlags(values: Readonly<Record<string, unknown>>): ModelOverrides {
  const out: ModelOverrides = {};
  const get = (k: string) => {
    const v = values[k];
    return typeof v === "string" ? v : undefined;
  };
  const feedback = get("feedback");
  if (feedback !== undefined) out.feedback = choiceOption("feedback", feedback, FEEDBACK_MODES);
  const passes = get("passes");
  if (passes !== undefined) out.passes = integerOption("passes", passes, 1);
  const tied = get("tied");
  if (tied !== undefined) {
    out.tied = choiceOption("tied", tied, ["true", "false"] as const) === "true";
  }
  if (values.untied === true) {
    if (out.tied === true) throw new UsageError("--untied contradicts --tied true: give one");
    out.tied = false;
  }
  return out;
}
