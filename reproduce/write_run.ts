/**
 * The last step of `reproduce`: merge this command's results with what the run folder
 * already holds (results of earlier commands are kept, issue 13 §3), add Table 3 (read
 * from the folder, else measured once), render `results.json`, `results.csv`, `report.md`
 * and the number-drawn figures, and say in a few lines what was done.
 *
 * @module
 */
import { join } from "node:path";
import type { BackendChoice } from "../mod.ts";
import { readRunJson } from "../src/util/mod.ts";
import { learnedChecks, learnedLine } from "./learned.ts";
import { PROTOCOL_NAMES } from "./protocols/mod.ts";
import { renderRun } from "./render.ts";
import { mergeResults, readResults, type Results } from "./results.ts";
import { measureTable3, table3File, table3Settings } from "./table3_run.ts";

/** Merges `fresh` into the folder's results, adds Table 3, writes everything; returns what was written. */
export async function writeRun(
  out: string,
  fresh: Omit<Results, "table3">,
  profile: string,
  backend: BackendChoice,
  log: (line: string) => void,
): Promise<Results> {
  const previous = await readResults(out).catch((error) => {
    log(`Not merging the old results.json: ${(error as Error).message}`);
    return null;
  });
  let table3: Record<string, unknown> | null = null;
  try {
    table3 = await readRunJson<Record<string, unknown>>(table3File(out));
  } catch (error) {
    log(`Table 3 left out: ${(error as Error).message}`);
  }
  if (!table3 && !previous?.table3) {
    table3 = await measureTable3(table3File(out), table3Settings(profile), backend, log);
  }
  const results = await renderRun(out, mergeResults(previous, { ...fresh, table3 }));
  for (const p of PROTOCOL_NAMES) {
    const r = fresh.protocols[p];
    if (!r) continue;
    log(`${p}: ${r.status} on ${r.data?.kind ?? "?"} data (${r.data?.description ?? r.error})`);
    for (const c of learnedChecks(r).filter((c) => !c.learned)) {
      log(`Warning: ${learnedLine(c, r.data?.kind ?? "?").replaceAll("**", "")}`);
    }
  }
  log(
    `Wrote ${join(out, "report.md")} and results.json in ${(results.seconds / 60).toFixed(1)} min.`,
  );
  return results;
}
