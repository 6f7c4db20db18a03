/**
 * The paper's Table 3 (Hu & Ramanan, arXiv 1507.05699 v1): milliseconds per 180×180 image
 * on a Tesla K40c, typed in once for the benchmarks (`deno task table3`, `deno bench`) and
 * the reproduction's report, which both read it from here.
 *
 * @module
 */

/** One row of the paper's Table 3. */
export interface PaperTimingRow {
  /** The preset it times (`VARIANTS` name). */
  model: "CLVM1-seg" | "CLVM1-kp" | "CLVM2-seg" | "CLVM2-kp" | "M-CLVM1" | "M-CLVM2";
  /** The paper's row name. */
  variant: "CLVM1" | "CLVM2" | "M-CLVM1" | "M-CLVM2";
  /** The paper's column: the task the row's model solves. */
  task: "segmentation" | "keypoints" | "both";
  /** Milliseconds per 180×180 image on a Tesla K40c. */
  ms: number;
}

/**
 * The paper's Table 3, row by row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ms = (m: string) => PAPER_TABLE3.find((r) => r.model === m)!.ms;
 * assert.equal((ms("CLVM2-seg") / ms("CLVM1-seg")).toFixed(2), "2.00");
 * ```
 */
export const PAPER_TABLE3: readonly PaperTimingRow[] = [
  { model: "CLVM1-seg", variant: "CLVM1", task: "segmentation", ms: 15.5 },
  { model: "CLVM1-kp", variant: "CLVM1", task: "keypoints", ms: 13.3 },
  { model: "CLVM2-seg", variant: "CLVM2", task: "segmentation", ms: 31.0 },
  { model: "CLVM2-kp", variant: "CLVM2", task: "keypoints", ms: 21.5 },
  { model: "M-CLVM1", variant: "M-CLVM1", task: "both", ms: 16.1 },
  { model: "M-CLVM2", variant: "M-CLVM2", task: "both", ms: 31.2 },
];
