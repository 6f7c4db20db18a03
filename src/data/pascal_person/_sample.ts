/**
 * One Pascal Person sample read from its three files: keypoints, JPEG and SBD instance
 * map (the sample format in `mod.ts`).
 *
 * @module
 */
import { errorMessage } from "../../util/fs.ts";
import { readImage } from "../../formats/image.ts";
import { matLookup, matNumbers, matUint8Map, readMatFile } from "../../formats/matfile.ts";
import type { Box, Sample } from "../types.ts";
import { toKeypoints } from "./_keypoints.ts";
import type { Layout } from "./_layout.ts";
import type { PascalPersonEntry } from "./_split.ts";
import { parseBourdevKeypoints } from "./bourdev_xml.ts";
import { SBD_PERSON } from "./labels.ts";

export async function loadSample(
  entry: PascalPersonEntry,
  dirs: Layout,
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
