/**
 * VOC 2011 annotation files (`VOCdevkit/VOC2011/Annotations/<image>.xml`): the image
 * size and the objects with their boxes, in file order.
 *
 * @module
 */
import { child, num, parseXml } from "./_xml.ts";

/** One `<object>` of a VOC annotation. */
export interface VocObject {
  /** The VOC class name (`person`, `chair`, …). */
  name: string;
  /** 1-based inclusive pixel indices, as written. */
  bndbox: { xmin: number; ymin: number; xmax: number; ymax: number };
  /** The `truncated` flag, when present. */
  truncated?: number;
  /** The `difficult` flag, when present. */
  difficult?: number;
}

/** A parsed VOC annotation file. */
export interface VocAnnotation {
  /** The `<filename>` (the JPEG's name). */
  filename: string;
  /** Image width in pixels (`<size>`). */
  width: number;
  /** Image height in pixels. */
  height: number;
  /** Colour channels (3). */
  depth: number;
  /** In file order (other annotation sets index into it). */
  objects: VocObject[];
}

/**
 * Parses a VOC annotation file (`Annotations/<image>.xml`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseVocAnnotation } from "./mod.ts";
 * const a = parseVocAnnotation(
 *   `<annotation><filename>x.jpg</filename><size><width>500</width><height>375</height>
 *    <depth>3</depth></size><object><name>person</name><bndbox><xmin>158</xmin>
 *    <ymin>44</ymin><xmax>289</xmax><ymax>167</ymax></bndbox></object></annotation>`,
 *   "x.xml",
 * );
 * assert.equal(a.width, 500);
 * assert.equal(a.objects[0]!.bndbox.xmax, 289);
 * ```
 */
export function parseVocAnnotation(text: string, file: string): VocAnnotation {
  const fail = (m: string): never => {
    throw new Error(`Cannot read VOC annotation "${file}": ${m}`);
  };
  const root = child(parseXml(text, file, "VOC annotation"), "annotation");
  if (root === undefined || typeof root !== "object") fail("expected an <annotation> root element");
  const size = child(root, "size");
  if (size === undefined) fail("expected a <size> element");
  const objects: VocObject[] = [];
  const list = child(root, "object");
  (Array.isArray(list) ? list : []).forEach((o, i) => {
    const name = child(o, "name");
    const b = child(o, "bndbox");
    if (typeof name !== "string") fail(`expected a <name> in object ${i + 1}`);
    if (b === undefined) fail(`expected a <bndbox> in object ${i + 1}`);
    const obj: VocObject = {
      name: (name as string).trim(),
      bndbox: {
        xmin: num(child(b, "xmin"), fail, `object ${i + 1} xmin`),
        ymin: num(child(b, "ymin"), fail, `object ${i + 1} ymin`),
        xmax: num(child(b, "xmax"), fail, `object ${i + 1} xmax`),
        ymax: num(child(b, "ymax"), fail, `object ${i + 1} ymax`),
      },
    };
    const t = child(o, "truncated");
    if (typeof t === "string") obj.truncated = Number(t);
    const d = child(o, "difficult");
    if (typeof d === "string") obj.difficult = Number(d);
    objects.push(obj);
  });
  const filename = child(root, "filename");
  return {
    filename: typeof filename === "string" ? filename.trim() : "",
    width: num(child(size, "width"), fail, "size width"),
    height: num(child(size, "height"), fail, "size height"),
    depth: child(size, "depth") === undefined ? 3 : num(child(size, "depth"), fail, "size depth"),
    objects,
  };
}
