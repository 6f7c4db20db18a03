/**
 * The shape of `results.json`, and how a run's headline numbers are read from it. The
 * report, the claims and the figures are all computed from these records.
 *
 * @module
 */
import { join } from "node:path";
import type { Decision } from "../src/eval/mod.ts";
import type { ProtocolSettings } from "./profiles.ts";
import {
  type BeyondRow,
  type DataSource,
  headline,
  headlineName,
  type ProtocolName,
  type ProtocolScores,
} from "./protocols/mod.ts";

export { headline, headlineName };

/**
 * The version of the `results.json` layout. 2: per-image scores, trivial baselines,
 * training curves, claims with a decision and an interval, `schemaVersion` itself.
 */
export const SCHEMA_VERSION = 2;

/** One epoch of a training run, read from its `log.jsonl`. */
export interface EpochPoint {
  epoch: number;
  /** Mean training loss over the epoch. */
  trainLoss: number;
  /** Validation loss. */
  valLoss: number;
  /** Validation pixel accuracy (fraction), when the model segments. */
  valPixelAccuracy?: number;
  /** Validation mean keypoint error (over the input side), when the model has keypoints. */
  valKeypointError?: number;
}

/** One trained model (variant × seed) scored on its protocol's test split. */
export interface RunRecord {
  variant: string;
  seed: number;
  scores: ProtocolScores;
  training: { seconds: number; epochs: number; steps: number; bestEpoch: number | null };
  checkpoint: string;
  /** Training loss and validation metrics per epoch (from the run's `log.jsonl`). */
  curve?: EpochPoint[];
  /** A row the paper does not report (`ProtocolResult.beyond`): no paper number, no claim. */
  beyondPaper?: true;
}

/** One protocol's outcome. */
export interface ProtocolResult {
  protocol: ProtocolName;
  status: "ok" | "failed";
  error?: string;
  data: DataSource;
  settings: ProtocolSettings;
  variants: string[];
  /**
   * Rows beyond the paper trained beside its variants on the same data and settings (their
   * runs carry `beyondPaper`); shown apart from the paper's tables, in no claim.
   */
  beyond?: BeyondRow[];
  /** Variants not trained, with the reason. */
  skipped: { variant: string; reason: string }[];
  runs: RunRecord[];
  oracle: ProtocolScores | null;
  oracleStride: number;
  /** The trivial baselines' scores on the same test images, by row name. */
  baselines?: Record<string, ProtocolScores>;
  /** How each metric was computed. */
  notes: string[];
  testImages: number;
  seconds: number;
}

/** The convergence study (Fig. 15): S after each coordinate-ascent pass. */
export interface ConvergenceResult {
  passes: number[];
  /** Mean S over the images after each pass, per model. */
  series: { name: string; score: number[] }[];
  note: string;
}

/** A paper claim, checked against this run's numbers. */
export interface Claim {
  protocol: string;
  /** The claim in our words. */
  claim: string;
  /** The paper's own words, and where they are. */
  quote: { source: string; text: string };
  /** The decision, or "not testable" when this run cannot test it (`evidence` says why). */
  decision: Decision | "not testable";
  evidence: string;
  /** Measured on a synthetic stand-in: a pipeline check, not evidence about the paper. */
  synthetic: boolean;
  /** The paired difference (claimed-better − other) and its 95% bootstrap interval. */
  difference?: {
    mean: number;
    low: number;
    high: number;
    unit: string;
    images: number;
    seeds: number;
    resamples: number;
  };
}

/** Everything `results.json` holds. */
export interface Results {
  /** {@link SCHEMA_VERSION} when written. */
  schemaVersion?: number;
  environment: Record<string, unknown>;
  config: Record<string, unknown>;
  protocols: Partial<Record<ProtocolName, ProtocolResult>>;
  convergence: ConvergenceResult | null;
  table3: Record<string, unknown> | null;
  claims: Claim[];
  figures: string[];
  seconds: number;
  /** The commands whose results were merged into this file, oldest first. */
  history?: { date: string; command: string; protocols: string[] }[];
}

/** The headline values of `variant` over its seeds. */
export function valuesOf(
  result: ProtocolResult | undefined,
  variant: string,
  task: "segmentation" | "keypoints",
): number[] {
  if (!result) return [];
  return result.runs
    .filter((r) => r.variant === variant)
    .map((r) => headline(result.protocol, task, r.scores))
    .filter((v): v is number => v !== undefined);
}

/** The mean of some numbers (NaN for none). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * `next` merged over `previous` (results of earlier commands in the same run folder):
 * protocols are kept unless `next` has them; within a protocol run with the same data and
 * settings, runs are keyed by (variant, seed) and `next`'s replace `previous`'s; the
 * convergence study and Table 3 are kept unless `next` measured them; figures are the
 * union. Claims are left to the caller to recompute from the merged protocols.
 */
export function mergeResults(previous: Results | null, next: Results): Results {
  const command = String(next.environment.command ?? "");
  const entry = {
    date: String(next.environment.date ?? new Date().toISOString()),
    command,
    protocols: [
      ...Object.keys(next.protocols),
      ...(next.convergence ? ["convergence"] : []),
    ],
  };
  if (!previous) return { ...next, schemaVersion: SCHEMA_VERSION, history: [entry] };
  const protocols: Results["protocols"] = { ...previous.protocols };
  for (const [name, fresh] of Object.entries(next.protocols) as [ProtocolName, ProtocolResult][]) {
    const old = protocols[name];
    if (
      old && old.status === "ok" && fresh.status === "ok" &&
      sameJson(old.settings, fresh.settings) &&
      old.data?.description === fresh.data?.description
    ) {
      const key = (r: RunRecord) => `${r.variant}\u0000${r.seed}`;
      const replaced = new Set(fresh.runs.map(key));
      protocols[name] = {
        ...fresh,
        variants: [...new Set([...old.variants, ...fresh.variants])],
        ...(old.beyond || fresh.beyond
          ? {
            beyond: [
              ...(fresh.beyond ?? []),
              ...(old.beyond ?? []).filter((b) => !fresh.beyond?.some((f) => f.name === b.name)),
            ],
          }
          : {}),
        skipped: fresh.skipped.filter((s) => !old.variants.includes(s.variant)),
        runs: [...old.runs.filter((r) => !replaced.has(key(r))), ...fresh.runs],
        seconds: old.seconds + fresh.seconds,
      };
    } else protocols[name] = fresh;
  }
  return {
    ...next,
    schemaVersion: SCHEMA_VERSION,
    protocols,
    convergence: next.convergence ?? previous.convergence,
    table3: next.table3 ?? previous.table3,
    figures: [...new Set([...previous.figures, ...next.figures])],
    seconds: previous.seconds + next.seconds,
    history: [...(previous.history ?? []), entry],
  };
}

/** One `results.csv` row. */
export interface CsvRow {
  protocol: string;
  variant: string;
  seed: number | null;
  metric: string;
  value: number;
}

function scoreRows(
  protocol: string,
  variant: string,
  seed: number | null,
  s: ProtocolScores,
): CsvRow[] {
  const rows: CsvRow[] = [];
  const add = (metric: string, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) {
      rows.push({ protocol, variant, seed, metric, value });
    }
  };
  add("superpixel_accuracy", s.lfw?.superpixelAccuracy);
  add("error_reduction_vs_crf", s.lfw?.errorReduction);
  add("pixel_accuracy", s.lfw?.pixelAccuracy ?? s.pascal?.pixelAccuracy);
  add("pixel_accuracy_mean_per_instance", s.pascal?.meanPerInstance);
  if (s.keypoints) {
    add("keypoint_mean_error", s.keypoints.meanError);
    add("keypoint_median_error", s.keypoints.medianError);
    for (const [t, f] of Object.entries(s.keypoints.below)) add(`keypoints_below_${t}`, 100 * f);
  }
  return rows;
}

/** The rows of `results.csv`: one per protocol × variant × seed × metric. */
export function csvRows(results: Results): CsvRow[] {
  const rows: CsvRow[] = [];
  for (const r of Object.values(results.protocols)) {
    if (!r) continue;
    for (const run of r.runs) {
      rows.push(...scoreRows(r.protocol, run.variant, run.seed, run.scores));
      rows.push(
        {
          protocol: r.protocol,
          variant: run.variant,
          seed: run.seed,
          metric: "training_seconds",
          value: run.training.seconds,
        },
        {
          protocol: r.protocol,
          variant: run.variant,
          seed: run.seed,
          metric: "training_epochs",
          value: run.training.epochs,
        },
      );
    }
    if (r.oracle) rows.push(...scoreRows(r.protocol, "oracle", null, r.oracle));
    for (const [name, s] of Object.entries(r.baselines ?? {})) {
      rows.push(...scoreRows(r.protocol, name, null, s));
    }
  }
  return rows;
}

/** `results.csv` text (RFC 4180 quoting where needed). */
export function resultsCsv(results: Results): string {
  const cell = (v: string | number | null) => {
    const t = v === null ? "" : String(v);
    return /[",\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  const lines = ["protocol,variant,seed,metric,value"];
  for (const r of csvRows(results)) {
    lines.push([r.protocol, r.variant, r.seed, r.metric, r.value].map(cell).join(","));
  }
  return lines.join("\n") + "\n";
}

/** Reads `dir/results.json`, or null when there is none. */
export async function readResults(dir: string): Promise<Results | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "results.json"));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    return JSON.parse(text) as Results;
  } catch (error) {
    throw new Error(
      `Cannot read "${join(dir, "results.json")}": expected JSON (${(error as Error).message})`,
    );
  }
}

/** Writes `results.json` (with {@link SCHEMA_VERSION}) and `results.csv` into `dir`, atomically. */
export async function writeResults(dir: string, results: Results): Promise<void> {
  const write = async (name: string, text: string) => {
    const tmp = join(dir, `.${name}.tmp`);
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, join(dir, name));
  };
  await write(
    "results.json",
    JSON.stringify({ ...results, schemaVersion: SCHEMA_VERSION }, null, 2),
  );
  await write("results.csv", resultsCsv(results));
}
