/**
 * One LFW-Parts sample: the image, the per-pixel class from its mask and, when the
 * dataset has them, its superpixels, read by id.
 *
 * @module
 */
import { decodePpm, decodeRgb } from "../../formats/image.ts";
import type { Sample } from "../types.ts";
import { readFileNamed, readSuperpixels } from "./_read.ts";
import { lfwPartsPaths } from "./layout.ts";
import { maskToClasses } from "./mask.ts";
import type { LfwPartsSuperpixels } from "./superpixels.ts";

/** An LFW-Parts sample: a {@link Sample} with superpixels when the dataset has them. */
export type LfwPartsSample = Sample & { superpixels?: LfwPartsSuperpixels };

/**
 * Reads one LFW-Parts sample by id (see `openLfwParts` in `open.ts`).
 *
 * @example
 * ```ts ignore
 * import { loadLfwPartsSample } from "./sample.ts";
 * const s = await loadLfwPartsSample("/tmp/lfw", "Inga_Hall_0001", false);
 * ```
 */
export async function loadLfwPartsSample(
  root: string,
  id: string,
  withSuperpixels: boolean,
): Promise<LfwPartsSample> {
  const paths = lfwPartsPaths(root, id);
  const [imageBytes, maskBytes] = await Promise.all([
    readFileNamed(paths.image, "LFW-Parts image"),
    readFileNamed(paths.mask, "LFW-Parts mask"),
  ]);
  const mask = decodePpm(maskBytes, { name: paths.mask, kind: "LFW-Parts mask" });
  const image = await decodeRgb(imageBytes, paths.image, "LFW-Parts image");
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new Error(
      `Cannot read LFW-Parts sample "${id}": the mask "${paths.mask}" is ${mask.width}×` +
        `${mask.height} but the image "${paths.image}" is ${image.width}×${image.height}`,
    );
  }
  const sample: LfwPartsSample = { id, image, segmentation: maskToClasses(mask).classes };
  if (withSuperpixels) sample.superpixels = await readSuperpixels(paths, mask.width, mask.height);
  return sample;
}
