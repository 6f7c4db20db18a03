/**
 * Getting the real datasets: the official archives of each dataset (address, size and
 * SHA-256 where known), resumable downloads into `.part` files, and the step that makes a
 * downloaded dataset ready (`prepareLfwParts`, or extraction of the Pascal archives) before
 * it is checked. See docs/DATASETS.md for the formats and protocols.
 *
 * Checksums: the SHA-256 values below are those of the files as distributed, computed from
 * copies of the official downloads. Where no copy was available to compute one (the large
 * archives), only the size known from the distributor is shown and the download is checked
 * against the server's `Content-Length`; the table says so per archive (`sha256: null`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { createProgress } from "../util/progress.ts";
import { prepareLfwParts, progressBars } from "./lfw_parts/mod.ts";
import { checkDataset } from "./open_dataset.ts";
import { extractTar } from "../formats/tar.ts";
import type { CheckReport } from "./types.ts";

/** One archive or file of a dataset. */
export interface Archive {
  /** File name, as distributed (also its name under a `--mirror`). */
  name: string;
  /** Official address. */
  url: string;
  /** Exact size in bytes, when known. */
  bytes: number | null;
  /** Approximate size for people (`233 MB`), when the exact one is not known. */
  approx?: string;
  /** SHA-256 (hex) of the file as distributed, or null where it could not be verified. */
  sha256: string | null;
}

/** A downloadable dataset. */
export interface DatasetDownload {
  /** Its folder under the data root. */
  folder: string;
  /** What to fetch (empty: registration only). */
  archives: readonly Archive[];
  /** Licence or terms, in a line. */
  terms: string;
  /** What to cite. */
  cite: string;
  /** For a registration-only dataset: what to request and where to put it. */
  registration?: string;
}

const LFW = "http://vis-www.cs.umass.edu/lfw";

/** The datasets `deno task data download` knows, by `openDataset` name. */
export const DOWNLOADS = {
  "lfw-parts": {
    folder: "lfw-parts",
    archives: [
      {
        name: "lfw-funneled.tgz",
        url: `${LFW}/lfw-funneled.tgz`,
        bytes: null,
        approx: "233 MB",
        sha256: null,
      },
      {
        name: "parts_lfw_funneled_gt_images.tgz",
        url: `${LFW}/part_labels/parts_lfw_funneled_gt_images.tgz`,
        bytes: 5_468_450,
        sha256: "da3d5f5dc4a4ed88ff9563693d164007f639c861ced4e368128da198a290596e",
      },
      {
        name: "parts_train.txt",
        url: `${LFW}/part_labels/parts_train.txt`,
        bytes: 27_829,
        sha256: "14152e60ce630dec504b82327b56736e30127b63dc46c27875cf71710ac6b9c6",
      },
      {
        name: "parts_validation.txt",
        url: `${LFW}/part_labels/parts_validation.txt`,
        bytes: 9_270,
        sha256: "37eb8f19471d0de1639a385264959ee23db46db9c690e4e8908c24b2e489a3d7",
      },
      {
        name: "parts_test.txt",
        url: `${LFW}/part_labels/parts_test.txt`,
        bytes: 17_082,
        sha256: "a57cd98de91b0a2e6116df647bed40090f7f5804b3d63e90b8e89fb3a6439a06",
      },
    ],
    terms: "research use; LFW and LFW Part Labels are distributed by UMass Amherst",
    cite:
      "Huang et al., Labeled Faces in the Wild, UMass TR 07-49, 2007; Kae et al., Augmenting CRFs with Boltzmann Machine Shape Priors for Image Labeling, CVPR 2013",
  },
  "pascal-person": {
    folder: "pascal-person",
    archives: [
      {
        name: "VOCtrainval_25-May-2011.tar",
        url: "http://host.robots.ox.ac.uk/pascal/VOC/voc2011/VOCtrainval_25-May-2011.tar",
        bytes: null,
        approx: "1.7 GB",
        sha256: null,
      },
      {
        name: "benchmark.tgz",
        url:
          "http://www.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/semantic_contours/benchmark.tgz",
        bytes: null,
        approx: "1.4 GB",
        sha256: null,
      },
      {
        name: "voc2011_keypoints_Feb2012.tgz",
        url:
          "http://www.eecs.berkeley.edu/Research/Projects/CS/vision/shape/poselets/voc2011_keypoints_Feb2012.tgz",
        bytes: null,
        approx: "a few MB",
        sha256: null,
      },
    ],
    terms:
      "VOC images: Flickr terms of use, research use; SBD and the poselet keypoints: research use",
    cite:
      "Everingham et al., The PASCAL VOC Challenge, IJCV 2010; Hariharan et al., Semantic Contours from Inverse Detectors, ICCV 2011; Bourdev & Malik, Poselets, ICCV 2009",
  },
  "aflw": {
    folder: "aflw",
    archives: [],
    terms: "registration only, research use (Graz University of Technology)",
    cite: "Koestinger et al., Annotated Facial Landmarks in the Wild, ICCV Workshops (BeFIT) 2011",
    registration: `AFLW is distributed on request only. Register at
  https://www.tugraz.at/institute/icg/research/team-bischof/lrs/downloads/aflw/
and ask for the database (aflw.sqlite) and the image archives (aflw-images-{0,2,3}.tar.gz).
Put them so that these exist:
  DIR/aflw/data/aflw.sqlite
  DIR/aflw/data/flickr/0/…  DIR/aflw/data/flickr/2/…  DIR/aflw/data/flickr/3/…
then run: deno task data check aflw --root DIR/aflw`,
  },
} as const satisfies Record<string, DatasetDownload>;

/** A dataset name `deno task data download` accepts. */
export type DownloadName = keyof typeof DOWNLOADS;

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  /** Exact size expected, when known. */
  bytes?: number | null;
  /** SHA-256 expected, when known. */
  sha256?: string | null;
  /** Draw a progress bar on stderr (default true). */
  progress?: boolean;
}

/** What {@link downloadFile} did. */
export interface DownloadFileResult {
  path: string;
  bytes: number;
  sha256: string;
  /** `fetched`; `resumed` (continued a `.part` file); `present` (already there and sound). */
  how: "fetched" | "resumed" | "present";
}

async function fileSize(path: string): Promise<number | null> {
  try {
    const st = await Deno.stat(path);
    return st.isFile ? st.size : null;
  } catch {
    return null;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Downloads `url` to `path` through `path.part`: an existing `.part` is continued with an
 * HTTP Range request (a server that ignores it sends the whole file, which replaces the
 * part); an interrupted transfer keeps the `.part` and throws, so that running again
 * resumes. The finished file is checked against `bytes` and `sha256` when given: a
 * mismatch removes the download and throws. Only a sound file is renamed to `path`.
 *
 * @example
 * ```ts ignore
 * import { downloadFile } from "./download.ts";
 * await downloadFile("http://127.0.0.1:8000/a.tgz", "/tmp/a.tgz", { sha256: null });
 * ```
 */
export async function downloadFile(
  url: string,
  path: string,
  options: DownloadFileOptions = {},
): Promise<DownloadFileResult> {
  const name = basename(path);
  const expected = options.bytes ?? null;
  const verify = async (file: string, removeOnFailure: boolean) => {
    const size = (await fileSize(file))!;
    if (expected !== null && size !== expected) {
      if (removeOnFailure) await Deno.remove(file);
      throw new Error(
        `${name} from ${url} has ${size} bytes, expected ${expected}` +
          (removeOnFailure ? "; removed it" : `; delete ${file} to download it again`),
      );
    }
    const sha = await sha256Of(file);
    if (options.sha256 && sha !== options.sha256) {
      if (removeOnFailure) await Deno.remove(file);
      throw new Error(
        `SHA-256 of ${name} from ${url} is ${sha}, expected ${options.sha256} ` +
          "(src/data/download.ts)" +
          (removeOnFailure ? "; removed the download" : `; delete ${file} to download it again`),
      );
    }
    return { size, sha };
  };
  if ((await fileSize(path)) !== null) {
    const { size, sha } = await verify(path, false);
    return { path, bytes: size, sha256: sha, how: "present" };
  }
  const part = `${path}.part`;
  let offset = (await fileSize(part)) ?? 0;
  if (expected !== null && offset > expected) {
    await Deno.remove(part);
    offset = 0;
  }
  let response: Response;
  try {
    response = await fetch(url, offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {});
  } catch (error) {
    throw new Error(`Cannot download ${url}: ${(error as Error).message}`);
  }
  if (response.status === 416 && offset > 0) {
    // The part already holds the whole file (or more than the server has): check it.
    await response.body?.cancel();
    await verify(part, true);
  } else {
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new Error(
        `Cannot download ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd(),
      );
    }
    let start = 0;
    if (response.status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
      if (!range || Number(range[1]) !== offset) {
        await response.body?.cancel();
        throw new Error(
          `Cannot resume ${url}: asked for bytes from ${offset}, the server sent ` +
            `"${response.headers.get("content-range") ?? "no Content-Range"}"`,
        );
      }
      start = offset;
    }
    const length = response.headers.get("content-length");
    const total = length === null ? expected : start + Number(length);
    const bar = options.progress === false
      ? null
      : createProgress(name, total ?? 0, { unit: "bytes" });
    let received = start;
    bar?.update(received);
    {
      using file = await Deno.open(part, {
        write: true,
        create: true,
        truncate: start === 0,
        append: start > 0,
      });
      try {
        for await (const chunk of response.body!) {
          let written = 0;
          while (written < chunk.length) written += await file.write(chunk.subarray(written));
          received += chunk.length;
          bar?.update(received);
        }
      } catch (error) {
        bar?.done();
        throw new Error(
          `Download of ${name} from ${url} stopped at ${received} of ${total ?? "?"} bytes ` +
            `(${(error as Error).message}); run the command again to resume from ${part}`,
        );
      }
    }
    bar?.done();
    if (total !== null && received < total) {
      throw new Error(
        `Download of ${name} from ${url} stopped at ${received} of ${total} bytes; ` +
          `run the command again to resume from ${part}`,
      );
    }
    await verify(part, true);
    offset = start;
  }
  const { size, sha } = { size: (await fileSize(part))!, sha: await sha256Of(part) };
  await Deno.rename(part, path);
  return { path, bytes: size, sha256: sha, how: offset > 0 ? "resumed" : "fetched" };
}

/** Options of {@link downloadDataset}. */
export interface DownloadDatasetOptions {
  /** The data root: the dataset goes to `to/<folder>`. */
  to: string;
  /** Fetch every archive from `mirror/<name>` instead of its official address. */
  mirror?: string;
  /**
   * SHA-256 per file name that replaces the repository's (sizes are then not checked):
   * for a mirror that holds other copies (a subset, a synthetic set). Every archive must
   * have one.
   */
  checksums?: Readonly<Record<string, string>>;
  /** Progress bars on stderr (default true). */
  progress?: boolean;
  /** Messages (default: stderr). */
  log?: (message: string) => void;
}

/** What {@link downloadDataset} did. */
export interface DownloadDatasetResult {
  /** The dataset's folder. */
  root: string;
  /** Whether the dataset is ready (false: registration-only and not present). */
  ok: boolean;
  /** The check of the prepared dataset (null when there was nothing to check). */
  report: CheckReport | null;
  /** The files fetched or found. */
  files: DownloadFileResult[];
}

const PASCAL_MARKER = ".clvm-extracted.json";

/**
 * Extracts a Pascal archive into `root` through a scratch folder, so that an interrupted
 * extraction never leaves a half-filled `VOCdevkit/` (or `benchmark_RELEASE/`,
 * `annotations/`): the top folders are moved into place only when the archive is read to
 * its end, and the archive is recorded in `root/.clvm-extracted.json`.
 */
async function extractPascal(archive: string, root: string, log: (m: string) => void) {
  const markerPath = join(root, PASCAL_MARKER);
  const marker: Record<string, number> = JSON.parse(
    await Deno.readTextFile(markerPath).catch(() => "{}"),
  );
  const name = basename(archive);
  const size = (await fileSize(archive))!;
  if (marker[name] === size) return;
  const scratch = join(root, `.extracting-${name}`);
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
  log(`Extracting ${name}…`);
  // VOC 2011's archive holds TrainVal/VOCdevkit/…; the layout wants VOCdevkit/… at the root.
  await extractTar(archive, scratch, {
    rename: (e) => e.name.replace(/^TrainVal\//, ""),
  });
  for await (const entry of Deno.readDir(scratch)) {
    const dest = join(root, entry.name);
    await Deno.remove(dest, { recursive: true }).catch(() => {});
    await Deno.rename(join(scratch, entry.name), dest);
  }
  await Deno.remove(scratch, { recursive: true });
  marker[name] = size;
  await Deno.writeTextFile(markerPath, JSON.stringify(marker, null, 2));
}

/**
 * Parses a checksum file in `sha256sum` format (`<hex>  <name>` per line; `#` comments).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChecksums } from "./download.ts";
 * assert.deepEqual(parseChecksums(`${"a".repeat(64)}  x.tgz\n`, "SUMS")["x.tgz"]?.length, 64);
 * ```
 */
export function parseChecksums(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split("\n").forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith("#")) return;
    const m = /^([0-9a-fA-F]{64})\s+\*?(?:\.\/)?(.+)$/.exec(t);
    if (!m) throw new Error(`${file}:${i + 1}: expected "<sha256>  <name>", found "${t}"`);
    out[basename(m[2]!)] = m[1]!.toLowerCase();
  });
  return out;
}

/**
 * Downloads a dataset's archives into `to/<folder>`, makes it ready (LFW-Parts: the
 * layout `openLfwParts` reads, extracted in place; Pascal Person: the three archives
 * extracted) and checks it. For AFLW it prints what to request and where to put it, and
 * checks it when it is already there.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { downloadDataset } from "./download.ts";
 * const { report } = await downloadDataset("lfw-parts", { to: "data" });
 * assert.deepEqual(report?.splits, { train: 1500, val: 500, test: 927 });
 * ```
 */
export async function downloadDataset(
  dataset: DownloadName,
  options: DownloadDatasetOptions,
): Promise<DownloadDatasetResult> {
  const spec: DatasetDownload = DOWNLOADS[dataset];
  const log = options.log ?? ((m: string) => console.error(m));
  const root = join(options.to, spec.folder);
  if (spec.registration) {
    if ((await fileSize(join(root, "data", "aflw.sqlite"))) !== null) {
      return { root, ok: true, report: await checkDataset(dataset, { root }), files: [] };
    }
    log(spec.registration.replaceAll("DIR", options.to));
    return { root, ok: false, report: null, files: [] };
  }
  await Deno.mkdir(root, { recursive: true });
  const files: DownloadFileResult[] = [];
  for (const archive of spec.archives) {
    const url = options.mirror
      ? `${options.mirror.replace(/\/+$/, "")}/${archive.name}`
      : archive.url;
    let { bytes, sha256 } = archive;
    if (options.checksums) {
      sha256 = options.checksums[archive.name] ?? null;
      bytes = null;
      if (!sha256) throw new Error(`The checksums given have no SHA-256 for ${archive.name}`);
    }
    const size = bytes === null
      ? `about ${archive.approx ?? "?"}`
      : bytes >= 1e6
      ? `${(bytes / 1e6).toFixed(1)} MB`
      : `${(bytes / 1e3).toFixed(1)} kB`;
    const check = sha256
      ? `SHA-256 checked${options.checksums ? " against the checksums given" : ""}`
      : "no SHA-256 on record: checked against the server's length only";
    log(`${archive.name} (${options.checksums ? "" : `${size}, `}${check}) from ${url}`);
    const result = await downloadFile(url, join(root, archive.name), {
      bytes,
      sha256,
      progress: options.progress ?? true,
    });
    if (result.how === "present") {
      log(`  already here${sha256 ? " (SHA-256 matches)" : ""}`);
    }
    files.push(result);
  }
  if (dataset === "lfw-parts") {
    await prepareLfwParts({
      from: root,
      root,
      ...(options.progress === false ? {} : { onProgress: progressBars() }),
    });
  } else {
    for (const f of files) await extractPascal(f.path, root, log);
  }
  return { root, ok: true, report: await checkDataset(dataset, { root }), files };
}
