/**
 * The checks of one LFW-Parts sample for `checkLfwParts` (`check.ts`): its mask, image and
 * superpixels, each problem listed with its file; never throws for bad data.
 *
 * @module
 */
import { errorMessage } from "../../util/fs.ts";
import { decodePpm, decodeRgb, ImageFormatError, jpegInfo } from "../../formats/image.ts";
import type { DataProblem, RgbImage } from "../types.ts";
import { readSuperpixels } from "./_read.ts";
import { lfwPartsPaths } from "./layout.ts";
import { maskToClasses } from "./mask.ts";

/** A problem's text: an image error's reason without the file (the problem names it). */
export const message = (e: unknown): string =>
  e instanceof ImageFormatError ? e.reason : errorMessage(e);

/** Checks sample `id`'s files; `counts` are its mask's pixels per class. */
export async function checkSample(
  root: string,
  id: string,
  size: number,
  decode: boolean,
  withSuperpixels: boolean,
): Promise<{ problems: DataProblem[]; counts: number[] }> {
  const paths = lfwPartsPaths(root, id);
  const problems: DataProblem[] = [];
  const counts = [0, 0, 0];
  const [maskBytes, imageBytes] = await Promise.all([
    Deno.readFile(paths.mask).catch((e) => e as Error),
    Deno.readFile(paths.image).catch((e) => e as Error),
  ]);
  let mask: RgbImage | null = null;
  let classes: Uint8Array | null = null;
  if (maskBytes instanceof Error) {
    problems.push(unreadable(paths.mask, "mask", maskBytes));
  } else {
    try {
      mask = decodePpm(maskBytes, { name: paths.mask, width: size, height: size });
      const m = maskToClasses(mask);
      classes = m.classes;
      for (let c = 0; c < 3; c++) counts[c] = m.counts[c]!;
      if (m.impure > 0) {
        problems.push({
          file: paths.mask,
          message: `${m.impure} pixels are not pure red, green or blue`,
        });
      }
    } catch (e) {
      problems.push({ file: paths.mask, message: message(e) });
    }
  }
  if (imageBytes instanceof Error) {
    problems.push(unreadable(paths.image, "image", imageBytes));
  } else {
    try {
      const dims = decode
        ? await decodeRgb(imageBytes, paths.image)
        : jpegInfo(imageBytes, paths.image);
      if (dims.width !== size || dims.height !== size) {
        problems.push({
          file: paths.image,
          message:
            `expected ${size}×${size} pixels (the mask's size), found ${dims.width}×${dims.height}`,
        });
      }
    } catch (e) {
      problems.push({ file: paths.image, message: message(e) });
    }
  }
  if (withSuperpixels) {
    try {
      const sp = await readSuperpixels(paths, size, size);
      if (classes) {
        // docs/DATASETS.md §2.6: a superpixel takes the class of its last pure pixel in raster order.
        const expected = new Uint8Array(sp.labels.length);
        for (let p = 0; p < classes.length; p++) {
          if (classes[p] !== 255) expected[sp.map[p]!] = classes[p]!;
        }
        let wrong = 0;
        for (let k = 0; k < expected.length; k++) if (expected[k] !== sp.labels[k]) wrong++;
        if (wrong > 0) {
          problems.push({
            file: paths.labels,
            message: `${wrong} of ${sp.labels.length} superpixel labels disagree with the mask`,
          });
        }
      }
    } catch (e) {
      const file = String(e).includes(paths.labels) ? paths.labels : paths.superpixels;
      problems.push({ file, message: message(e) });
    }
  }
  return { problems, counts };
}

/** The problem of a file that could not be read: missing, or the reader's error. */
function unreadable(file: string, what: string, error: Error): DataProblem {
  return {
    file,
    message: error instanceof Deno.errors.NotFound ? `${what} file not found` : error.message,
  };
}
