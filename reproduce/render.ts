/**
 * Everything a run folder shows that is computed from `results.json` alone: the claims,
 * the figures drawn from numbers (keypoint curves, training curves, Fig. 15), `report.md`,
 * `results.json` itself and `results.csv`. `reproduce` calls it at the end of a command
 * (after merging with what the folder already held) and `deno task report` calls it on a
 * finished folder. Figures that need the models (qualitative, z1) are kept as they are.
 *
 * @module
 */
import { join } from "node:path";
import { checkClaims } from "./claims.ts";
import { convergenceFigure, curvesFigure } from "./figures.ts";
import { buildReport } from "./report.ts";
import { type Results, writeResults } from "./results.ts";
import { trainingCurvesFigure } from "./training_curves.ts";

/** The claims' settings stored in `results.config.claims`. */
export interface ClaimConfig {
  /** Equivalence / non-inferiority margin in the metric's points. */
  margin: number;
  /** Bootstrap resamples. */
  resamples: number;
  /** Bootstrap seed. */
  seed: number;
}

/** The default claim settings (a config value of every run). */
export const CLAIM_CONFIG: ClaimConfig = { margin: 0.5, resamples: 2000, seed: 1 };

/**
 * Recomputes the claims and the number-drawn figures of `results` into `dir`, then writes
 * `results.json`, `results.csv` and `report.md`. Returns the results as written.
 */
export async function renderRun(dir: string, results: Results): Promise<Results> {
  const claimConfig = {
    ...CLAIM_CONFIG,
    ...(results.config.claims as Partial<ClaimConfig> | undefined),
  };
  const figures = new Set(results.figures);
  for (const r of Object.values(results.protocols)) {
    if (!r || r.runs.length === 0) continue;
    const curves = await curvesFigure(dir, r);
    if (curves) figures.add(curves);
    const training = await trainingCurvesFigure(dir, r);
    if (training) figures.add(training);
  }
  if (results.convergence) figures.add(await convergenceFigure(dir, results.convergence));
  const out: Results = {
    ...results,
    config: { ...results.config, claims: claimConfig },
    claims: checkClaims(
      results.protocols,
      results.convergence,
      results.table3 as { ratios?: Record<string, number> } | null,
      claimConfig,
    ),
    figures: [...figures].sort(),
  };
  await writeResults(dir, out);
  await Deno.writeTextFile(join(dir, "report.md"), buildReport(out));
  return out;
}
