/**
 * Pascal Person (docs/DATASETS.md §3): VOC 2011 person instances with an SBD instance mask
 * and Bourdev & Malik keypoints, joined by box, split 70/10/20 by image.
 *
 * ## Root layout (as the three official archives extract)
 *
 * ```
 * root/
 *   VOCdevkit/VOC2011/Annotations/<image>.xml     VOCtrainval_25-May-2011.tar
 *   VOCdevkit/VOC2011/JPEGImages/<image>.jpg
 *   benchmark_RELEASE/dataset/inst/<image>.mat    benchmark.tgz (SBD), MAT v5
 *   benchmark_RELEASE/dataset/cls/<image>.mat
 *   annotations/person/<image>_<k>.xml            voc2011_keypoints_Feb2012.tgz
 *   clvm-splits-seed<N>.json                      written by the loader (see below)
 * ```
 *
 * ## The join
 *
 * A keypoint file's `visible_bounds` is matched to a VOC `person` object's `bndbox`
 * (exact, or IoU ≥ 0.9; one-to-one, best IoU first), never through the file-name suffix
 * `<k>`, which does not follow the VOC object order. The VOC object is then matched to
 * the SBD person instance (`GTinst.Categories(k) == 15`) whose mask bounding box has the
 * highest IoU with it (one-to-one, best first, IoU ≥ 0.5). Only instances with all three
 * — a visible box, keypoints and an SBD mask — are samples: keypoint files without a
 * matching VOC person, and persons of images that SBD lacks or whose mask matches no
 * SBD instance, are left out (the check reports how many).
 *
 * ## Samples
 *
 * - `id`: `<image>_p<n>`, n = 1-based rank of the person among the VOC XML's `person`
 *   objects in file order (e.g. `2008_000008_p1`).
 * - `image`: the JPEG as RGB.
 * - `segmentation`: per pixel 1 = this person, 0 = everything else (other people too),
 *   255 where SBD's instance map holds 255 (ignore). Classes `["background", "person"]`.
 * - `keypoints`: the 20 names of {@link PASCAL_PERSON_KEYPOINTS} in that order. A name
 *   the file does not annotate is `[NaN, NaN, 0]`. Keypoints marked `visible="0"` keep
 *   their estimated position with visible 0. A keypoint outside the image is set to
 *   visible 0 and keeps its position (as the poselets toolkit does); `strict: true`
 *   makes it an error instead.
 * - `box`: the keypoint file's visible box.
 *
 * ## Coordinates (types.ts: continuous, (0, 0) = top-left corner of the top-left pixel)
 *
 * VOC boxes are 1-based inclusive pixel indices, so `[xmin, xmax]` covers the continuous
 * interval `[xmin − 1, xmax]`. `visible_bounds` equals the VOC box with
 * `xmax = xmin + width`, so the box is `x = xmin − 1, y = ymin − 1, width = width + 1,
 * height = height + 1`. Keypoint `x, y` are taken as 1-based pixel-centre coordinates
 * (MATLAB's, the convention of the box they sit in): pixel 1 is centred at 1, so the
 * continuous position is `x − 0.5, y − 0.5`. A keypoint is outside the image when its
 * continuous position is outside `[0, W] × [0, H]`.
 *
 * ## Split
 *
 * Images (sorted by id) are shuffled with mulberry32(seed); walking them in that order,
 * an image's instances all go to train while train holds fewer than 70 % of all
 * instances, then to val below 80 %, then to test. So the instance fractions are close
 * to 70/10/20 and no image is in two splits. The result (with the join: keypoint file,
 * VOC object and SBD instance of every id) is written to `root/clvm-splits-seed<N>.json`
 * (or `splitFile`) and reused whenever that file exists, so later opens skip the scan
 * and everyone sharing the file gets the same samples. When the root is read-only the
 * file is not written; the split is the same anyway, being a function of the seed.
 *
 * @module
 */
import { XMLParser } from "../deps.ts";
import { jpegInfo, readImage } from "../formats/image.ts";
import { errorMessage, exists, isDir } from "../util/fs.ts";
import { Mulberry32, shuffleInPlace } from "../util/prng.ts";
import { matLookup, matNumbers, matUint8Map, readMatFile } from "../formats/matfile.ts";
import { join } from "node:path";
import { checkSkips, loadOrMakeSplit, SplitFileError, type SplitFileKind } from "./_split_file.ts";
import type { Box, CheckReport, DataProblem, Dataset, Keypoint, Sample, Split } from "./types.ts";

/** The 20 person keypoints of the Bourdev & Malik release, in the order samples use. */
export const PASCAL_PERSON_KEYPOINTS: readonly string[] = Object.freeze([
  "L_Shoulder",
  "L_Elbow",
  "L_Wrist",
  "R_Shoulder",
  "R_Elbow",
  "R_Wrist",
  "L_Hip",
  "L_Knee",
  "L_Ankle",
  "R_Hip",
  "R_Knee",
  "R_Ankle",
  "L_Eye",
  "R_Eye",
  "L_Ear",
  "R_Ear",
  "Nose",
  "L_Toes",
  "R_Toes",
  "B_Head",
]);

/** Segmentation classes of Pascal Person samples. */
export const PASCAL_PERSON_CLASSES: readonly string[] = Object.freeze(["background", "person"]);

/** SBD / VOC class id of `person`. */
export const SBD_PERSON = 15;

const SPLITS: readonly Split[] = ["train", "val", "test"];
const FRACTIONS = { train: 0.7, val: 0.1, test: 0.2 } as const;

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

/** Options of {@link openPascalPerson}. */
export interface PascalPersonOptions {
  /** The dataset root (layout in the module doc). */
  root: string;
  /** Which split to open. */
  split: Split;
  /** Split seed (default 0). */
  seed?: number;
  /**
   * Where the split file lives. Default: `root/clvm-splits-seed<seed>.json` when it
   * exists or the root is writable, else a file in the split cache (`_split_file.ts`).
   */
  splitFile?: string;
  /** Throw on a keypoint outside the image instead of marking it invisible. */
  strict?: boolean;
  /**
   * The largest fraction of the instances that may be skipped as unusable (default
   * 0.01; at least one is allowed unless it is 0). More than that is an error.
   */
  maxSkipFraction?: number;
}

/** One joined instance as stored in the split file. */
export interface PascalPersonEntry {
  /** The sample id, `<image>_p<n>`. */
  id: string;
  /** The VOC image id. */
  image: string;
  /** File name in `annotations/person/`. */
  keypointFile: string;
  /** 1-based index of the object in the VOC XML. */
  vocObject: number;
  /** 1-based SBD instance number in `GTinst`. */
  sbdInstance: number;
}

/**
 * The split file's content (`_split_file.ts`: the format all split files share), with
 * the join of every instance.
 */
export interface PascalPersonSplitFile {
  /** Always `"clvm-pascal-person-split"`. */
  format: "clvm-pascal-person-split";
  /** The file format version (1). */
  version: number;
  /** Always `"pascal-person"`. */
  dataset: "pascal-person";
  /** The split seed. */
  seed: number;
  /** Instances per split. */
  counts: Record<Split, number>;
  /** The instances of the train split, sorted by id. */
  train: PascalPersonEntry[];
  /** The instances of the val split, sorted by id. */
  val: PascalPersonEntry[];
  /** The instances of the test split, sorted by id. */
  test: PascalPersonEntry[];
  /** Files the scan could not use (their instances are in no split), with why. */
  problems?: DataProblem[];
}

/** The Pascal Person {@link CheckReport}, plus how many annotations the join left out. */
export interface PascalPersonCheckReport extends CheckReport {
  /** Annotations the join left out, by reason. */
  excluded: {
    /** Keypoint files whose visible box matches no VOC person box. */
    noVocMatch: number;
    /** Matched persons of images without an SBD `inst/<image>.mat`. */
    noSbdFile: number;
    /** Matched persons whose box matches no SBD person instance. */
    noSbdMatch: number;
  };
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name: string) => ["object", "keypoint", "segment"].includes(name),
});

type Node = Record<string, unknown>;

function parseXml(text: string, file: string, what: string): Node {
  try {
    return xml.parse(text, true) as Node;
  } catch (e) {
    throw new Error(
      `Cannot read ${what} "${file}": expected well-formed XML (${
        e instanceof Error ? e.message : e
      })`,
    );
  }
}

function child(node: unknown, name: string): unknown {
  return node !== null && typeof node === "object" ? (node as Node)[name] : undefined;
}

function num(value: unknown, fail: (m: string) => never, what: string): number {
  const text = typeof value === "string" ? value.trim() : "";
  const n = text === "" ? NaN : Number(text);
  if (!Number.isFinite(n)) {
    fail(`expected a number for ${what}, found ${JSON.stringify(value ?? null)}`);
  }
  return n;
}

/**
 * Parses a Bourdev & Malik keypoint file (docs/DATASETS.md §3.3).
 *
 * @param text The XML.
 * @param file Names the file in errors.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBourdevKeypoints } from "./pascal_person.ts";
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

/**
 * Parses a VOC annotation file (`Annotations/<image>.xml`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseVocAnnotation } from "./pascal_person.ts";
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

/** Boxes as 1-based inclusive pixel index ranges [x0, y0, x1, y1]. */
type IndexBox = [number, number, number, number];

function iou(a: IndexBox, b: IndexBox): number {
  // Inclusive pixel ranges: a box from 1 to 3 covers 3 pixels.
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1;
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
  if (w <= 0 || h <= 0) return 0;
  const area = (r: IndexBox): number => (r[2] - r[0] + 1) * (r[3] - r[1] + 1);
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

/** One-to-one matching, best IoU first; returns `match[i] = j` or -1. */
function greedyMatch(a: IndexBox[], b: IndexBox[], minIou: number): number[] {
  const pairs: [number, number, number][] = [];
  a.forEach((ba, i) =>
    b.forEach((bb, j) => {
      const v = iou(ba, bb);
      if (v >= minIou) pairs.push([v, i, j]);
    })
  );
  pairs.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
  const match = new Array<number>(a.length).fill(-1);
  const used = new Set<number>();
  for (const [, i, j] of pairs) {
    if (match[i] !== -1 || used.has(j)) continue;
    match[i] = j;
    used.add(j);
  }
  return match;
}

/** The folders of the layout. */
function layout(root: string): {
  annotations: string;
  images: string;
  inst: string;
  cls: string;
  keypoints: string;
} {
  const r = root.replace(/\/+$/, "");
  return {
    annotations: `${r}/VOCdevkit/VOC2011/Annotations`,
    images: `${r}/VOCdevkit/VOC2011/JPEGImages`,
    inst: `${r}/benchmark_RELEASE/dataset/inst`,
    cls: `${r}/benchmark_RELEASE/dataset/cls`,
    keypoints: `${r}/annotations/person`,
  };
}

const DIR_SOURCES: Record<string, string> = {
  annotations: "the VOC 2011 annotations (VOCtrainval_25-May-2011.tar)",
  images: "the VOC 2011 JPEGs (VOCtrainval_25-May-2011.tar)",
  inst: "the SBD instance masks (benchmark.tgz)",
  cls: "the SBD class masks (benchmark.tgz)",
  keypoints: "the Bourdev & Malik person keypoints (voc2011_keypoints_Feb2012.tgz)",
};

/** What a scan found: joined instances with what the check needs. */
interface ScannedInstance extends PascalPersonEntry {
  personPixels: number;
  labelledPixels: number;
  visible: number;
}

interface ScanResult {
  instances: ScannedInstance[];
  excluded: PascalPersonCheckReport["excluded"];
}

/**
 * Walks the whole dataset and joins it. `problem` is called for each file that cannot
 * be used (the loader throws from it; the check collects). With `deep`, also checks
 * JPEG sizes, SBD class maps and keypoint positions (the check).
 */
async function scan(
  root: string,
  problem: (p: DataProblem) => void,
  deep: boolean,
): Promise<ScanResult> {
  const dirs = layout(root);
  const required = deep
    ? ["annotations", "images", "inst", "cls", "keypoints"] as const
    : ["annotations", "images", "inst", "keypoints"] as const;
  let missing = false;
  for (const key of required) {
    if (!(await isDir(dirs[key]))) {
      problem({
        file: dirs[key],
        message: `missing directory: expected ${DIR_SOURCES[key]} at "${dirs[key]}"`,
      });
      missing = true;
    }
  }
  const excluded = { noVocMatch: 0, noSbdFile: 0, noSbdMatch: 0 };
  if (missing) return { instances: [], excluded };

  // Keypoint files by image.
  const names: string[] = [];
  for await (const e of Deno.readDir(dirs.keypoints)) {
    if (e.isFile && e.name.endsWith(".xml")) names.push(e.name);
  }
  names.sort();
  const byImage = new Map<string, { file: string; ann: BourdevAnnotation }[]>();
  for (const name of names) {
    const path = `${dirs.keypoints}/${name}`;
    let ann: BourdevAnnotation;
    try {
      ann = parseBourdevKeypoints(await Deno.readTextFile(path), path);
    } catch (e) {
      problem({ file: path, message: errorMessage(e) });
      continue;
    }
    const unknown = ann.keypoints.find((k) => !PASCAL_PERSON_KEYPOINTS.includes(k.name));
    if (unknown) {
      problem({
        file: path,
        message: `expected a person keypoint name (${
          PASCAL_PERSON_KEYPOINTS.join(", ")
        }), found "${unknown.name}"`,
      });
      continue;
    }
    if (!name.startsWith(`${ann.image}_`)) {
      problem({
        file: path,
        message: `expected a file name starting with its image id "${ann.image}_"`,
      });
      continue;
    }
    const list = byImage.get(ann.image) ?? [];
    list.push({ file: name, ann });
    byImage.set(ann.image, list);
  }

  const instances: ScannedInstance[] = [];
  for (const image of [...byImage.keys()].sort()) {
    const files = byImage.get(image)!;
    const vocPath = `${dirs.annotations}/${image}.xml`;
    let voc: VocAnnotation;
    try {
      voc = parseVocAnnotation(await Deno.readTextFile(vocPath), vocPath);
    } catch (e) {
      const msg = e instanceof Deno.errors.NotFound
        ? `missing: expected the VOC annotation of image ${image} (keypoint file ${
          files[0]!.file
        } refers to it)`
        : errorMessage(e);
      problem({ file: vocPath, message: msg });
      continue;
    }
    const persons = voc.objects
      .map((o, i) => ({ o, index: i + 1 }))
      .filter((p) => p.o.name === "person");
    const kpBoxes: IndexBox[] = files.map(({ ann: { visibleBounds: v } }) => [
      v.xmin,
      v.ymin,
      v.xmin + v.width,
      v.ymin + v.height,
    ]);
    const vocBoxes: IndexBox[] = persons.map((
      { o: { bndbox: b } },
    ) => [b.xmin, b.ymin, b.xmax, b.ymax]);
    const kpToVoc = greedyMatch(kpBoxes, vocBoxes, 0.9);
    excluded.noVocMatch += kpToVoc.filter((j) => j < 0).length;
    const matched = kpToVoc.map((j, i) => ({ i, j })).filter((m) => m.j >= 0);
    if (matched.length === 0) continue;

    const jpgPath = `${dirs.images}/${image}.jpg`;
    if (!(await exists(jpgPath))) {
      problem({ file: jpgPath, message: `missing: expected the JPEG of image ${image}` });
      continue;
    }
    const instPath = `${dirs.inst}/${image}.mat`;
    if (!(await exists(instPath))) {
      excluded.noSbdFile += matched.length;
      continue;
    }
    let seg: { data: Uint8Array; width: number; height: number };
    let categories: number[];
    try {
      const mat = await readMatFile(instPath);
      seg = matUint8Map(matLookup(mat, "GTinst.Segmentation"), `SBD instance map "${instPath}"`);
      categories = matNumbers(matLookup(mat, "GTinst.Categories"), `SBD categories "${instPath}"`);
    } catch (e) {
      problem({ file: instPath, message: errorMessage(e) });
      continue;
    }
    if (seg.width !== voc.width || seg.height !== voc.height) {
      problem({
        file: instPath,
        message:
          `expected a ${voc.height}×${voc.width} instance map (the VOC size of ${image}), found ${seg.height}×${seg.width}`,
      });
      continue;
    }
    // Bounding boxes (1-based inclusive) and pixel counts of the SBD person instances.
    const k = categories.length;
    const stats = Array.from(
      { length: k },
      () => ({ x0: Infinity, y0: Infinity, x1: -1, y1: -1, n: 0 }),
    );
    let ignored = 0;
    for (let y = 0; y < seg.height; y++) {
      for (let x = 0; x < seg.width; x++) {
        const v = seg.data[y * seg.width + x]!;
        if (v === 255) ignored++;
        else if (v >= 1 && v <= k) {
          const s = stats[v - 1]!;
          s.n++;
          if (x < s.x0) s.x0 = x;
          if (x > s.x1) s.x1 = x;
          if (y < s.y0) s.y0 = y;
          if (y > s.y1) s.y1 = y;
        } else if (v !== 0) {
          problem({
            file: instPath,
            message:
              `expected instance numbers 0..${k} (or 255) in GTinst.Segmentation, found ${v}`,
          });
          y = seg.height;
          break;
        }
      }
    }
    const sbdPersons = stats
      .map((s, i) => ({ s, instance: i + 1 }))
      .filter(({ s, instance }) => categories[instance - 1] === SBD_PERSON && s.n > 0);
    const sbdBoxes: IndexBox[] = sbdPersons.map((
      { s },
    ) => [s.x0 + 1, s.y0 + 1, s.x1 + 1, s.y1 + 1]);
    const vocToSbd = greedyMatch(matched.map((m) => vocBoxes[m.j]!), sbdBoxes, 0.5);
    if (deep) {
      await deepChecks(image, voc, dirs, jpgPath, seg, categories, problem);
    }
    matched.forEach(({ i, j }, m) => {
      const s = vocToSbd[m]!;
      if (s < 0) {
        excluded.noSbdMatch++;
        return;
      }
      const ann = files[i]!.ann;
      const sbd = sbdPersons[s]!;
      const person = persons[j]!;
      const rank = persons.indexOf(person) + 1;
      let visible = 0;
      for (const kp of ann.keypoints) {
        if (kp.visible === 1 && inside(kp, seg.width, seg.height)) visible++;
      }
      instances.push({
        id: `${image}_p${rank}`,
        image,
        keypointFile: files[i]!.file,
        vocObject: person.index,
        sbdInstance: sbd.instance,
        personPixels: sbd.s.n,
        labelledPixels: seg.width * seg.height - ignored,
        visible,
      });
    });
  }
  return { instances, excluded };
}

/** The checks only `checkPascalPerson` does (they read more files). */
async function deepChecks(
  image: string,
  voc: VocAnnotation,
  dirs: ReturnType<typeof layout>,
  jpgPath: string,
  inst: { data: Uint8Array; width: number; height: number },
  categories: number[],
  problem: (p: DataProblem) => void,
): Promise<void> {
  try {
    const info = jpegInfo(await Deno.readFile(jpgPath), jpgPath, "VOC JPEG");
    if (info.width !== voc.width || info.height !== voc.height) {
      problem({
        file: jpgPath,
        message:
          `expected ${voc.width}×${voc.height} pixels (the VOC annotation's size), found ${info.width}×${info.height}`,
      });
    }
  } catch (e) {
    problem({ file: jpgPath, message: errorMessage(e) });
  }
  const clsPath = `${dirs.cls}/${image}.mat`;
  if (!(await exists(clsPath))) {
    problem({
      file: clsPath,
      message: `missing: expected the SBD class map beside inst/${image}.mat`,
    });
    return;
  }
  try {
    const mat = await readMatFile(clsPath);
    const cls = matUint8Map(matLookup(mat, "GTcls.Segmentation"), `SBD class map "${clsPath}"`);
    if (cls.width !== inst.width || cls.height !== inst.height) {
      problem({
        file: clsPath,
        message:
          `expected a ${inst.height}×${inst.width} class map (as inst/${image}.mat), found ${cls.height}×${cls.width}`,
      });
      return;
    }
    // Each instance pixel should carry its instance's class in the class map.
    let disagree = 0;
    for (let p = 0; p < cls.data.length; p++) {
      const v = inst.data[p]!;
      const want = v === 0 ? 0 : v === 255 ? 255 : categories[v - 1] ?? -1;
      if (want !== cls.data[p] && !(want === 0 && cls.data[p] === 255)) disagree++;
    }
    if (disagree > 0.005 * cls.data.length) {
      problem({
        file: clsPath,
        message:
          `expected the class map to agree with inst/${image}.mat and its Categories, found ${disagree} of ${cls.data.length} pixels differing`,
      });
    }
  } catch (e) {
    problem({ file: clsPath, message: errorMessage(e) });
  }
}

function inside(kp: { x: number; y: number }, width: number, height: number): boolean {
  const x = kp.x - 0.5;
  const y = kp.y - 0.5;
  return x >= 0 && x <= width && y >= 0 && y <= height;
}

/**
 * Splits instances 70/10/20 by image (see the module doc); ids sorted within a split.
 */
function splitInstances(
  instances: readonly PascalPersonEntry[],
  seed: number,
): Record<Split, PascalPersonEntry[]> {
  const byImage = new Map<string, PascalPersonEntry[]>();
  for (const inst of instances) {
    const list = byImage.get(inst.image) ?? [];
    list.push(inst);
    byImage.set(inst.image, list);
  }
  const images = shuffleInPlace([...byImage.keys()].sort(), new Mulberry32(seed));
  const total = instances.length;
  const out: Record<Split, PascalPersonEntry[]> = { train: [], val: [], test: [] };
  for (const image of images) {
    const assigned = out.train.length + out.val.length;
    const split: Split = out.train.length < FRACTIONS.train * total
      ? "train"
      : assigned < (FRACTIONS.train + FRACTIONS.val) * total
      ? "val"
      : "test";
    out[split].push(...byImage.get(image)!);
  }
  for (const s of SPLITS) out[s].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out;
}

/** Pascal Person's split file: the joined instances. */
const PASCAL_SPLIT_FILE: SplitFileKind<PascalPersonEntry> = {
  dataset: "pascal-person",
  label: "Pascal Person",
  fileName: (seed) => `clvm-splits-seed${seed}.json`,
  entries: "{id, image, keypointFile, vocObject, sbdInstance} entries",
  isEntry: (e: unknown): e is PascalPersonEntry => {
    const o = e as Partial<PascalPersonEntry> | null;
    return typeof o?.id === "string" && typeof o.image === "string" &&
      typeof o.keypointFile === "string" && Number.isInteger(o.vocObject) &&
      Number.isInteger(o.sbdInstance);
  },
  name: (e) => `"${e.id}"`,
};

function isFileSync(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Opens one split of Pascal Person (layout, join, sample format, coordinates and split
 * are described in the module doc). The first open scans the dataset and writes the
 * split file; later opens read it.
 *
 * @example
 * ```ts ignore
 * import { openPascalPerson } from "./pascal_person.ts";
 * const train = await openPascalPerson({ root: "data/pascal-person", split: "train" });
 * const sample = await train.get(0);
 * console.log(sample.id, sample.keypoints!.length, sample.box); // 2008_000008_p1 20 {...}
 * ```
 */
export async function openPascalPerson(options: PascalPersonOptions): Promise<Dataset> {
  const { root, split } = options;
  const seed = options.seed ?? 0;
  if (!SPLITS.includes(split)) {
    throw new Error(`Cannot open Pascal Person split "${split}": expected train, val or test`);
  }
  if (!(await isDir(root))) {
    throw new Error(`Cannot open Pascal Person at "${root}": missing directory`);
  }
  const { content } = await loadOrMakeSplit(PASCAL_SPLIT_FILE, {
    root,
    seed,
    splitFile: options.splitFile,
    make: async () => {
      // Per sample, not per dataset: files the scan cannot use are skipped and listed.
      const problems: DataProblem[] = [];
      const result = await scan(root, (p) => {
        if (p.message.startsWith("missing directory")) {
          throw new Error(`Cannot open Pascal Person at "${root}": "${p.file}": ${p.message}`);
        }
        problems.push(p);
      }, false);
      checkSkips(
        `Pascal Person dataset at "${root}"`,
        result.instances.length + problems.length,
        problems.length,
        problems,
        options.maxSkipFraction,
        `deno task data check pascal-person --root ${root}`,
      );
      const entries = result.instances.map((
        { id, image, keypointFile, vocObject, sbdInstance },
      ) => ({ id, image, keypointFile, vocObject, sbdInstance }));
      return { seed, splits: splitInstances(entries, seed), problems };
    },
  });
  const splits = content.splits;
  const scanProblems: DataProblem[] = [...(content.problems ?? [])];
  const dirs = layout(root);
  // Files named by the split that have gone missing since: skipped and listed.
  const problems: DataProblem[] = [...scanProblems];
  const entries: PascalPersonEntry[] = [];
  for (const e of splits[split]) {
    const gone = [
      `${dirs.keypoints}/${e.keypointFile}`,
      `${dirs.images}/${e.image}.jpg`,
      `${dirs.inst}/${e.image}.mat`,
    ].find((f) => !isFileSync(f));
    if (gone) {
      problems.push({ file: gone, message: `sample ${e.id} skipped: the file does not exist` });
    } else entries.push(e);
  }
  checkSkips(
    `Pascal Person ${split} split of "${root}"`,
    splits[split].length,
    splits[split].length - entries.length,
    problems.slice(scanProblems.length),
    options.maxSkipFraction,
    `deno task data check pascal-person --root ${root}`,
  );
  const strict = options.strict ?? false;
  const get = (index: number): Promise<Sample> => {
    const entry = entries[index];
    if (!Number.isInteger(index) || entry === undefined) {
      throw new RangeError(
        `Cannot get Pascal Person ${split} sample ${index}: expected an index in 0..${
          entries.length - 1
        }`,
      );
    }
    return loadSample(entry, dirs, strict);
  };
  return {
    name: "pascal-person",
    split,
    ids: Object.freeze(entries.map((e) => e.id)),
    classes: PASCAL_PERSON_CLASSES,
    keypointNames: PASCAL_PERSON_KEYPOINTS,
    problems: Object.freeze(problems),
    get: (index: number) => {
      try {
        return get(index);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    [Symbol.asyncIterator](): AsyncIterator<Sample> {
      // One sample decoded ahead of the consumer.
      let next = 0;
      let ahead: Promise<Sample> | null = entries.length > 0 ? get(0) : null;
      return {
        async next(): Promise<IteratorResult<Sample>> {
          if (ahead === null) return { done: true, value: undefined };
          const current = ahead;
          next++;
          ahead = next < entries.length ? get(next) : null;
          // Keep a failed prefetch from surfacing as an unhandled rejection.
          ahead?.catch(() => {});
          return { done: false, value: await current };
        },
      };
    },
  };
}

/** Converts a keypoint file to the sample's 20 keypoints (module doc: coordinates). */
function toKeypoints(
  ann: BourdevAnnotation,
  width: number,
  height: number,
  file: string,
  strict: boolean,
): Keypoint[] {
  const out: Keypoint[] = PASCAL_PERSON_KEYPOINTS.map(() => [NaN, NaN, 0]);
  for (const kp of ann.keypoints) {
    const slot = PASCAL_PERSON_KEYPOINTS.indexOf(kp.name);
    if (slot < 0) {
      throw new Error(
        `Cannot read Pascal Person keypoint file "${file}": expected a person keypoint name, found "${kp.name}"`,
      );
    }
    const isInside = inside(kp, width, height);
    if (!isInside && strict) {
      throw new Error(
        `Cannot read Pascal Person keypoint file "${file}": keypoint "${kp.name}" at (${kp.x}, ${kp.y}) is outside the ${width}×${height} image (expected 1-based coordinates within it)`,
      );
    }
    out[slot] = [kp.x - 0.5, kp.y - 0.5, kp.visible === 1 && isInside ? 1 : 0];
  }
  return out;
}

async function loadSample(
  entry: PascalPersonEntry,
  dirs: ReturnType<typeof layout>,
  strict: boolean,
): Promise<Sample> {
  const kpPath = `${dirs.keypoints}/${entry.keypointFile}`;
  const jpgPath = `${dirs.images}/${entry.image}.jpg`;
  const instPath = `${dirs.inst}/${entry.image}.mat`;
  let kpText: string;
  try {
    kpText = await Deno.readTextFile(kpPath);
  } catch (e) {
    throw new Error(
      `Cannot read Pascal Person keypoint file "${kpPath}": ${
        e instanceof Deno.errors.NotFound
          ? `file not found (named by sample ${entry.id})`
          : errorMessage(e)
      }`,
    );
  }
  const ann = parseBourdevKeypoints(kpText, kpPath);
  const [image, mat] = await Promise.all([readImage(jpgPath, "VOC JPEG"), readMatFile(instPath)]);
  const label = `SBD instance map "${instPath}"`;
  const seg = matUint8Map(matLookup(mat, "GTinst.Segmentation"), label);
  const categories = matNumbers(
    matLookup(mat, "GTinst.Categories"),
    `SBD categories "${instPath}"`,
  );
  if (seg.width !== image.width || seg.height !== image.height) {
    throw new Error(
      `Cannot read ${label}: expected ${image.height}×${image.width} (the size of ${jpgPath}), found ${seg.height}×${seg.width}`,
    );
  }
  if (categories[entry.sbdInstance - 1] !== SBD_PERSON) {
    throw new Error(
      `Cannot read ${label}: expected instance ${entry.sbdInstance} of sample ${entry.id} to be a person (class ${SBD_PERSON}), found class ${
        categories[entry.sbdInstance - 1] ?? "none"
      } (is the split file stale?)`,
    );
  }
  const k = entry.sbdInstance;
  const segmentation = new Uint8Array(seg.data.length);
  for (let p = 0; p < seg.data.length; p++) {
    const v = seg.data[p]!;
    segmentation[p] = v === k ? 1 : v === 255 ? 255 : 0;
  }
  const vb = ann.visibleBounds;
  const box: Box = { x: vb.xmin - 1, y: vb.ymin - 1, width: vb.width + 1, height: vb.height + 1 };
  return {
    id: entry.id,
    image,
    segmentation,
    keypoints: toKeypoints(ann, image.width, image.height, kpPath, strict),
    box,
  };
}

/**
 * Validates a Pascal Person root: every keypoint file, VOC annotation, JPEG (size via its
 * header), SBD `inst` and `cls` file that the join touches, and the split file when one
 * exists. Never throws for data problems; they are listed in `problems`. Class fractions
 * are pooled over all instances' whole-image masks (labelled pixels only); the visible
 * fraction is visible keypoints over 20 slots per instance, after marking keypoints
 * outside the image invisible.
 *
 * @example
 * ```ts ignore
 * import { checkPascalPerson } from "./pascal_person.ts";
 * const report = await checkPascalPerson("data/pascal-person");
 * console.log(report.splits, report.problems.length);
 * ```
 */
export async function checkPascalPerson(
  root: string,
  options: { seed?: number; splitFile?: string } = {},
): Promise<PascalPersonCheckReport> {
  const seed = options.seed ?? 0;
  const problems: DataProblem[] = [];
  const report: PascalPersonCheckReport = {
    dataset: "pascal-person",
    root,
    splits: { train: 0, val: 0, test: 0 },
    classFractions: { background: 0, person: 0 },
    keypoints: { names: [...PASCAL_PERSON_KEYPOINTS], visibleFraction: 0 },
    problems,
    excluded: { noVocMatch: 0, noSbdFile: 0, noSbdMatch: 0 },
  };
  if (!(await isDir(root))) {
    problems.push({ file: root, message: "missing directory: expected the Pascal Person root" });
    return report;
  }
  const { instances, excluded } = await scan(root, (p) => problems.push(p), true);
  report.excluded = excluded;
  let person = 0;
  let labelled = 0;
  let visible = 0;
  for (const inst of instances) {
    person += inst.personPixels;
    labelled += inst.labelledPixels;
    visible += inst.visible;
  }
  if (labelled > 0) {
    report.classFractions = { background: 1 - person / labelled, person: person / labelled };
  }
  if (instances.length > 0) {
    report.keypoints!.visibleFraction = visible /
      (instances.length * PASCAL_PERSON_KEYPOINTS.length);
  }
  let splitPath = options.splitFile ?? join(root, PASCAL_SPLIT_FILE.fileName(seed));
  let splits: Record<Split, PascalPersonEntry[]>;
  try {
    const origin = await loadOrMakeSplit(PASCAL_SPLIT_FILE, {
      root,
      seed,
      splitFile: options.splitFile,
      write: false,
      make: () => ({ seed, splits: splitInstances(instances, seed) }),
    });
    splits = origin.content.splits;
    if (origin.path) splitPath = origin.path;
  } catch (e) {
    if (e instanceof SplitFileError) splitPath = e.file;
    problems.push({ file: splitPath, message: errorMessage(e) });
    splits = splitInstances(instances, seed);
  }
  const found = new Map(instances.map((i) => [i.id, i]));
  for (const s of SPLITS) {
    report.splits[s] = splits[s].length;
    for (const e of splits[s]) {
      const f = found.get(e.id);
      if (
        !f || f.keypointFile !== e.keypointFile || f.vocObject !== e.vocObject ||
        f.sbdInstance !== e.sbdInstance
      ) {
        problems.push({
          file: splitPath,
          message: `expected ${s} entry ${JSON.stringify(e)} to match the data, found ${
            f
              ? JSON.stringify({
                keypointFile: f.keypointFile,
                vocObject: f.vocObject,
                sbdInstance: f.sbdInstance,
              })
              : "no such instance"
          }`,
        });
      }
    }
  }
  return report;
}
