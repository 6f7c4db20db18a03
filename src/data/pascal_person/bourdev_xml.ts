/**
 * Bourdev & Malik's person keypoint files (`annotations/person/<image>_<k>.xml`,
 * docs/DATASETS.md §3.3): the visible box, the keypoints and the foreground polygon.
 *
 * @module
 */
import { child, num, parseXml } from "./_xml.ts";

/** One `<keypoint>` of a Bourdev keypoint file, as written (1-based pixel coordinates). */
export interface BourdevKeypoint {
  /** One of {@link PASCAL_PERSON_KEYPOINTS} for persons. */
  name: string;
  /** 1 visible, 0 not (the position is then an estimate). */
  visible: number;
  /** Column, 1-based pixel-centre coordinates as written. */
  x: number;
  /** Row, 1-based pixel-centre coordinates as written. */
  y: number;
  /** Relative depth from the 3-D annotation tool (0 for face points). */
  z: number;
  /** Depth order 0, 1 or 2. */
  zorder: number;
}

/** A parsed Bourdev & Malik annotation file (`annotations/<category>/<image>_<k>.xml`). */
export interface BourdevAnnotation {
  /** The root element's `id` attribute, when present. */
  entryId?: number;
  /** The VOC image id, e.g. `2008_000008`. */
  image: string;
  /** The VOC category (`person`). */
  category: string;
  /** `Male` or `Female` for persons, when present. */
  subcategory?: string;
  /** `visible_bounds` as written: 1-based, `xmax = xmin + width`. */
  visibleBounds: { xmin: number; ymin: number; width: number; height: number };
  /** In file order. */
  keypoints: BourdevKeypoint[];
  /** The `foreground` polygon of `<polylinesegments>`, when present. */
  foreground?: { x: number[]; y: number[] };
}

/**
 * Parses a Bourdev & Malik keypoint file (docs/DATASETS.md §3.3).
 *
 * @param text The XML.
 * @param file Names the file in errors.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBourdevKeypoints } from "./mod.ts";
 * const a = parseBourdevKeypoints(
 *   `<annotation><image>2008_000008</image><category>person</category>
 *    <visible_bounds height="123.00" width="131.00" xmin="158.00" ymin="44.00"/>
 *    <keypoints><keypoint name="Nose" visible="1" x="170.87" y="74.56" z="0.00" zorder="1"/>
 *    </keypoints></annotation>`,
 *   "2008_000008_0.xml",
 * );
 * assert.equal(a.image, "2008_000008");
 * assert.equal(a.keypoints[0]!.x, 170.87);
 * ```
 */
export function parseBourdevKeypoints(text: string, file: string): BourdevAnnotation {
  const fail = (m: string): never => {
    throw new Error(`Cannot read Pascal Person keypoint file "${file}": ${m}`);
  };
  const root = child(parseXml(text, file, "Pascal Person keypoint file"), "annotation");
  if (root === undefined || typeof root !== "object") fail("expected an <annotation> root element");
  const str = (name: string): string | undefined => {
    const v = child(root, name);
    return typeof v === "string" ? v.trim() : undefined;
  };
  const image = str("image");
  if (!image) fail("expected an <image> element with the VOC image id");
  const vb = child(root, "visible_bounds");
  if (vb === undefined) fail("expected a <visible_bounds> element");
  const visibleBounds = {
    xmin: num(child(vb, "@_xmin"), fail, "visible_bounds xmin"),
    ymin: num(child(vb, "@_ymin"), fail, "visible_bounds ymin"),
    width: num(child(vb, "@_width"), fail, "visible_bounds width"),
    height: num(child(vb, "@_height"), fail, "visible_bounds height"),
  };
  const list = child(child(root, "keypoints"), "keypoint");
  const keypoints: BourdevKeypoint[] = [];
  for (const k of Array.isArray(list) ? list : []) {
    const name = child(k, "@_name");
    if (typeof name !== "string" || name === "") fail("expected a name on every <keypoint>");
    const what = (a: string): string => `keypoint "${name}" ${a}`;
    const visible = num(child(k, "@_visible"), fail, what("visible"));
    if (visible !== 0 && visible !== 1) {
      fail(`expected visible="0" or "1" on keypoint "${name}", found "${visible}"`);
    }
    keypoints.push({
      name: name as string,
      visible,
      x: num(child(k, "@_x"), fail, what("x")),
      y: num(child(k, "@_y"), fail, what("y")),
      z: child(k, "@_z") === undefined ? 0 : num(child(k, "@_z"), fail, what("z")),
      zorder: child(k, "@_zorder") === undefined
        ? 0
        : num(child(k, "@_zorder"), fail, what("zorder")),
    });
  }
  const out: BourdevAnnotation = {
    image: image!,
    category: str("category") ?? "",
    visibleBounds,
    keypoints,
  };
  const id = child(root, "@_id");
  if (id !== undefined) out.entryId = num(id, fail, "the annotation id");
  const sub = str("subcategory");
  if (sub !== undefined) out.subcategory = sub;
  const segments = child(child(root, "polylinesegments"), "segment");
  for (const s of Array.isArray(segments) ? segments : []) {
    if (child(s, "@_name") !== "foreground") continue;
    const coords = (a: string): number[] => {
      const t = child(s, a);
      const parts = typeof t === "string" ? t.trim().split(/\s+/).filter((p) => p !== "") : [];
      return parts.map((p) => num(p, fail, `foreground polygon ${a}`));
    };
    const x = coords("@_x");
    const y = coords("@_y");
    if (x.length !== y.length) {
      fail(`expected as many foreground x as y values, found ${x.length} and ${y.length}`);
    }
    out.foreground = { x, y };
  }
  return out;
}
