/**
 * "Did it learn?": each trained model's test score against the best trivial baseline of
 * its task on the same test images (src/eval/baselines.ts). A model that does not beat it
 * is marked "did not learn", and the claims resting on it are inconclusive.
 *
 * @module
 */
import { beatsBaseline } from "../src/eval/mod.ts";
import type { ProtocolScores } from "./protocols/mod.ts";
import { headline, headlineName, mean, type ProtocolResult } from "./results.ts";

/** The task a check is about. */
export type Task = "segmentation" | "keypoints";

/** One model's "did it learn?" line. */
export interface LearnedCheck {
  variant: string;
  task: Task;
  /** The model's value (mean over seeds), in the metric's units. */
  value: number;
  /** The best baseline's row name and value. */
  baseline: string;
  baselineValue: number;
  /** The metric, in words. */
  metric: string;
  learned: boolean;
}

function segValue(r: ProtocolResult, s: ProtocolScores): number | undefined {
  return headline(r.protocol, "segmentation", s);
}

/**
 * The checks of every variant of `r` that has scores for a task and a baseline to compare
 * with: segmentation by the table's accuracy (higher is better), keypoints by the mean
 * normalized error (lower is better).
 */
export function learnedChecks(r: ProtocolResult): LearnedCheck[] {
  const out: LearnedCheck[] = [];
  const baselines = Object.entries(r.baselines ?? {});
  const segBase = baselines
    .map(([name, s]) => [name, segValue(r, s)] as const)
    .filter((e): e is readonly [string, number] => e[1] !== undefined && Number.isFinite(e[1]))
    .sort((a, b) => b[1] - a[1])[0];
  const kpBase = baselines
    .map(([name, s]) => [name, s.keypoints?.meanError] as const)
    .filter((e): e is readonly [string, number] => e[1] !== undefined && Number.isFinite(e[1]))
    .sort((a, b) => a[1] - b[1])[0];
  for (const variant of r.variants) {
    const runs = r.runs.filter((x) => x.variant === variant);
    const seg = runs.map((x) => segValue(r, x.scores)).filter((v): v is number => v !== undefined);
    if (seg.length > 0 && segBase) {
      const value = mean(seg);
      out.push({
        variant,
        task: "segmentation",
        value,
        baseline: segBase[0],
        baselineValue: segBase[1],
        metric: headlineName(r.protocol, "segmentation"),
        learned: beatsBaseline(value, segBase[1], "higher"),
      });
    }
    const kp = runs.map((x) => x.scores.keypoints?.meanError).filter((v): v is number =>
      v !== undefined
    );
    if (kp.length > 0 && kpBase) {
      const value = mean(kp);
      out.push({
        variant,
        task: "keypoints",
        value,
        baseline: kpBase[0],
        baselineValue: kpBase[1],
        metric: "mean keypoint error",
        learned: beatsBaseline(value, kpBase[1], "lower"),
      });
    }
  }
  return out;
}

/** One sentence per check, for the report. */
export function learnedLine(c: LearnedCheck, dataKind: string): string {
  const digits = c.task === "keypoints" ? 4 : 2;
  const verdict = c.learned ? "learned" : "**did not learn**";
  return `${c.variant} (${c.task}, ${dataKind} data): ${verdict} — ${c.metric} ` +
    `${c.value.toFixed(digits)} vs ${c.baselineValue.toFixed(digits)} for ${c.baseline}.`;
}
