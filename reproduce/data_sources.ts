/**
 * Which data each protocol uses: the real dataset when its descriptor (`protocols/`)
 * finds it in its folder of the data root (see `data_root.ts`), else its synthetic
 * stand-in. How each real dataset is found — LFW-Parts' archives extracted once into a
 * cache and its detector keypoints made there, AFLW's SQLite file, Pascal's folders — is
 * the descriptor's `findData`.
 *
 * @module
 */
import { join } from "node:path";
import { type DataSource, type ProtocolName, protocolOf } from "./protocols/mod.ts";

export type { DataSource };

/**
 * Resolves a protocol's data. `dataRoot` holds one folder per protocol (`lfw-parts/`:
 * extracted layout or the official tarballs; `aflw/`: `data/aflw.sqlite` + `data/flickr/`;
 * `pascal-person/`: `VOCdevkit/`, `benchmark_RELEASE/`, `annotations/`).
 * `options.keypoints: false` skips making the LFW-Parts keypoints (tests).
 */
export async function resolveData(
  protocol: ProtocolName,
  dataRoot: string | null,
  cacheDir: string,
  log: (s: string) => void,
  options: { keypoints?: boolean } = {},
): Promise<DataSource> {
  const p = protocolOf(protocol);
  const synthetic = (why: string): DataSource => ({
    protocol,
    dataset: p.synthetic,
    // The registry's own cache (.cache/synthetic/<name>-v<version>-seed<N>): a changed
    // generator gets a new folder, so an old stand-in is never read as the new one.
    root: null,
    kind: "synthetic",
    description: `synthetic stand-in written in the real ${protocol} format (${why})`,
  });
  if (!dataRoot) return synthetic("no data root");
  const found = await p.findData(join(dataRoot, p.folder), {
    cache: join(cacheDir, p.folder),
    log,
    ...(options.keypoints === undefined ? {} : { keypoints: options.keypoints }),
  });
  return typeof found === "string" ? synthetic(found) : found;
}

/** Where `openDataset` finds a source's data: its root and split file, when it has them. */
export function datasetPlace(source: DataSource): { root?: string; splitFile?: string } {
  return {
    ...(source.root ? { root: source.root } : {}),
    ...(source.splitFile ? { splitFile: source.splitFile } : {}),
  };
}
