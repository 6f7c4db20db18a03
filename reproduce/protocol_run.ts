/**
 * One protocol of `reproduce`: find its data, decide which rows can be trained (the
 * paper's variants and the profile's rows beyond the paper), train them (one process per
 * run, resumable), score every seed's models in one pass over the test split with the
 * trivial baselines and the oracle, and draw the qualitative figure.
 *
 * @module
 */
import { join } from "node:path";
import { type BackendChoice, loadCheckpoint } from "../mod.ts";
import { VARIANTS } from "../src/clvm/mod.ts";
import { openDataset } from "../src/data/mod.ts";
import { type DataIdentity, type Recipe, RECIPES } from "../src/train/mod.ts";
import { createProgress, readRunJson } from "../src/util/mod.ts";
import type { ReproduceArgs } from "./args.ts";
import { trainBaselines } from "./baselines.ts";
import { type DataRoot, requireRealData } from "./data_root.ts";
import { datasetPlace, type DataSource, resolveData } from "./data_sources.ts";
import { type Example, type NamedModel, type Scored, scoreModels } from "./evaluate.ts";
import { qualitativeFigure } from "./figures.ts";
import { type DoneRecord, type JobOutcome, jobsStopped, runJobs } from "./jobs.ts";
import { architectureOf, type ProtocolSettings } from "./profiles.ts";
import { type BeyondRow, type ProtocolName, protocolOf } from "./protocols/mod.ts";
import type { ProtocolResult, RunRecord } from "./results.ts";
import type { Slots } from "./slots.ts";
import { readTrainingCurve } from "./training_curves.ts";
import { jobDataIdentity, type JobSpec, subset } from "./train_job.ts";

/** What every protocol of one command shares. */
export interface RunContext {
  args: ReproduceArgs;
  /** The run folder. */
  out: string;
  dataRoot: DataRoot;
  /** The checkout's `.cache` (extracted archives). */
  cache: string;
  backend: BackendChoice;
  log: (line: string) => void;
  /** The training processes' and scoring passes' slots, shared by the protocols run side by side (`--jobs`). */
  slots: Slots;
  /** One slot: the scoring passes, which run in this process, one at a time. */
  mainThread: Slots;
  /** This protocol's place in the queue for `slots` (lower first). */
  priority: number;
}

/** What one protocol's run left besides its result. */
export interface ProtocolOutcome {
  result: ProtocolResult;
  /** The qualitative figure, when drawn. */
  figure: string | null;
  /** Row name → best checkpoint of the first seed (for the convergence study's figures). */
  trained: Map<string, string>;
}

/**
 * The settings `protocol` runs with: the profile's, with `--epochs`, `--batch` and the
 * model flags over them; `architecture` only where it differs from the run's.
 */
export function settingsFor(args: ReproduceArgs, protocol: ProtocolName): ProtocolSettings {
  const { architecture: own, ...base } = args.profile.protocols[protocol];
  const architecture = architectureOf(args.profile, protocol, args.archFlag);
  return {
    ...base,
    ...(own !== undefined && architecture !== args.architecture ? { architecture } : {}),
    ...(args.epochs ? { epochs: args.epochs } : {}),
    ...(args.batch ? { batchSize: args.batch } : {}),
    ...(Object.keys(args.model).length ? { model: args.model } : {}),
  };
}

/** Why `variant` cannot be trained on data with `classes` classes and `keypoints` points, or null. */
export function headsFor(variant: string, classes: number, keypoints: number): string | null {
  const heads = VARIANTS[variant as keyof typeof VARIANTS]?.heads;
  if (!heads) return `unknown variant`;
  if (heads.keypoints && keypoints === 0) {
    return "this dataset has no keypoint labels (the paper's LFW-Parts keypoints were annotated by the authors and are not public)";
  }
  if (heads.segmentation && classes === 0) return "this dataset has no segmentation labels";
  return null;
}

/** The rows a protocol trains: the paper's variants and the beyond rows, each with its preset. */
export interface Rows {
  /** The paper's variants that can be trained. */
  variants: string[];
  /** The rows beyond the paper that can be trained. */
  beyond: BeyondRow[];
  skipped: { variant: string; reason: string }[];
}

/**
 * The rows of `protocol` under `settings` (`--variants` narrows both kinds), given what the
 * test split has: each is trained when its preset's heads have labels.
 */
export function rowsOf(
  protocol: ProtocolName,
  settings: ProtocolSettings,
  onlyVariants: readonly string[] | undefined,
  classes: number,
  keypoints: number,
): Rows {
  const p = protocolOf(protocol);
  const wanted = (name: string) => !onlyVariants || onlyVariants.includes(name);
  const rows: Rows = { variants: [], beyond: [], skipped: [] };
  for (const variant of p.variants.filter(wanted)) {
    const why = headsFor(variant, classes, keypoints);
    if (why) rows.skipped.push({ variant, reason: why });
    else rows.variants.push(variant);
  }
  for (const name of (settings.beyond ?? []).filter(wanted)) {
    const row = p.beyond.find((b) => b.name === name);
    if (!row) {
      throw new Error(
        `Unknown row beyond the paper "${name}" for ${protocol}: expected one of ` +
          (p.beyond.map((b) => b.name).join(", ") || "none"),
      );
    }
    const why = headsFor(row.variant, classes, keypoints);
    if (why) rows.skipped.push({ variant: name, reason: why });
    else rows.beyond.push(row);
  }
  return rows;
}

/**
 * The learning rate and keypoint task weight `row` trains with: its own in
 * `settings.perRow`, else the protocol's, else null (the recipe's).
 */
export function rowRecipe(
  settings: ProtocolSettings,
  row: string,
): { learningRate: number | null; keypointWeight: number | null } {
  const own = settings.perRow?.[row];
  return {
    learningRate: own?.learningRate ?? settings.learningRate ?? null,
    keypointWeight: own?.keypointWeight ?? settings.keypointWeight ?? null,
  };
}

/**
 * One training job per row × seed, into `out/runs/<protocol>/<row>-seed<N>`; beyond rows
 * train their preset with their model options over the command's. Returns each spec's row.
 */
export function jobSpecs(
  ctx: Pick<RunContext, "args" | "out" | "backend">,
  source: DataSource,
  settings: ProtocolSettings,
  rows: Pick<Rows, "variants" | "beyond">,
): Map<JobSpec, string> {
  const { args } = ctx;
  const architecture = architectureOf(args.profile, source.protocol, args.archFlag);
  const all: { name: string; variant: string; model: BeyondRow["model"] }[] = [
    ...rows.variants.map((v) => ({ name: v, variant: v, model: {} })),
    ...rows.beyond.map((b) => ({ name: b.name, variant: b.variant, model: b.model })),
  ];
  const specs = new Map<JobSpec, string>();
  for (const row of all) {
    const model = { ...args.model, ...row.model };
    for (const seed of args.seeds) {
      specs.set({
        variant: row.variant,
        dataset: source.dataset,
        root: source.root,
        splitFile: source.splitFile ?? null,
        architecture,
        recipe: args.profile.recipe,
        inputSize: settings.inputSize,
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        seed,
        trainLimit: settings.trainLimit,
        valLimit: settings.valLimit,
        backend: ctx.backend,
        out: join(ctx.out, "runs", source.protocol, `${row.name}-seed${seed}`),
        feedback: model.feedback ?? null,
        tied: model.tied ?? null,
        passes: model.passes ?? null,
        ...rowRecipe(settings, row.name),
      }, row.name);
    }
  }
  return specs;
}

/** How the models' batch norm is normalized at validation and test, for the protocol sentence. */
export function batchNormNote(recipe: Recipe): string {
  if (!recipe.batchNorm) return "No batch norm";
  return recipe.batchNormRecomputeImages > 0
    ? `Batch norm at validation and test: statistics recomputed from ${recipe.batchNormRecomputeImages} ` +
      "training images under each epoch's final weights (the running averages of training " +
      `trail the weights; recipe ${recipe.name}, batchNormRecomputeImages; the paper does not ` +
      "say how its test-time statistics were made)"
    : `Batch norm at validation and test: the running averages of training (momentum ${recipe.batchNormMomentum})`;
}

/** Runs `protocol`: its result (status "failed" with the reason when it failed), figure and checkpoints. */
export async function runProtocol(
  ctx: RunContext,
  protocol: ProtocolName,
): Promise<ProtocolOutcome> {
  const { args, log } = ctx;
  const t0 = performance.now();
  const settings = settingsFor(args, protocol);
  const pre = { ...protocolOf(protocol).preprocess, size: settings.inputSize };
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
  const trained = new Map<string, string>();
  let figure: string | null = null;
  try {
    let source = await resolveData(protocol, ctx.dataRoot.dir, ctx.cache, log);
    if (args.splitFile?.protocol === protocol) {
      source = { ...source, splitFile: args.splitFile.file };
    }
    requireRealData(source, ctx.dataRoot, args.named.has(protocol));
    result.data = source;
    log(`\n== ${protocol}: ${source.description}`);
    const open = (split: "train" | "val" | "test") =>
      openDataset(source.dataset, { ...datasetPlace(source), split });
    const test = await open("test");
    if (test.ids.length === 0) {
      throw new Error(`The test split of ${source.description} is empty`);
    }
    const rows = rowsOf(
      protocol,
      settings,
      args.onlyVariants,
      test.classes?.length ?? 0,
      test.keypointNames?.length ?? 0,
    );
    result.variants = rows.variants;
    result.skipped = rows.skipped;
    if (rows.beyond.length > 0) result.beyond = rows.beyond;
    if (rows.variants.length + rows.beyond.length === 0) {
      throw new Error(
        `No variant can be trained on ${protocol}: ` +
          rows.skipped.map((k) => `${k.variant} (${k.reason})`).join("; "),
      );
    }
    const rowOf = jobSpecs(ctx, source, settings, rows);
    const specs = [...rowOf.keys()];
    // Protocols train side by side, so their bars print a line per step, never redraw one.
    const bar = createProgress(`${protocol}: training runs`, specs.length, { tty: false });
    const identities = new Map<string, Promise<DataIdentity>>();
    const identity = (spec: JobSpec) => {
      const key = JSON.stringify([spec.seed, spec.inputSize]);
      if (!identities.has(key)) identities.set(key, jobDataIdentity(spec));
      return identities.get(key)!;
    };
    const outcomes = await runJobs(
      specs,
      ctx.slots,
      log,
      (o: JobOutcome) => {
        bar.tick();
        log(
          `${o.ok ? (o.skipped ? "reused" : "trained") : "FAILED"}: ${protocol} ${
            rowOf.get(o.spec)
          } seed ${o.spec.seed}` +
            (o.ok ? ` (${o.seconds.toFixed(0)} s)` : `: ${o.error}`),
        );
      },
      identity,
      ctx.priority,
    );
    bar.done();
    // Interrupted: the signal handler exits once the trainers have; write nothing more.
    if (jobsStopped()) await new Promise((r) => setTimeout(r, 60_000));
    // One broken model is a problem of that model, not of the protocol.
    const problems = outcomes.filter((o) => !o.ok).map((o) =>
      `${rowOf.get(o.spec)} seed ${o.spec.seed}: ${o.error}`
    );
    // Scoring runs in this process: one scoring pass at a time (the main thread), and it
    // takes a slot like a training process, ahead of the jobs still waiting.
    await ctx.mainThread.use(0, () =>
      ctx.slots.use(-1, async () => {
        const testLimit = settings.testLimit ?? undefined;
        // The trivial baselines, on the training images the first seed's models saw.
        const baselines = await trainBaselines(
          subset(await open("train"), settings.trainLimit, args.seeds[0]!),
          pre,
        );
        const beyondNames = new Set(rows.beyond.map((b) => b.name));
        let first: Scored | null = null;
        // Score each seed's models together: one pass over the test split per seed.
        for (const seed of args.seeds) {
          const models: NamedModel[] = [];
          const done: { o: JobOutcome; record: DoneRecord }[] = [];
          for (const o of outcomes.filter((o) => o.ok && o.spec.seed === seed)) {
            const name = rowOf.get(o.spec)!;
            try {
              const record = await readRunJson<DoneRecord>(join(o.spec.out, "done.json"));
              if (!record) throw new Error(`"${join(o.spec.out, "done.json")}" is missing`);
              models.push({ name, clvm: await loadCheckpoint(join(o.spec.out, "best.ckpt")) });
              done.push({ o, record });
            } catch (error) {
              const problem = `${name} seed ${seed}: ${(error as Error).message} ` +
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
            first = scored;
            result.oracle = scored.oracle;
            result.baselines = scored.baselines;
            result.oracleStride = oracleStride;
            result.notes = [...scored.protocolNotes, batchNormNote(RECIPES[args.profile.recipe])];
            result.testImages = scored.images;
          }
          for (const { o, record: doneJson } of done) {
            const name = rowOf.get(o.spec)!;
            const record: RunRecord = {
              variant: name,
              seed,
              scores: scored.models[name]!,
              training: {
                seconds: doneJson.seconds,
                epochs: doneJson.epochs,
                steps: doneJson.steps,
                bestEpoch: doneJson.best?.epoch ?? null,
              },
              checkpoint: join(o.spec.out, "best.ckpt"),
              ...(beyondNames.has(name) ? { beyondPaper: true as const } : {}),
            };
            const curve = await readTrainingCurve(record.checkpoint);
            if (curve) record.curve = curve;
            result.runs.push(record);
            if (!trained.has(name)) trained.set(name, record.checkpoint);
          }
          models.forEach((m) => m.clvm.dispose());
        }
        const examples: Example[] = first?.examples ?? [];
        figure = await qualitativeFigure(ctx.out, protocol, examples);
      }));
    if (problems.length > 0) {
      result.status = "failed";
      result.error = problems.join("; ");
    }
  } catch (error) {
    result.status = "failed";
    result.error = (error as Error).message;
    log(`${protocol} failed: ${(error as Error).stack ?? error}`);
  }
  result.seconds = (performance.now() - t0) / 1000;
  return { result, figure, trained };
}
