/**
 * Which LFW-Parts a folder holds (issue 13 §5): the official Part Labels splits only when
 * the three split lists are byte for byte the official files, by SHA-256; any other folder
 * in the same layout is named as such, with its counts.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { LFW_PARTS_SPLIT_FILES, parseLfwPartsSplit } from "./split.ts";
import type { Split } from "../types.ts";

/**
 * SHA-256 of the official split lists (`sha256sum parts_train.txt parts_validation.txt
 * parts_test.txt` of the LFW Part Labels download, 1,500 / 500 / 927 images).
 */
export const LFW_PARTS_OFFICIAL_SHA256: Readonly<Record<Split, string>> = Object.freeze({
  train: "14152e60ce630dec504b82327b56736e30127b63dc46c27875cf71710ac6b9c6",
  val: "37eb8f19471d0de1639a385264959ee23db46db9c690e4e8908c24b2e489a3d7",
  test: "a57cd98de91b0a2e6116df647bed40090f7f5804b3d63e90b8e89fb3a6439a06",
});

/** What {@link lfwPartsIdentity} found. */
export interface LfwPartsIdentity {
  /** True when all three split lists are the official files. */
  official: boolean;
  /** Images per split list. */
  counts: Record<Split, number>;
  /** SHA-256 of each split list as found. */
  sha256: Record<Split, string>;
  /** One sentence for reports. */
  description: string;
}

/**
 * Fingerprints the split lists of an LFW-Parts folder: "real LFW Part Labels (official
 * 1500/500/927 splits) from DIR" only when every list's SHA-256 is the official one;
 * otherwise "LFW-Parts layout at DIR (N/N/N images, not the official splits)".
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { lfwPartsIdentity } from "./identity.ts";
 * const { description } = await lfwPartsIdentity("/tmp/lfw");
 * assert.equal(description, "real LFW Part Labels (official 1500/500/927 splits) from /tmp/lfw");
 * ```
 */
export async function lfwPartsIdentity(root: string): Promise<LfwPartsIdentity> {
  const counts = { train: 0, val: 0, test: 0 };
  const sha256 = { train: "", val: "", test: "" };
  let official = true;
  for (const split of ["train", "val", "test"] as const) {
    const file = join(root, LFW_PARTS_SPLIT_FILES[split]);
    const bytes = await Deno.readFile(file);
    counts[split] = parseLfwPartsSplit(new TextDecoder().decode(bytes), file).length;
    sha256[split] = createHash("sha256").update(bytes).digest("hex");
    if (sha256[split] !== LFW_PARTS_OFFICIAL_SHA256[split]) official = false;
  }
  const n = `${counts.train}/${counts.val}/${counts.test}`;
  return {
    official,
    counts,
    sha256,
    description: official
      ? `real LFW Part Labels (official ${n} splits) from ${root}`
      : `LFW-Parts layout at ${root} (${n} images, not the official splits)`,
  };
}
