/**
 * Runs training jobs as subprocesses, a few at a time, reusing those already done when
 * they are what is asked for.
 *
 * A job's folder is reused only when its `done.json` records the same spec (variant,
 * data, architecture, recipe, input size, epochs, batch, seed, limits, backend, the model
 * overrides feedback, tied and passes), the same
 * data (the split lists' fingerprints) and a readable `best.ckpt` whose recipe agrees with
 * the named recipe as it is now (a recipe can change under its name). Otherwise the job is
 * trained again after saying why, the old files moved aside (never deleted). A job with a
 * `last.ckpt` and no `done.json` resumes from it (`train_job.ts`).
 *
 * Each trainer reads a pipe on its stdin and exits when it closes, so trainers never
 * outlive this process; {@link stopJobs} forwards a signal to them and waits for them.
 *
 * @module
 */
import { join } from "node:path";
import { readCheckpointFile } from "../src/clvm/mod.ts";
import {
  type DataIdentity,
  type Recipe,
  recipeFieldsDiffering,
  RECIPES,
  resolveRecipe,
} from "../src/train/mod.ts";
import { moveContentsAside, readRunJson } from "../src/util/mod.ts";
import { Slots } from "./slots.ts";
import type { JobSpec } from "./train_job.ts";

const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-ffi",
  // The C compiler's version names the cached native kernels (src/kernels/native_build.ts).
  "--allow-run",
];

/** The spec fields a reused model must match. */
export const SPEC_FIELDS = [
  "variant",
  "dataset",
  "root",
  "architecture",
  "recipe",
  "inputSize",
  "epochs",
  "batchSize",
  "seed",
  "trainLimit",
  "valLimit",
  "backend",
  "feedback",
  "tied",
  "passes",
  "learningRate",
  "keypointWeight",
] as const satisfies readonly (keyof JobSpec)[];

/** The outcome of one job. */
export interface JobOutcome {
  spec: JobSpec;
  ok: boolean;
  skipped: boolean;
  seconds: number;
  error?: string;
}

/** What `done.json` holds (written by `train_job.ts`). */
export interface DoneRecord {
  spec: JobSpec;
  backend: string;
  data?: DataIdentity;
  epochs: number;
  steps: number;
  best: { epoch: number; validationLoss: number } | null;
  seconds: number;
}

/** True when the job's `done.json` exists. */
export async function isDone(spec: JobSpec): Promise<boolean> {
  return await Deno.stat(join(spec.out, "done.json")).then(() => true, () => false);
}

const MODEL_FIELDS: readonly string[] = ["feedback", "tied", "passes"];

/**
 * The fields of `stored` that differ from `spec`, each "name X (stored Y)"; a model override
 * left out reads "the variant's".
 */
export function specDifferences(stored: Partial<JobSpec>, spec: JobSpec): string[] {
  const out: string[] = [];
  for (const key of SPEC_FIELDS) {
    const a = JSON.stringify(stored[key] ?? null);
    const b = JSON.stringify(spec[key] ?? null);
    const show = (v: string) => v === "null" && MODEL_FIELDS.includes(key) ? "the variant's" : v;
    if (a !== b) out.push(`${key} ${show(b)} (the trained model has ${show(a)})`);
  }
  return out;
}

/**
 * Why the trained model in `spec.out` cannot be reused for `spec`, or null when it can.
 * `expected` gives the data identity the job would train on now (null: not checked).
 */
export async function reuseProblem(
  spec: JobSpec,
  expected: DataIdentity | null,
  log: (line: string) => void = () => {},
): Promise<string | null> {
  const donePath = join(spec.out, "done.json");
  let done: DoneRecord | null;
  try {
    done = await readRunJson<DoneRecord>(donePath);
  } catch (error) {
    return (error as Error).message;
  }
  if (done === null) return `"${donePath}" is missing`;
  const differ = specDifferences(done.spec ?? {}, spec);
  if (differ.length) return `its settings differ: ${differ.join("; ")}`;
  if (expected && done.data && JSON.stringify(done.data) !== JSON.stringify(expected)) {
    return `its data differ: trained on ${done.data.trainImages}/${done.data.valImages} ` +
      `train/val samples (fingerprints ${done.data.train}/${done.data.val}), now ` +
      `${expected.trainImages}/${expected.valImages} (${expected.train}/${expected.val})`;
  }
  const best = join(spec.out, "best.ckpt");
  try {
    const { meta } = await readCheckpointFile(best);
    const trained = (meta.train as { config?: { recipe?: Recipe } } | undefined)?.config?.recipe;
    const differ = trained ? recipeDifferences(trained, spec.recipe) : [];
    return differ.length ? `its recipe differs: ${differ.join("; ")}` : null;
  } catch (error) {
    const problem = (error as Error).message;
    // best.ckpt and last.ckpt are one file's content when the best epoch is the last.
    const last = join(spec.out, "last.ckpt");
    try {
      const contents = await readCheckpointFile(last);
      const state = contents.meta.train as
        | { epoch: number; batchInEpoch: number; best: { epoch: number } | null }
        | undefined;
      if (state && state.best?.epoch === state.epoch && state.batchInEpoch === 0) {
        await Deno.copyFile(last, `${best}.tmp`);
        await Deno.rename(`${best}.tmp`, best);
        log(`${problem}; rewrote it from "${last}" (both hold epoch ${state.epoch})`);
        return null;
      }
    } catch { /* last.ckpt unreadable too */ }
    return problem;
  }
}

/** The spec sets these over the recipe (compared as spec fields) or they are prose. */
const RECIPE_FIELDS_IN_SPEC = new Set(
  ["name", "description", "batchSize", "epochs", "learningRate", "taskWeights"],
);

/**
 * The fields of recipe `name` as it is now that differ from the `trained` model's recipe
 * (a field `trained` lacks is what recipes trained with before it existed): a recipe
 * changed under its name since the model was trained.
 */
export function recipeDifferences(trained: Recipe, name: JobSpec["recipe"]): string[] {
  const then = resolveRecipe(trained);
  const now = RECIPES[name];
  return recipeFieldsDiffering(trained, now)
    .filter((k) => !RECIPE_FIELDS_IN_SPEC.has(k))
    .map((k) =>
      `recipe ${name} ${k} ${JSON.stringify(now[k])} (the trained model has ${
        JSON.stringify(then[k])
      })`
    );
}

/**
 * Why an interrupted job (a `last.ckpt`, no `done.json`) cannot resume for `spec`, or null:
 * its `job.json` records other settings, or cannot be read.
 */
export async function resumeProblem(spec: JobSpec): Promise<string | null> {
  let stored: JobSpec | null;
  try {
    stored = await readRunJson<JobSpec>(join(spec.out, "job.json"));
  } catch (error) {
    return (error as Error).message;
  }
  if (stored === null) return null; // train() checks the checkpoint's settings itself
  const differ = specDifferences(stored, spec);
  return differ.length ? `its settings differ: ${differ.join("; ")}` : null;
}

const live = new Set<Deno.ChildProcess>();
let stopping = false;

/**
 * Sends `signal` to every trainer still running, starts no new one, and resolves when all
 * have exited.
 */
export async function stopJobs(signal: Deno.Signal = "SIGTERM"): Promise<void> {
  stopping = true;
  const waiting = [...live].map((child) => {
    try {
      child.kill(signal);
    } catch { /* exited meanwhile */ }
    return child.status.catch(() => {});
  });
  await Promise.all(waiting);
}

/** Whether {@link stopJobs} was called. */
export function jobsStopped(): boolean {
  return stopping;
}

/** The trainers running now (their process ids). */
export function runningJobs(): number[] {
  return [...live].map((c) => c.pid);
}

/** The name of a job in messages: "aflw CLVM1-kp seed 1". */
export function jobName(spec: JobSpec): string {
  return `${spec.dataset} ${spec.variant} seed ${spec.seed}`;
}

/**
 * Runs `specs`, each in one of `slots` (a count, or slots shared with other protocols'
 * jobs, asked for at `priority`), in their order. A finished job is reused when
 * {@link reuseProblem} finds nothing (`expected` gives each job's data identity), else
 * trained again after saying why; one with a `last.ckpt` resumes from it.
 */
export async function runJobs(
  specs: JobSpec[],
  slots: number | Slots,
  log: (line: string) => void,
  onDone: (outcome: JobOutcome) => void = () => {},
  expected: (spec: JobSpec) => Promise<DataIdentity | null> = () => Promise.resolve(null),
  priority = 0,
): Promise<JobOutcome[]> {
  const script = new URL("./train_job.ts", import.meta.url).pathname;
  const pool = typeof slots === "number" ? new Slots(slots) : slots;
  const one = async (spec: JobSpec): Promise<JobOutcome> => {
    const started = performance.now();
    let outcome: JobOutcome;
    if (stopping) {
      return { spec, ok: false, skipped: false, seconds: 0, error: "interrupted" };
    }
    const done = await isDone(spec);
    const problem = done
      ? await reuseProblem(spec, await expected(spec), log)
      : await Deno.stat(join(spec.out, "last.ckpt")).then(() => resumeProblem(spec), () => null);
    if (done && problem === null) {
      outcome = { spec, ok: true, skipped: true, seconds: 0 };
    } else {
      if (problem !== null) {
        const aside = await moveContentsAside(spec.out);
        log(
          `retraining ${jobName(spec)}: ${problem}. The old files are in "${aside}"`,
        );
      }
      await Deno.mkdir(spec.out, { recursive: true });
      const specPath = join(spec.out, "job.json");
      await Deno.writeTextFile(specPath, JSON.stringify(spec, null, 2));
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", ...PERMISSIONS, script, specPath, "--watch-stdin"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      live.add(child);
      const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
        const lines = stream.pipeThrough(new TextDecoderStream());
        let buffer = "";
        for await (const chunk of lines) {
          buffer += chunk;
          const parts = buffer.split("\n");
          buffer = parts.pop()!;
          for (const line of parts) {
            into.push(line);
            if (line.includes("] ")) log(line);
          }
        }
        if (buffer) into.push(buffer);
      };
      const errors: string[] = [];
      const [status] = await Promise.all([
        child.status,
        pump(child.stdout, []),
        pump(child.stderr, errors),
      ]);
      live.delete(child);
      await child.stdin.close().catch(() => {});
      const seconds = (performance.now() - started) / 1000;
      outcome = status.success ? { spec, ok: true, skipped: false, seconds } : {
        spec,
        ok: false,
        skipped: false,
        seconds,
        error: errors.slice(-5).join("\n") ||
          (status.signal ? `stopped by ${status.signal}` : `exit code ${status.code}`),
      };
    }
    onDone(outcome);
    return outcome;
  };
  return await Promise.all(specs.map((spec) => pool.use(priority, () => one(spec))));
}
