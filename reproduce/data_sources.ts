/**
 * Which data each protocol uses: the real dataset when it is found under the data root
 * (see `data_root.ts`), else its synthetic stand-in. LFW-Parts tarballs are extracted once
 * into a cache, and its detector-made keypoints (`keypoints.txt`, MediaPipe FaceMesh,
 * src/data/lfw_keypoints.ts) are made there once when missing, so the multi-task rows run.
 * A folder is called the official LFW Part Labels only when its split lists' SHA-256 are
 * the official ones.
 *
 * @module
 */
import { join } from "node:path";
import { exists } from "../src/util/mod.ts";
import {
  LFW_PARTS_KEYPOINTS_FILE,
  lfwPartsIdentity,
  prepareLfwKeypoints,
  prepareLfwParts,
  readLfwKeypoints,
} from "../src/data/mod.ts";
import type { ProtocolName } from "./evaluate.ts";

/** Where a protocol's data comes from. */
export interface DataSource {
  protocol: ProtocolName;
  /** The `openDataset` name. */
  dataset: string;
  /** The dataset's root (null: the synthetic default cache). */
  root: string | null;
  kind: "real" | "synthetic";
  /** AFLW, Pascal Person: the split file given with `--split-file` (default: the loader's). */
  splitFile?: string;
  /**
   * LFW-Parts: whether the split lists are the official ones (SHA-256); absent for the
   * other protocols.
   */
  official?: boolean;
  /**
   * LFW-Parts: where the keypoints come from (`"facemesh"`: detector-made, not
   * hand-corrected) or null when there are none (the multi-task rows are then skipped).
   */
  keypoints?: "facemesh" | null;
  /**
   * LFW-Parts with keypoints: the sanity figure the keypoint tool wrote (12 validation
   * images with their points, `keypoints_sanity.png` in the dataset root), when present.
   */
  keypointsFigure?: string;
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
 * Makes `root/keypoints.txt` when it is missing or stale (once; about 7 minutes for the
 * 2,927 images on 2 cores). A failure (the detector's package cannot be fetched, a
 * read-only root, a failed mask check) is logged and the run goes on without keypoints.
 */
async function lfwKeypoints(root: string, log: (s: string) => void): Promise<boolean> {
  try {
    const r = await prepareLfwKeypoints(root, { quiet: true });
    if (r.made) log(`Made the detector keypoints ${r.file} (MediaPipe FaceMesh).`);
    return true;
  } catch (e) {
    log(
      `No LFW-Parts keypoints (${join(root, LFW_PARTS_KEYPOINTS_FILE)}): ` +
        `${(e as Error).message}`,
    );
    return false;
  }
}

/** "; P% of the points inside the dilated skin ∪ hair mask" from the keypoint file's header. */
async function insideCheck(root: string): Promise<string> {
  const kp = await readLfwKeypoints(root).catch(() => null);
  const line = kp?.header.find((h) => h.startsWith("check:"));
  const m = line && /\(([\d.]+)%\) lie inside the skin ∪ hair mask dilated by (\d+) px/.exec(line);
  return m ? `; ${m[1]}% of the points lie inside the skin ∪ hair mask dilated by ${m[2]} px` : "";
}

/**
 * Resolves each protocol's data. `dataRoot` holds `lfw-parts/` (extracted layout or
 * the official tarballs), `aflw/` (`data/aflw.sqlite` + `data/flickr/`) and
 * `pascal-person/` (`VOCdevkit/`, `benchmark_RELEASE/`, `annotations/`).
 * `options.keypoints: false` skips making the LFW-Parts keypoints (tests).
 */
export async function resolveData(
  protocol: ProtocolName,
  dataRoot: string | null,
  cacheDir: string,
  log: (s: string) => void,
  options: { keypoints?: boolean } = {},
): Promise<DataSource> {
  const synthetic = (why: string): DataSource => ({
    protocol,
    dataset: `synthetic-${protocol}`,
    // The registry's own cache (.cache/synthetic/<name>-v<version>-seed<N>): a changed
    // generator gets a new folder, so an old stand-in is never read as the new one.
    root: null,
    kind: "synthetic",
    description: `synthetic stand-in written in the real ${protocol} format (${why})`,
  });
  if (!dataRoot) return synthetic("no data root");
  if (protocol === "lfw-parts") {
    const root = await lfwRoot(join(dataRoot, "lfw-parts"), join(cacheDir, "lfw-parts"), log);
    if (root) {
      const identity = await lfwPartsIdentity(root);
      const keypoints = options.keypoints === false ? false : await lfwKeypoints(root, log);
      const figure = join(root, "keypoints_sanity.png");
      return {
        ...(keypoints && await exists(figure) ? { keypointsFigure: figure } : {}),
        protocol,
        dataset: "lfw-parts",
        root,
        kind: "real",
        official: identity.official,
        keypoints: keypoints ? "facemesh" : null,
        description: identity.description +
          (keypoints
            ? "; keypoints: 19 per image made by MediaPipe FaceMesh (detector-made, not " +
              `hand-corrected, unlike the paper's${await insideCheck(root)})`
            : "; no keypoints (the multi-task rows are skipped)"),
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
