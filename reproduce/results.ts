/**
 * The shape of `results.json`, and how a run's headline numbers are read from it. The
 * report, the claims and the figures are all computed from these records.
 *
 * @module
 */
import type { DataSource } from "./data_sources.ts";
import type { ProtocolName, ProtocolScores } from "./evaluate.ts";
import type { ProtocolSettings } from "./profiles.ts";

/** One trained model (variant × seed) scored on its protocol's test split. */
export interface RunRecord {
  variant: string;
  seed: number;
  scores: ProtocolScores;
  training: { seconds: number; epochs: number; steps: number; bestEpoch: number | null };
  checkpoint: string;
}

/** One protocol's outcome. */
export interface ProtocolResult {
  protocol: ProtocolName;
  status: "ok" | "failed";
  error?: string;
  data: DataSource;
  settings: ProtocolSettings;
  variants: string[];
  /** Variants not trained, with the reason. */
  skipped: { variant: string; reason: string }[];
  runs: RunRecord[];
  oracle: ProtocolScores | null;
  oracleStride: number;
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
  claim: string;
  /** true / false, or null when this run cannot test it (and `evidence` says why). */
  held: boolean | null;
  evidence: string;
}

/** Everything `results.json` holds. */
export interface Results {
  environment: Record<string, unknown>;
  config: Record<string, unknown>;
  protocols: Partial<Record<ProtocolName, ProtocolResult>>;
  convergence: ConvergenceResult | null;
  table3: Record<string, unknown> | null;
  claims: Claim[];
  figures: string[];
  seconds: number;
}

/** The headline number (%, higher is better) of a task on a protocol, or undefined. */
export function headline(
  protocol: ProtocolName,
  task: "segmentation" | "keypoints",
  s: ProtocolScores | null | undefined,
): number | undefined {
  if (!s) return undefined;
  if (task === "segmentation") {
    if (protocol === "lfw-parts") return s.lfw?.superpixelAccuracy;
    if (protocol === "pascal-person") return s.pascal?.pixelAccuracy;
    return undefined;
  }
  const threshold = protocol === "pascal-person" ? "0.1" : "0.05";
  const v = s.keypoints?.below[threshold];
  return v === undefined ? undefined : 100 * v;
}

/** What the headline number of a task is, in words. */
export function headlineName(protocol: ProtocolName, task: "segmentation" | "keypoints"): string {
  if (task === "segmentation") {
    return protocol === "lfw-parts" ? "superpixel accuracy (%)" : "pixel accuracy (%)";
  }
  return protocol === "pascal-person"
    ? "% of instances with error < 10% of the box side"
    : "% of faces with error ≤ 5% of face size";
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
