/**
 * `deno task train`: one training run from the command line (DESIGN §6b). Writes
 * `OUT/last.ckpt`, `OUT/best.ckpt` and `OUT/log.jsonl`; `--resume` continues a run.
 *
 * Exit status: 0 done, 1 the run failed (diverged, bad data, …), 2 bad arguments.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { BACKEND_CHOICES, type BackendChoice } from "../backend.ts";
import { VARIANT_NAMES } from "../clvm/variants.ts";
import { DATASET_NAMES } from "./_datasets.ts";
import { RECIPE_NAMES, type RecipeName, RECIPES } from "./recipes.ts";
import { train, type TrainOptions } from "./trainer.ts";

/** A command-line mistake: printed with a pointer to `--help`, exit status 2. */
export class UsageError extends Error {
  /** See the class doc. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const ARCHITECTURES = ["tiny", "paper"] as const;

const OPTIONS = {
  variant: { type: "string" },
  arch: { type: "string" },
  dataset: { type: "string" },
  root: { type: "string" },
  epochs: { type: "string" },
  batch: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  backend: { type: "string" },
  recipe: { type: "string" },
  lr: { type: "string" },
  "input-size": { type: "string" },
  "checkpoint-every": { type: "string" },
  "no-progress": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The `--help` text. */
export const HELP: string =
  `Train a CLVM variant: deno task train --variant NAME --dataset NAME --out DIR [options]

Writes DIR/last.ckpt (every epoch), DIR/best.ckpt (lowest validation loss) and
DIR/log.jsonl (one JSON line per epoch). Interrupt at any time; --resume continues from
DIR/last.ckpt exactly as if the run had never stopped.

Options:
  --variant NAME          ${VARIANT_NAMES.join(", ")}
  --arch tiny|paper       architecture (default tiny)
  --dataset NAME          ${DATASET_NAMES.join(", ")}
  --root DIR              dataset folder (real datasets; synthetic ones default to
                          .cache/synthetic/ and are generated on first use)
  --epochs N              total epochs (default: the recipe's: ${
    RECIPE_NAMES.map((r) => `${r} ${RECIPES[r].epochs}`).join(", ")
  })
  --batch N               images per step (default: the recipe's: ${
    RECIPE_NAMES.map((r) => `${r} ${RECIPES[r].batchSize}`).join(", ")
  })
  --seed N                seed of the weights and the shuffle (default 1)
  --out DIR               the run's folder (required)
  --resume                continue DIR/last.ckpt (options left out come from it)
  --backend NAME          ${BACKEND_CHOICES.join(", ")} (default auto: the fastest here)
  --recipe NAME           ${RECIPE_NAMES.join(", ")} (default paper with --arch paper, else quick)
  --lr X                  learning rate (default: the recipe's)
  --input-size N          network input side (default: the dataset protocol's)
  --checkpoint-every N    also write last.ckpt every N steps within an epoch
  --no-progress           no progress bar (epoch summaries only)
  -h, --help              this text
`;

function choice<T extends string>(flag: string, value: string, valid: readonly T[]): T {
  if (!(valid as readonly string[]).includes(value)) {
    throw new UsageError(`Invalid --${flag} "${value}": expected one of ${valid.join(", ")}`);
  }
  return value as T;
}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`Invalid --${flag} "${value}": expected an integer ≥ ${min}`);
  }
  return n;
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
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, strict: true }));
  } catch (error) {
    const message = (error as Error).message;
    const flags = Object.keys(OPTIONS).map((k) => `--${k}`).join(", ");
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new UsageError(`Unknown option ${unknown[1]}: expected one of ${flags}`);
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    if (positional) {
      throw new UsageError(
        `Unexpected argument "${positional[1]}": every value follows its flag (${flags})`,
      );
    }
    throw new UsageError(message.replace(/^Option '([^']+)'/, "Option $1"));
  }
  if (values.help) return null;
  const str = (k: string) => values[k] as string | undefined;
  const out = str("out");
  if (!out) throw new UsageError("Missing --out DIR: the folder the run writes into");
  const resume = Boolean(values.resume);
  const options: TrainOptions = { out, resume, progress: !values["no-progress"] };
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
  options.backend = backend === undefined
    ? "auto"
    : choice<BackendChoice>("backend", backend, BACKEND_CHOICES);
  const recipe = str("recipe");
  if (recipe !== undefined) options.recipe = choice<RecipeName>("recipe", recipe, RECIPE_NAMES);
  const epochs = str("epochs");
  if (epochs !== undefined) options.epochs = integer("epochs", epochs, 1);
  const batch = str("batch");
  if (batch !== undefined) options.batchSize = integer("batch", batch, 1);
  const seed = str("seed");
  if (seed !== undefined) options.seed = integer("seed", seed, -(2 ** 31));
  const size = str("input-size");
  if (size !== undefined) options.inputSize = integer("input-size", size, 4);
  const every = str("checkpoint-every");
  if (every !== undefined) options.checkpointEvery = integer("checkpoint-every", every, 0);
  const lr = str("lr");
  if (lr !== undefined) {
    const v = Number(lr);
    if (!lr.trim() || !Number.isFinite(v) || v <= 0) {
      throw new UsageError(`Invalid --lr "${lr}": expected a number > 0`);
    }
    options.learningRate = v;
  }
  return options;
}

/** Runs the command line; returns the exit status. */
export async function main(args: readonly string[]): Promise<number> {
  let options: TrainOptions | null;
  try {
    options = parseTrainArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nRun with --help for the options.`);
    return 2;
  }
  if (options === null) {
    console.log(HELP);
    return 0;
  }
  try {
    const result = await train({ ...options, log: (m) => console.error(m) });
    const best = result.best
      ? `best epoch ${result.best.epoch} (val loss ${result.best.validationLoss.toFixed(4)})`
      : "no epoch finished";
    console.log(
      `Done: ${result.epochs} epochs, ${result.step} steps on ${result.backend}; ${best}. ` +
        `Checkpoints: ${result.checkpoints.last}, ${result.checkpoints.best}; log: ${result.checkpoints.log}`,
    );
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
