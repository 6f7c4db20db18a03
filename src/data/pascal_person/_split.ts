/**
 * The split (70/10/20 by image, in `mod.ts`) and its split file's entries: the join of
 * each instance.
 *
 * @module
 */
import { Mulberry32, shuffleInPlace } from "../../util/prng.ts";
import type { SplitFileKind } from "../_split_file.ts";
import type { DataProblem, Split } from "../types.ts";

export const SPLITS: readonly Split[] = ["train", "val", "test"];
export const FRACTIONS = { train: 0.7, val: 0.1, test: 0.2 } as const;

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

/**
 * Splits instances 70/10/20 by image (see the module doc); ids sorted within a split.
 */
export function splitInstances(
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
export const PASCAL_SPLIT_FILE: SplitFileKind<PascalPersonEntry> = {
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
