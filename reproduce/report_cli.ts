/**
 * `deno task report RUN_DIR [--table3 FILE.json]`: re-renders a run folder's `report.md`,
 * `results.csv`, claims and number-drawn figures from its `results.json`, optionally
 * folding in a Table 3 measured by `deno task table3 --json FILE`.
 *
 * @module
 */
import { resolve } from "node:path";
import { type CommandSpec, runSpec, UsageError } from "../src/util/mod.ts";
import { renderRun } from "./render.ts";
import { readResults } from "./results.ts";
import { table3File } from "./table3_run.ts";

const SPEC = {
  name: "deno task report",
  usage: "RUN_DIR",
  positionals: true,
  description:
    `Re-renders RUN_DIR/report.md, results.csv, the claims and the figures drawn from numbers
(keypoint curves, training curves, Fig. 15) from RUN_DIR/results.json. Nothing is trained.`,
  options: {
    table3: {
      type: "string",
      arg: "FILE",
      help: "fold in this machine's Table 3 (the JSON of deno task table3 --json FILE)",
    },
  },
  epilog: "Exit status: 0 done, 1 the folder or a file cannot be read, 2 bad arguments.",
} as const satisfies CommandSpec;

async function readTable3(path: string): Promise<Record<string, unknown>> {
  let table3: Record<string, unknown>;
  try {
    table3 = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new Error(`Cannot read Table 3 "${path}": ${(error as Error).message}; expected JSON`);
  }
  if (!Array.isArray(table3.rows)) {
    throw new Error(
      `Cannot read Table 3 "${path}": expected the "rows" of deno task table3 --json`,
    );
  }
  return table3;
}

/** Runs the command; returns the exit code (usage errors 2, failures 1). */
export function main(args: readonly string[]): Promise<number> {
  return runSpec(SPEC, args, async (parsed) => {
    if (parsed.positionals.length !== 1) {
      throw new UsageError(`Expected one RUN_DIR, found ${parsed.positionals.length}`);
    }
    const dir = resolve(parsed.positionals[0]!);
    const results = await readResults(dir);
    if (!results) throw new Error(`Cannot re-render "${dir}": it has no results.json`);
    if (parsed.values.table3) {
      results.table3 = await readTable3(parsed.values.table3);
      await Deno.writeTextFile(table3File(dir), JSON.stringify(results.table3, null, 2) + "\n");
    }
    const out = await renderRun(dir, results);
    console.error(
      `Re-rendered ${dir}/report.md from results.json (${out.claims.length} claims, ${out.figures.length} figures).`,
    );
    return 0;
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));
