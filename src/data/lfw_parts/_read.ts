/**
 * Reading a sample's files from disk, with errors that name the file: any file, and the
 * superpixel map with its labels (checked against each other).
 *
 * @module
 */
import { ImageFormatError } from "../../formats/image.ts";
import type { LfwPartsPaths } from "./layout.ts";
import {
  type LfwPartsSuperpixels,
  parseSuperpixelLabels,
  parseSuperpixelMap,
} from "./superpixels.ts";

/** Reads `path`; a missing file is an {@link ImageFormatError} naming `kind` and the path. */
export async function readFileNamed(path: string, kind: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new ImageFormatError(kind, path, "file not found");
    throw e;
  }
}

/** Reads and parses a sample's superpixel map and labels; ids beyond the labels are an error. */
export async function readSuperpixels(
  paths: LfwPartsPaths,
  width: number,
  height: number,
): Promise<LfwPartsSuperpixels> {
  const [mapBytes, labelBytes] = await Promise.all([
    readFileNamed(paths.superpixels, "LFW-Parts superpixel map"),
    readFileNamed(paths.labels, "LFW-Parts superpixel labels"),
  ]);
  const map = parseSuperpixelMap(mapBytes, paths.superpixels, width, height);
  const labels = parseSuperpixelLabels(labelBytes, paths.labels);
  let max = -1;
  for (let i = 0; i < map.length; i++) if (map[i]! > max) max = map[i]!;
  if (max >= labels.length) {
    throw new Error(
      `Cannot read LFW-Parts superpixel map "${paths.superpixels}": expected ids below ` +
        `${labels.length} (the count in "${paths.labels}"), found ${max}`,
    );
  }
  return { map, labels };
}
