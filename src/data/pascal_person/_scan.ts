/**
 * The scan: walks a whole root and joins keypoint files, VOC persons and SBD instances
 * (the join in `mod.ts`); the loader runs it once to make the split, the check with
 * `deep` to validate everything.
 *
 * @module
 */
import { errorMessage, exists, isDir } from "../../util/fs.ts";
import { matLookup, matNumbers, matUint8Map, readMatFile } from "../../formats/matfile.ts";
import type { DataProblem } from "../types.ts";
import { greedyMatch, type IndexBox } from "./_box_match.ts";
import { deepChecks } from "./_deep_checks.ts";
import { inside } from "./_keypoints.ts";
import { DIR_SOURCES, layout } from "./_layout.ts";
import type { PascalPersonEntry } from "./_split.ts";
import { type BourdevAnnotation, parseBourdevKeypoints } from "./bourdev_xml.ts";
import { PASCAL_PERSON_KEYPOINTS, SBD_PERSON } from "./labels.ts";
import { parseVocAnnotation, type VocAnnotation } from "./voc_xml.ts";

/** What a scan found: joined instances with what the check needs. */
export interface ScannedInstance extends PascalPersonEntry {
  personPixels: number;
  labelledPixels: number;
  visible: number;
}

export interface ScanResult {
  instances: ScannedInstance[];
  /** Annotations the join left out, by reason (`PascalPersonCheckReport.excluded`). */
  excluded: { noVocMatch: number; noSbdFile: number; noSbdMatch: number };
}

/**
 * Walks the whole dataset and joins it. `problem` is called for each file that cannot
 * be used (the loader throws from it; the check collects). With `deep`, also checks
 * JPEG sizes, SBD class maps and keypoint positions (the check).
 */
export async function scan(
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
