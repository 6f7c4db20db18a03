/**
 * The report's figures (PNG, with their SVG sources): cumulative error curves (Figs. 8,
 * 10, 14), S over coordinate ascent (Fig. 15), z1 before and after feedback (Fig. 11),
 * and qualitative results on test images (Figs. 7, 9, 13).
 *
 * @module
 */
import { join } from "node:path";
import { type CLVM, segmentationLabels } from "../mod.ts";
import { tf } from "../src/deps.ts";
import type { RgbImage } from "../src/data/mod.ts";
import {
  colormapAt,
  drawKeypoints,
  heatmapToRgb,
  imageGrid,
  type ImageGridCell,
  linePlot,
  overlaySegmentation,
  type Rgb,
  writeFigure,
} from "../src/report/mod.ts";
import type { Example } from "./evaluate.ts";
import { type ProtocolName, protocolOf } from "./protocols/mod.ts";
import type { ConvergenceResult, ProtocolResult } from "./results.ts";

/** Keypoints are drawn in this colour on every overlay. */
const KEYPOINT_COLOR: Rgb = [255, 220, 0];

/**
 * The colour key of a protocol's overlays: each coloured class, "not coloured" for the
 * class drawn without overlay, and the keypoint colour when keypoints are drawn.
 */
export function colourKey(
  protocol: string,
  keypoints: boolean,
): { label: string; color: Rgb }[] {
  const { palette, classNames: names } = protocolOf(protocol);
  const key: { label: string; color: Rgb }[] = [];
  palette.forEach((c, i) => {
    const n = names[i] ?? `class ${i}`;
    if (c) key.push({ label: n, color: c });
  });
  const plain = palette.map((c, i) => (c ? null : names[i])).filter(Boolean);
  if (plain.length > 0) key.push({ label: `${plain.join(", ")}: image`, color: [255, 255, 255] });
  if (keypoints) key.push({ label: "keypoints", color: KEYPOINT_COLOR });
  return key;
}

/** Cumulative error curves of the first seed of each variant, and the oracle. */
export async function curvesFigure(dir: string, r: ProtocolResult): Promise<string | null> {
  const series = [];
  for (const variant of r.variants) {
    const run = r.runs.find((x) => x.variant === variant && x.scores.keypoints);
    if (!run) continue;
    const c = run.scores.keypoints!.curve;
    series.push({ name: variant, x: c.thresholds, y: c.fractions.map((f) => 100 * f) });
  }
  if (series.length === 0) return null;
  for (const [name, b] of Object.entries(r.baselines ?? {})) {
    if (!b.keypoints) continue;
    const c = b.keypoints.curve;
    series.push({ name, x: c.thresholds, y: c.fractions.map((f) => 100 * f), dash: "2 3" });
  }
  if (r.oracle?.keypoints) {
    const c = r.oracle.keypoints.curve;
    series.push({
      name: "oracle",
      x: c.thresholds,
      y: c.fractions.map((f) => 100 * f),
      dash: true,
    });
  }
  const p = protocolOf(r.protocol);
  const name = `${p.figures.keypointCurves}_${r.protocol}_keypoint_curves`;
  await writeFigure(
    join(dir, name),
    linePlot({
      title: `${r.protocol}: cumulative keypoint error (${r.data.kind} data)`,
      xLabel: `mean error / ${p.keypoints.normalizer}`,
      yLabel: "% of test instances",
      series,
      yRange: [0, 100],
      // The models' range: the curves' grid reaches past their errors (evaluate.ts).
      xRange: [0, Math.max(0.2, ...series.map((s) => s.x.at(-1) ?? 0))],
    }),
  );
  return `${name}.png`;
}

/** S after each pass, per model (Fig. 15). */
export async function convergenceFigure(dir: string, c: ConvergenceResult): Promise<string> {
  const name = "fig15_score_over_passes";
  await writeFigure(
    join(dir, name),
    linePlot({
      title: "Score S over coordinate-ascent passes",
      xLabel: "pass k",
      yLabel: "mean S (symlog)",
      yScale: "symlog",
      series: c.series.map((s) => ({ name: s.name, x: c.passes, y: s.score, markers: true })),
      xTicks: c.passes,
      legend: "below",
    }),
  );
  return `${name}.png`;
}

/** The first channels of z1 after pass 1 (bottom-up) and after pass 2 (with feedback). */
export async function z1Figure(
  dir: string,
  clvm: CLVM,
  input: tf.Tensor4D,
  title: string,
  channels = 4,
): Promise<string> {
  const before = clvm.latents(input, 1);
  const after = clvm.latents(input, 2);
  const [, h, w, c] = before[0]!.shape;
  const b = await before[0]!.data() as Float32Array;
  const a = await after[0]!.data() as Float32Array;
  tf.dispose([...before, ...after]);
  const cells: ImageGridCell[] = [];
  const shown = Math.min(channels, c);
  for (const [label, values] of [["before feedback", b], ["after feedback", a]] as const) {
    for (let ch = 0; ch < shown; ch++) {
      const plane = new Float32Array(h * w);
      let hi = 0;
      for (let p = 0; p < h * w; p++) {
        plane[p] = values[p * c + ch]!;
        hi = Math.max(hi, b[p * c + ch]!, a[p * c + ch]!);
      }
      cells.push({
        label: `z1[${ch}] ${label}`,
        image: heatmapToRgb(plane, w, h, "viridis", [0, hi || 1]),
      });
    }
  }
  const name = "fig11_z1_before_after_feedback";
  await writeFigure(
    join(dir, name),
    await imageGrid({
      title,
      cells,
      columns: shown,
      // The colour key of the heat maps: viridis from 0 to the channel's largest value.
      legend: [
        { label: "0", color: colormapAt(0, "viridis") },
        { label: "half the channel's max", color: colormapAt(0.5, "viridis") },
        { label: "the channel's max (before or after)", color: colormapAt(1, "viridis") },
      ],
    }),
  );
  return `${name}.png`;
}

/** Test images with the ground truth and each variant's prediction overlaid. */
export async function qualitativeFigure(
  dir: string,
  protocol: ProtocolName,
  examples: Example[],
  figure: string = protocolOf(protocol).figures.qualitative,
): Promise<string | null> {
  if (examples.length === 0) return null;
  const palette = protocolOf(protocol).palette;
  const draw = (image: RgbImage, labels?: Uint8Array, points?: readonly (readonly number[])[]) => {
    let out = labels && palette.length > 0
      ? overlaySegmentation(image, labels, palette, 0.45)
      : image;
    if (points) {
      const visible = points.filter((p) => p[2]! > 0 && Number.isFinite(p[0]));
      out = drawKeypoints(out, visible, KEYPOINT_COLOR, { radius: 2 });
    }
    return out;
  };
  const variants = Object.keys(examples[0]!.predictions);
  const cells: ImageGridCell[] = [];
  for (const ex of examples) {
    cells.push({
      label: `${ex.id}: ground truth`,
      image: draw(ex.image, ex.segmentation, ex.keypoints),
    });
    for (const v of variants) {
      const p = ex.predictions[v];
      cells.push({ label: v, image: draw(ex.image, p?.labels, p?.keypoints) });
    }
  }
  const name = `${figure}_${protocol}_qualitative`;
  await writeFigure(
    join(dir, name),
    await imageGrid({
      title: `${protocol}: test images`,
      cells,
      columns: variants.length + 1,
      legend: colourKey(protocol, examples.some((e) => e.keypoints)),
    }),
  );
  return `${name}.png`;
}

/** The network input (mean 0.5 subtracted) of image `index` as RGB bytes, for display. */
export async function inputImage(x: tf.Tensor4D, index = 0): Promise<RgbImage> {
  const [, h, w] = x.shape;
  const t = tf.tidy(() =>
    tf.cast(
      tf.clipByValue(
        tf.mul(tf.add(tf.slice(x, [index, 0, 0, 0], [1, -1, -1, -1]), 0.5), 255),
        0,
        255,
      ),
      "int32",
    )
  );
  const data = Uint8Array.from(await t.data() as Int32Array);
  t.dispose();
  return { data, width: w, height: h };
}

/**
 * Fig. 12: segmentations from the bottom-up part of z1 alone, the top-down part alone,
 * and the full z1 (a two-pass model whose segmentation head reads z1).
 */
export async function partsFigure(
  dir: string,
  clvm: CLVM,
  x: tf.Tensor4D,
  palette: readonly (Rgb | null)[],
  title: string,
  key: readonly { label: string; color: Rgb }[] = colourKey("lfw-parts", false),
): Promise<string> {
  const [, h, w] = x.shape;
  const image = await inputImage(x);
  const { bottom, top } = clvm.signals(x, 1, 2);
  const cells: ImageGridCell[] = [{ label: "input", image }];
  const parts: [string, tf.Tensor[]][] = [
    ["bottom-up part of z1", bottom ? [bottom] : []],
    ["top-down part of z1", top ? [top] : []],
    ["full z1", [bottom, top].filter((t): t is tf.Tensor4D => t !== null)],
  ];
  for (const [label, signals] of parts) {
    if (signals.length === 0) continue;
    const z1 = clvm.activate(1, signals);
    const logits = clvm.head("segmentation", z1);
    const labels = segmentationLabels(logits, h, w);
    const data = Uint8Array.from(await labels.data() as Int32Array);
    tf.dispose([z1, logits, labels]);
    cells.push({ label, image: overlaySegmentation(image, data, palette, 0.5) });
  }
  tf.dispose([bottom, top].filter((t): t is tf.Tensor4D => t !== null));
  const name = "fig12_segmentation_from_parts_of_z1";
  await writeFigure(
    join(dir, name),
    await imageGrid({ title, cells, columns: cells.length, legend: key }),
  );
  return `${name}.png`;
}
