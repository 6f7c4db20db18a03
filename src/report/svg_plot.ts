/**
 * Line plots as SVG text: axes, ticks, grid, legend. Used for the cumulative error curves
 * (paper Figs. 8, 10, 14) and the score S over coordinate-ascent iterations (Fig. 15).
 * Rasterize with `svgToPng` from `./png.ts`; text is set in DejaVu Sans, the font it bundles.
 *
 * @module
 */

/** How an axis maps values to pixels. `symlog` is linear near 0 and logarithmic beyond. */
export type AxisScale = "linear" | "log" | "symlog";

/** One curve of a line plot. */
export interface PlotSeries {
  /** Legend entry. */
  name: string;
  /** x values; non-finite points break the line. */
  x: ArrayLike<number>;
  /** y values, as many as `x`; non-finite points (and ≤ 0 on a log axis) break the line. */
  y: ArrayLike<number>;
  /** `true` for a dashed line, or an SVG `stroke-dasharray` such as `"2 3"`. */
  dash?: boolean | string;
  /** Stroke colour (CSS); by default the series' index picks one of a colour-blind-safe set. */
  color?: string;
  /** Draw a dot at every point (for short series such as 10 iterations). */
  markers?: boolean;
}

/** Space around the plot area, in pixels. */
export interface Margin {
  /** Above the plot area (holds the title). */
  top: number;
  /** Right of the plot area (holds the legend). */
  right: number;
  /** Below the plot area (tick labels, x label). */
  bottom: number;
  /** Left of the plot area (tick labels, y label). */
  left: number;
}

/** What `linePlot` draws. */
export interface LinePlotOptions {
  /** Title above the plot. */
  title: string;
  /** Label under the x axis. */
  xLabel: string;
  /** Label beside the y axis (rotated). */
  yLabel: string;
  /** The curves, drawn in order, each as one SVG `<path>`. */
  series: readonly PlotSeries[];
  /** x axis limits; default: the data's, widened to round ticks. */
  xRange?: readonly [number, number];
  /** y axis limits; default: the data's, widened to round ticks. */
  yRange?: readonly [number, number];
  /** x axis scale (default `"linear"`). */
  xScale?: AxisScale;
  /** y axis scale (default `"linear"`). */
  yScale?: AxisScale;
  /** The `symlog` constant c: the axis shows sign(v)·log10(1 + |v|/c) (default 1). */
  symlogConstant?: number;
  /** Explicit x tick values (e.g. the iterations 1..10); default: chosen from the range. */
  xTicks?: readonly number[];
  /** Explicit y tick values; default: chosen from the range. */
  yTicks?: readonly number[];
  /** Image width in pixels (default 720). */
  width?: number;
  /** Image height in pixels (default 440). */
  height?: number;
  /**
   * Space around the plot area; the legend sits in the right margin. Default: sized to
   * the tick labels and legend names.
   */
  margin?: Partial<Margin>;
  /**
   * Where the legend goes: `"right"` (default) in the right margin, or `"below"` under
   * the x label, one entry per line, so long names do not narrow the plot area.
   */
  legend?: "right" | "below";
}

/**
 * Okabe–Ito colours (colour-blind safe), yellow left out as too pale on white; series
 * without a `color` take them in turn.
 *
 * @example
 * ```ts
 * import { SERIES_COLORS } from "./svg_plot.ts";
 * const first = SERIES_COLORS[0]; // "#0072B2"
 * ```
 */
export const SERIES_COLORS: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#E69F00",
  "#56B4E9",
  "#000000",
];

const FONT = 13;
const TITLE_FONT = 15;
/** Rough advance width of DejaVu Sans per character, in em (it is a wide face). */
const CHAR_EM = 0.62;

/**
 * Escapes text for SVG element content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./svg_plot.ts";
 * escapeXml("a < b"); // "a &lt; b"
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

function textWidth(text: string, size: number): number {
  return [...text].length * size * CHAR_EM;
}

/** The forward transform of an axis scale; NaN where the scale is undefined. */
function transform(scale: AxisScale, c: number): (v: number) => number {
  switch (scale) {
    case "linear":
      return (v) => v;
    case "log":
      return (v) => (v > 0 ? Math.log10(v) : NaN);
    case "symlog":
      return (v) => Math.sign(v) * Math.log10(1 + Math.abs(v) / c);
  }
}

/** 1, 2 or 5 times a power of ten, near `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const r = raw / p;
  return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * p;
}

function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

const SUPERSCRIPT: Record<string, string> = {
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
  "-": "⁻",
};

/** A tick label: plain decimals, or 10ⁿ for a power of ten when `powers` is set. */
function formatTick(v: number, decimals: number, powers = false): string {
  if (v === 0) return "0";
  const k = Math.log10(Math.abs(v));
  if (powers && Math.abs(k - Math.round(k)) < 1e-9) {
    const exp = String(Math.round(k)).split("").map((ch) => SUPERSCRIPT[ch] ?? ch).join("");
    return `${v < 0 ? "−" : ""}10${exp}`;
  }
  const s = v.toFixed(Math.min(decimals, 20));
  return s.startsWith("-") ? `−${s.slice(1)}` : s;
}

interface Ticks {
  values: number[];
  labels: string[];
  /** Unlabelled minor grid values (log decades' 2..9). */
  minor: number[];
}

function linearTicks(lo: number, hi: number, target: number): Ticks {
  const step = niceStep((hi - lo) / target);
  const values: number[] = [];
  const eps = step * 1e-9;
  for (let v = Math.ceil((lo - eps) / step) * step; v <= hi + eps; v += step) {
    values.push(Math.abs(v) < eps ? 0 : v);
  }
  const d = decimalsFor(step);
  return { values, labels: values.map((v) => formatTick(v, d)), minor: [] };
}

function logTicks(lo: number, hi: number, target: number): Ticks {
  const k0 = Math.ceil(Math.log10(lo) - 1e-9);
  const k1 = Math.floor(Math.log10(hi) + 1e-9);
  if (k1 - k0 < 1) return linearTicks(lo, hi, target);
  const every = Math.max(1, Math.ceil((k1 - k0 + 1) / (target + 2)));
  const values: number[] = [];
  const minor: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= k1; k++) {
    if (k >= k0 && (k - k0) % every === 0) values.push(10 ** k);
    if (every === 1) {
      for (let m = 2; m <= 9; m++) {
        const v = m * 10 ** k;
        if (v >= lo && v <= hi) minor.push(v);
      }
    }
  }
  return { values, labels: powerLabels(values, 0), minor: k1 - k0 <= 3 ? minor : [] };
}

function symlogTicks(lo: number, hi: number, c: number, target: number): Ticks {
  const out: number[] = [];
  if (lo <= 0 && hi >= 0) out.push(0);
  const kMax = Math.ceil(Math.log10(Math.max(Math.abs(lo), Math.abs(hi)) / c) + 1e-9);
  for (let k = 0; k <= kMax; k++) {
    const v = c * 10 ** k;
    if (v <= hi) out.push(v);
    if (-v >= lo) out.push(-v);
  }
  out.sort((a, b) => a - b);
  if (out.length < 2) return linearTicks(lo, hi, target);
  // Labels too close together are dropped when drawn (see `spaced`).
  const values = out;
  return {
    values,
    labels: powerLabels(values, Math.max(0, -Math.floor(Math.log10(c) + 1e-9))),
    minor: [],
  };
}

/**
 * Labels for log-spaced ticks: all plain decimals while they stay within 10⁻³..10⁴,
 * otherwise every power of ten as 10ⁿ.
 */
function powerLabels(values: number[], decimals: number): string[] {
  const mags = values.filter((v) => v !== 0).map((v) => Math.abs(v));
  const powers = mags.some((v) => v >= 1e4 || v < 1e-3);
  return values.map((v) =>
    formatTick(
      v,
      Math.max(decimals, v === 0 ? 0 : -Math.floor(Math.log10(Math.abs(v)) + 1e-9)),
      powers,
    )
  );
}

/**
 * Indices of the ticks to label so that no two are closer than `gap` pixels: 0 first,
 * then the rest in order.
 */
function spaced(positions: number[], values: number[], gap: number): Set<number> {
  const order = positions.map((_, i) => i).sort((a, b) =>
    Number(values[b] === 0) - Number(values[a] === 0) || a - b
  );
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((j) => Math.abs(positions[i]! - positions[j]!) >= gap)) kept.push(i);
  }
  return new Set(kept);
}

function ticksFor(scale: AxisScale, lo: number, hi: number, c: number, target: number): Ticks {
  switch (scale) {
    case "linear":
      return linearTicks(lo, hi, target);
    case "log":
      return logTicks(lo, hi, target);
    case "symlog":
      return symlogTicks(lo, hi, c, target);
  }
}

/** The data's extent on an axis, widened to round values. */
function autoRange(values: number[], scale: AxisScale, c: number): [number, number] {
  const ok = values.filter((v) => Number.isFinite(v) && (scale !== "log" || v > 0));
  if (ok.length === 0) return scale === "log" ? [1, 10] : [0, 1];
  let lo = Math.min(...ok);
  let hi = Math.max(...ok);
  if (scale === "log") {
    return [10 ** Math.floor(Math.log10(lo) + 1e-9), 10 ** Math.ceil(Math.log10(hi) - 1e-9)]
      .map((v, i) => (i === 1 && v <= lo ? v * 10 : v)) as [number, number];
  }
  if (scale === "symlog") {
    const widen = (v: number): number =>
      v === 0 ? 0 : Math.sign(v) * c * 10 ** Math.ceil(Math.log10(Math.abs(v) / c) - 1e-9);
    lo = lo > 0 ? 0 : widen(lo);
    hi = hi < 0 ? 0 : widen(hi);
    return lo === hi ? [lo - c, hi + c] : [lo, hi];
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const step = niceStep((hi - lo) / 6);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function checkRange(name: string, r: readonly [number, number], scale: AxisScale): void {
  if (!(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1])) {
    throw new Error(`Cannot plot: ${name} [${r[0]}, ${r[1]}] must be finite and increasing`);
  }
  if (scale === "log" && r[0] <= 0) {
    throw new Error(`Cannot plot: ${name} [${r[0]}, ${r[1]}] must be positive on a log axis`);
  }
}

/**
 * A line plot as a standalone SVG document: white background, title, axes with ticks and
 * grid, one `<path>` per series (clipped to the plot area), a legend in the right margin.
 * Axis `xRange`/`yRange` map to the plot area's edges exactly: with `margin` given, x maps
 * to `left + (T(x) − T(x0)) / (T(x1) − T(x0)) · (width − left − right)` and y likewise
 * from the bottom, where T is the axis scale's transform.
 *
 * @throws when a series' `x` and `y` differ in length, or a range is empty, reversed or
 *   not positive on a log axis
 *
 * @example
 * ```ts
 * import { linePlot } from "./svg_plot.ts";
 * const svg = linePlot({
 *   title: "AFLW: cumulative error",
 *   xLabel: "normalized error",
 *   yLabel: "% of images",
 *   series: [{ name: "CLVM2", x: [0, 0.05, 0.1], y: [0, 60, 90] }],
 *   xRange: [0, 0.1],
 *   yRange: [0, 100],
 * });
 * ```
 */
export function linePlot(options: LinePlotOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 440;
  const xScale = options.xScale ?? "linear";
  const yScale = options.yScale ?? "linear";
  const c = options.symlogConstant ?? 1;
  if (!(c > 0)) throw new Error(`Cannot plot: symlogConstant ${c} must be positive`);
  options.series.forEach((s, i) => {
    if (s.x.length !== s.y.length) {
      throw new Error(
        `Cannot plot series ${i} "${s.name}": x has ${s.x.length} values, y has ${s.y.length}`,
      );
    }
  });
  const xs = options.series.flatMap((s) => Array.from(s.x));
  const ys = options.series.flatMap((s) => Array.from(s.y));
  const xRange = options.xRange ?? autoRange(xs, xScale, c);
  const yRange = options.yRange ?? autoRange(ys, yScale, c);
  checkRange("xRange", xRange, xScale);
  checkRange("yRange", yRange, yScale);

  const xt = ticksFor(xScale, xRange[0], xRange[1], c, 8);
  const yt = ticksFor(yScale, yRange[0], yRange[1], c, 6);
  if (options.xTicks) {
    xt.values = [...options.xTicks];
    xt.labels = xt.values.map((v) => formatTick(v, decimalsOf(options.xTicks!)));
    xt.minor = [];
  }
  if (options.yTicks) {
    yt.values = [...options.yTicks];
    yt.labels = yt.values.map((v) => formatTick(v, decimalsOf(options.yTicks!)));
    yt.minor = [];
  }

  const legendWidth = options.series.length === 0
    ? 0
    : 44 + Math.max(...options.series.map((s) => textWidth(s.name, FONT)));
  const yLabelWidth = Math.max(0, ...yt.labels.map((l) => textWidth(l, FONT)));
  const below = options.legend === "below";
  const m: Margin = {
    top: options.margin?.top ?? 40,
    right: options.margin?.right ?? (below ? 20 : Math.max(20, legendWidth + 24)),
    bottom: options.margin?.bottom ?? (below ? 56 + 12 + 20 * options.series.length : 56),
    left: options.margin?.left ?? Math.ceil(yLabelWidth + 42),
  };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  if (!(pw > 0 && ph > 0)) {
    throw new Error(`Cannot plot: ${width}×${height} leaves no room inside the margins`);
  }
  const tx = transform(xScale, c);
  const ty = transform(yScale, c);
  const [tx0, tx1] = [tx(xRange[0]), tx(xRange[1])];
  const [ty0, ty1] = [ty(yRange[0]), ty(yRange[1])];
  const px = (v: number): number => m.left + (tx(v) - tx0) / (tx1 - tx0) * pw;
  const py = (v: number): number => m.top + ph - (ty(v) - ty0) / (ty1 - ty0) * ph;
  const inX = (v: number): boolean => v >= xRange[0] - 1e-12 && v <= xRange[1] + 1e-12;
  const inY = (v: number): boolean => v >= yRange[0] - 1e-12 && v <= yRange[1] + 1e-12;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif" ` +
      `font-size="${FONT}">`,
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<defs><clipPath id="plot-area"><rect x="${num(m.left)}" y="${num(m.top)}" ` +
      `width="${num(pw)}" height="${num(ph)}"/></clipPath></defs>`,
  );
  out.push(
    `<text x="${num(m.left + pw / 2)}" y="${num(m.top / 2 + 5)}" text-anchor="middle" ` +
      `font-size="${TITLE_FONT}">${escapeXml(options.title)}</text>`,
  );

  // Grid (minor first, lighter), then ticks and labels.
  const grid: string[] = [];
  for (const v of xt.minor.filter(inX)) {
    grid.push(line(px(v), m.top, px(v), m.top + ph, "#f0f0f0"));
  }
  for (const v of yt.minor.filter(inY)) {
    grid.push(line(m.left, py(v), m.left + pw, py(v), "#f0f0f0"));
  }
  const labels: string[] = [];
  const xGap = Math.max(0, ...xt.labels.map((l) => textWidth(l, FONT))) + 8;
  const xKeep = spaced(xt.values.map(px), xt.values, xGap);
  const yKeep = spaced(yt.values.map(py), yt.values, FONT + 5);
  xt.values.forEach((v, i) => {
    if (!inX(v) || !xKeep.has(i)) return;
    const x = px(v);
    grid.push(line(x, m.top, x, m.top + ph, "#dddddd"));
    labels.push(line(x, m.top + ph, x, m.top + ph + 5, "#000000"));
    labels.push(
      `<text x="${num(x)}" y="${num(m.top + ph + 19)}" text-anchor="middle">${
        escapeXml(xt.labels[i] ?? "")
      }</text>`,
    );
  });
  yt.values.forEach((v, i) => {
    if (!inY(v) || !yKeep.has(i)) return;
    const y = py(v);
    grid.push(line(m.left, y, m.left + pw, y, "#dddddd"));
    labels.push(line(m.left - 5, y, m.left, y, "#000000"));
    labels.push(
      `<text x="${num(m.left - 8)}" y="${num(y + 4.5)}" text-anchor="end">${
        escapeXml(yt.labels[i] ?? "")
      }</text>`,
    );
  });
  out.push(`<g class="grid" stroke-width="1">${grid.join("")}</g>`);

  // Series.
  const curves: string[] = [];
  options.series.forEach((s, i) => {
    const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
    const dash = dashOf(s.dash);
    let d = "";
    let pen = false;
    const dots: string[] = [];
    for (let j = 0; j < s.x.length; j++) {
      const X = px(s.x[j]!);
      const Y = py(s.y[j]!);
      if (!Number.isFinite(X) || !Number.isFinite(Y)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${num(X)} ${num(Y)}`;
      pen = true;
      if (s.markers) {
        dots.push(`<circle cx="${num(X)}" cy="${num(Y)}" r="3" fill="${escapeXml(color)}"/>`);
      }
    }
    curves.push(
      `<path class="series" data-name="${escapeXml(s.name)}" d="${d}" fill="none" ` +
        `stroke="${escapeXml(color)}" stroke-width="2" stroke-linejoin="round"` +
        `${dash ? ` stroke-dasharray="${escapeXml(dash)}"` : ""}/>` + dots.join(""),
    );
  });
  out.push(`<g clip-path="url(#plot-area)">${curves.join("")}</g>`);

  // Axes box, tick marks and labels, axis titles.
  out.push(
    `<rect x="${num(m.left)}" y="${num(m.top)}" width="${num(pw)}" height="${num(ph)}" ` +
      `fill="none" stroke="#000000" stroke-width="1"/>`,
  );
  out.push(`<g class="ticks">${labels.join("")}</g>`);
  out.push(
    `<text x="${num(m.left + pw / 2)}" y="${num(m.top + ph + 42)}" text-anchor="middle">${
      escapeXml(options.xLabel)
    }</text>`,
  );
  const yx = m.left - yLabelWidth - 22;
  const yy = m.top + ph / 2;
  out.push(
    `<text x="${num(yx)}" y="${num(yy)}" text-anchor="middle" ` +
      `transform="rotate(-90 ${num(yx)} ${num(yy)})">${escapeXml(options.yLabel)}</text>`,
  );

  // Legend, in the right margin (or under the x label).
  const lx = below ? m.left : m.left + pw + 14;
  const legend: string[] = [];
  options.series.forEach((s, i) => {
    const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
    const dash = dashOf(s.dash);
    const y = below ? m.top + ph + 56 + 6 + i * 20 : m.top + 10 + i * 20;
    legend.push(
      `<line x1="${num(lx)}" y1="${num(y)}" x2="${num(lx + 26)}" y2="${num(y)}" ` +
        `stroke="${escapeXml(color)}" stroke-width="2"` +
        `${dash ? ` stroke-dasharray="${escapeXml(dash)}"` : ""}/>` +
        `<text x="${num(lx + 32)}" y="${num(y + 4.5)}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push(`<g class="legend">${legend.join("")}</g>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${
    num(y2)
  }" stroke="${stroke}"/>`;
}

function dashOf(dash: boolean | string | undefined): string | null {
  if (dash === true) return "7 4";
  if (typeof dash === "string" && dash.length > 0) return dash;
  return null;
}

/** Enough decimals to tell explicit ticks apart (at most 6). */
function decimalsOf(ticks: readonly number[]): number {
  for (let d = 0; d < 6; d++) {
    if (ticks.every((v) => Math.abs(v - Number(v.toFixed(d))) < 1e-9)) return d;
  }
  return 6;
}

/**
 * Several standalone SVG figures (such as `linePlot`'s) side by side in one SVG, each
 * keeping its own size; element ids are made unique per panel.
 *
 * @example
 * ```ts
 * import { linePlot, sideBySide } from "./svg_plot.ts";
 * const a = linePlot({ title: "a", xLabel: "x", yLabel: "y", series: [], width: 300 });
 * const svg = sideBySide([a, a]); // 600 wide
 * ```
 */
export function sideBySide(panels: readonly string[]): string {
  let x = 0, height = 0;
  const inner: string[] = [];
  panels.forEach((svg, i) => {
    const open = /<svg\b[^>]*>/.exec(svg);
    if (!open) throw new Error(`Cannot place panel ${i}: expected an <svg> element`);
    const w = Number(/\bwidth="([\d.]+)"/.exec(open[0])?.[1]);
    const h = Number(/\bheight="([\d.]+)"/.exec(open[0])?.[1]);
    if (!(w > 0 && h > 0)) throw new Error(`Cannot place panel ${i}: expected width and height`);
    const body = svg.slice(open.index)
      .replace(/\bid="([^"]+)"/g, `id="$1-p${i}"`)
      .replace(/url\(#([^)]+)\)/g, `url(#$1-p${i})`)
      .replace(/<svg\b/, `<svg x="${x}" y="0"`);
    inner.push(body.trim());
    x += w;
    height = Math.max(height, h);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${x}" height="${height}" ` +
    `viewBox="0 0 ${x} ${height}">\n<rect x="0" y="0" width="${x}" height="${height}" fill="#ffffff"/>\n` +
    inner.join("\n") + "\n</svg>\n";
}
