/**
 * `deno task data`: get, prepare, validate and time the datasets.
 *
 *     deno task data download <dataset> --to DIR [--mirror URL]
 *     deno task data prepare lfw-parts --from DIR --root DIR [--no-keypoints]
 *     deno task data check <dataset> [--root DIR] [--seed N] [--decode] [--split-file FILE]
 *     deno task data time <dataset> [--root DIR] [--split S] [--limit N] [--seed N] [--split-file FILE]
 *     deno task data list
 *
 * `check` prints the {@link CheckReport} as JSON on stdout (problems grouped by kind,
 * the rarest kinds first: root causes before their follow-on lines) and a summary of
 * them on stderr, one line per kind and "… and N more like this"; it exits 1 when it
 * lists problems. Usage errors exit 2.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import {
  type CliIo,
  type CommandSpec,
  integerOption,
  parseCommand,
  PROCESS_IO,
  runCommand,
  splitSubcommand,
  UsageError,
} from "../util/cli.ts";
import { downloadDataset, type DownloadName, DOWNLOADS, parseChecksums } from "./download.ts";
import { prepareLfwKeypoints, prepareLfwParts, progressBars } from "./lfw_parts/mod.ts";
import { checkDataset, DATASET_NAMES, openDataset } from "./open_dataset.ts";
import type { CheckReport, DataProblem, Split } from "./types.ts";

export type { CliIo } from "../util/cli.ts";

const ROOT = { type: "string", arg: "DIR", help: "the dataset's folder" } as const;
const SEED = {
  type: "string",
  arg: "N",
  help: "seed of a synthetic dataset (default 1)",
} as const;

const COMMANDS = {
  download: {
    name: "deno task data download",
    usage: "<dataset>",
    positionals: true,
    description:
      `Fetch the official archives of a dataset into DIR/<dataset> (resumable: an interrupted
download continues from its .part file), check each against the size and SHA-256 kept in
src/data/download.ts, then prepare and check the dataset. AFLW is registration-only: the
command prints what to request and where to put it.
Datasets: ${Object.keys(DOWNLOADS).join(", ")}.`,
    options: {
      to: {
        type: "string",
        arg: "DIR",
        help:
          "the data root: the dataset goes to DIR/<dataset>\n(default: $CLVM_DATA, else ./data in the checkout, where reproduce looks)",
      },
      mirror: {
        type: "string",
        arg: "URL",
        help: "fetch every archive from URL/<archive name> instead of its official address",
      },
      checksums: {
        type: "string",
        arg: "FILE",
        help:
          "SHA-256 per file (sha256sum format) replacing the repository's,\nfor a mirror of other copies (a subset, a synthetic set)",
      },
      "no-progress": { type: "boolean", help: "no progress bars" },
    },
  },
  prepare: {
    name: "deno task data prepare",
    usage: "lfw-parts",
    positionals: true,
    description: `Extract the official LFW-Parts downloads in --from (lfw-funneled.tgz or
lfw-funneled-parts-subset.tgz, parts_lfw_funneled_gt_images.tgz, the optional superpixel
tarballs, parts_{train,validation,test}.txt) into --root, with a progress bar; then write
--root/keypoints.txt, 19 facial keypoints per image made by MediaPipe FaceMesh
(detector-made, not hand-corrected; tools/facemesh/, which downloads its own npm package
on first use) and keypoints_sanity.png. A second run with the same files does nothing.`,
    options: {
      from: { type: "string", arg: "DIR", help: "the folder with the downloads" },
      root: { type: "string", arg: "DIR", help: "where the extracted layout goes" },
      "no-keypoints": { type: "boolean", help: "extract only; no detector keypoints" },
    },
  },
  check: {
    name: "deno task data check",
    usage: "<dataset>",
    positionals: true,
    description: `Validate a dataset; print counts, class fractions and every problem as JSON.
Exits 1 when there are problems. Datasets: ${DATASET_NAMES.join(", ")}.`,
    options: {
      root: ROOT,
      seed: SEED,
      decode: { type: "boolean", help: "decode every image (slower)" },
      "split-file": {
        type: "string",
        arg: "FILE",
        help:
          "aflw, pascal-person: the split file to read or write (default: in the root,\nor in the split cache when the root is read-only)",
      },
    },
  },
  time: {
    name: "deno task data time",
    usage: "<dataset>",
    positionals: true,
    description: `Load --limit samples of a split, one after another, and print images per
second (wall clock and per CPU second) as JSON.`,
    options: {
      root: ROOT,
      split: {
        type: "string",
        choices: ["train", "val", "test"],
        help: "the split (default train)",
      },
      limit: { type: "string", arg: "N", help: "samples to load, ≥ 1 (default 500)" },
      seed: SEED,
      "split-file": {
        type: "string",
        arg: "FILE",
        help:
          "aflw, pascal-person: the split file to read or write (default: in the root,\nor in the split cache when the root is read-only)",
      },
    },
  },
  list: {
    name: "deno task data list",
    description: "Print the dataset names.",
    options: {},
  },
} as const satisfies Record<string, CommandSpec>;

const TOP: CommandSpec = {
  name: "deno task data",
  usage: "<command>",
  description: `Get, prepare, validate and time the datasets.

Commands (each has its own --help):
  download <dataset> [--to DIR] [--mirror URL]
  prepare lfw-parts --from DIR --root DIR [--no-keypoints]
  check <dataset> [--root DIR] [--seed N] [--decode] [--split-file FILE]
  time <dataset> [--root DIR] [--split S] [--limit N] [--seed N] [--split-file FILE]
  list

Datasets: ${DATASET_NAMES.join(", ")}
Real datasets need --root; synthetic ones are generated on demand (into --root, or
.cache/synthetic/<name>-seed<N>; --seed defaults to 1).`,
  options: {},
  epilog: "Exit status: 0 fine, 1 problems found or the command failed, 2 usage error.",
};

/** The top-level help text. */
export const HELP: string = (() => {
  const p = parseCommand(TOP, ["--help"]);
  return p.help ?? "";
})();

/**
 * Runs the `data` command line with `args`; returns the exit code (0 fine, 1 problems
 * found or the command failed, 2 usage error).
 *
 * @example
 * ```ts ignore
 * import { main } from "./cli.ts";
 * const code = await main(["check", "synthetic-lfw-parts"]);
 * ```
 */
export function main(args: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  return runCommand(args, (a) => run(a, io), io);
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { name: command, before, rest: after } = splitSubcommand(args);
  if (command === null) {
    const top = parseCommand(TOP, before);
    if (top.help !== null) {
      io.stdout(top.help);
      return 0;
    }
    throw new UsageError(
      `Expected a command: one of ${Object.keys(COMMANDS).join(", ")} (see deno task data --help)`,
    );
  }
  if (!(command in COMMANDS)) {
    throw new UsageError(
      `Unknown command "${command}": expected one of ${Object.keys(COMMANDS).join(", ")}`,
    );
  }
  const spec = COMMANDS[command as keyof typeof COMMANDS];
  const parsed = parseCommand(spec as CommandSpec, [...before, ...after]);
  if (parsed.help !== null) {
    io.stdout(parsed.help);
    return 0;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const str = (k: string) => values[k] as string | undefined;
  const [dataset, ...rest] = parsed.positionals;
  const root = str("root");
  {
    if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(" ")}`);
    const seed = str("seed") === undefined
      ? undefined
      : integerOption("seed", str("seed")!, -(2 ** 31));
    const needDataset = (): string => {
      if (!dataset) throw new UsageError(`Expected a dataset after "${command}"`);
      if (!DATASET_NAMES.includes(dataset)) {
        throw new UsageError(
          `Unknown dataset "${dataset}": expected one of ${DATASET_NAMES.join(", ")}`,
        );
      }
      return dataset;
    };
    switch (command) {
      case "list":
        io.stdout(`${DATASET_NAMES.join("\n")}\n`);
        return 0;
      case "prepare": {
        if (dataset !== "lfw-parts") {
          throw new UsageError(
            `Cannot prepare "${dataset ?? ""}": only lfw-parts has a prepare step (the others ` +
              "are read as extracted)",
          );
        }
        const from = str("from");
        if (!from || !root) throw new UsageError("prepare needs --from DIR and --root DIR");
        const result = await prepareLfwParts({
          from,
          root,
          onProgress: progressBars(),
        });
        const keypoints = values["no-keypoints"]
          ? null
          : await prepareLfwKeypoints(root, { quiet: true });
        io.stdout(`${JSON.stringify({ ...result, keypoints }, null, 2)}\n`);
        return 0;
      }
      case "check": {
        const name = needDataset();
        let report: CheckReport;
        try {
          const options: { root?: string; seed?: number; decode?: boolean; splitFile?: string } =
            {};
          if (root !== undefined) options.root = root;
          if (seed !== undefined) options.seed = seed;
          if (values.decode) options.decode = true;
          if (str("split-file")) options.splitFile = str("split-file")!;
          report = await checkDataset(name, options);
        } catch (e) {
          if (e instanceof Error && /expected a root folder/.test(e.message)) {
            throw new UsageError(`check ${name} needs --root DIR`);
          }
          // A dataset that cannot be read at all is one big problem, still reported as JSON.
          report = {
            dataset: name,
            root: str("root") ?? "",
            splits: { train: 0, val: 0, test: 0 },
            problems: [{
              file: str("root") ?? "",
              message: e instanceof Error ? e.message : String(e),
            }],
          };
        }
        const groups = groupProblems(report.problems);
        report.problems = groups.flat();
        io.stdout(`${JSON.stringify(report, null, 2)}\n`);
        if (report.problems.length > 0) io.stderr(summarizeProblems(groups));
        return report.problems.length > 0 ? 1 : 0;
      }
      case "time": {
        const name = needDataset();
        const split = (str("split") ?? "train") as Split;
        const limit = str("limit") === undefined ? 500 : integerOption("limit", str("limit")!, 1);
        const options: { root?: string; split: Split; seed?: number; splitFile?: string } = {
          split,
        };
        if (root !== undefined) options.root = root;
        if (seed !== undefined) options.seed = seed;
        if (str("split-file")) options.splitFile = str("split-file")!;
        const ds = await openDataset(name, options);
        const n = Math.min(limit, ds.ids.length);
        if (n === 0) throw new Error(`Cannot time ${name} ${split}: the split has no samples`);
        await ds.get(0); // warm-up (module compilation, first file reads)
        const c0 = cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < n; i++) await ds.get(i);
        const seconds = (performance.now() - t0) / 1000;
        const c1 = cpuUsage(c0);
        // CPU time says what one free core would do when other work shares the machine.
        const cpuSeconds = (c1.user + c1.system) / 1e6;
        io.stdout(
          `${
            JSON.stringify({
              dataset: name,
              split,
              images: n,
              seconds: Math.round(seconds * 1000) / 1000,
              imagesPerSecond: Math.round((n / seconds) * 10) / 10,
              cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
              imagesPerCpuSecond: Math.round((n / cpuSeconds) * 10) / 10,
            })
          }\n`,
        );
        return 0;
      }
      case "download": {
        if (!dataset) {
          throw new UsageError(
            `Expected a dataset after "download": one of ${Object.keys(DOWNLOADS).join(", ")}`,
          );
        }
        if (!(dataset in DOWNLOADS)) {
          throw new UsageError(
            `Cannot download "${dataset}": expected one of ${Object.keys(DOWNLOADS).join(", ")}`,
          );
        }
        // The same default root that `reproduce` reads: $CLVM_DATA, else ./data in the checkout.
        const to = str("to") ?? (Deno.env.get("CLVM_DATA") ||
          decodeURIComponent(new URL("../../data", import.meta.url).pathname));
        const result = await downloadDataset(dataset as DownloadName, {
          to,
          ...(str("mirror") ? { mirror: str("mirror")! } : {}),
          ...(str("checksums")
            ? {
              checksums: parseChecksums(
                await Deno.readTextFile(str("checksums")!),
                str("checksums")!,
              ),
            }
            : {}),
          progress: !values["no-progress"],
          log: (m) => io.stderr(`${m}\n`),
        });
        if (result.report) {
          io.stdout(`${JSON.stringify(result.report, null, 2)}\n`);
          return result.report.problems.length > 0 ? 1 : 0;
        }
        return result.ok ? 0 : 1;
      }
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
  }
}

/**
 * Problems grouped by kind (the message with its numbers and quoted names blanked), the
 * rarest kinds first and file order within a kind: a root cause (one missing folder)
 * comes before the dozens of lines that follow from it.
 */
export function groupProblems(problems: readonly DataProblem[]): DataProblem[][] {
  const kinds = new Map<string, DataProblem[]>();
  for (const p of problems) {
    const key = p.message.replace(/"[^"]*"/g, '""').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, "#");
    const list = kinds.get(key);
    if (list) list.push(p);
    else kinds.set(key, [p]);
  }
  return [...kinds.values()].sort((a, b) => a.length - b.length);
}

/** One line per kind of problem, with "… and N more like this" for the rest. */
export function summarizeProblems(groups: readonly DataProblem[][]): string {
  const total = groups.reduce((n, g) => n + g.length, 0);
  const lines = [
    `${total} problem${total === 1 ? "" : "s"} (${groups.length} kind${
      groups.length === 1 ? "" : "s"
    }, rarest first):`,
  ];
  for (const g of groups) {
    const first = g[0]!;
    lines.push(`  ${first.file}: ${first.message}`);
    if (g.length > 1) lines.push(`    … and ${g.length - 1} more like this`);
  }
  return lines.join("\n") + "\n";
}

if (import.meta.main) Deno.exit(await main(Deno.args));
