/**
 * Training curves: each trained model's training loss and validation metrics per epoch,
 * read from the `epoch` records of its `log.jsonl` (src/train/trainer.ts), and drawn as
 * one figure per protocol (training loss | validation pixel accuracy | validation
 * keypoint error), so a reader sees whether a model converged, diverged or stopped early.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { writeFigure } from "../src/report/mod.ts";
import { linePlot, type PlotSeries, SERIES_COLORS, sideBySide } from "../src/report/mod.ts";
import type { EpochPoint, ProtocolResult } from "./results.ts";

/**
 * The epoch points of a `log.jsonl` text: one per `epoch` record (the last one wins when
 * a resumed run wrote an epoch again), in epoch order. Other events are skipped; a line
 * that is not JSON is an error naming `file` and the line.
 */
export function parseTrainingLog(text: string, file = "log.jsonl"): EpochPoint[] {
  const byEpoch = new Map<number, EpochPoint>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line);
    } catch {
      throw new Error(`Cannot read training log "${file}" line ${i + 1}: expected one JSON object`);
    }
    if (r.event !== "epoch") return;
    const train = r.train as { loss?: number } | undefined;
    const val = r.val as
      | { loss?: number; pixelAccuracy?: number; keypointError?: number }
      | undefined;
    const epoch = Number(r.epoch);
    if (!Number.isInteger(epoch) || typeof train?.loss !== "number") {
      throw new Error(
        `Cannot read training log "${file}" line ${i + 1}: an epoch record needs an integer ` +
          "epoch and train.loss",
      );
    }
    const p: EpochPoint = { epoch, trainLoss: train.loss, valLoss: val?.loss ?? NaN };
    if (typeof val?.pixelAccuracy === "number") p.valPixelAccuracy = val.pixelAccuracy;
    if (typeof val?.keypointError === "number") p.valKeypointError = val.keypointError;
    byEpoch.set(epoch, p);
  });
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** The curve of the run whose best checkpoint is `checkpoint` (its folder's `log.jsonl`). */
export async function readTrainingCurve(checkpoint: string): Promise<EpochPoint[] | undefined> {
  const file = join(dirname(checkpoint), "log.jsonl");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return parseTrainingLog(text, file);
}

/**
 * `training_<protocol>.png` (and .svg) in `dir` from the runs' curves: one series per
 * model and seed; null when no run has a curve.
 */
export async function trainingCurvesFigure(
  dir: string,
  r: ProtocolResult,
): Promise<string | null> {
  const runs = r.runs.filter((x) => x.curve && x.curve.length > 0);
  if (runs.length === 0) return null;
  const seeds = new Set(r.runs.map((x) => x.seed)).size;
  const name = (v: string, seed: number) => (seeds > 1 ? `${v} seed ${seed}` : v);
  const series = (pick: (p: EpochPoint) => number | undefined): PlotSeries[] =>
    runs.map((x, i) => ({
      name: name(x.variant, x.seed),
      // One colour per model in every panel.
      color: SERIES_COLORS[i % SERIES_COLORS.length]!,
      x: x.curve!.map((p) => p.epoch),
      y: x.curve!.map((p) => pick(p) ?? NaN),
      markers: x.curve!.length <= 30,
    })).filter((s) => Array.from(s.y).some((v) => Number.isFinite(v)));
  const kind = r.data?.kind ?? "?";
  const panels: string[] = [];
  const last = Math.max(...runs.map((x) => x.curve!.at(-1)!.epoch));
  const step = Math.max(1, Math.ceil(last / 10));
  const xTicks = Array.from({ length: Math.floor(last / step) }, (_, i) => (i + 1) * step);
  const common = {
    xLabel: "epoch",
    width: 520,
    height: 400,
    legend: "below" as const,
    ...(xTicks.length > 0
      ? { xTicks, xRange: [Math.min(1, last), Math.max(2, last)] as const }
      : {}),
  };
  panels.push(linePlot({
    ...common,
    title: `${r.protocol} (${kind}): training loss`,
    yLabel: "mean training loss",
    series: series((p) => p.trainLoss),
  }));
  const acc = series((p) =>
    p.valPixelAccuracy === undefined ? undefined : 100 * p.valPixelAccuracy
  );
  if (acc.length > 0) {
    panels.push(linePlot({
      ...common,
      title: "validation pixel accuracy",
      yLabel: "pixel accuracy (%)",
      series: acc,
    }));
  }
  const kp = series((p) => p.valKeypointError);
  if (kp.length > 0) {
    panels.push(linePlot({
      ...common,
      title: "validation keypoint error",
      yLabel: "mean error / input side",
      series: kp,
    }));
  }
  const file = `training_${r.protocol}`;
  await writeFigure(join(dir, file), sideBySide(panels));
  return `${file}.png`;
}
