/**
 * SVG → PNG with resvg (wasm, no native binary) and DejaVu Sans as the only font, both
 * read from their npm packages on first use. Text in an SVG renders as nothing without a
 * font, and the rasterizer never looks at the system's fonts, so figures look the same on
 * every machine.
 *
 * @module
 */
import { DEJAVU_SANS_URL, initResvg, Resvg, RESVG_WASM_URL } from "../deps.ts";

/** How `svgToPng` rasterizes. */
export interface SvgToPngOptions {
  /** Pixels per SVG user unit (default 1: the PNG has the SVG's `width`×`height`). */
  scale?: number;
  /** Colour under the drawing (CSS; default white). `"transparent"` keeps alpha. */
  background?: string;
}

let ready: Promise<Uint8Array> | null = null;

/** Reads a file URL that `import.meta.resolve` gave for an npm package's file. */
async function readPackageFile(url: string, what: string): Promise<Uint8Array> {
  if (!url.startsWith("file:")) {
    throw new Error(
      `Cannot load ${what}: "${url}" did not resolve to a file (is the npm package cached?)`,
    );
  }
  try {
    return await Deno.readFile(new URL(url));
  } catch (e) {
    throw new Error(`Cannot load ${what} from "${url}": ${(e as Error).message}`);
  }
}

/** Initializes resvg's wasm once and reads the font once; resolves to the font's bytes. */
function init(): Promise<Uint8Array> {
  ready ??= (async () => {
    const [wasm, font] = await Promise.all([
      readPackageFile(RESVG_WASM_URL, "the resvg wasm binary"),
      readPackageFile(DEJAVU_SANS_URL, "the DejaVu Sans font"),
    ]);
    await initResvg(wasm);
    return font;
  })();
  ready.catch(() => (ready = null));
  return ready;
}

/**
 * Rasterizes an SVG document to PNG bytes. All text is set in DejaVu Sans (whatever
 * `font-family` says); embedded `data:` images are drawn, external ones are not.
 *
 * @throws when the SVG does not parse, or the rasterizer or font cannot be loaded
 *
 * @example
 * ```ts
 * import { svgToPng } from "./png.ts";
 * const png = await svgToPng(
 *   '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text y="15">Hi</text></svg>',
 * );
 * ```
 */
export async function svgToPng(svg: string, options: SvgToPngOptions = {}): Promise<Uint8Array> {
  const font = await init();
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new Error(`Cannot rasterize SVG: scale ${scale} must be positive`);
  let resvg: InstanceType<typeof Resvg>;
  try {
    resvg = new Resvg(svg, {
      font: {
        fontBuffers: [font],
        defaultFontFamily: "DejaVu Sans",
        sansSerifFamily: "DejaVu Sans",
        serifFamily: "DejaVu Sans",
        monospaceFamily: "DejaVu Sans",
      },
      fitTo: scale === 1 ? { mode: "original" } : { mode: "zoom", value: scale },
      background: options.background ?? "white",
    });
  } catch (e) {
    throw new Error(`Cannot rasterize SVG: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/**
 * Writes a figure twice: `path.svg` (the source, which diffs) and `path.png` (rasterized
 * by `svgToPng`). Creates the parent folder. Resolves to the two paths.
 *
 * @example
 * ```ts ignore
 * import { writeFigure } from "./png.ts";
 * import { linePlot } from "./svg_plot.ts";
 * const svg = linePlot({ title: "t", xLabel: "x", yLabel: "y", series: [] });
 * await writeFigure("results/fig8_aflw", svg); // results/fig8_aflw.svg and .png
 * ```
 */
export async function writeFigure(
  pathWithoutExt: string,
  svg: string,
  options: SvgToPngOptions = {},
): Promise<{ svg: string; png: string }> {
  const png = await svgToPng(svg, options);
  const slash = pathWithoutExt.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(pathWithoutExt.slice(0, slash), { recursive: true });
  const paths = { svg: `${pathWithoutExt}.svg`, png: `${pathWithoutExt}.png` };
  await Deno.writeTextFile(paths.svg, svg);
  await Deno.writeFile(paths.png, png);
  return paths;
}
