/**
 * `deno task reproduce`: trains and scores every paper variant on each protocol, and
 * writes `results.json`, `report.md` and the figures to `results/<date>-<commit>/`.
 *
 * Run folders are never overwritten and have one writer: a new run gets a new folder
 * (`results/<date>-<commit>[-N]`); an `--out` that holds a run is continued with
 * `--resume` (without `--backend`: on the backend recorded in its `run.json`) or moved
 * aside with `--force` (`DIR.old-<time>/`), else refused. The folder's lock file names
 * the process that writes it. SIGINT/SIGTERM are forwarded to the trainers, which also
 * exit by themselves when this process dies.
 *
 * @module
 */
import "../fixtures/mod.ts";
import { join, resolve } from "node:path";
import { cpus } from "node:os";
import {
  BACKEND_CHOICES,
  type BackendChoice,
  type CLVM,
  createCLVM,
  initBackend,
  loadCheckpoint,
} from "../mod.ts";
import { tf } from "../src/deps.ts";
import {
  batches,
  createPreprocessor,
  openDataset,
  PREPROCESS,
  type PreprocessConfig,
} from "../src/data/mod.ts";
import { updateSchedule, VARIANTS } from "../src/clvm/mod.ts";
import { trainBaselines } from "./baselines.ts";
import { type DataSource, resolveData } from "./data_sources.ts";
import {
  type Example,
  type NamedModel,
  type ProtocolName,
  type Scored,
  scoreModels,
} from "./evaluate.ts";
import { PALETTES, partsFigure, qualitativeFigure, z1Figure } from "./figures.ts";
import {
  type DoneRecord,
  type JobOutcome,
  jobsStopped,
  runJobs,
  runningJobs,
  stopJobs,
} from "./jobs.ts";
import { type ProfileName, PROFILES, PROTOCOL_VARIANTS } from "./profiles.ts";
import {
  type ConvergenceResult,
  mergeResults,
  type ProtocolResult,
  readResults,
  type Results,
  type RunRecord,
} from "./results.ts";
import { CLAIM_CONFIG, renderRun } from "./render.ts";
import { measureTable3, table3File, table3Settings } from "./table3_run.ts";
import { readTrainingCurve } from "./training_curves.ts";
import { learnedChecks, learnedLine } from "./learned.ts";
import { jobDataIdentity, type JobSpec, subset } from "./train_job.ts";
import {
  type DataIdentity,
  MODEL_FLAGS,
  modelFlags,
  type ModelOverrides,
} from "../src/train/mod.ts";
import {
  acquireLock,
  choiceOption,
  type CommandSpec,
  createNewRunDir,
  createProgress,
  integerOption,
  latestRunDir,
  LockHeldError,
  makeRunDir,
  moveContentsAside,
  parseCommand,
  readRunJson,
  runCommand,
  RunDirError,
  runDirState,
  type RunLock,
  UsageError,
} from "../src/util/mod.ts";
import { requireRealData, resolveDataRoot } from "./data_root.ts";

const PROTOCOLS = ["lfw-parts", "aflw", "pascal-person"] as const;
const TARGETS = [...PROTOCOLS, "convergence", "all"] as const;
const REPO = resolve(new URL("..", import.meta.url).pathname);

const SPEC = {
  name: "deno task reproduce",
  usage: `[${TARGETS.join("|")}…]`,
  positionals: true,
  description: `Trains every variant the paper reports on each protocol, picks each model on the
validation split, scores it on the test split, and writes results.json, report.md and
figures (PNG + SVG) to results/<date>-<commit>/. With no protocol: all of them.

Data root: --data-root DIR, else $CLVM_DATA, else ./data in the checkout. A protocol
uses its real dataset when the root holds it (DIR/lfw-parts: the official archives or
their extracted layout; DIR/aflw; DIR/pascal-person; see docs/DATASETS.md and
\`deno task data download\`), else its synthetic stand-in. A root that is given but
missing, or holds none of them, is an error; so is a protocol named on the command
line whose dataset the given root lacks.`,
  options: {
    profile: {
      type: "string",
      choices: Object.keys(PROFILES),
      help: "settings (default quick: ~20 min on 2 CPU cores)",
    },
    variants: {
      type: "string",
      arg: "A,B,…",
      help: "only these variants (default: every one the paper reports)",
    },
    "data-root": { type: "string", arg: "DIR", help: "the real data (see above)" },
    "split-file": {
      type: "string",
      arg: "FILE",
      help:
        "with one aflw or pascal-person protocol: its split file to read or write\n(default: in the dataset root, or in the split cache when that is read-only)",
    },
    synthetic: {
      type: "boolean",
      help: "every protocol on its synthetic stand-in (no data root)",
    },
    arch: {
      type: "string",
      choices: ["tiny", "paper"],
      help: "architecture (default: the profile's)",
    },
    epochs: { type: "string", arg: "N", help: "epochs per training run (default: the profile's)" },
    batch: { type: "string", arg: "N", help: "batch size (default: the profile's)" },
    backend: { type: "string", choices: BACKEND_CHOICES, help: "tfjs backend (default auto)" },
    seeds: {
      type: "string",
      arg: "1,2,3",
      help: "training seeds; tables show mean ± std (default 1)",
    },
    jobs: {
      type: "string",
      arg: "N",
      help: "training runs at a time (default: min(2, CPU cores))",
    },
    out: {
      type: "string",
      arg: "DIR",
      help: "output folder (default: a new results/<date>-<commit>[-N])",
    },
    resume: {
      type: "boolean",
      help:
        "continue the run in --out (default: the newest\nresults/<date>-<commit>[-N]): reuse each trained model\nwhose settings and data match, retrain the others",
    },
    force: {
      type: "boolean",
      help:
        "start anew in an --out that holds a run: its contents are\nmoved aside to DIR.old-<time>/ (never deleted)",
    },
    ...MODEL_FLAGS,
  },
  epilog: "Exit status: 0 done, 1 a protocol failed, 2 bad arguments.",
} as const satisfies CommandSpec;

/** The command line of `reproduce`, checked. */
export interface ReproduceArgs {
  /** Protocols (and `convergence`) to run. */
  targets: Set<string>;
  /** Protocols named on the command line (their data must be real when a root is given). */
  named: Set<string>;
  profile: (typeof PROFILES)[ProfileName];
  architecture: "tiny" | "paper";
  backend: BackendChoice;
  seeds: number[];
  epochs: number | undefined;
  batch: number | undefined;
  jobs: number;
  onlyVariants: string[] | undefined;
  /** `--feedback`, `--tied`, `--passes`: set on every variant trained (empty: the presets'). */
  model: ModelOverrides;
  /** `--split-file`: the one protocol it is for, and the file. */
  splitFile?: { protocol: string; file: string };
  /** The raw option values (`out`, `resume`, `force`, `backend`, `data-root`, `synthetic`). */
  opt: {
    out?: string;
    resume?: boolean;
    force?: boolean;
    backend?: string;
    "split-file"?: string;
    "data-root"?: string;
    synthetic?: boolean;
  };
}

/**
 * Parses and checks `reproduce`'s command line; null for `--help` (after printing it).
 * Throws a {@link UsageError} (one line) for unknown flags, bad values and requests that
 * would do nothing (a variant no requested protocol trains).
 */
export function parseReproduceArgs(args: readonly string[]): ReproduceArgs | null {
  const parsed = parseCommand(SPEC, args);
  if (parsed.help !== null) {
    console.log(parsed.help.trimEnd());
    return null;
  }
  const { values: opt, positionals } = parsed;
  for (const p of positionals) choiceOption("protocol", p, TARGETS);
  const targets = new Set<string>(
    positionals.length === 0 || positionals.includes("all")
      ? [...PROTOCOLS, "convergence"]
      : positionals,
  );
  const named = new Set(positionals.filter((p) => p !== "all" && p !== "convergence"));
  const profile = PROFILES[(opt.profile ?? "quick") as ProfileName];
  const architecture = (opt.arch ?? profile.architecture) as "tiny" | "paper";
  const backend = (opt.backend ?? "auto") as BackendChoice;
  const int = (flag: string, v: string | undefined) =>
    v === undefined ? undefined : integerOption(flag, v, 1);
  const seeds = (opt.seeds ?? "1").split(",").map((s) => integerOption("seeds", s.trim(), 1));
  const twice = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (twice !== undefined) {
    throw new UsageError(
      `Seed ${twice} is given twice in --seeds ${opt.seeds}: each seed trains one model, so a repeat would count one model twice`,
    );
  }
  const epochs = int("epochs", opt.epochs);
  const batch = int("batch", opt.batch);
  const jobs = int("jobs", opt.jobs) ?? Math.max(1, Math.min(2, navigator.hardwareConcurrency));
  const onlyVariants = opt.variants?.split(",").map((v) => v.trim());
  for (const v of onlyVariants ?? []) choiceOption("variants", v, Object.keys(VARIANTS));
  if (opt.synthetic && opt["data-root"]) {
    throw new UsageError("--synthetic and --data-root exclude each other: give one");
  }
  if (onlyVariants) {
    for (const protocol of PROTOCOLS) {
      if (!targets.has(protocol)) continue;
      const valid = PROTOCOL_VARIANTS[protocol];
      if (!onlyVariants.some((v) => valid.includes(v))) {
        throw new UsageError(
          `No variant of --variants ${onlyVariants.join(",")} is trained on ${protocol}: ` +
            `expected one of ${valid.join(", ")}`,
        );
      }
    }
  }
  const splitFile = opt["split-file"];
  const splitProtocols = [...targets].filter((t) => t === "aflw" || t === "pascal-person");
  if (splitFile !== undefined && splitProtocols.length !== 1) {
    throw new UsageError(
      `--split-file names the split file of one dataset: run it with exactly one of aflw, ` +
        `pascal-person (requested: ${[...targets].join(", ")})`,
    );
  }
  return {
    ...(splitFile === undefined
      ? {}
      : { splitFile: { protocol: splitProtocols[0]!, file: splitFile } }),
    targets,
    named,
    profile,
    architecture,
    backend,
    seeds,
    epochs,
    batch,
    jobs,
    onlyVariants,
    model: modelFlags(opt),
    opt,
  };
}

/** Prints one line and exits (2: the request is wrong, 1: the folder is unusable). */
function fail(message: string, code = 2): never {
  console.error(message);
  Deno.exit(code);
}

/**
 * The run folder and how to enter it: `--out` or, by default, a new
 * `results/<date>-<commit>[-N]` (with `--resume`: the newest of those). An `--out` that
 * holds a run is refused unless `--resume` (continue it) or `--force` (move it aside).
 */
async function chooseRunDir(
  opt: { out?: string; resume?: boolean; force?: boolean },
  base: string,
  log: (line: string) => void,
): Promise<{ out: string; moveAside: boolean }> {
  if (opt.resume && opt.force) {
    fail(
      "--force and --resume contradict: --resume continues the run in --out, --force moves " +
        "it aside to start anew",
    );
  }
  if (opt.out === undefined) {
    if (opt.resume) {
      const latest = await latestRunDir(base);
      if (latest) return { out: latest, moveAside: false };
      log(`Nothing to resume under "${base}[-N]": starting a new run`);
    }
    return { out: await createNewRunDir(base), moveAside: false };
  }
  const out = resolve(opt.out);
  const state = await runDirState(out);
  if (state === "used" && !opt.resume && !opt.force) {
    fail(
      `Cannot write into --out "${out}": it holds an earlier run; pass --resume to continue ` +
        "it, --force to move it aside, or choose another --out",
    );
  }
  if (state === "missing") await makeRunDir(out);
  return { out, moveAside: state === "used" && Boolean(opt.force) };
}

/** What `run.json` holds: written when a run folder is first used. */
interface RunRecordFile {
  format: "clvm-run/1";
  created: string;
  commit: string;
  backend: BackendChoice;
  command: string;
}

/**
 * The backend a run folder was started with (`run.json`), for `--resume` without
 * `--backend`; null (and a line saying so) when it is not recorded or unreadable.
 */
async function storedBackend(
  out: string,
  log: (line: string) => void,
): Promise<BackendChoice | null> {
  try {
    const run = await readRunJson<RunRecordFile>(join(out, "run.json"));
    if (run && BACKEND_CHOICES.includes(run.backend)) {
      if (run.backend !== "auto") {
        log(`Continuing on the run's backend ${run.backend} (give --backend to change it)`);
      }
      return run.backend;
    }
  } catch (error) {
    log(`${(error as Error).message}: using --backend auto`);
  }
  return null;
}

/** Writes `run.json` (the folder's backend, commit and command) unless it is there. */
async function recordRun(out: string, backend: BackendChoice, commit: string): Promise<void> {
  const path = join(out, "run.json");
  try {
    if (await readRunJson(path)) return;
  } catch { /* unreadable: rewrite it */ }
  const record: RunRecordFile = {
    format: "clvm-run/1",
    created: new Date().toISOString(),
    commit,
    backend,
    command: ["deno task reproduce", ...Deno.args].join(" "),
  };
  await Deno.writeTextFile(`${path}.tmp`, JSON.stringify(record, null, 2));
  await Deno.rename(`${path}.tmp`, path);
}

/**
 * SIGINT/SIGTERM: forward to the trainers, wait for them, free the run folder, exit.
 */
function forwardSignals(lock: RunLock, log: (line: string) => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let stopping = false;
  for (const signal of signals) {
    Deno.addSignalListener(signal, async () => {
      if (stopping) return;
      stopping = true;
      const pids = runningJobs();
      log(
        `\nInterrupted (${signal}): stopping ${pids.length} trainer(s)` +
          (pids.length ? ` (pid ${pids.join(", ")})` : "") +
          "; --resume continues from their checkpoints",
      );
      await stopJobs(signal);
      await lock.release();
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

async function git(...args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, cwd: REPO, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

// node:os reads the model under --allow-sys; Deno refuses /proc/cpuinfo short of --allow-all.
function cpuModel(): string {
  return cpus()[0]?.model.trim() || "unknown CPU";
}

function headsFor(variant: string, classes: number, keypoints: number): string | null {
  const heads = VARIANTS[variant as keyof typeof VARIANTS]?.heads;
  if (!heads) return `unknown variant`;
  if (heads.keypoints && keypoints === 0) {
    return "this dataset has no keypoint labels (the paper's LFW-Parts keypoints were annotated by the authors and are not public)";
  }
  if (heads.segmentation && classes === 0) return "this dataset has no segmentation labels";
  return null;
}

/** Where `openDataset` finds a source's data: its root and split file, when it has them. */
function datasetPlace(source: DataSource): { root?: string; splitFile?: string } {
  return {
    ...(source.root ? { root: source.root } : {}),
    ...(source.splitFile ? { splitFile: source.splitFile } : {}),
  };
}

/** A batch of the first test images, preprocessed, for the z1 and convergence figures. */
async function firstTestImages(
  source: DataSource,
  pre: PreprocessConfig,
  n: number,
): Promise<tf.Tensor4D> {
  const test = await openDataset(source.dataset, { ...datasetPlace(source), split: "test" });
  for await (
    const b of batches(test, {
      batchSize: n,
      preprocess: createPreprocessor(pre),
      shuffle: false,
      prefetch: 0,
    })
  ) {
    return tf.tensor4d(b.images, [b.size, b.height, b.width, 3]);
  }
  throw new Error(`The test split of ${source.dataset} is empty`);
}

/** S (mean over images) at the end of each pass 1..passes. */
function scoreByPass(clvm: CLVM, x: tf.Tensor4D, passes: number): Promise<number[]> {
  const schedule = updateSchedule(clvm.layerCount, passes);
  const ends: number[] = [];
  schedule.forEach((u, i) => {
    if (i === schedule.length - 1 || schedule[i + 1]!.pass !== u.pass) ends.push(i + 1);
  });
  const trace = clvm.scoreTrace(x, passes);
  const mean = tf.mean(trace, 1);
  trace.dispose();
  return mean.data().then((d) => {
    mean.dispose();
    return ends.map((row) => d[row]!);
  });
}

/**
 * The same conv filters and biases (and top-down filters of an untied model) with the same
 * feedback, without batch norm (S is defined without it).
 */
function withoutBatchNorm(clvm: CLVM): CLVM {
  const copy = createCLVM({
    architecture: clvm.options.architecture,
    passes: clvm.options.passes,
    tied: clvm.options.tied,
    feedback: clvm.options.feedback,
    seed: 1,
  });
  const w = clvm.getWeights();
  copy.setWeights(
    Object.fromEntries(Object.entries(w).filter(([k]) => /^(conv|topdown)\d/.test(k))),
  );
  return copy;
}

async function main(args: readonly string[]): Promise<number> {
  const parsed = parseReproduceArgs(args);
  if (parsed === null) return 0;
  const {
    targets,
    named,
    profile,
    architecture,
    seeds,
    epochs,
    batch,
    jobs,
    onlyVariants,
    model,
    opt,
  } = parsed;
  let backend = parsed.backend;
  const dataRootInfo = opt.synthetic
    ? { dir: null, from: "--synthetic" as const }
    : await resolveDataRoot(opt["data-root"], Deno.env.get("CLVM_DATA"), REPO);
  const started = performance.now();
  const commit = (await git("rev-parse", "--short", "HEAD")) ?? "nocommit";
  const date = new Date().toISOString().slice(0, 10);
  const log = (s: string) => console.error(s);
  let out: string;
  let lock: RunLock;
  try {
    const chosen = await chooseRunDir(opt, join(REPO, "results", `${date}-${commit}`), log);
    out = chosen.out;
    lock = await acquireLock(out, "reproduce", log);
    if (chosen.moveAside) {
      log(`Moved the earlier run in "${out}" aside to "${await moveContentsAside(out)}"`);
    }
  } catch (error) {
    if (error instanceof RunDirError || error instanceof LockHeldError) fail(error.message, 1);
    throw error;
  }
  forwardSignals(lock, log);
  if (opt.resume && opt.backend === undefined) {
    backend = (await storedBackend(out, log)) ?? backend;
  }
  await recordRun(out, backend, commit);
  const dataRoot = dataRootInfo.dir;
  const cache = join(REPO, ".cache");
  const report = await initBackend(backend, log);
  log(`Backend: ${report.name} (${report.reason}). Output: ${out}`);
  const environment = {
    date: new Date().toISOString(),
    commit,
    dirty: ((await git("status", "--porcelain")) ?? "").length > 0,
    deno: Deno.version.deno,
    tfjs: tf.version_core,
    backend: report.name,
    adapter: report.adapter,
    cpu: `${cpuModel()} × ${navigator.hardwareConcurrency}`,
    cpuModel: cpuModel(),
    cores: navigator.hardwareConcurrency,
    memoryBytes: Deno.systemMemoryInfo().total,
    os: `${Deno.build.os} ${Deno.build.arch}`,
    command: ["deno task reproduce", ...Deno.args].join(" "),
  };
  const config = {
    profile: profile.name,
    profileDescription: profile.description,
    architecture,
    recipe: profile.recipe,
    model,
    seeds,
    backend,
    dataRoot,
    claims: CLAIM_CONFIG,
    protocols: Object.fromEntries(
      PROTOCOLS.map((
        p,
      ) => [p, {
        ...profile.protocols[p],
        ...(epochs ? { epochs } : {}),
        ...(batch ? { batchSize: batch } : {}),
        ...(Object.keys(model).length ? { model } : {}),
      }]),
    ),
  };
  const protocols: Results["protocols"] = {};
  const figures: string[] = [];
  let exitCode = 0;
  const trained = new Map<string, string>(); // "protocol/variant" → best checkpoint of the first seed

  for (const protocol of PROTOCOLS) {
    if (!targets.has(protocol)) continue;
    const t0 = performance.now();
    const settings =
      (config.protocols as Record<ProtocolName, typeof profile.protocols[ProtocolName]>)[protocol];
    const pre: PreprocessConfig = { ...PREPROCESS[protocol], size: settings.inputSize };
    let source: DataSource | null = null;
    const result: ProtocolResult = {
      protocol,
      status: "ok",
      data: null as unknown as DataSource,
      settings,
      variants: [],
      skipped: [],
      runs: [],
      oracle: null,
      oracleStride: 4,
      notes: [],
      testImages: 0,
      seconds: 0,
    };
    protocols[protocol] = result;
    try {
      source = await resolveData(protocol, dataRoot, cache, log);
      if (parsed.splitFile?.protocol === protocol) {
        source = { ...source, splitFile: parsed.splitFile.file };
      }
      requireRealData(source, dataRootInfo, named.has(protocol));
      result.data = source;
      log(`\n== ${protocol}: ${source.description}`);
      const open = (split: "train" | "val" | "test") =>
        openDataset(source!.dataset, { ...datasetPlace(source!), split });
      const test = await open("test");
      if (test.ids.length === 0) {
        throw new Error(`The test split of ${source.description} is empty`);
      }
      const classes = test.classes?.length ?? 0;
      const keypoints = test.keypointNames?.length ?? 0;
      for (const variant of PROTOCOL_VARIANTS[protocol]) {
        if (onlyVariants && !onlyVariants.includes(variant)) continue;
        const why = headsFor(variant, classes, keypoints);
        if (why) result.skipped.push({ variant, reason: why });
        else result.variants.push(variant);
      }
      if (result.variants.length === 0) {
        throw new Error(
          `No variant can be trained on ${protocol}: ` +
            result.skipped.map((k) => `${k.variant} (${k.reason})`).join("; "),
        );
      }
      const specs: JobSpec[] = [];
      for (const variant of result.variants) {
        for (const seed of seeds) {
          specs.push({
            variant,
            dataset: source.dataset,
            root: source.root,
            splitFile: source.splitFile ?? null,
            architecture,
            recipe: profile.recipe,
            inputSize: settings.inputSize,
            epochs: settings.epochs,
            batchSize: settings.batchSize,
            seed,
            trainLimit: settings.trainLimit,
            valLimit: settings.valLimit,
            backend,
            out: join(out, "runs", protocol, `${variant}-seed${seed}`),
            feedback: model.feedback ?? null,
            tied: model.tied ?? null,
            passes: model.passes ?? null,
          });
        }
      }
      const bar = createProgress(`${protocol}: training runs`, specs.length);
      const identities = new Map<string, Promise<DataIdentity>>();
      const identity = (spec: JobSpec) => {
        const key = JSON.stringify([spec.seed, spec.inputSize]);
        if (!identities.has(key)) identities.set(key, jobDataIdentity(spec));
        return identities.get(key)!;
      };
      const outcomes = await runJobs(specs, jobs, log, (o: JobOutcome) => {
        bar.tick();
        log(
          `${
            o.ok ? (o.skipped ? "reused" : "trained") : "FAILED"
          }: ${protocol} ${o.spec.variant} seed ${o.spec.seed}` +
            (o.ok ? ` (${o.seconds.toFixed(0)} s)` : `: ${o.error}`),
        );
      }, identity);
      bar.done();
      // Interrupted: the signal handler exits once the trainers have; write nothing more.
      if (jobsStopped()) await new Promise((r) => setTimeout(r, 60_000));
      // One broken model is a problem of that model, not of the protocol.
      const problems = outcomes.filter((o) => !o.ok).map((o) =>
        `${o.spec.variant} seed ${o.spec.seed}: ${o.error}`
      );
      // Score each seed's models together: one pass over the test split per seed.
      const testLimit = settings.testLimit ?? undefined;
      // The trivial baselines, on the training images the first seed's models saw.
      const baselines = await trainBaselines(
        subset(await open("train"), settings.trainLimit, seeds[0]!),
        pre,
      );
      let first: Scored | null = null;
      for (const seed of seeds) {
        const models: NamedModel[] = [];
        const done: { o: JobOutcome; record: DoneRecord }[] = [];
        for (const o of outcomes.filter((o) => o.ok && o.spec.seed === seed)) {
          try {
            const record = await readRunJson<DoneRecord>(join(o.spec.out, "done.json"));
            if (!record) throw new Error(`"${join(o.spec.out, "done.json")}" is missing`);
            models.push({
              name: o.spec.variant,
              clvm: await loadCheckpoint(join(o.spec.out, "best.ckpt")),
            });
            done.push({ o, record });
          } catch (error) {
            const problem = `${o.spec.variant} seed ${seed}: ${(error as Error).message} ` +
              "(--resume retrains it)";
            log(`Not scored: ${problem}`);
            problems.push(problem);
          }
        }
        if (models.length === 0) continue;
        const kpStride = Math.min(
          ...models.map((m) =>
            m.clvm.options.heads.keypoints
              ? m.clvm.stride(m.clvm.options.heads.keypoints.layer)
              : Infinity
          ),
        );
        const oracleStride = Number.isFinite(kpStride) ? kpStride : 1;
        const scoring = createProgress(
          `${protocol}: scoring seed ${seed}`,
          Math.min(test.ids.length, testLimit ?? Infinity),
        );
        const scored = await scoreModels(protocol, test, models, pre, oracleStride, {
          ...(testLimit ? { limit: testLimit } : {}),
          examples: 3,
          baselines,
          onProgress: (d) => scoring.update(d),
        });
        scoring.done();
        if (first === null) {
          for (const u of scored.unreadable) {
            log(`Left out of the ${protocol} scores (unreadable): ${u.id}: ${u.message}`);
          }
        }
        first ??= scored;
        if (first === scored) {
          result.oracle = scored.oracle;
          result.baselines = scored.baselines;
          result.oracleStride = oracleStride;
          result.notes = scored.protocolNotes;
          result.testImages = scored.images;
        }
        for (const { o, record: doneJson } of done) {
          const record: RunRecord = {
            variant: o.spec.variant,
            seed,
            scores: scored.models[o.spec.variant]!,
            training: {
              seconds: doneJson.seconds,
              epochs: doneJson.epochs,
              steps: doneJson.steps,
              bestEpoch: doneJson.best?.epoch ?? null,
            },
            checkpoint: join(o.spec.out, "best.ckpt"),
          };
          const curve = await readTrainingCurve(record.checkpoint);
          if (curve) record.curve = curve;
          result.runs.push(record);
          if (!trained.has(`${protocol}/${o.spec.variant}`)) {
            trained.set(`${protocol}/${o.spec.variant}`, record.checkpoint);
          }
        }
        models.forEach((m) => m.clvm.dispose());
      }
      const examples: Example[] = first?.examples ?? [];
      const qual = await qualitativeFigure(
        out,
        protocol,
        examples,
        protocol === "aflw" ? "fig7" : protocol === "lfw-parts" ? "fig9" : "fig13",
      );
      if (qual) figures.push(qual);
      if (problems.length > 0) {
        result.status = "failed";
        result.error = problems.join("; ");
        exitCode = 1;
      }
    } catch (error) {
      result.status = "failed";
      result.error = (error as Error).message;
      log(`${protocol} failed: ${(error as Error).stack ?? error}`);
      exitCode = 1;
    }
    result.seconds = (performance.now() - t0) / 1000;
  }

  let convergence: ConvergenceResult | null = null;
  if (targets.has("convergence")) {
    try {
      const source = await resolveData("lfw-parts", dataRoot, cache, log);
      const size =
        (config.protocols as Record<string, { inputSize: number }>)["lfw-parts"]!.inputSize;
      const x = await firstTestImages(source, { ...PREPROCESS["lfw-parts"], size }, 4);
      const passes = profile.convergencePasses;
      const series: ConvergenceResult["series"] = [];
      let feedbackNote = "replicate feedback, tied weights";
      const ckpt = trained.get("lfw-parts/CLVM2-seg") ?? trained.get("lfw-parts/CLVM1-seg");
      if (ckpt) {
        const learned = await loadCheckpoint(ckpt);
        const plain = withoutBatchNorm(learned);
        feedbackNote = `${learned.options.feedback} feedback, ${
          learned.options.tied ? "tied" : "untied"
        } weights (the trained model's; random weights: replicate, tied)`;
        series.push({
          name: `trained (${ckpt.split("/").slice(-2)[0]}, batch norm dropped)`,
          score: await scoreByPass(plain, x, passes),
        });
        // The first test image: shown before/after feedback, and taken apart (Figs. 11, 12).
        const first = tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
        const z1 = await z1Figure(
          out,
          learned,
          first,
          "z1 channels before and after top-down feedback (LFW-Parts test image)",
        );
        figures.push(z1);
        const partsCkpt = trained.get("lfw-parts/M-CLVM2") ?? trained.get("lfw-parts/CLVM2-seg");
        if (partsCkpt) {
          const two = await loadCheckpoint(partsCkpt);
          figures.push(
            await partsFigure(
              out,
              two,
              first,
              PALETTES["lfw-parts"]!,
              `Segmentation from the parts of z1 (${partsCkpt.split("/").slice(-2)[0]})`,
            ),
          );
          two.dispose();
        }
        first.dispose();
        plain.dispose();
        learned.dispose();
      }
      const random = createCLVM({ architecture, seed: 7, weightStd: 0.2, biasStd: 0.1 });
      series.push({
        name: "random weights (N(0, 0.2²))",
        score: await scoreByPass(random, x, passes),
      });
      random.dispose();
      x.dispose();
      convergence = {
        passes: Array.from({ length: passes }, (_, i) => i + 1),
        series,
        note:
          `Mean S over the first ${
            x.shape[0]
          } LFW-Parts test images (${source.kind}) after each pass k, ` +
          `${feedbackNote}. S is defined without batch norm, so the trained model's ` +
          "filters and biases are used without it.",
      };
    } catch (error) {
      log(`convergence failed: ${(error as Error).stack ?? error}`);
      exitCode = 1;
    }
  }

  // Results of earlier commands in this folder are kept (issue 13 §3): merged, not replaced.
  const previous = await readResults(out).catch((error) => {
    log(`Not merging the old results.json: ${(error as Error).message}`);
    return null;
  });
  let table3: Record<string, unknown> | null = null;
  try {
    table3 = await readRunJson<Record<string, unknown>>(table3File(out));
  } catch (error) {
    log(`Table 3 left out: ${(error as Error).message}`);
  }
  if (!table3 && !previous?.table3) {
    table3 = await measureTable3(table3File(out), table3Settings(profile.name), backend, log);
  }
  const results = await renderRun(
    out,
    mergeResults(previous, {
      environment,
      config,
      protocols,
      convergence,
      table3,
      claims: [],
      figures,
      seconds: (performance.now() - started) / 1000,
    }),
  );
  for (const p of PROTOCOLS) {
    const r = protocols[p];
    if (r) {
      log(`${p}: ${r.status} on ${r.data?.kind ?? "?"} data (${r.data?.description ?? r.error})`);
      for (const c of learnedChecks(r).filter((c) => !c.learned)) {
        log(`Warning: ${learnedLine(c, r.data?.kind ?? "?").replaceAll("**", "")}`);
      }
    }
  }
  log(
    `Wrote ${join(out, "report.md")} and results.json in ${(results.seconds / 60).toFixed(1)} min.`,
  );
  await lock.release();
  return exitCode;
}

if (import.meta.main) Deno.exit(await runCommand(Deno.args, main));
