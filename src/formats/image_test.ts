import assert from "node:assert/strict";
import {
  decodePpm,
  decodeRgb,
  encodeJpeg,
  encodePng,
  encodePpm,
  ImageFormatError,
  jpegInfo,
  readImage,
  readPpm,
  writePpm,
} from "./image.ts";
import type { RgbImage } from "./rgb_image.ts";
import { type ImageScript, imagescript } from "../deps.ts";

const { Image } = await imagescript();
type Image = InstanceType<ImageScript["Image"]>;

const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / Math.max(1, width - 1);
      data[i + 1] = (y * 255) / Math.max(1, height - 1);
      data[i + 2] = 77;
    }
  }
  return { data, width, height };
}

Deno.test("decodePpm() reads hand-built P6 bytes", async (t) => {
  await t.step("canonical one-line header", () => {
    const img = decodePpm(new Uint8Array([...ascii("P6 2 1 255\n"), 255, 0, 0, 0, 0, 255]));
    assert.equal(img.width, 2);
    assert.equal(img.height, 1);
    assert.deepEqual([...img.data], [255, 0, 0, 0, 0, 255]);
  });
  await t.step("comments and mixed whitespace in the header", () => {
    const bytes = [...ascii("P6\n# made by hand\n1\t# width\n 2\r\n255\n"), 1, 2, 3, 4, 5, 6];
    const img = decodePpm(new Uint8Array(bytes));
    assert.deepEqual([img.width, img.height, [...img.data]], [1, 2, [1, 2, 3, 4, 5, 6]]);
  });
  await t.step("exactly one whitespace byte after maxval: a pixel byte 10 is data", () => {
    const img = decodePpm(new Uint8Array([...ascii("P6 1 1 255\n"), 10, 32, 9]));
    assert.deepEqual([...img.data], [10, 32, 9]);
  });
  await t.step("maxval 15 is rescaled, 16-bit samples are rescaled", () => {
    const small = decodePpm(new Uint8Array([...ascii("P6 1 1 15\n"), 15, 0, 5]));
    assert.deepEqual([...small.data], [255, 0, 85]);
    const wide = decodePpm(new Uint8Array([...ascii("P6 1 1 65535\n"), 255, 255, 0, 0, 128, 0]));
    assert.deepEqual([...wide.data], [255, 0, 128]);
  });
  await t.step("trailing bytes after the image are ignored", () => {
    const img = decodePpm(new Uint8Array([...ascii("P6 1 1 255\n"), 1, 2, 3, 99, 99]));
    assert.deepEqual([...img.data], [1, 2, 3]);
  });
});

Deno.test("encodePpm() writes the canonical 15-byte LFW header and round-trips", async () => {
  const img = gradient(250, 250);
  const bytes = encodePpm(img);
  assert.equal(bytes.length, 187515, "the LFW mask file size");
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 15)), "P6 250 250 255\n");
  const back = decodePpm(bytes, { width: 250, height: 250 });
  assert.deepEqual(back, img);
  const dir = await Deno.makeTempDir();
  try {
    await writePpm(`${dir}/g.ppm`, img);
    assert.deepEqual(await readPpm(`${dir}/g.ppm`), img);
    assert.deepEqual(await readImage(`${dir}/g.ppm`), img);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decodePpm() rejects bad headers naming the file and the expectation", async (t) => {
  const cases: [string, number[], RegExp, { width?: number; height?: number }?][] = [
    ["wrong magic (P3)", ascii("P3 1 1 255\n0 0 0"), /"x\.ppm": expected P6 header, found "P3"/],
    ["empty file", [], /"x\.ppm": expected P6 header, found ""/],
    ["PNG bytes", [0x89, 0x50, 0x4e, 0x47], /expected P6 header, found "\?P"/],
    ["no whitespace after magic", ascii("P61 1 255\n000"), /expected whitespace before the width/],
    ["non-numeric width", ascii("P6 a 1 255\n000"), /expected a decimal width, found "a"/],
    ["header cut short", ascii("P6 1 1"), /header ends before the maxval/],
    ["no byte after maxval", ascii("P6 1 1 255"), /header ends before the pixel data/],
    ["zero size", ascii("P6 0 1 255\n"), /expected a positive size, found 0×1/],
    ["maxval 0", ascii("P6 1 1 0\n000"), /expected maxval in 1\.\.65535, found 0/],
    [
      "wrong size",
      [...ascii("P6 200 250 255\n"), ...new Array(200 * 250 * 3).fill(0)],
      /"x\.ppm": expected 250×250 pixels, found 200×250/,
      { width: 250, height: 250 },
    ],
    [
      "truncated",
      [...ascii("P6 2 2 255\n"), 1, 2, 3, 4, 5],
      /"x\.ppm": truncated: expected 12 bytes of pixel data after the header, found 5/,
    ],
  ];
  for (const [what, bytes, pattern, size] of cases) {
    await t.step(what, () => {
      assert.throws(
        () => decodePpm(new Uint8Array(bytes), { name: "x.ppm", ...size }),
        (e: unknown) => {
          assert.ok(e instanceof ImageFormatError);
          assert.match(e.message, /^Cannot read PPM "x\.ppm": /);
          assert.match(e.message, pattern);
          assert.equal(e.file, "x.ppm");
          return true;
        },
      );
    });
  }
  await t.step("a missing file", async () => {
    await assert.rejects(
      () => readPpm("/nonexistent/y.ppm"),
      /"\/nonexistent\/y\.ppm": file not found/,
    );
  });
});

Deno.test("encodePng()/decodeRgb() round-trip exactly and drop nothing but alpha", async () => {
  const img = gradient(7, 5);
  const png = await encodePng(img);
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.deepEqual(await decodeRgb(png), img);
  // A PNG with real transparency keeps its colour bytes.
  const rgba = new Image(2, 1);
  rgba.bitmap.set([10, 20, 30, 0, 40, 50, 60, 128]);
  const back = await decodeRgb(await rgba.encode(), "a.png");
  assert.deepEqual(back, { data: new Uint8Array([10, 20, 30, 40, 50, 60]), width: 2, height: 1 });
});

Deno.test("encodeJpeg()/decodeRgb() round-trip within JPEG error; jpegInfo() reads the size", async () => {
  const img = gradient(40, 24);
  const jpg = await encodeJpeg(img, 95);
  assert.deepEqual(jpegInfo(jpg), { width: 40, height: 24, components: 3, progressive: false });
  const back = await decodeRgb(jpg, "g.jpg");
  assert.equal(back.width, 40);
  assert.equal(back.height, 24);
  let sum = 0;
  for (let i = 0; i < img.data.length; i++) sum += Math.abs(back.data[i]! - img.data[i]!);
  assert.ok(sum / img.data.length < 4, `mean abs error ${sum / img.data.length} ≥ 4`);
});

Deno.test("decodeRgb()/jpegInfo() reject truncated and non-image bytes naming the file", async () => {
  const jpg = await encodeJpeg(gradient(32, 32));
  const cut = jpg.subarray(0, jpg.length - 100);
  await assert.rejects(
    () => decodeRgb(cut, "cut.jpg"),
    /Cannot read image "cut\.jpg": the JPEG data is truncated or corrupt/,
  );
  assert.throws(() => jpegInfo(cut, "cut.jpg"), /"cut\.jpg": truncated: no end-of-image marker/);
  await assert.rejects(
    () => decodeRgb(new Uint8Array([1, 2, 3, 4, 5]), "junk.bin"),
    /"junk\.bin": expected a JPEG or PNG, found bytes "01 02 03 04"/,
  );
  assert.throws(
    () => jpegInfo(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), "p.png"),
    /expected a JPEG/,
  );
});

Deno.test("encodePpm() rejects an image whose data does not match its size", () => {
  assert.throws(
    () => encodePpm({ data: new Uint8Array(5), width: 1, height: 2 }),
    /expected 6 RGB bytes for 1×2, found 5/,
  );
});
