import assert from "node:assert/strict";
import { type ImageScript, imagescript } from "../deps.ts";

const { decode: decodeImage, Image } = await imagescript();
type Image = InstanceType<ImageScript["Image"]>;
import { svgToPng, writeFigure } from "./png.ts";

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, which PNG requires to come first. */
function ihdr(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], PNG_MAGIC, "PNG signature");
  assert.equal(new TextDecoder().decode(png.subarray(12, 16)), "IHDR");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Number of pixels whose R, G and B are all below 100. */
async function darkPixels(png: Uint8Array): Promise<number> {
  const image = await decodeImage(png);
  assert.ok(image instanceof Image, "a still image");
  const px = image.bitmap;
  let n = 0;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i]! < 100 && px[i + 1]! < 100 && px[i + 2]! < 100) n++;
  }
  return n;
}

function page(body: string, width = 200, height = 100): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="${width}" height="${height}" fill="white"/>${body}</svg>`;
}

Deno.test("svgToPng() writes a PNG of the SVG's size, times the scale", async () => {
  const svg = page('<circle cx="20" cy="20" r="10" fill="red"/>', 123, 45);
  assert.deepEqual(ihdr(await svgToPng(svg)), { width: 123, height: 45 });
  assert.deepEqual(ihdr(await svgToPng(svg, { scale: 2 })), { width: 246, height: 90 });
});

Deno.test("svgToPng() renders text with the bundled font, whatever the family", async (t) => {
  await t.step("white page without text: no dark pixel", async () => {
    assert.equal(await darkPixels(await svgToPng(page(""))), 0);
  });
  for (const family of ["DejaVu Sans", "sans-serif", "serif", "monospace", "No Such Font"]) {
    await t.step(`big black text in "${family}": many dark pixels`, async () => {
      const svg = page(
        `<text x="10" y="80" font-size="72" font-family="${family}" fill="black">HW</text>`,
      );
      // Two 72 px capitals with ~9 px strokes cover well over 500 pixels.
      const n = await darkPixels(await svgToPng(svg));
      assert.ok(n > 500, `${n} dark pixels`);
    });
  }
});

Deno.test("svgToPng() draws embedded PNG images", async () => {
  const tile = new Image(2, 2);
  tile.fill(0x000000ff);
  const b64 = btoa(String.fromCharCode(...await tile.encode()));
  const svg = page(
    `<image x="0" y="0" width="50" height="50" href="data:image/png;base64,${b64}"/>`,
  );
  const n = await darkPixels(await svgToPng(svg));
  assert.ok(Math.abs(n - 2500) <= 100, `${n} dark pixels, expected about 50·50`);
});

Deno.test("svgToPng() rejects what is not SVG", async () => {
  await assert.rejects(() => svgToPng("<svg"), /Cannot rasterize SVG/);
});

Deno.test("writeFigure() writes the SVG source and its PNG", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const svg = page('<text x="5" y="50">x</text>');
    const paths = await writeFigure(`${dir}/sub/fig`, svg);
    assert.deepEqual(paths, { svg: `${dir}/sub/fig.svg`, png: `${dir}/sub/fig.png` });
    assert.equal(await Deno.readTextFile(paths.svg), svg);
    assert.deepEqual(ihdr(await Deno.readFile(paths.png)), { width: 200, height: 100 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
