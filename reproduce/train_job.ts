/**
 * One training run of the reproduction, in its own process (so that two runs use the
 * two cores of a CPU, each backend being single-threaded): reads a job spec (JSON) and
 * trains with `train()`, on a seeded subset of the training split when asked. Writes
 * `done.json` beside the checkpoints when finished, which is how `--resume` knows.
 *
 * A job whose `last.ckpt` cannot be resumed for this spec (other settings or data, an
 * unreadable checkpoint, a `best.ckpt` that cannot be rebuilt) is trained from scratch
 * after saying why, its old files moved aside (never deleted).
 *
 * Usage: `deno run … reproduce/train_job.ts SPEC.json [--watch-stdin]`; with
 * `--watch-stdin` the job exits as soon as its stdin closes (its parent is gone).
 *
 * @module
 */
import "../fixtures/mod.ts";
import { join } from "node:path";
import { subset } from "../src/data/mod.ts";
import {
  type DataIdentity,
  dataIdentity,
  openTrainData,
  ResumeError,
  train,
} from "../src/train/mod.ts";
import { moveContentsAside, readRunJson } from "../src/util/mod.ts";
import type { BackendChoice, Feedback } from "../mod.ts";

/** What a training job needs to know. */
export interface JobSpec {
  variant: string;
  dataset: string;
  root: string | null;
  /** AFLW, Pascal Person: the split file to use (`--split-file`); absent or null: the loader's. */
  splitFile?: string | null;
  architecture: "tiny" | "paper";
  recipe: "quick" | "paper";
  inputSize: number;
  epochs: number;
  batchSize: number;
  seed: number;
  trainLimit: number | null;
  valLimit: number | null;
  backend: BackendChoice;
  out: string;
  /** The recipe's learning rate, overridden; absent or null: the recipe's. */
  learningRate?: number | null;
  /** The recipe's keypoint task weight, overridden; absent or null: the recipe's. */
  keypointWeight?: number | null;
  /** Model options over the variant's preset (`--feedback`, `--tied`, `--passes`); absent or null: the preset's. */
  feedback?: Feedback | null;
  /** Tied (true) or separate (false) top-down filters; absent or null: the variant's. */
  tied?: boolean | null;
  /** Bottom-up/top-down passes; absent or null: the variant's. */
  passes?: number | null;
}

/** The model options of a spec that override its variant's preset, for `train()`. */
export function specModel(spec: JobSpec): { feedback?: Feedback; tied?: boolean; passes?: number } {
  return {
    ...(spec.feedback != null ? { feedback: spec.feedback } : {}),
    ...(spec.tied != null ? { tied: spec.tied } : {}),
    ...(spec.passes != null ? { passes: spec.passes } : {}),
  };
}

/** The first `n` samples of a seeded permutation (src/data's view, kept here for main.ts). */
export { subset };

/** The train and val splits a job trains on: seeded subsets of the dataset's. */
async function jobData(spec: JobSpec) {
  const data = await openTrainData(
    spec.dataset,
    spec.root ?? undefined,
    spec.inputSize,
    spec.splitFile ?? undefined,
  );
  return {
    ...data,
    train: subset(data.train, spec.trainLimit, spec.seed),
    val: subset(data.val, spec.valLimit, spec.seed + 1),
  };
}

/** The data identity (split fingerprints) the job would train on now. */
export async function jobDataIdentity(spec: JobSpec): Promise<DataIdentity> {
  return dataIdentity(await jobData(spec));
}

/** Runs one job; resumes from `out/last.ckpt` when it exists and agrees with the spec. */
export async function runJob(spec: JobSpec, log: (line: string) => void): Promise<void> {
  await Deno.mkdir(spec.out, { recursive: true });
  const dataset = await jobData(spec);
  const started = performance.now();
  const run = (resume: boolean) =>
    train({
      variant: spec.variant,
      architecture: spec.architecture,
      dataset,
      epochs: spec.epochs,
      batchSize: spec.batchSize,
      seed: spec.seed,
      out: spec.out,
      resume,
      force: true, // a new run moves leftovers aside (never deletes them)
      backend: spec.backend,
      recipe: spec.recipe,
      inputSize: spec.inputSize,
      ...specModel(spec),
      ...(spec.learningRate != null ? { learningRate: spec.learningRate } : {}),
      ...(spec.keypointWeight != null ? { keypointWeight: spec.keypointWeight } : {}),
      log,
    });
  const resume = await Deno.stat(join(spec.out, "last.ckpt")).then(() => true, () => false);
  let result;
  try {
    result = await run(resume);
  } catch (error) {
    if (!(error instanceof ResumeError)) throw error;
    const aside = await moveContentsAside(spec.out);
    await Deno.writeTextFile(join(spec.out, "job.json"), JSON.stringify(spec, null, 2));
    log(`retraining from scratch: ${error.message}. The old files are in "${aside}"`);
    result = await run(false);
  }
  const done = {
    spec,
    backend: result.backend,
    data: result.config.data,
    epochs: result.epochs,
    steps: result.step,
    best: result.best,
    seconds: (performance.now() - started) / 1000,
    history: result.history,
  };
  const tmp = join(spec.out, "done.json.tmp");
  await Deno.writeTextFile(tmp, JSON.stringify(done, null, 2));
  await Deno.rename(tmp, join(spec.out, "done.json"));
}

/**
 * Ends this process when its parent goes: stdin is a pipe from the parent, which the
 * system closes when the parent exits, however it exits (SIGKILL included).
 */
async function exitWithParent(tag: string): Promise<void> {
  const buffer = new Uint8Array(64);
  try {
    while ((await Deno.stdin.read(buffer)) !== null) { /* the parent never writes */ }
  } catch { /* closed */ }
  console.error(`${tag} stopped: the reproduce process that started it is gone`);
  Deno.exit(129);
}

/** SIGINT/SIGTERM (forwarded by the parent) end the job through `Deno.exit` (locks freed). */
function exitOnSignals(tag: string): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) {
    Deno.addSignalListener(signal, () => {
      console.error(`${tag} stopped by ${signal}; --resume continues from its last.ckpt`);
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

if (import.meta.main) {
  const path = Deno.args[0];
  if (!path || path === "--help") {
    console.log(
      "Usage: deno run … reproduce/train_job.ts SPEC.json [--watch-stdin] (written by " +
        "reproduce/main.ts)",
    );
    Deno.exit(path ? 0 : 2);
  }
  let spec: JobSpec;
  try {
    spec = (await readRunJson<JobSpec>(path)) ??
      (() => {
        throw new Error(`Cannot read the job spec "${path}": it does not exist`);
      })();
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const tag = `[${spec.dataset} ${spec.variant} seed ${spec.seed}]`;
  exitOnSignals(tag);
  if (Deno.args.includes("--watch-stdin")) exitWithParent(tag);
  try {
    await runJob(spec, (line) => console.log(`${tag} ${line}`));
  } catch (error) {
    console.error(`${tag} failed: ${(error as Error).message}`);
    Deno.exit(1);
  }
  Deno.exit(0);
}
