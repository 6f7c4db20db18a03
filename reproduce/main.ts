/**
 * `deno task reproduce`: trains and scores every paper variant on each protocol, and
 * writes `results.json`, `report.md` and the figures to `results/<date>-<commit>/`.
 *
 * @module
 */
import "../fixtures/mod.ts";
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import {
  BACKEND_CHOICES,
  type BackendChoice,
  type CLVM,
  createCLVM,
  initBackend,
  loadCheckpoint,
} from "../mod.ts";
import { tf } from "../src/deps.ts";
import { createProgress } from "../src/util/mod.ts";
import {
  batches,
  createPreprocessor,
  openDataset,
  PREPROCESS,
  type PreprocessConfig,
} from "../src/data/mod.ts";
import { updateSchedule, VARIANTS } from "../src/clvm/mod.ts";
import { checkClaims } from "./claims.ts";
import { type DataSource, defaultDataRoot, resolveData } from "./data_sources.ts";
import {
  type Example,
  type NamedModel,
  type ProtocolName,
  type Scored,
  scoreModels,
} from "./evaluate.ts";
import {
  convergenceFigure,
  curvesFigure,
  PALETTES,
  partsFigure,
  qualitativeFigure,
  z1Figure,
} from "./figures.ts";
import { type JobOutcome, runJobs } from "./jobs.ts";
import { type ProfileName, PROFILES, PROTOCOL_VARIANTS } from "./profiles.ts";
import type { ConvergenceResult, ProtocolResult, Results, RunRecord } from "./results.ts";
import { buildReport } from "./report.ts";
import type { JobSpec } from "./train_job.ts";

const PROTOCOLS = ["lfw-parts", "aflw", "pascal-person"] as const;
const TARGETS = [...PROTOCOLS, "convergence", "all"] as const;
const REPO = resolve(new URL("..", import.meta.url).pathname);

const HELP = `Usage: deno task reproduce [${TARGETS.join("|")}…] [options]

Trains every variant the paper reports on each protocol, picks each model on the
validation split, scores it on the test split, and writes results.json, report.md and
figures (PNG + SVG) to results/<date>-<commit>/. With no protocol: all of them.
LFW-Parts uses the real data when --data-root (or ../shared/data) has it; AFLW and
Pascal Person use their synthetic stand-ins unless real data is given.

Options:
  --profile smoke|quick|full|paper  settings (default quick: ~20 min on 2 CPU cores)
  --variants A,B,…            only these variants (default: every one the paper reports)
  --data-root DIR             real data: DIR/lfw-parts (tarballs or extracted), DIR/aflw,
                              DIR/pascal-person (default: ../shared/data when present)
  --arch tiny|paper           architecture (default: the profile's)
  --epochs N                  epochs per training run (default: the profile's)
  --batch N                   batch size (default: the profile's)
  --backend ${BACKEND_CHOICES.join("|")}   tfjs backend (default auto)
  --seeds 1,2,3               training seeds; tables show mean ± std (default 1)
  --jobs N                    training runs at a time (default: min(2, CPU cores))
  --out DIR                   output folder (default results/<date>-<commit>)
  --resume                    reuse the trained models already in --out
  --help                      this text
`;

function fail(message: string): never {
  console.error(message);
  Deno.exit(2);
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`Invalid --${name} "${value}": expected an integer ≥ 1`);
  return n;
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

async function cpuModel(): Promise<string> {
  try {
    const text = await Deno.readTextFile("/proc/cpuinfo");
    const model = text.match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU";
    return `${model} × ${navigator.hardwareConcurrency}`;
  } catch {
    return `${navigator.hardwareConcurrency} cores`;
  }
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

/** A batch of the first test images, preprocessed, for the z1 and convergence figures. */
async function firstTestImages(
  source: DataSource,
  pre: PreprocessConfig,
  n: number,
): Promise<tf.Tensor4D> {
  const test = await openDataset(source.dataset, {
    ...(source.root ? { root: source.root } : {}),
    split: "test",
  });
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

/** The same conv filters and biases without batch norm (S is defined without it). */
function withoutBatchNorm(clvm: CLVM): CLVM {
  const copy = createCLVM({
    architecture: clvm.options.architecture,
    passes: clvm.options.passes,
    seed: 1,
  });
  const w = clvm.getWeights();
  copy.setWeights(Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith("conv"))));
  return copy;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        profile: { type: "string" },
        variants: { type: "string" },
        "data-root": { type: "string" },
        arch: { type: "string" },
        epochs: { type: "string" },
        batch: { type: "string" },
        backend: { type: "string" },
        seeds: { type: "string" },
        jobs: { type: "string" },
        out: { type: "string" },
        resume: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values: opt, positionals } = parsed;
  if (opt.help) {
    console.log(HELP);
    return 0;
  }
  for (const p of positionals) {
    if (!(TARGETS as readonly string[]).includes(p)) {
      fail(`Unknown protocol "${p}": expected one of ${TARGETS.join(", ")}`);
    }
  }
  const targets = new Set(
    positionals.length === 0 || positionals.includes("all")
      ? [...PROTOCOLS, "convergence"]
      : positionals,
  );
  const profileName = (opt.profile ?? "quick") as ProfileName;
  const profile = PROFILES[profileName] ??
    fail(`Unknown profile "${opt.profile}": expected one of ${Object.keys(PROFILES).join(", ")}`);
  const architecture = (opt.arch ?? profile.architecture) as "tiny" | "paper";
  if (!["tiny", "paper"].includes(architecture)) {
    fail(`Unknown --arch "${opt.arch}": expected tiny or paper`);
  }
  const backend = (opt.backend ?? "auto") as BackendChoice;
  if (!BACKEND_CHOICES.includes(backend)) {
    fail(`Unknown --backend "${opt.backend}": expected one of ${BACKEND_CHOICES.join(", ")}`);
  }
  const seeds = (opt.seeds ?? "1").split(",").map((s) => positive("seeds", s.trim())!);
  const epochs = positive("epochs", opt.epochs);
  const batch = positive("batch", opt.batch);
  const jobs = positive("jobs", opt.jobs) ??
    Math.max(1, Math.min(2, navigator.hardwareConcurrency));
  const onlyVariants = opt.variants?.split(",").map((v) => v.trim());
  for (const v of onlyVariants ?? []) {
    if (!(v in VARIANTS)) {
      fail(
        `Unknown variant "${v}" in --variants: expected one of ${Object.keys(VARIANTS).join(", ")}`,
      );
    }
  }
  const started = performance.now();
  const commit = (await git("rev-parse", "--short", "HEAD")) ?? "nocommit";
  const date = new Date().toISOString().slice(0, 10);
  const out = resolve(opt.out ?? join(REPO, "results", `${date}-${commit}`));
  if (!opt.resume) await Deno.remove(join(out, "runs"), { recursive: true }).catch(() => {});
  await Deno.mkdir(out, { recursive: true });
  const dataRoot = opt["data-root"] ? resolve(opt["data-root"]) : await defaultDataRoot(REPO);
  const cache = join(REPO, ".cache");
  const log = (s: string) => console.error(s);
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
    cpu: await cpuModel(),
    os: `${Deno.build.os} ${Deno.build.arch}`,
    command: ["deno task reproduce", ...Deno.args].join(" "),
  };
  const config = {
    profile: profile.name,
    profileDescription: profile.description,
    architecture,
    recipe: profile.recipe,
    seeds,
    backend,
    dataRoot,
    protocols: Object.fromEntries(
      PROTOCOLS.map((
        p,
      ) => [p, {
        ...profile.protocols[p],
        ...(epochs ? { epochs } : {}),
        ...(batch ? { batchSize: batch } : {}),
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
      result.data = source;
      log(`\n== ${protocol}: ${source.description}`);
      const open = (split: "train" | "val" | "test") =>
        openDataset(source!.dataset, { ...(source!.root ? { root: source!.root } : {}), split });
      const test = await open("test");
      const classes = test.classes?.length ?? 0;
      const keypoints = test.keypointNames?.length ?? 0;
      for (const variant of PROTOCOL_VARIANTS[protocol]) {
        if (onlyVariants && !onlyVariants.includes(variant)) continue;
        const why = headsFor(variant, classes, keypoints);
        if (why) result.skipped.push({ variant, reason: why });
        else result.variants.push(variant);
      }
      const specs: JobSpec[] = [];
      for (const variant of result.variants) {
        for (const seed of seeds) {
          specs.push({
            variant,
            dataset: source.dataset,
            root: source.root,
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
          });
        }
      }
      const bar = createProgress(`${protocol}: training runs`, specs.length);
      const outcomes = await runJobs(specs, jobs, log, (o: JobOutcome) => {
        bar.tick();
        log(
          `${
            o.ok ? (o.skipped ? "reused" : "trained") : "FAILED"
          }: ${protocol} ${o.spec.variant} seed ${o.spec.seed}` +
            (o.ok ? ` (${o.seconds.toFixed(0)} s)` : `: ${o.error}`),
        );
      });
      bar.done();
      const failed = outcomes.filter((o) => !o.ok);
      // Score each seed's models together: one pass over the test split per seed.
      const testLimit = settings.testLimit ?? undefined;
      let first: Scored | null = null;
      for (const seed of seeds) {
        const models: NamedModel[] = [];
        const done = outcomes.filter((o) => o.ok && o.spec.seed === seed);
        for (const o of done) {
          models.push({
            name: o.spec.variant,
            clvm: await loadCheckpoint(join(o.spec.out, "best.ckpt")),
          });
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
          onProgress: (d) => scoring.update(d),
        });
        scoring.done();
        first ??= scored;
        if (first === scored) {
          result.oracle = scored.oracle;
          result.oracleStride = oracleStride;
          result.notes = scored.protocolNotes;
          result.testImages = scored.images;
        }
        for (const o of done) {
          const doneJson = JSON.parse(await Deno.readTextFile(join(o.spec.out, "done.json")));
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
          result.runs.push(record);
          if (!trained.has(`${protocol}/${o.spec.variant}`)) {
            trained.set(`${protocol}/${o.spec.variant}`, record.checkpoint);
          }
        }
        models.forEach((m) => m.clvm.dispose());
      }
      const curves = await curvesFigure(out, result);
      if (curves) figures.push(curves);
      const examples: Example[] = first?.examples ?? [];
      const qual = await qualitativeFigure(
        out,
        protocol,
        examples,
        protocol === "aflw" ? "fig7" : protocol === "lfw-parts" ? "fig9" : "fig13",
      );
      if (qual) figures.push(qual);
      if (failed.length > 0) {
        result.status = "failed";
        result.error = failed.map((o) => `${o.spec.variant} seed ${o.spec.seed}: ${o.error}`).join(
          "; ",
        );
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
      const ckpt = trained.get("lfw-parts/CLVM2-seg") ?? trained.get("lfw-parts/CLVM1-seg");
      if (ckpt) {
        const learned = await loadCheckpoint(ckpt);
        const plain = withoutBatchNorm(learned);
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
          "replicate feedback, tied weights. S is defined without batch norm, so the trained model's " +
          "filters and biases are used without it.",
      };
      figures.push(await convergenceFigure(out, convergence));
    } catch (error) {
      log(`convergence failed: ${(error as Error).stack ?? error}`);
      exitCode = 1;
    }
  }

  let table3: Record<string, unknown> | null = null;
  for (const path of [join(out, "table3.json"), join(REPO, "results", "table3.json")]) {
    try {
      table3 = JSON.parse(await Deno.readTextFile(path));
      break;
    } catch { /* not measured */ }
  }
  const results: Results = {
    environment,
    config,
    protocols,
    convergence,
    table3,
    claims: checkClaims(
      protocols,
      convergence,
      table3 as { ratios?: Record<string, number> } | null,
    ),
    figures,
    seconds: (performance.now() - started) / 1000,
  };
  await Deno.writeTextFile(join(out, "results.json"), JSON.stringify(results, null, 2));
  await Deno.writeTextFile(join(out, "report.md"), buildReport(results));
  for (const p of PROTOCOLS) {
    const r = protocols[p];
    if (r) {
      log(`${p}: ${r.status} on ${r.data?.kind ?? "?"} data (${r.data?.description ?? r.error})`);
    }
  }
  log(
    `Wrote ${join(out, "report.md")} and results.json in ${(results.seconds / 60).toFixed(1)} min.`,
  );
  return exitCode;
}

if (import.meta.main) Deno.exit(await main());
