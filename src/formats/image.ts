/**
 * Image files as {@link RgbImage}s: JPEG and PNG through imagescript (alpha dropped),
 * binary PPM (P6) with a reader of our own, and a JPEG header probe that gives the size
 * and checks for truncation without decoding.
 *
 * Every failure is an {@link ImageFormatError} that names the file and what was expected.
 *
 * @module
 */
import { type ImageScript, imagescript } from "../deps.ts";

type Image = InstanceType<ImageScript["Image"]>;
import type { RgbImage } from "./rgb_image.ts";

/** A malformed or unreadable image file; `file` names it and `reason` says what was wrong. */
export class ImageFormatError extends Error {
  /** The file (or the name the caller gave the bytes). */
  readonly file: string;
  /** What was expected and what was found, without the file name. */
  readonly reason: string;
  /**
   * An error naming the file and what was wrong with it.
   *
   * @param kind What was being read, e.g. `"PPM"`, `"image"`, `"LFW-Parts mask"`.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ImageFormatError } from "./image.ts";
   * const e = new ImageFormatError("PPM", "a.ppm", 'expected P6 header, found "P3"');
   * assert.equal(e.message, 'Cannot read PPM "a.ppm": expected P6 header, found "P3"');
   * ```
   */
  constructor(kind: string, file: string, reason: string) {
    super(`Cannot read ${kind} "${file}": ${reason}`);
    this.name = "ImageFormatError";
    this.file = file;
    this.reason = reason;
  }
}

/** Options for {@link decodePpm} and {@link readPpm}. */
export interface PpmOptions {
  /** The name used in errors (default `"<bytes>"`, or the path for `readPpm`). */
  name?: string;
  /** What is being read, for errors (default `"PPM"`). */
  kind?: string;
  /** When given, a PPM of another width is an error. */
  width?: number;
  /** When given, a PPM of another height is an error. */
  height?: number;
}

const isSpace = (b: number): boolean =>
  b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d ||
  b === 0x0b || b === 0x0c;

/**
 * Decodes a binary PPM (`P6`): magic, whitespace, width, height, maxval (with `#` comments
 * allowed wherever whitespace is), exactly one whitespace byte, then the samples. Maxval
 * 255 is returned as is; other maxvals (1..65535, two big-endian bytes per sample above
 * 255) are rescaled to 0..255. Bytes after the first image are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePpm } from "./image.ts";
 * const bytes = new Uint8Array([...new TextEncoder().encode("P6 1 1 255\n"), 255, 0, 0]);
 * const img = decodePpm(bytes);
 * assert.equal(img.width, 1);
 * assert.equal(img.height, 1);
 * assert.deepEqual([...img.data], [255, 0, 0]);
 * ```
 */
export function decodePpm(bytes: Uint8Array, options: PpmOptions = {}): RgbImage {
  const name = options.name ?? "<bytes>";
  const fail = (reason: string): never => {
    throw new ImageFormatError(options.kind ?? "PPM", name, reason);
  };
  if (bytes.length < 2 || bytes[0] !== 0x50 || bytes[1] !== 0x36) {
    const found = new TextDecoder().decode(bytes.subarray(0, 2)).replace(/[^\x20-\x7e]/g, "?");
    fail(`expected P6 header, found "${found}"`);
  }
  let pos = 2;
  const fields: number[] = [];
  const labels = ["width", "height", "maxval"];
  while (fields.length < 3) {
    // Whitespace and comments; at least one whitespace byte must separate the fields.
    const start = pos;
    while (pos < bytes.length) {
      const b = bytes[pos]!;
      if (isSpace(b)) pos++;
      else if (b === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
      } else break;
    }
    if (pos >= bytes.length) fail(`header ends before the ${labels[fields.length]}`);
    if (pos === start) fail(`expected whitespace before the ${labels[fields.length]}`);
    let value = 0;
    let digits = 0;
    while (pos < bytes.length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) {
      value = value * 10 + bytes[pos]! - 0x30;
      digits++;
      pos++;
    }
    if (digits === 0 || (pos < bytes.length && !isSpace(bytes[pos]!) && bytes[pos] !== 0x23)) {
      const found = new TextDecoder().decode(bytes.subarray(pos - digits, pos - digits + 8));
      fail(`expected a decimal ${labels[fields.length]}, found "${found.replace(/\s.*/s, "")}"`);
    }
    fields.push(value);
  }
  const [width, height, maxval] = fields as [number, number, number];
  if (width < 1 || height < 1) fail(`expected a positive size, found ${width}×${height}`);
  if (maxval < 1 || maxval > 65535) fail(`expected maxval in 1..65535, found ${maxval}`);
  if (pos >= bytes.length || !isSpace(bytes[pos]!)) fail("header ends before the pixel data");
  pos++; // exactly one whitespace byte
  if (
    (options.width !== undefined && width !== options.width) ||
    (options.height !== undefined && height !== options.height)
  ) {
    fail(
      `expected ${options.width ?? width}×${
        options.height ?? height
      } pixels, found ${width}×${height}`,
    );
  }
  const sampleBytes = maxval > 255 ? 2 : 1;
  const need = width * height * 3 * sampleBytes;
  const have = bytes.length - pos;
  if (have < need) {
    fail(`truncated: expected ${need} bytes of pixel data after the header, found ${have}`);
  }
  const data = new Uint8Array(width * height * 3);
  if (maxval === 255) data.set(bytes.subarray(pos, pos + need));
  else if (sampleBytes === 1) {
    for (let i = 0; i < data.length; i++) {
      data[i] = Math.round(Math.min(bytes[pos + i]!, maxval) * 255 / maxval);
    }
  } else {
    for (let i = 0; i < data.length; i++) {
      const v = (bytes[pos + 2 * i]! << 8) | bytes[pos + 2 * i + 1]!;
      data[i] = Math.round(Math.min(v, maxval) * 255 / maxval);
    }
  }
  return { data, width, height };
}

/**
 * Encodes an image as a binary PPM with the canonical header `P6 W H 255\n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePpm } from "./image.ts";
 * const bytes = encodePpm({ data: new Uint8Array([0, 0, 255]), width: 1, height: 1 });
 * assert.equal(bytes.length, 14);
 * ```
 */
export function encodePpm(image: RgbImage): Uint8Array {
  checkRgb(image);
  const header = new TextEncoder().encode(`P6 ${image.width} ${image.height} 255\n`);
  const out = new Uint8Array(header.length + image.data.length);
  out.set(header);
  out.set(image.data, header.length);
  return out;
}

/**
 * Reads a binary PPM file (see {@link decodePpm}); errors name the path.
 *
 * @example
 * ```ts ignore
 * import { readPpm } from "./image.ts";
 * const mask = await readPpm("Aaron_Eckhart_0001.ppm", { width: 250, height: 250 });
 * ```
 */
export async function readPpm(path: string, options: PpmOptions = {}): Promise<RgbImage> {
  const bytes = await readBytes(path, options.kind ?? "PPM");
  return decodePpm(bytes, { ...options, name: options.name ?? path });
}

/**
 * Writes an image as a binary PPM file.
 *
 * @example
 * ```ts ignore
 * import { writePpm } from "./image.ts";
 * await writePpm("red.ppm", { data: new Uint8Array([255, 0, 0]), width: 1, height: 1 });
 * ```
 */
export async function writePpm(path: string, image: RgbImage): Promise<void> {
  await Deno.writeFile(path, encodePpm(image));
}

/** The size and colour components read from a JPEG's frame header. */
export interface JpegInfo {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 (gray), 3 (YCbCr) or 4 (CMYK). */
  components: number;
  /** True for progressive JPEGs (SOF2). */
  progressive: boolean;
}

/**
 * Reads a JPEG's size from its frame header without decoding the pixels, and checks that
 * the file ends with the end-of-image marker (so a truncated download is caught).
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { jpegInfo } from "./image.ts";
 * const info = jpegInfo(await Deno.readFile("face.jpg"), "face.jpg");
 * assert.equal(info.width, 250);
 * assert.equal(info.height, 250);
 * ```
 */
export function jpegInfo(bytes: Uint8Array, name = "<bytes>", kind = "JPEG"): JpegInfo {
  const fail = (reason: string): never => {
    throw new ImageFormatError(kind, name, reason);
  };
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    fail("expected a JPEG (starting with FF D8)");
  }
  // The end-of-image marker, allowing a little padding after it.
  let end = bytes.length - 1;
  while (end > 2 && bytes.length - end < 64 && (bytes[end] === 0x00 || bytes[end] === 0x0a)) end--;
  if (!(bytes[end - 1] === 0xff && bytes[end] === 0xd9)) {
    fail(`truncated: no end-of-image marker (FF D9) at the end of its ${bytes.length} bytes`);
  }
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) fail(`expected a marker at byte ${pos}, found ${bytes[pos]}`);
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
      marker !== 0xcc;
    if (isSof) {
      if (pos + 10 > bytes.length) break;
      const height = (bytes[pos + 5]! << 8) | bytes[pos + 6]!;
      const width = (bytes[pos + 7]! << 8) | bytes[pos + 8]!;
      return { width, height, components: bytes[pos + 9]!, progressive: marker === 0xc2 };
    }
    if (marker === 0xda || marker === 0xd9) break;
    pos += 2 + length;
  }
  return fail("no frame header (SOF marker) before the image data");
}

/**
 * Decodes a JPEG or PNG to RGB bytes (alpha is dropped, gray is expanded); errors name
 * `name` and say whether the data was not an image or was damaged.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { decodeRgb } from "./image.ts";
 * const img = await decodeRgb(await Deno.readFile("face.jpg"), "face.jpg");
 * assert.equal(img.width * img.height * 3 === img.data.length, true);
 * ```
 */
export async function decodeRgb(
  bytes: Uint8Array,
  name = "<bytes>",
  kind = "image",
): Promise<RgbImage> {
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e &&
    bytes[3] === 0x47;
  if (!isJpeg && !isPng) {
    const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new ImageFormatError(kind, name, `expected a JPEG or PNG, found bytes "${head}"`);
  }
  const { decode, Image } = await imagescript();
  let decoded: unknown;
  try {
    decoded = await decode(bytes);
  } catch (e) {
    const what = isJpeg ? "JPEG" : "PNG";
    throw new ImageFormatError(
      kind,
      name,
      `the ${what} data is truncated or corrupt (${e instanceof Error ? e.message : e})`,
    );
  }
  if (!(decoded instanceof Image)) {
    throw new ImageFormatError(kind, name, "expected a still image, found an animation");
  }
  return fromImagescript(decoded);
}

/**
 * Reads a JPEG, PNG or PPM file (chosen by its first bytes) as RGB.
 *
 * @example
 * ```ts ignore
 * import { readImage } from "./image.ts";
 * const img = await readImage("lfw_funneled/Aaron_Eckhart/Aaron_Eckhart_0001.jpg");
 * ```
 */
export async function readImage(path: string, kind = "image"): Promise<RgbImage> {
  const bytes = await readBytes(path, kind);
  if (bytes[0] === 0x50 && bytes[1] === 0x36) return decodePpm(bytes, { name: path, kind });
  return await decodeRgb(bytes, path, kind);
}

/**
 * Encodes an image as a baseline JPEG (quality 1..100, default 90).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeJpeg } from "./image.ts";
 * const jpg = await encodeJpeg({ data: new Uint8Array(4 * 4 * 3).fill(128), width: 4, height: 4 });
 * assert.equal(jpg[0] === 0xff && jpg[1] === 0xd8, true);
 * ```
 */
export async function encodeJpeg(image: RgbImage, quality = 90): Promise<Uint8Array> {
  const q = Math.round(quality);
  if (!(q >= 1 && q <= 100)) {
    throw new Error(`Cannot encode JPEG: expected quality in 1..100, found ${quality}`);
  }
  return await (await toImagescript(image)).encodeJPEG(q as Parameters<Image["encodeJPEG"]>[0]);
}

/**
 * Encodes an image as an opaque PNG (lossless).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePng } from "./image.ts";
 * const png = await encodePng({ data: new Uint8Array([1, 2, 3]), width: 1, height: 1 });
 * assert.equal(png[1], 0x50); // "P" of "PNG"
 * ```
 */
export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  return await (await toImagescript(image)).encode();
}

function checkRgb(image: RgbImage): void {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(
      `Cannot encode image: expected a positive integer size, found ${width}×${height}`,
    );
  }
  if (data.length !== width * height * 3) {
    throw new Error(
      `Cannot encode image: expected ${
        width * height * 3
      } RGB bytes for ${width}×${height}, found ${data.length}`,
    );
  }
}

async function toImagescript(image: RgbImage): Promise<Image> {
  checkRgb(image);
  const { Image } = await imagescript();
  const out = new Image(image.width, image.height);
  const rgba = out.bitmap;
  const src = image.data;
  for (let i = 0, j = 0; i < src.length; i += 3, j += 4) {
    rgba[j] = src[i]!;
    rgba[j + 1] = src[i + 1]!;
    rgba[j + 2] = src[i + 2]!;
    rgba[j + 3] = 255;
  }
  return out;
}

function fromImagescript(image: Image): RgbImage {
  const { width, height } = image;
  const rgba = image.bitmap;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = rgba[j]!;
    data[i + 1] = rgba[j + 1]!;
    data[i + 2] = rgba[j + 2]!;
  }
  return { data, width, height };
}

async function readBytes(path: string, kind: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new ImageFormatError(kind, path, "file not found");
    throw new ImageFormatError(kind, path, e instanceof Error ? e.message : String(e));
  }
}
