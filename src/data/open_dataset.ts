/**
 * `openDataset(name, { root, split })` (docs/MODEL.md §6): one entry point for the real datasets
 * and their synthetic stand-ins. A synthetic dataset is generated on demand from its seed
 * into a cache folder, in the real on-disk format, and opened with the real loader.
 *
 * The library holds no generator itself: `fixtures/mod.ts` registers the stand-ins
 * (`synthetic-lfw-parts`, `synthetic-aflw`, `synthetic-pascal-person`) through
 * {@link registerSyntheticDataset} when imported, so the generators never reach a user of
 * `mod.ts` who does not ask for them.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { checkAflw, openAflw } from "./aflw/mod.ts";
import { checkLfwParts, openLfwParts } from "./lfw_parts/mod.ts";
import { checkPascalPerson, openPascalPerson } from "./pascal_person/mod.ts";
import type { CheckReport, Dataset, Split } from "./types.ts";
import { rename } from "./views.ts";

/** The real datasets (they need a `root`). */
export const REAL_DATASET_NAMES: readonly string[] = ["aflw", "lfw-parts", "pascal-person"];

const syntheticNames: string[] = [];
const allNames: string[] = [...REAL_DATASET_NAMES];

/**
 * The synthetic stand-ins registered so far (generated on demand); importing
 * `fixtures/mod.ts` registers `synthetic-aflw`, `synthetic-lfw-parts` and
 * `synthetic-pascal-person`. The array grows with each {@link registerSyntheticDataset}.
 */
export const SYNTHETIC_DATASET_NAMES: readonly string[] = syntheticNames;

/** Every name {@link openDataset} accepts now: the real ones and the registered stand-ins. */
export const DATASET_NAMES: readonly string[] = allNames;

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
  /**
   * AFLW and Pascal Person: the split file to read, or to write when absent (default:
   * in the dataset root, or in the split cache when the root is read-only).
   */
  splitFile?: string;
  /**
   * AFLW and Pascal Person: the largest fraction of a split that may be skipped as
   * unusable (default 0.01); more is an error.
   */
  maxSkipFraction?: number;
}

/** What an entry passes on to a loader beside root and split. */
interface Extra {
  splitFile?: string;
  maxSkipFraction?: number;
}

interface Entry {
  open(
    root: string,
    split: Split,
    seed: number | undefined,
    name: string,
    extra: Extra,
  ): Promise<Dataset>;
  check(
    root: string,
    seed: number | undefined,
    name: string,
    decode?: boolean,
    splitFile?: string,
  ): Promise<CheckReport>;
  /** Writes the synthetic stand-in (synthetic names only). */
  write?: SyntheticGenerator;
  /** The generator's version: a new one is written to a new cache folder. */
  version?: number;
}

/**
 * Writes a synthetic stand-in of a dataset into the empty folder `dir`, in the real
 * dataset's on-disk format, as a function of `seed` alone.
 */
export type SyntheticGenerator = (dir: string, seed: number) => Promise<unknown>;

const withSeed = <T extends object>(o: T, seed: number | undefined): T & { seed?: number } =>
  seed === undefined ? o : { ...o, seed };

const lfw: Entry = {
  open: (root, split, _seed, name) => openLfwParts({ root, split, name }),
  check: (root, _seed, name, decode) => checkLfwParts(root, { name, decode: decode ?? false }),
};
const aflw: Entry = {
  open: async (root, split, seed, name, extra) =>
    rename(await openAflw(withSeed({ root, split, ...extra }, seed)), name),
  check: async (root, seed, name, decode, splitFile) => ({
    ...(await checkAflw(
      root,
      withSeed(
        { ...(decode === undefined ? {} : { decode }), ...(splitFile ? { splitFile } : {}) },
        seed,
      ),
    )),
    dataset: name,
  }),
};

const pascal: Entry = {
  open: async (root, split, seed, name, extra) =>
    rename(await openPascalPerson(withSeed({ root, split, ...extra }, seed)), name),
  check: async (root, seed, name, _decode, splitFile) => ({
    ...(await checkPascalPerson(root, withSeed(splitFile ? { splitFile } : {}, seed))),
    dataset: name,
  }),
};

function extraOf(options: OpenDatasetOptions): Extra {
  const extra: Extra = {};
  if (options.splitFile !== undefined) extra.splitFile = options.splitFile;
  if (options.maxSkipFraction !== undefined) extra.maxSkipFraction = options.maxSkipFraction;
  return extra;
}

const REAL: Record<string, Entry> = {
  "lfw-parts": lfw,
  "aflw": aflw,
  "pascal-person": pascal,
};

const REGISTRY = new Map<string, Entry>(Object.entries(REAL));

/**
 * Registers the synthetic dataset `name`: `generate` writes it in the on-disk format of the
 * real dataset `format` (default: `name` without its `synthetic-` prefix; `version` names
 * the generator's version, so a changed generator never reads an old cache), whose loader
 * and checker then read it. From then on {@link openDataset} and {@link checkDataset}
 * accept `name`, generating it once per seed (see {@link syntheticRoot}). Registering the
 * same name again replaces its generator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DATASET_NAMES, registerSyntheticDataset } from "./open_dataset.ts";
 * registerSyntheticDataset("synthetic-lfw-parts-doc", async (dir, seed) => {
 *   await Deno.writeTextFile(`${dir}/seed.txt`, String(seed)); // a real generator writes LFW-Parts
 * }, { format: "lfw-parts" });
 * assert.ok(DATASET_NAMES.includes("synthetic-lfw-parts-doc"));
 * ```
 */
export function registerSyntheticDataset(
  name: string,
  generate: SyntheticGenerator,
  options: { format?: string; version?: number } = {},
): void {
  const format = options.format ?? name.replace(/^synthetic-/, "");
  const real = REAL[format];
  if (!real) {
    throw new Error(
      `Cannot register synthetic dataset "${name}": its format "${format}" is not a real ` +
        `dataset (expected one of ${REAL_DATASET_NAMES.join(", ")})`,
    );
  }
  if (REAL[name]) {
    throw new Error(`Cannot register synthetic dataset "${name}": a real dataset has that name`);
  }
  if (!REGISTRY.has(name)) {
    syntheticNames.push(name);
    allNames.push(name);
  }
  REGISTRY.set(name, {
    ...real,
    write: generate,
    ...(options.version === undefined ? {} : { version: options.version }),
  });
}

function entryOf(name: string): Entry {
  const entry = REGISTRY.get(name);
  if (!entry) {
    const hint = name.startsWith("synthetic-")
      ? ` (synthetic stand-ins are registered by importing fixtures/mod.ts)`
      : "";
    throw new Error(
      `Unknown dataset "${name}": expected one of ${DATASET_NAMES.join(", ")}${hint}`,
    );
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
  // A generator's new version (other data) gets its own folder, never the old cache.
  const version = entry.version === undefined ? "" : `-v${entry.version}`;
  const dir = options.root ??
    join(Deno.cwd(), ".cache", "synthetic", `${name}${version}-seed${seed}`);
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
 * import assert from "node:assert/strict";
 * import { openDataset } from "./open_dataset.ts";
 * const train = await openDataset("synthetic-lfw-parts", { split: "train" });
 * const sample = await train.get(0);
 * assert.equal(train.name, "synthetic-lfw-parts");
 * assert.equal(train.ids.length, 40);
 * assert.equal(sample.image.width, 250);
 * ```
 */
export async function openDataset(name: string, options: OpenDatasetOptions): Promise<Dataset> {
  const entry = entryOf(name);
  if (options.splitFile !== undefined && entry.open === lfw.open) {
    throw new Error(
      `Cannot use a split file for ${name}: its splits are the official lists in the dataset`,
    );
  }
  if (entry.write) {
    const seed = options.seed ?? DEFAULT_SYNTHETIC_SEED;
    const root = await syntheticRoot(
      name,
      withSeed(options.root ? { root: options.root } : {}, seed),
    );
    return await entry.open(root, options.split, seed, name, extraOf(options));
  }
  if (!options.root) {
    throw new Error(
      `Cannot open dataset "${name}": expected a root folder (the extracted download)`,
    );
  }
  return await entry.open(options.root, options.split, options.seed, name, extraOf(options));
}

/**
 * Validates a dataset by name (what `deno task data check` prints); synthetic ones are
 * generated first when needed. `decode` asks for every image to be decoded (each
 * dataset's default otherwise).
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { checkDataset } from "./open_dataset.ts";
 * const report = await checkDataset("lfw-parts", { root: "/tmp/lfw" });
 * assert.equal(report.problems.length, 0);
 * ```
 */
export async function checkDataset(
  name: string,
  options: { root?: string; seed?: number; decode?: boolean; splitFile?: string } = {},
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
  return await entry.check(root, seed, name, options.decode, options.splitFile);
}
