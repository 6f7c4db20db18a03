import assert from "node:assert/strict";
import { type ImageScript, imagescript, XMLParser } from "../deps.ts";

const { decode: decodeImage, Image } = await imagescript();
type Image = InstanceType<ImageScript["Image"]>;
import { svgToPng } from "./png.ts";
import {
  colormapAt,
  drawKeypoints,
  heatmapToRgb,
  imageGrid,
  labelsToRgb,
  overlaySegmentation,
  type RgbImage,
} from "./svg_images.ts";

function solid(width: number, height: number, c: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(c, 3 * i);
  return { data, width, height };
}

async function decode(png: Uint8Array): Promise<Image> {
  const image = await decodeImage(png);
  assert.ok(image instanceof Image, "a still image");
  return image;
}

/** RGB of pixel (i, j), 0-based (imagescript's own accessors are 1-based). */
function rgbAt(image: Image, i: number, j: number): number[] {
  const k = 4 * (j * image.width + i);
  return [...image.bitmap.subarray(k, k + 3)];
}

Deno.test("imageGrid() embeds each image losslessly and lays the cells out as documented", async (t) => {
  const red = solid(4, 4, [255, 0, 0]);
  const blue = solid(8, 4, [0, 0, 255]);
  const odd = {
    data: Uint8Array.from({ length: 3 * 5 * 3 }, (_, i) => i * 7),
    width: 3,
    height: 5,
  };
  const svg = await imageGrid({
    title: "grid",
    columns: 2,
    cellSize: 64,
    cells: [{ label: "red", image: red }, { label: "blue", image: blue }, {
      label: "odd",
      image: odd,
    }],
  });

  await t.step("the embedded PNGs decode back to the inputs", async () => {
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_" });
    const doc = parser.parse(svg, true) as { svg: { image: Record<string, string>[] } };
    const images = doc.svg.image;
    assert.equal(images.length, 3);
    const inputs = [red, blue, odd];
    for (let k = 0; k < 3; k++) {
      const href = images[k]!["@_href"]!;
      assert.ok(href.startsWith("data:image/png;base64,"));
      const bytes = Uint8Array.from(atob(href.slice(22)), (ch) => ch.charCodeAt(0));
      const back = await decode(bytes);
      const input = inputs[k]!;
      assert.equal(back.width, input.width);
      assert.equal(back.height, input.height);
      const rgb: number[] = [];
      for (let p = 0; p < back.width * back.height; p++) {
        rgb.push(...back.bitmap.subarray(4 * p, 4 * p + 3));
      }
      assert.deepEqual(rgb, [...input.data]);
    }
  });

  await t.step("the rasterized grid has the hand-computed size and cell positions", async () => {
    // 2 columns of 64 px with 10 px gaps: 10 + 2·74 = 158 wide; title 34, then 2 rows
    // of 64 + 20 (caption) + 10: 34 + 10 + 2·94 = 232 high.
    const png = await decode(await svgToPng(svg));
    assert.equal(png.width, 158);
    assert.equal(png.height, 232);
    // Cell 0's box is at (10, 44): its centre (42, 76) is red.
    assert.deepEqual(rgbAt(png, 42, 76), [255, 0, 0]);
    // Cell 1's box is at (84, 44); the 8×4 image fills 64×32 centred, rows 60..92.
    assert.deepEqual(rgbAt(png, 116, 76), [0, 0, 255]);
    assert.deepEqual(rgbAt(png, 116, 50), [255, 255, 255], "letterbox above the wide image");
  });
});

Deno.test("imageGrid() rejects a bad column count or a short image buffer", async () => {
  await assert.rejects(() => imageGrid({ title: "", cells: [], columns: 0 }), /columns 0/);
  await assert.rejects(
    () =>
      imageGrid({
        title: "",
        columns: 1,
        cells: [{ label: "x", image: { data: new Uint8Array(5), width: 2, height: 1 } }],
      }),
    /expected 2·1·3 = 6 RGB bytes, found 5/,
  );
});

Deno.test("heatmapToRgb() normalizes min–max and colours with viridis or gray", async (t) => {
  await t.step("viridis ends and middle", () => {
    const rgb = heatmapToRgb(new Float32Array([-2, 0, 2]), 3, 1);
    // viridis: #440154 at 0, #FDE725 at 1; 0.5 lies halfway between #26828E and #1F9E89.
    assert.deepEqual([...rgb.data], [0x44, 0x01, 0x54, 35, 144, 140, 0xfd, 0xe7, 0x25]);
  });
  await t.step("gray with a fixed range clamps outside values", () => {
    const rgb = heatmapToRgb([0, 5, 10, 20, -1], 5, 1, "gray", [0, 10]);
    assert.deepEqual([...rgb.data].filter((_, i) => i % 3 === 0), [0, 128, 255, 255, 0]);
  });
  await t.step("a constant map takes the low end; NaN is black", () => {
    const rgb = heatmapToRgb([3, 3, NaN, 3], 2, 2);
    assert.deepEqual([...rgb.data.subarray(0, 3)], [...colormapAt(0)]);
    assert.deepEqual([...rgb.data.subarray(6, 9)], [0, 0, 0]);
  });
  await t.step("wrong length", () => {
    assert.throws(() => heatmapToRgb([1, 2, 3], 2, 2), /expected 2·2 = 4 values, found 3/);
  });
});

Deno.test("overlaySegmentation() blends labelled pixels and keeps the rest", () => {
  const image = {
    data: new Uint8Array([100, 0, 200, 10, 20, 30, 40, 50, 60]),
    width: 3,
    height: 1,
  };
  const before = Uint8Array.from(image.data);
  const out = overlaySegmentation(image, new Uint8Array([1, 0, 255]), [null, [0, 255, 0]], 0.25);
  // (0.75·100 + 0.25·0, 0.75·0 + 0.25·255, 0.75·200 + 0.25·0) = (75, 63.75, 150).
  assert.deepEqual([...out.data], [75, 64, 150, 10, 20, 30, 40, 50, 60]);
  assert.deepEqual(image.data, before, "the input is left alone");
  assert.throws(() => overlaySegmentation(image, [0, 0], [null], 0.5), /expected 3 labels/);
  assert.throws(() => overlaySegmentation(image, [0, 0, 0], [null], 2), /alpha 2/);
});

Deno.test("labelsToRgb() paints the palette and white for ignore", () => {
  const out = labelsToRgb([0, 1, 255], 3, 1, [[0, 0, 0], [255, 0, 0]]);
  assert.deepEqual([...out.data], [0, 0, 0, 255, 0, 0, 255, 255, 255]);
});

Deno.test("drawKeypoints() fills the pixels within the radius of visible points", async (t) => {
  const black = solid(10, 10, [0, 0, 0]);
  const red = (img: RgbImage): string[] => {
    const hit: string[] = [];
    for (let j = 0; j < img.height; j++) {
      for (let i = 0; i < img.width; i++) {
        if (img.data[3 * (j * img.width + i)] === 255) hit.push(`${i},${j}`);
      }
    }
    return hit;
  };
  await t.step("radius 1 around a pixel centre: the pixel and its 4 neighbours", () => {
    const out = drawKeypoints(black, [[4.5, 4.5, 1]], [255, 0, 0], { radius: 1, outline: null });
    assert.deepEqual(red(out), ["4,3", "3,4", "4,4", "5,4", "4,5"]);
    assert.ok(black.data.every((v) => v === 0), "the input is left alone");
  });
  await t.step("a tiny radius still marks the containing pixel; invisible points none", () => {
    const out = drawKeypoints(black, [[7.9, 2.1, 1], [1, 1, 0]], [255, 0, 0], {
      radius: 0.1,
      outline: null,
    });
    assert.deepEqual(red(out), ["7,2"]);
  });
  await t.step("points at the border are clipped, not an error", () => {
    const out = drawKeypoints(black, [[0, 0, 1]], [255, 0, 0], { radius: 1, outline: null });
    // Pixel centres within 1 of (0, 0): only (0.5, 0.5).
    assert.deepEqual(red(out), ["0,0"]);
  });
  await t.step("an outline ring surrounds the disc", () => {
    const out = drawKeypoints(black, [[4.5, 4.5, 1]], [[255, 0, 0]], {
      radius: 1,
      outline: [0, 0, 200],
    });
    // The diagonal (3, 3) is √2 from the point: inside r + 1 = 2, so ring-coloured.
    assert.deepEqual([...out.data.subarray(3 * (3 * 10 + 3), 3 * (3 * 10 + 3) + 3)], [0, 0, 200]);
    assert.equal(red(out).length, 5);
  });
});

Deno.test("imageGrid() draws a colour key under the title when given one", async () => {
  const image = { data: new Uint8Array(2 * 2 * 3), width: 2, height: 2 };
  const plain = await imageGrid({ title: "t", cells: [{ label: "a", image }], columns: 1 });
  const keyed = await imageGrid({
    title: "t",
    cells: [{ label: "a", image }],
    columns: 1,
    legend: [{ label: "hair", color: [230, 40, 40] }, { label: "skin", color: [40, 200, 60] }],
  });
  assert.ok(!plain.includes('class="legend"'));
  assert.match(keyed, /fill="rgb\(230,40,40\)"[^>]*\/><text[^>]*>hair<\/text>/);
  assert.match(keyed, />skin<\/text>/);
  const h = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
  assert.equal(h(keyed) - h(plain), 24, "the key gets its own band");
});
