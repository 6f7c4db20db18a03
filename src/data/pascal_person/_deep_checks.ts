/**
 * The checks only `checkPascalPerson` does while scanning (they read more files): the
 * JPEG's size against the VOC annotation, and the SBD class map against the instances.
 *
 * @module
 */
import { errorMessage, exists } from "../../util/fs.ts";
import { jpegInfo } from "../../formats/image.ts";
import { matLookup, matUint8Map, readMatFile } from "../../formats/matfile.ts";
import type { DataProblem } from "../types.ts";
import type { Layout } from "./_layout.ts";
import type { VocAnnotation } from "./voc_xml.ts";

/** The checks only `checkPascalPerson` does (they read more files). */
export async function deepChecks(
  image: string,
  voc: VocAnnotation,
  dirs: Layout,
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
