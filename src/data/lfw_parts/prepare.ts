/**
 * `prepare`: the official LFW-Parts downloads extracted into the layout `openLfwParts`
 * reads, idempotently.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { exists, isDir } from "../../util/fs.ts";
import { extractTar } from "../../formats/tar.ts";
import { SP_LABELS, SPLITS, SUPERPIXELS } from "./_folders.ts";
import { mapPool } from "./_map_pool.ts";
import type { PrepareProgress } from "./prepare_progress.ts";
import { LFW_PARTS_SPLIT_FILES, parseLfwPartsSplit } from "./split.ts";

/** Options for {@link prepareLfwParts}. */
export interface PrepareLfwPartsOptions {
  /** The folder with the downloads (tarballs and split files). */
  from: string;
  /** Where the extracted layout goes (created if needed). */
  root: string;
  /** Progress per archive; the CLI draws a bar from it. */
  onProgress?: (progress: PrepareProgress) => void;
}

/** What {@link prepareLfwParts} did. */
export interface PrepareLfwPartsResult {
  /** The folder that was prepared. */
  root: string;
  /** Files written per archive (0 when it was already extracted and unchanged). */
  extracted: Record<string, number>;
  /** Archives skipped because the same archive was already extracted here. */
  unchanged: string[];
}

const MARKER = ".lfw-parts-prepared.json";

interface Marker {
  version: 1;
  archives: Record<string, { size: number; mtime: number; key: string; files: string[] }>;
}

/**
 * Extracts the official LFW-Parts downloads in `from` into the layout `openLfwParts`
 * reads: the split files are copied; from `lfw-funneled.tgz` (or the labelled subset
 * `lfw-funneled-parts-subset.tgz`) only the images that a split names are extracted
 * (`pairs*.txt` and unlabelled images are skipped); all masks from
 * `parts_lfw_funneled_gt_images.tgz`; and the superpixel tarballs when present.
 * Idempotent: an archive already extracted into `root` (same size and time, its files
 * still present, recorded in `root/.lfw-parts-prepared.json`) is not read again.
 *
 * @example
 * ```ts ignore
 * import { prepareLfwParts } from "./prepare.ts";
 * await prepareLfwParts({ from: "data/lfw-parts", root: "/tmp/lfw" });
 * ```
 */
export async function prepareLfwParts(
  options: PrepareLfwPartsOptions,
): Promise<PrepareLfwPartsResult> {
  const { from, root } = options;
  if (!(await isDir(from))) {
    throw new Error(`Cannot prepare LFW-Parts from "${from}": directory not found`);
  }
  const imagesArchive = (await exists(join(from, "lfw-funneled.tgz")))
    ? "lfw-funneled.tgz"
    : (await exists(join(from, "lfw-funneled-parts-subset.tgz")))
    ? "lfw-funneled-parts-subset.tgz"
    : null;
  if (!imagesArchive) {
    throw new Error(
      `Cannot prepare LFW-Parts from "${from}": expected lfw-funneled.tgz or ` +
        "lfw-funneled-parts-subset.tgz",
    );
  }
  if (!(await exists(join(from, "parts_lfw_funneled_gt_images.tgz")))) {
    throw new Error(
      `Cannot prepare LFW-Parts from "${from}": expected parts_lfw_funneled_gt_images.tgz`,
    );
  }
  await Deno.mkdir(root, { recursive: true });
  // Split files first: they say which images are needed.
  const needed = new Set<string>();
  for (const split of SPLITS) {
    const name = LFW_PARTS_SPLIT_FILES[split];
    let text: string;
    try {
      text = await Deno.readTextFile(join(from, name));
    } catch {
      throw new Error(`Cannot prepare LFW-Parts from "${from}": expected the split file ${name}`);
    }
    for (const id of parseLfwPartsSplit(text, join(from, name))) needed.add(id);
    const dest = join(root, name);
    const old = await Deno.readTextFile(dest).catch(() => null);
    if (old !== text) await Deno.writeTextFile(dest, text);
  }
  const markerPath = join(root, MARKER);
  let marker: Marker = { version: 1, archives: {} };
  try {
    const parsed = JSON.parse(await Deno.readTextFile(markerPath));
    if (parsed?.version === 1 && parsed.archives) marker = parsed;
  } catch { /* first run */ }

  const neededKey = createHash("sha256").update([...needed].sort().join("\n")).digest("hex");
  const plans: { archive: string; key: string; select: (name: string) => boolean }[] = [
    {
      archive: imagesArchive,
      key: neededKey,
      select: (n) => {
        const m = /^lfw_funneled\/([^/]+)\/(\1_\d{4})\.jpg$/.exec(n);
        return m !== null && needed.has(m[2]!);
      },
    },
    {
      archive: "parts_lfw_funneled_gt_images.tgz",
      key: "",
      select: (n) => /^[^/]+\/[^/]+\.ppm$/.test(n),
    },
  ];
  for (
    const [archive, top] of [
      ["parts_lfw_funneled_superpixels_mat.tgz", SUPERPIXELS],
      ["parts_lfw_funneled_gt.tgz", SP_LABELS],
    ] as const
  ) {
    if (await exists(join(from, archive))) {
      plans.push({
        archive,
        key: "",
        select: (n) => n.startsWith(`${top}/`) && n.endsWith(".dat"),
      });
    }
  }
  const result: PrepareLfwPartsResult = { root, extracted: {}, unchanged: [] };
  for (const { archive, key, select } of plans) {
    const path = join(from, archive);
    const st = await Deno.stat(path);
    const mtime = st.mtime?.getTime() ?? 0;
    const prev = marker.archives[archive];
    if (prev && prev.size === st.size && prev.mtime === mtime && prev.key === key) {
      const present = await mapPool(prev.files, 32, (f) => exists(join(root, f)));
      if (present.every(Boolean)) {
        result.unchanged.push(archive);
        result.extracted[archive] = 0;
        continue;
      }
    }
    let files = 0;
    let read = 0;
    let total = st.size;
    options.onProgress?.({ archive, bytesRead: 0, bytesTotal: total, files, done: false });
    const written = await extractTar(path, root, {
      select: (e) => select(e.name),
      onBytes: (r, t) => {
        read = r;
        total = t;
        options.onProgress?.({ archive, bytesRead: r, bytesTotal: t, files, done: false });
      },
      onFile: () => files++,
    });
    options.onProgress?.({ archive, bytesRead: read, bytesTotal: total, files, done: true });
    result.extracted[archive] = written.length;
    marker.archives[archive] = { size: st.size, mtime, key, files: written };
    await Deno.writeTextFile(markerPath, JSON.stringify(marker));
  }
  return result;
}
