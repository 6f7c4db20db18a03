/**
 * `openDataset(name, { root, split })` (DESIGN §6): one entry point for the real datasets
 * and their synthetic stand-ins. A synthetic dataset is generated on demand from its seed
 * into a cache folder, in the real on-disk format, and opened with the real loader.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { AFLW_STANDIN, writeSyntheticAflw } from "../../fixtures/aflw.ts";
import { writeSyntheticLfwParts } from "../../fixtures/lfw_parts.ts";
import { PASCAL_PERSON_STANDIN, writeSyntheticPascalPerson } from "../../fixtures/pascal_person.ts";
import { checkAflw, openAflw } from "./aflw.ts";
import { checkLfwParts, openLfwParts } from "./lfw_parts.ts";
import { checkPascalPerson, openPascalPerson } from "./pascal_person.ts";
import type { CheckReport, Dataset, Split } from "./types.ts";

/** The real datasets (they need a `root`). */
export const REAL_DATASET_NAMES: readonly string[] = ["aflw", "lfw-parts", "pascal-person"];

/** The synthetic stand-ins (generated on demand). */
export const SYNTHETIC_DATASET_NAMES: readonly string[] = [
  "synthetic-aflw",
  "synthetic-lfw-parts",
  "synthetic-pascal-person",
];

/** Every name {@link openDataset} accepts. */
export const DATASET_NAMES: readonly string[] = [...REAL_DATASET_NAMES, ...SYNTHETIC_DATASET_NAMES];

/** The seed synthetic datasets use when none is given. */
export const DEFAULT_SYNTHETIC_SEED = 1;

/** Options for {@link openDataset}. */
export interface OpenDatasetOptions {
  /**
   * The dataset folder. Required for real datasets; for synthetic ones, where to generate
   * (default `.cache/synthetic/<name>-seed<N>` under the current directory).
   */
  root?: string;
  /** Which split to open. */
  split: Split;
  /** Synthetic: generation seed (default 1). AFLW and Pascal Person: split seed. */
  seed?: number;
}

interface Entry {
  open(root: string, split: Split, seed: number | undefined, name: string): Promise<Dataset>;
  check(
    root: string,
    seed: number | undefined,
    name: string,
    decode?: boolean,
  ): Promise<CheckReport>;
  /** Writes the synthetic stand-in (synthetic names only). */
  write?: (dir: string, seed: number) => Promise<unknown>;
}

function renamed(ds: Dataset, name: string): Dataset {
  if (ds.name === name) return ds;
  const out: Dataset = {
    name,
    split: ds.split,
    ids: ds.ids,
    get: (i) => ds.get(i),
    [Symbol.asyncIterator]: () => ds[Symbol.asyncIterator](),
  };
  if (ds.classes) out.classes = ds.classes;
  if (ds.keypointNames) out.keypointNames = ds.keypointNames;
  return out;
}

const withSeed = <T extends object>(o: T, seed: number | undefined): T & { seed?: number } =>
  seed === undefined ? o : { ...o, seed };

const lfw: Entry = {
  open: (root, split, _seed, name) => openLfwParts({ root, split, name }),
  check: (root, _seed, name, decode) => checkLfwParts(root, { name, decode: decode ?? false }),
};
const aflw: Entry = {
  open: async (root, split, seed, name) =>
    renamed(await openAflw(withSeed({ root, split }, seed)), name),
  check: async (root, seed, name, decode) => ({
    ...(await checkAflw(root, withSeed(decode === undefined ? {} : { decode }, seed))),
    dataset: name,
  }),
};

const pascal: Entry = {
  open: async (root, split, seed, name) =>
    renamed(await openPascalPerson(withSeed({ root, split }, seed)), name),
  check: async (root, seed, name) => ({
    ...(await checkPascalPerson(root, withSeed({}, seed))),
    dataset: name,
  }),
};

const REGISTRY: Record<string, Entry> = {
  "lfw-parts": lfw,
  "aflw": aflw,
  "pascal-person": pascal,
  "synthetic-lfw-parts": {
    ...lfw,
    write: (dir, seed) => writeSyntheticLfwParts(dir, { seed }),
  },
  "synthetic-aflw": {
    ...aflw,
    write: (dir, seed) => writeSyntheticAflw(dir, { ...AFLW_STANDIN, seed }),
  },
  "synthetic-pascal-person": {
    ...pascal,
    write: (dir, seed) => writeSyntheticPascalPerson(dir, { ...PASCAL_PERSON_STANDIN, seed }),
  },
};

function entryOf(name: string): Entry {
  const entry = REGISTRY[name];
  if (!entry) {
    throw new Error(`Unknown dataset "${name}": expected one of ${DATASET_NAMES.join(", ")}`);
  }
  return entry;
}

const MARKER = ".synthetic.json";

async function readMarker(dir: string): Promise<{ name: string; seed: number } | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, MARKER)));
  } catch {
    return null;
  }
}

/**
 * Makes sure the synthetic dataset `name` with `seed` exists and returns its folder:
 * `root` when given, else `.cache/synthetic/<name>-seed<seed>` under the current
 * directory. It is written into a temporary sibling folder and renamed into place when
 * complete, so a half-written dataset is never read (also when two processes race).
 *
 * @example
 * ```ts ignore
 * import { syntheticRoot } from "./open_dataset.ts";
 * const dir = await syntheticRoot("synthetic-lfw-parts", { seed: 1 }); // .cache/synthetic/synthetic-lfw-parts-seed1
 * ```
 */
export async function syntheticRoot(
  name: string,
  options: { root?: string; seed?: number } = {},
): Promise<string> {
  const entry = entryOf(name);
  if (!entry.write) throw new Error(`Cannot generate dataset "${name}": it is not a synthetic one`);
  const seed = options.seed ?? DEFAULT_SYNTHETIC_SEED;
  if (!Number.isInteger(seed)) {
    throw new Error(`Cannot generate dataset "${name}": expected an integer seed, found ${seed}`);
  }
  const dir = options.root ?? join(Deno.cwd(), ".cache", "synthetic", `${name}-seed${seed}`);
  const check = (m: { name: string; seed: number }): string => {
    if (m.name !== name || m.seed !== seed) {
      throw new Error(
        `Cannot use "${dir}" for ${name} with seed ${seed}: it holds ${m.name} with seed ${m.seed}`,
      );
    }
    return dir;
  };
  const existing = await readMarker(dir);
  if (existing) return check(existing);
  await Deno.mkdir(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.mkdir(tmp);
    await entry.write(tmp, seed);
    await Deno.writeTextFile(join(tmp, MARKER), JSON.stringify({ name, seed }));
    try {
      await Deno.rename(tmp, dir); // replaces `dir` only when it is absent or empty
    } catch {
      const raced = await readMarker(dir);
      if (raced) return check(raced);
      throw new Error(
        `Cannot generate ${name} into "${dir}": the folder exists and is not a synthetic ` +
          `dataset (no ${MARKER}); remove it or choose another root`,
      );
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  return dir;
}

/**
 * Opens a split of a dataset by name. Real datasets (`"aflw"`, `"lfw-parts"`,
 * `"pascal-person"`) need `root`; synthetic ones (`"synthetic-…"`) are generated first
 * when needed (see {@link syntheticRoot}) and read by the real loader. Samples are in the
 * dataset's own pixel frame; preprocessing for the network is a separate step.
 *
 * @example
 * ```ts ignore
 * import { openDataset } from "./open_dataset.ts";
 * const train = await openDataset("synthetic-lfw-parts", { split: "train" });
 * const sample = await train.get(0);
 * console.log(train.name, train.ids.length, sample.image.width); // synthetic-lfw-parts 40 250
 * ```
 */
export async function openDataset(name: string, options: OpenDatasetOptions): Promise<Dataset> {
  const entry = entryOf(name);
  if (entry.write) {
    const seed = options.seed ?? DEFAULT_SYNTHETIC_SEED;
    const root = await syntheticRoot(
      name,
      withSeed(options.root ? { root: options.root } : {}, seed),
    );
    return await entry.open(root, options.split, seed, name);
  }
  if (!options.root) {
    throw new Error(
      `Cannot open dataset "${name}": expected a root folder (the extracted download)`,
    );
  }
  return await entry.open(options.root, options.split, options.seed, name);
}

/**
 * Validates a dataset by name (what `deno task data check` prints); synthetic ones are
 * generated first when needed. `decode` asks for every image to be decoded (each
 * dataset's default otherwise).
 *
 * @example
 * ```ts ignore
 * import { checkDataset } from "./open_dataset.ts";
 * const report = await checkDataset("lfw-parts", { root: "/tmp/lfw" });
 * console.log(report.problems.length); // 0
 * ```
 */
export async function checkDataset(
  name: string,
  options: { root?: string; seed?: number; decode?: boolean } = {},
): Promise<CheckReport> {
  const entry = entryOf(name);
  let root = options.root;
  let seed = options.seed;
  if (entry.write) {
    seed ??= DEFAULT_SYNTHETIC_SEED;
    root = await syntheticRoot(name, withSeed(root ? { root } : {}, seed));
  }
  if (!root) {
    throw new Error(
      `Cannot check dataset "${name}": expected a root folder (the extracted download)`,
    );
  }
  return await entry.check(root, seed, name, options.decode);
}
