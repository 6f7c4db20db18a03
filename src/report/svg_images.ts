/**
 * Figures made of images: a labelled grid of RGB images as SVG (each embedded as a PNG
 * data URI), heatmaps of z1 channels (paper Fig. 11), segmentation overlays and keypoint
 * marks on test images (Figs. 7, 9, 12, 13). Pure functions over pixel arrays; each
 * returns a new image and leaves its input alone.
 *
 * Pixel frame: as for the datasets (`src/data/types.ts`), (0, 0) is the top-left corner of
 * the top-left pixel, so pixel (column i, row j) has its centre at (i + 0.5, j + 0.5).
 *
 * @module
 */
import type { RgbImage } from "../data/types.ts";
import { encodePng } from "../formats/image.ts";
import { escapeXml } from "./svg_plot.ts";

export type { RgbImage };

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [r: number, g: number, b: number];

/** Colour maps for `heatmapToRgb`. */
export type Colormap = "viridis" | "gray";

/** One image of an image grid, with the caption under it. */
export interface ImageGridCell {
  /** Caption under the image. */
  label: string;
  /** The picture. */
  image: RgbImage;
}

/** What `imageGrid` draws. */
export interface ImageGridOptions {
  /** Title above the grid; an empty string leaves out the title band. */
  title: string;
  /** The images, filled in row by row. */
  cells: readonly ImageGridCell[];
  /** Images per row. */
  columns: number;
  /** Side of the square box each image is fitted into, in pixels (default 160). */
  cellSize?: number;
  /** Upscale with nearest neighbour (sharp pixels, for small maps); default smooth. */
  pixelated?: boolean;
  /** A colour key drawn under the title: one swatch and its label per entry. */
  legend?: readonly { label: string; color: Rgb }[];
}

/** Height of the colour-key band. */
const LEGEND_BAND = 24;

/** Gap between and around cells, height of the caption band and of the title band. */
const GAP = 10;
const LABEL_BAND = 20;
const TITLE_BAND = 34;

function checkImage(image: RgbImage, what: string): void {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`Cannot use ${what}: size ${width}×${height} must be positive integers`);
  }
  if (data.length !== width * height * 3) {
    throw new Error(
      `Cannot use ${what}: expected ${width}·${height}·3 = ${
        width * height * 3
      } RGB bytes, found ${data.length}`,
    );
  }
}

/**
 * Encodes an RGB image as PNG bytes (through imagescript, fully opaque).
 *
 * @example
 * ```ts
 * import { rgbToPng } from "./svg_images.ts";
 * const png = await rgbToPng({ data: new Uint8Array(2 * 2 * 3), width: 2, height: 2 });
 * ```
 */
export async function rgbToPng(image: RgbImage): Promise<Uint8Array> {
  checkImage(image, "the image to encode");
  return await encodePng(image);
}

/** Base64 of bytes, in chunks (spreading a large array into one call overflows the stack). */
function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/**
 * A labelled grid of images as a standalone SVG document, each image embedded as a PNG
 * data URI and fitted (aspect kept, centred) into a `cellSize` square. Layout, with
 * S = `cellSize`, gap G = 10, caption band L = 20 and title band T = 34 (0 without a title):
 * cell k sits in row ⌊k / columns⌋, column k mod columns, its box at
 * x = G + column·(S + G), y = T + G + row·(S + L + G); the document is
 * (G + columns·(S + G)) × (T + G + rows·(S + L + G)) pixels.
 *
 * @throws when `columns` is not a positive integer or an image's bytes do not match its size
 *
 * @example
 * ```ts
 * import { imageGrid } from "./svg_images.ts";
 * const image = { data: new Uint8Array(4 * 4 * 3).fill(200), width: 4, height: 4 };
 * const svg = await imageGrid({ title: "z1", cells: [{ label: "channel 0", image }], columns: 1 });
 * ```
 */
export async function imageGrid(options: ImageGridOptions): Promise<string> {
  const { cells, columns } = options;
  if (!(Number.isInteger(columns) && columns > 0)) {
    throw new Error(`Cannot build an image grid: columns ${columns} must be a positive integer`);
  }
  const size = options.cellSize ?? 160;
  if (!(size > 0)) throw new Error(`Cannot build an image grid: cellSize ${size} must be > 0`);
  const rows = Math.ceil(cells.length / columns);
  const legend = options.legend ?? [];
  const top = (options.title === "" ? 0 : TITLE_BAND) + (legend.length > 0 ? LEGEND_BAND : 0);
  const width = GAP + columns * (size + GAP);
  const height = top + GAP + rows * (size + LABEL_BAND + GAP);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (options.title !== "") {
    out.push(
      `<text x="${width / 2}" y="${TITLE_BAND / 2 + 10}" text-anchor="middle" font-size="15">${
        escapeXml(options.title)
      }</text>`,
    );
  }
  if (legend.length > 0) {
    const y = (options.title === "" ? 0 : TITLE_BAND) + 6;
    let x = GAP;
    const keys: string[] = [];
    for (const { label, color } of legend) {
      const [r, g, b] = color.map((c) => Math.max(0, Math.min(255, Math.round(c))));
      keys.push(
        `<rect x="${x}" y="${y}" width="14" height="14" fill="rgb(${r},${g},${b})" stroke="#333333"/>` +
          `<text x="${x + 20}" y="${y + 11.5}">${escapeXml(label)}</text>`,
      );
      x += 20 + [...label].length * 12 * 0.62 + 18;
    }
    out.push(`<g class="legend">${keys.join("")}</g>`);
  }
  const rendering = options.pixelated ? ` image-rendering="optimizeSpeed"` : "";
  for (let k = 0; k < cells.length; k++) {
    const cell = cells[k]!;
    checkImage(cell.image, `image grid cell ${k} ("${cell.label}")`);
    const col = k % columns;
    const row = Math.floor(k / columns);
    const bx = GAP + col * (size + GAP);
    const by = top + GAP + row * (size + LABEL_BAND + GAP);
    const { width: w, height: h } = cell.image;
    const s = size / Math.max(w, h);
    const dw = w * s;
    const dh = h * s;
    const uri = `data:image/png;base64,${base64(await rgbToPng(cell.image))}`;
    out.push(
      `<image x="${bx + (size - dw) / 2}" y="${by + (size - dh) / 2}" width="${dw}" ` +
        `height="${dh}" preserveAspectRatio="none"${rendering} href="${uri}"/>`,
    );
    const fit = [...cell.label].length * 12 * 0.62 > size
      ? ` textLength="${size}" lengthAdjust="spacingAndGlyphs"`
      : "";
    out.push(
      `<text x="${bx + size / 2}" y="${by + size + 15}" text-anchor="middle"${fit}>${
        escapeXml(cell.label)
      }</text>`,
    );
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** viridis at 0, 1/9, …, 1 (the ten colours of R's `viridis(10)`), linearly interpolated. */
const VIRIDIS: readonly Rgb[] = [
  [0x44, 0x01, 0x54],
  [0x48, 0x28, 0x78],
  [0x3e, 0x4a, 0x89],
  [0x31, 0x68, 0x8e],
  [0x26, 0x82, 0x8e],
  [0x1f, 0x9e, 0x89],
  [0x35, 0xb7, 0x79],
  [0x6d, 0xcd, 0x59],
  [0xb4, 0xde, 0x2c],
  [0xfd, 0xe7, 0x25],
];

/**
 * The colour of `t` ∈ [0, 1] (clamped) in a colour map.
 *
 * @example
 * ```ts
 * import { colormapAt } from "./svg_images.ts";
 * colormapAt(0, "viridis"); // [68, 1, 84]
 * ```
 */
export function colormapAt(t: number, colormap: Colormap = "viridis"): Rgb {
  const u = Math.min(1, Math.max(0, t));
  if (colormap === "gray") {
    const g = Math.round(255 * u);
    return [g, g, g];
  }
  const f = u * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(f));
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const w = f - i;
  return [
    Math.round(a[0] + (b[0] - a[0]) * w),
    Math.round(a[1] + (b[1] - a[1]) * w),
    Math.round(a[2] + (b[2] - a[2]) * w),
  ];
}

/**
 * A single-channel map (e.g. one z1 channel) as an RGB image: values are min–max
 * normalized over the finite entries, or over `range` when given (so several maps share a
 * scale; values outside are clamped), then coloured with `colormap`. A constant map takes
 * the colour map's low end; non-finite values are black.
 *
 * @param values `width·height` values, row-major
 * @throws when `values` has the wrong length or `range` is not increasing
 *
 * @example
 * ```ts
 * import { heatmapToRgb } from "./svg_images.ts";
 * const rgb = heatmapToRgb(new Float32Array([0, 1, 2, 3]), 2, 2);
 * // rgb.data starts with 68, 1, 84 (viridis' low end) and ends with 253, 231, 37
 * ```
 */
export function heatmapToRgb(
  values: ArrayLike<number>,
  width: number,
  height: number,
  colormap: Colormap = "viridis",
  range?: readonly [number, number],
): RgbImage {
  if (values.length !== width * height) {
    throw new Error(
      `Cannot colour a heatmap: expected ${width}·${height} = ${
        width * height
      } values, found ${values.length}`,
    );
  }
  let lo = Infinity;
  let hi = -Infinity;
  if (range) {
    [lo, hi] = range;
    if (!(lo < hi)) {
      throw new Error(`Cannot colour a heatmap: range [${lo}, ${hi}] must be increasing`);
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  const span = hi > lo ? hi - lo : 0;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const c = colormapAt(span > 0 ? (v - lo) / span : 0, colormap);
    data[3 * i] = c[0];
    data[3 * i + 1] = c[1];
    data[3 * i + 2] = c[2];
  }
  return { data, width, height };
}

/**
 * A segmentation blended over an image: each labelled pixel becomes
 * round((1 − alpha)·pixel + alpha·palette[label]). Pixels labelled 255 (ignore), with a
 * label past the palette, or whose palette entry is `null` (e.g. background) keep their
 * colour.
 *
 * @param labels class per pixel, `width·height`, row-major
 * @param alpha opacity of the overlay, 0–1
 * @throws when `labels` does not match the image or `alpha` is outside [0, 1]
 *
 * @example
 * ```ts
 * import { overlaySegmentation } from "./svg_images.ts";
 * const image = { data: new Uint8Array([100, 0, 200]), width: 1, height: 1 };
 * overlaySegmentation(image, new Uint8Array([1]), [null, [0, 255, 0]], 0.25).data;
 * // [75, 64, 150]
 * ```
 */
export function overlaySegmentation(
  image: RgbImage,
  labels: ArrayLike<number>,
  palette: readonly (Rgb | null)[],
  alpha: number,
): RgbImage {
  checkImage(image, "the image under the segmentation");
  const n = image.width * image.height;
  if (labels.length !== n) {
    throw new Error(
      `Cannot overlay a segmentation: expected ${n} labels for a ${image.width}×${image.height} image, found ${labels.length}`,
    );
  }
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new Error(`Cannot overlay a segmentation: alpha ${alpha} must be in [0, 1]`);
  }
  const data = Uint8Array.from(image.data);
  for (let i = 0; i < n; i++) {
    const c = palette[labels[i]!];
    if (!c) continue;
    for (let ch = 0; ch < 3; ch++) {
      data[3 * i + ch] = Math.round((1 - alpha) * image.data[3 * i + ch]! + alpha * c[ch]!);
    }
  }
  return { data, width: image.width, height: image.height };
}

/**
 * A segmentation as a picture of its own: `palette[label]` per pixel; pixels labelled 255,
 * past the palette or with a `null` entry take `other` (default white).
 *
 * @example
 * ```ts
 * import { labelsToRgb } from "./svg_images.ts";
 * labelsToRgb(new Uint8Array([0, 1]), 2, 1, [[0, 0, 0], [255, 0, 0]]).data;
 * // [0, 0, 0, 255, 0, 0]
 * ```
 */
export function labelsToRgb(
  labels: ArrayLike<number>,
  width: number,
  height: number,
  palette: readonly (Rgb | null)[],
  other: Rgb = [255, 255, 255],
): RgbImage {
  const background = { data: new Uint8Array(width * height * 3), width, height };
  for (let i = 0; i < width * height; i++) background.data.set(other, 3 * i);
  return overlaySegmentation(background, labels, palette, 1);
}

/** How `drawKeypoints` marks each point. */
export interface KeypointStyle {
  /** Disc radius in pixels (default max(1.5, min(width, height) / 80)). */
  radius?: number;
  /** Colour of a one-pixel ring around each disc, or `null` for none (default black). */
  outline?: Rgb | null;
}

/**
 * Keypoints marked on a copy of an image: a filled disc per visible point (visible > 0),
 * covering the pixels whose centres lie within `radius` of (x, y) and always the pixel
 * that contains the point, inside an optional ring. Invisible or non-finite points and
 * the parts of discs outside the image are skipped.
 *
 * @param points `[x, y, visible]` per keypoint, in continuous pixel coordinates
 * @param colour one colour for all points, or one per point
 *
 * @example
 * ```ts
 * import { drawKeypoints } from "./svg_images.ts";
 * const image = { data: new Uint8Array(10 * 10 * 3), width: 10, height: 10 };
 * const marked = drawKeypoints(image, [[4.5, 4.5, 1]], [255, 0, 0], { radius: 1 });
 * ```
 */
export function drawKeypoints(
  image: RgbImage,
  points: readonly (readonly number[])[],
  colour: Rgb | readonly Rgb[],
  style: KeypointStyle = {},
): RgbImage {
  checkImage(image, "the image to mark keypoints on");
  const { width, height } = image;
  const r = style.radius ?? Math.max(1.5, Math.min(width, height) / 80);
  const ring = style.outline === undefined ? ([0, 0, 0] as Rgb) : style.outline;
  const perPoint = Array.isArray(colour[0]);
  if (perPoint && colour.length < points.length) {
    throw new Error(
      `Cannot draw keypoints: ${points.length} points but ${colour.length} colours`,
    );
  }
  const data = Uint8Array.from(image.data);
  const put = (i: number, j: number, c: Rgb): void => {
    if (i < 0 || j < 0 || i >= width || j >= height) return;
    data.set(c, 3 * (j * width + i));
  };
  points.forEach((p, k) => {
    const [x, y, visible] = p;
    if (!(visible! > 0) || !Number.isFinite(x) || !Number.isFinite(y)) return;
    const c = (perPoint ? (colour as readonly Rgb[])[k] : colour as Rgb)!;
    const outer = ring ? r + 1 : r;
    const i0 = Math.floor(x! - outer - 1);
    const i1 = Math.ceil(x! + outer + 1);
    const j0 = Math.floor(y! - outer - 1);
    const j1 = Math.ceil(y! + outer + 1);
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const d = Math.hypot(i + 0.5 - x!, j + 0.5 - y!);
        if (d <= r) put(i, j, c);
        else if (ring && d <= r + 1) put(i, j, ring);
      }
    }
    put(Math.floor(x!), Math.floor(y!), c);
  });
  return { data, width, height };
}
