/**
 * `deno task data`: prepare, validate and time the datasets.
 *
 *     deno task data prepare lfw-parts --from DIR --root DIR [--no-keypoints]
 *     deno task data check <dataset> [--root DIR] [--seed N] [--decode]
 *     deno task data time <dataset> [--root DIR] [--split S] [--limit N] [--seed N]
 *     deno task data list
 *
 * `check` prints the {@link CheckReport} as JSON on stdout and exits 1 when it lists
 * problems; usage errors exit 2.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { prepareLfwKeypoints } from "./lfw_keypoints_detector.ts";
import { prepareLfwParts, progressBars } from "./lfw_parts.ts";
import { checkDataset, DATASET_NAMES, openDataset } from "./open_dataset.ts";
import type { CheckReport, Split } from "./types.ts";

const HELP = `Usage: deno task data <command> [options]

Commands:
  prepare lfw-parts --from DIR --root DIR [--no-keypoints]
      Extract the official LFW-Parts downloads in --from (lfw-funneled.tgz or
      lfw-funneled-parts-subset.tgz, parts_lfw_funneled_gt_images.tgz, the optional
      superpixel tarballs, parts_{train,validation,test}.txt) into --root, with a progress
      bar; then write --root/keypoints.txt, 19 facial keypoints per image made by
      MediaPipe FaceMesh (detector-made, not hand-corrected; tools/facemesh/, which
      downloads its own npm package on first use) and keypoints_sanity.png.
      A second run with the same files does nothing.
  check <dataset> [--root DIR] [--seed N] [--decode]
      Validate a dataset; print counts, class fractions and every problem as JSON.
      Exits 1 when there are problems. --decode decodes every image (slower).
  time <dataset> [--root DIR] [--split S] [--limit N] [--seed N]
      Load --limit samples (default 500) of a split (default train), one after another,
      and print images per second (wall clock and per CPU second) as JSON.
  list
      Print the dataset names.

Datasets: ${DATASET_NAMES.join(", ")}
Real datasets need --root; synthetic ones are generated on demand (into --root, or
.cache/synthetic/<name>-seed<N>; --seed defaults to 1).

Options:
  -h, --help   Show this help.
`;

class UsageError extends Error {}

/** Output sinks, so tests can capture what the CLI prints. */
export interface CliIo {
  /** Receives what goes to standard output (the JSON reports). */
  stdout: (text: string) => void;
  /** Receives messages and errors. */
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (t) => void Deno.stdout.writeSync(new TextEncoder().encode(t)),
  stderr: (t) => void Deno.stderr.writeSync(new TextEncoder().encode(t)),
};

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
export async function main(args: string[], io: CliIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        from: { type: "string" },
        root: { type: "string" },
        seed: { type: "string" },
        split: { type: "string" },
        limit: { type: "string" },
        decode: { type: "boolean" },
        "no-keypoints": { type: "boolean" },
      },
    });
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : e}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? io.stdout : io.stderr)(HELP);
    return values.help ? 0 : 2;
  }
  const [command, dataset, ...rest] = positionals;
  try {
    if (rest.length > 0) throw new UsageError(`Unexpected arguments: ${rest.join(" ")}`);
    const int = (what: string, v: string | undefined): number | undefined => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n)) {
        throw new UsageError(`Expected an integer for --${what}, found "${v}"`);
      }
      return n;
    };
    const seed = int("seed", values.seed);
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
        if (!values.from || !values.root) {
          throw new UsageError("prepare needs --from DIR and --root DIR");
        }
        const result = await prepareLfwParts({
          from: values.from,
          root: values.root,
          onProgress: progressBars(),
        });
        const keypoints = values["no-keypoints"]
          ? null
          : await prepareLfwKeypoints(values.root, { quiet: true });
        io.stdout(`${JSON.stringify({ ...result, keypoints }, null, 2)}\n`);
        return 0;
      }
      case "check": {
        const name = needDataset();
        let report: CheckReport;
        try {
          const options: { root?: string; seed?: number; decode?: boolean } = {};
          if (values.root) options.root = values.root;
          if (seed !== undefined) options.seed = seed;
          if (values.decode) options.decode = true;
          report = await checkDataset(name, options);
        } catch (e) {
          if (e instanceof Error && /expected a root folder/.test(e.message)) {
            throw new UsageError(`check ${name} needs --root DIR`);
          }
          // A dataset that cannot be read at all is one big problem, still reported as JSON.
          report = {
            dataset: name,
            root: values.root ?? "",
            splits: { train: 0, val: 0, test: 0 },
            problems: [{
              file: values.root ?? "",
              message: e instanceof Error ? e.message : String(e),
            }],
          };
        }
        io.stdout(`${JSON.stringify(report, null, 2)}\n`);
        return report.problems.length > 0 ? 1 : 0;
      }
      case "time": {
        const name = needDataset();
        const split = (values.split ?? "train") as Split;
        if (!["train", "val", "test"].includes(split)) {
          throw new UsageError(`Expected --split train, val or test, found "${split}"`);
        }
        const limit = int("limit", values.limit) ?? 500;
        const options: { root?: string; split: Split; seed?: number } = { split };
        if (values.root) options.root = values.root;
        if (seed !== undefined) options.seed = seed;
        const ds = await openDataset(name, options);
        const n = Math.min(limit, ds.ids.length);
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
      default:
        throw new UsageError(`Unknown command "${command}": expected prepare, check, time or list`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n\nRun with --help for usage.\n`);
      return 2;
    }
    io.stderr(`${e instanceof Error ? e.message : e}\n`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
