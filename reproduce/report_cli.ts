/**
 * `deno task report RUN_DIR [--table3 FILE.json]`: re-renders a run folder's `report.md`,
 * `results.csv`, claims and number-drawn figures from its `results.json`, optionally
 * folding in a Table 3 measured by `deno task table3 --json FILE`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { renderRun } from "./render.ts";
import { readResults } from "./results.ts";
import { table3File } from "./table3_run.ts";

const HELP = `Usage: deno task report RUN_DIR [--table3 FILE.json]

Re-renders RUN_DIR/report.md, results.csv, the claims and the figures drawn from numbers
(keypoint curves, training curves, Fig. 15) from RUN_DIR/results.json. Nothing is trained.

Options:
  --table3 FILE   fold in this machine's Table 3 (the JSON of deno task table3 --json FILE)
  -h, --help      this text
`;

/** Runs the command; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { table3: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    console.error(`Expected one RUN_DIR, got ${parsed.positionals.length}\n\n${HELP}`);
    return 2;
  }
  const dir = resolve(parsed.positionals[0]!);
  try {
    const results = await readResults(dir);
    if (!results) {
      console.error(`Cannot re-render "${dir}": it has no results.json`);
      return 1;
    }
    if (parsed.values.table3) {
      const text = await Deno.readTextFile(parsed.values.table3);
      let table3: Record<string, unknown>;
      try {
        table3 = JSON.parse(text);
      } catch {
        throw new Error(`Cannot read Table 3 "${parsed.values.table3}": expected JSON`);
      }
      if (!Array.isArray(table3.rows)) {
        throw new Error(
          `Cannot read Table 3 "${parsed.values.table3}": expected the "rows" of deno task table3 --json`,
        );
      }
      results.table3 = table3;
      await Deno.writeTextFile(table3File(dir), JSON.stringify(table3, null, 2) + "\n");
    }
    const out = await renderRun(dir, results);
    console.error(
      `Re-rendered ${dir}/report.md from results.json (${out.claims.length} claims, ${out.figures.length} figures).`,
    );
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
