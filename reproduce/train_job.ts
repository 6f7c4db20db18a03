/**
 * One training run of the reproduction, in its own process (so that two runs use the
 * two cores of a CPU, each backend being single-threaded): reads a job spec (JSON) and
 * trains with `train()`, on a seeded subset of the training split when asked. Writes
 * `done.json` beside the checkpoints when finished, which is how `--resume` knows.
 *
 * Usage: `deno run … reproduce/train_job.ts SPEC.json`
 *
 * @module
 */
import "../fixtures/mod.ts";
import { join } from "node:path";
import { type Dataset, epochOrder } from "../src/data/mod.ts";
import { openTrainData, train } from "../src/train/mod.ts";
import type { BackendChoice } from "../mod.ts";

/** What a training job needs to know. */
export interface JobSpec {
  variant: string;
  dataset: string;
  root: string | null;
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
}

/** The first `n` samples of a seeded permutation of `dataset` (all when `n` is null). */
export function subset(dataset: Dataset, n: number | null, seed: number): Dataset {
  if (n === null || n >= dataset.ids.length) return dataset;
  const order = Array.from(epochOrder(dataset.ids.length, seed, 0)).slice(0, n).sort((a, b) =>
    a - b
  );
  const ids = order.map((i) => dataset.ids[i]!);
  return {
    ...dataset,
    ids,
    get: (i: number) => dataset.get(order[i]!),
    async *[Symbol.asyncIterator]() {
      for (const i of order) yield await dataset.get(i);
    },
  };
}

/** Runs one job; resumes from `out/last.ckpt` when it exists. */
export async function runJob(spec: JobSpec, log: (line: string) => void): Promise<void> {
  await Deno.mkdir(spec.out, { recursive: true });
  const data = await openTrainData(spec.dataset, spec.root ?? undefined, spec.inputSize);
  const resume = await Deno.stat(join(spec.out, "last.ckpt")).then(() => true, () => false);
  const started = performance.now();
  const result = await train({
    variant: spec.variant,
    architecture: spec.architecture,
    dataset: {
      ...data,
      train: subset(data.train, spec.trainLimit, spec.seed),
      val: subset(data.val, spec.valLimit, spec.seed + 1),
    },
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    seed: spec.seed,
    out: spec.out,
    resume,
    backend: spec.backend,
    recipe: spec.recipe,
    inputSize: spec.inputSize,
    log,
  });
  const done = {
    spec,
    backend: result.backend,
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

if (import.meta.main) {
  const path = Deno.args[0];
  if (!path || path === "--help") {
    console.log(
      "Usage: deno run … reproduce/train_job.ts SPEC.json (written by reproduce/main.ts)",
    );
    Deno.exit(path ? 0 : 2);
  }
  const spec = JSON.parse(await Deno.readTextFile(path)) as JobSpec;
  const tag = `[${spec.dataset} ${spec.variant} seed ${spec.seed}]`;
  try {
    await runJob(spec, (line) => console.log(`${tag} ${line}`));
  } catch (error) {
    console.error(`${tag} failed: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
