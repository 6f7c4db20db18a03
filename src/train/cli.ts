/**
 * `deno task train`: one training run from the command line (docs/MODEL.md §7). Writes
 * `OUT/last.ckpt`, `OUT/best.ckpt` and `OUT/log.jsonl`; `--resume` continues a run.
 *
 * Exit status: 0 done, 1 the run failed (diverged, bad data, …), 2 bad arguments.
 *
 * @module
 */
import { BACKEND_CHOICES, type BackendChoice } from "../backend.ts";
import { VARIANT_NAMES } from "../clvm/variants.ts";
import {
  choiceOption,
  type CommandSpec,
  integerOption,
  numberOption,
  parseCommand,
  runCommand,
  UsageError,
} from "../util/cli.ts";
import { DATASET_NAMES } from "./_datasets.ts";
import { RECIPE_NAMES, type RecipeName, RECIPES } from "./recipes.ts";
import { LEARNING_RATE_SCHEDULES } from "./lr_schedule.ts";
import { train, type TrainOptions } from "./trainer.ts";
import { MODEL_FLAGS, modelFlags } from "./model_flags.ts";

export { UsageError } from "../util/cli.ts";

const ARCHITECTURES = ["tiny", "paper"] as const;

const SPEC = {
  name: "deno task train",
  usage: "--variant NAME --dataset NAME --out DIR",
  description: `Train a CLVM variant.

Writes DIR/last.ckpt (every epoch), DIR/best.ckpt (lowest validation loss) and
DIR/log.jsonl (one JSON line per epoch). Interrupt at any time; --resume continues from
DIR/last.ckpt exactly as if the run had never stopped.`,
  options: {
    variant: { type: "string", arg: "NAME", help: VARIANT_NAMES.join(", ") },
    arch: { type: "string", choices: ARCHITECTURES, help: "architecture (default tiny)" },
    dataset: { type: "string", arg: "NAME", help: DATASET_NAMES.join(", ") },
    root: {
      type: "string",
      arg: "DIR",
      help:
        "dataset folder (real datasets; synthetic ones default to\n.cache/synthetic/ and are generated on first use)",
    },
    epochs: {
      type: "string",
      arg: "N",
      help: `total epochs (default: the recipe's: ${
        RECIPE_NAMES.map((r) => `${r} ${RECIPES[r].epochs}`).join(", ")
      })`,
    },
    batch: {
      type: "string",
      arg: "N",
      help: `images per step (default: the recipe's: ${
        RECIPE_NAMES.map((r) => `${r} ${RECIPES[r].batchSize}`).join(", ")
      })`,
    },
    seed: { type: "string", arg: "N", help: "seed of the weights and the shuffle (default 1)" },
    out: { type: "string", arg: "DIR", help: "the run's folder (required)" },
    resume: {
      type: "boolean",
      help:
        "continue DIR/last.ckpt (options left out come from it, the\nbackend included; options given must agree with it)",
    },
    force: {
      type: "boolean",
      help:
        "start anew in a DIR that holds a run: its files are moved\naside to DIR.old-<time>/ (never deleted)",
    },
    backend: {
      type: "string",
      arg: "NAME",
      help: `${BACKEND_CHOICES.join(", ")} (default auto: the fastest here)`,
    },
    threads: {
      type: "string",
      arg: "N",
      help:
        "threads of the wasm backend (default: all cores; 1 keeps\nthe single-threaded build; cpu and webgpu ignore it)",
    },
    recipe: {
      type: "string",
      arg: "NAME",
      help: `${RECIPE_NAMES.join(", ")} (default paper with --arch paper, else quick)`,
    },
    lr: { type: "string", arg: "X", help: "learning rate (default: the recipe's)" },
    "lr-schedule": {
      type: "string",
      arg: "NAME",
      help: `${
        LEARNING_RATE_SCHEDULES.join(", ")
      }: how the learning rate changes over the\nrun (default: the recipe's)`,
    },
    "split-file": {
      type: "string",
      arg: "FILE",
      help:
        "aflw, pascal-person: the split file to read or write (default: in the\nroot, or in the split cache when the root is read-only)",
    },
    "input-size": {
      type: "string",
      arg: "N",
      help: "network input side (default: the dataset protocol's)",
    },
    "checkpoint-every": {
      type: "string",
      arg: "N",
      help: "also write last.ckpt every N steps within an epoch",
    },
    ...MODEL_FLAGS,
    "no-progress": { type: "boolean", help: "no progress bar (epoch summaries only)" },
  },
  epilog: "Exit status: 0 done, 1 the run failed (diverged, bad data, …), 2 bad arguments.",
} as const satisfies CommandSpec;

/** The `--help` text. */
export const HELP: string = (() => {
  const p = parseCommand(SPEC, ["--help"]);
  return p.help ?? "";
})();

const choice = choiceOption;
const integer = integerOption;

/** `--force` (true when given); it contradicts `--resume`. */
function runFolderFlags(values: Record<string, string | boolean | undefined>): boolean {
  if (values.force && values.resume) {
    throw new UsageError(
      "--force and --resume contradict: --resume continues the run in --out, --force moves " +
        "it aside to start anew",
    );
  }
  return Boolean(values.force);
}

/**
 * Parses the command line into {@link train}'s options, or `null` for `--help`. Unknown
 * flags and invalid values throw a {@link UsageError} that lists the valid ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTrainArgs } from "./cli.ts";
 * const options = parseTrainArgs(["--variant", "M-CLVM2", "--dataset", "toy-shapes", "--out", "run"]);
 * assert.equal(options?.variant, "M-CLVM2");
 * ```
 */
export function parseTrainArgs(args: readonly string[]): TrainOptions | null {
  const parsed = parseCommand(SPEC, args);
  if (parsed.help !== null) return null;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const str = (k: string) => values[k] as string | undefined;
  const out = str("out");
  if (!out) throw new UsageError("Missing --out DIR: the folder the run writes into");
  const resume = Boolean(values.resume);
  const options: TrainOptions = { out, resume, progress: !values["no-progress"] };
  if (runFolderFlags(values)) options.force = true;
  const variant = str("variant");
  if (variant !== undefined) options.variant = choice("variant", variant, VARIANT_NAMES);
  else if (!resume) {
    throw new UsageError(`Missing --variant: expected one of ${VARIANT_NAMES.join(", ")}`);
  }
  const dataset = str("dataset");
  if (dataset !== undefined) options.dataset = choice("dataset", dataset, DATASET_NAMES);
  else if (!resume) {
    throw new UsageError(`Missing --dataset: expected one of ${DATASET_NAMES.join(", ")}`);
  }
  const arch = str("arch");
  if (arch !== undefined) options.architecture = choice("arch", arch, ARCHITECTURES);
  const root = str("root");
  if (root !== undefined) options.root = root;
  const backend = str("backend");
  if (backend !== undefined) {
    options.backend = choice<BackendChoice>("backend", backend, BACKEND_CHOICES);
  } else if (!resume) options.backend = "auto";
  const threads = str("threads");
  options.threads = threads !== undefined
    ? integer("threads", threads, 1)
    : navigator.hardwareConcurrency;
  const recipe = str("recipe");
  if (recipe !== undefined) options.recipe = choice<RecipeName>("recipe", recipe, RECIPE_NAMES);
  const epochs = str("epochs");
  if (epochs !== undefined) options.epochs = integer("epochs", epochs, 1);
  const batch = str("batch");
  if (batch !== undefined) options.batchSize = integer("batch", batch, 1);
  const seed = str("seed");
  if (seed !== undefined) options.seed = integer("seed", seed, -(2 ** 31));
  const splitFile = str("split-file");
  if (splitFile !== undefined) options.splitFile = splitFile;
  const size = str("input-size");
  if (size !== undefined) options.inputSize = integer("input-size", size, 4);
  const every = str("checkpoint-every");
  if (every !== undefined) options.checkpointEvery = integer("checkpoint-every", every, 0);
  const lr = str("lr");
  if (lr !== undefined) options.learningRate = numberOption("lr", lr, 0);
  const schedule = str("lr-schedule");
  if (schedule !== undefined) {
    options.learningRateSchedule = choice("lr-schedule", schedule, LEARNING_RATE_SCHEDULES);
  }
  Object.assign(options, modelFlags(values));
  return options;
}

/**
 * SIGINT and SIGTERM end the run through `Deno.exit` (which removes its lock file); the
 * checkpoints are written atomically, so `--resume` continues from the last one.
 */
function exitOnSignals(out: string): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) {
    Deno.addSignalListener(signal, () => {
      console.error(`\nInterrupted (${signal}): --resume --out ${out} continues from last.ckpt`);
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

/** Runs the command line; returns the exit status (usage errors 2, failures 1). */
export function main(args: readonly string[]): Promise<number> {
  return runCommand(args, async (a) => {
    const options = parseTrainArgs(a);
    if (options === null) {
      console.log(HELP.trimEnd());
      return 0;
    }
    exitOnSignals(options.out);
    const result = await train({ ...options, log: (m) => console.error(m) });
    const best = result.best
      ? `best epoch ${result.best.epoch} (val loss ${result.best.validationLoss.toFixed(4)})`
      : "no epoch finished";
    console.log(
      `Done: ${result.epochs} epochs, ${result.step} steps on ${result.backend}; ${best}. ` +
        `Checkpoints: ${result.checkpoints.last}, ${result.checkpoints.best}; log: ${result.checkpoints.log}`,
    );
    return 0;
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
