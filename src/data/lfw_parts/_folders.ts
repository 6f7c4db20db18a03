/**
 * The folder names of an extracted LFW-Parts root (the layout in `layout.ts`) and the
 * splits it has.
 *
 * @module
 */
import { join } from "node:path";
import { isDir } from "../../util/fs.ts";
import type { Split } from "../types.ts";

export const IMAGES = "lfw_funneled";
export const MASKS = "parts_lfw_funneled_gt_images";
export const SUPERPIXELS = "parts_lfw_funneled_superpixels_mat";
export const SP_LABELS = "parts_lfw_funneled_gt";
export const SPLITS: readonly Split[] = ["train", "val", "test"];

/** True when both superpixel folders exist, so every sample has superpixels. */
export async function hasSuperpixelFolders(root: string): Promise<boolean> {
  return (await isDir(join(root, SUPERPIXELS))) && (await isDir(join(root, SP_LABELS)));
}
