/**
 * Which data each protocol uses: the real dataset when it is found under the data root
 * (see `data_root.ts`), else its synthetic stand-in. LFW-Parts
 * tarballs are extracted once into a cache.
 *
 * @module
 */
import { join } from "node:path";
import { exists } from "../src/util/mod.ts";
import { prepareLfwParts } from "../src/data/mod.ts";
import type { ProtocolName } from "./evaluate.ts";

/** Where a protocol's data comes from. */
export interface DataSource {
  protocol: ProtocolName;
  /** The `openDataset` name. */
  dataset: string;
  /** The dataset's root (null: the synthetic default cache). */
  root: string | null;
  kind: "real" | "synthetic";
  /** One sentence for the report. */
  description: string;
}

async function lfwRoot(dir: string, cache: string, log: (s: string) => void) {
  const tarballs = await exists(join(dir, "parts_lfw_funneled_gt_images.tgz"));
  const extracted = await exists(join(dir, "parts_train.txt")) &&
    await exists(join(dir, "lfw_funneled"));
  if (tarballs && extracted) {
    // Archives extracted in place (`deno task data download`): preparing again checks the
    // record of what was extracted and completes an interrupted extraction, so a half-filled
    // folder is never taken as the dataset. A folder we cannot write is read as it is.
    try {
      await prepareLfwParts({ from: dir, root: dir });
    } catch (error) {
      if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    }
    return dir;
  }
  if (extracted) return dir;
  if (!tarballs) return null;
  // Idempotent: a second call checks the extracted files and extracts nothing.
  if (!(await exists(join(cache, "parts_train.txt")))) {
    log(`Extracting the LFW-Parts tarballs of ${dir} into ${cache} (once)…`);
  }
  await prepareLfwParts({ from: dir, root: cache });
  return cache;
}

/**
 * Resolves each protocol's data. `dataRoot` holds `lfw-parts/` (extracted layout or
 * the official tarballs), `aflw/` (`data/aflw.sqlite` + `data/flickr/`) and
 * `pascal-person/` (`VOCdevkit/`, `benchmark_RELEASE/`, `annotations/`).
 */
export async function resolveData(
  protocol: ProtocolName,
  dataRoot: string | null,
  cacheDir: string,
  log: (s: string) => void,
): Promise<DataSource> {
  const synthetic = (why: string): DataSource => ({
    protocol,
    dataset: `synthetic-${protocol}`,
    root: join(cacheDir, `synthetic-${protocol}`),
    kind: "synthetic",
    description: `synthetic stand-in written in the real ${protocol} format (${why})`,
  });
  if (!dataRoot) return synthetic("no data root");
  if (protocol === "lfw-parts") {
    const root = await lfwRoot(join(dataRoot, "lfw-parts"), join(cacheDir, "lfw-parts"), log);
    if (root) {
      return {
        protocol,
        dataset: "lfw-parts",
        root,
        kind: "real",
        description: `real LFW Part Labels (official 1500/500/927 splits) from ${root}`,
      };
    }
    return synthetic(`no LFW-Parts data in ${join(dataRoot, "lfw-parts")}`);
  }
  if (protocol === "aflw") {
    const root = join(dataRoot, "aflw");
    if (await exists(join(root, "data", "aflw.sqlite"))) {
      return {
        protocol,
        dataset: "aflw",
        root,
        kind: "real",
        description: `real AFLW from ${root}, seeded 1000/1000/rest split`,
      };
    }
    return synthetic(`no ${join(root, "data", "aflw.sqlite")}`);
  }
  const root = join(dataRoot, "pascal-person");
  if (await exists(join(root, "VOCdevkit")) && await exists(join(root, "benchmark_RELEASE"))) {
    return {
      protocol,
      dataset: "pascal-person",
      root,
      kind: "real",
      description: `real Pascal Person (VOC 2011 + SBD + Bourdev keypoints) from ${root}`,
    };
  }
  return synthetic(`no VOCdevkit/ and benchmark_RELEASE/ in ${root}`);
}
