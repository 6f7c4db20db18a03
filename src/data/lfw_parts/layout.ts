/**
 * The extracted LFW-Parts layout under `root` (docs/DATASETS.md §2):
 *
 *     lfw_funneled/<Name>/<Name>_<NNNN>.jpg                       250×250 funneled images
 *     parts_lfw_funneled_gt_images/<Name>_<NNNN>.ppm             P6 masks, R/G/B = hair/skin/background
 *     parts_lfw_funneled_superpixels_mat/<Name>/<Name>_<NNNN>.dat  superpixel ids (optional)
 *     parts_lfw_funneled_gt/<Name>/<Name>_<NNNN>.dat             per-superpixel labels (optional)
 *     parts_train.txt  parts_validation.txt  parts_test.txt       `<Name> <number>` lines
 *
 * the classes the masks hold, the images' size, and where one sample's files live.
 *
 * @module
 */
import { join } from "node:path";
import { IMAGES, MASKS, SP_LABELS, SUPERPIXELS } from "./_folders.ts";

/** Segmentation classes by index (= the mask's R, G, B channel). */
export const LFW_PARTS_CLASSES: readonly string[] = ["hair", "skin", "background"];

/** Width and height of every funneled image and mask. */
export const LFW_PARTS_SIZE = 250;

/** The files of one sample, under `root`. */
export interface LfwPartsPaths {
  /** `lfw_funneled/<Name>/<id>.jpg` */
  image: string;
  /** `parts_lfw_funneled_gt_images/<id>.ppm` */
  mask: string;
  /** `parts_lfw_funneled_superpixels_mat/<Name>/<id>.dat` */
  superpixels: string;
  /** `parts_lfw_funneled_gt/<Name>/<id>.dat` */
  labels: string;
}

/**
 * Where the files of sample `id` (`<Name>_<NNNN>`) live under `root`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lfwPartsPaths } from "./layout.ts";
 * assert.equal(lfwPartsPaths("/d", "Inga_Hall_0001").image, "/d/lfw_funneled/Inga_Hall/Inga_Hall_0001.jpg");
 * ```
 */
export function lfwPartsPaths(root: string, id: string): LfwPartsPaths {
  const name = id.replace(/_\d{4}$/, "");
  return {
    image: join(root, IMAGES, name, `${id}.jpg`),
    mask: join(root, MASKS, `${id}.ppm`),
    superpixels: join(root, SUPERPIXELS, name, `${id}.dat`),
    labels: join(root, SP_LABELS, name, `${id}.dat`),
  };
}
