// What `deno bench` (table3_bench.ts) and `deno task table3` (table3.ts) share: the rows of
// the paper's Table 3, its K40c timings and hardware-free ratios, the models, and one timed
// prediction by either kernel path.
import { type CLVM, type CLVMOptions, createCLVM, type HeadOutputs } from "../mod.ts";
import { tf } from "../src/deps.ts";
import { fusedPredict } from "../src/clvm/mod.ts";
import { PAPER_TABLE3 } from "../src/eval/mod.ts";

/** The two inference paths: the model's own tfjs ops, or the fused kernels (src/kernels/). */
export type Kernels = "generic" | "fused";

/** One row of Table 3: a preset of docs/MODEL.md §4 and the task column it fills. */
export interface Table3Row {
  /** The preset (`VARIANTS` name). */
  model: "CLVM1-seg" | "CLVM1-kp" | "CLVM2-seg" | "CLVM2-kp" | "M-CLVM1" | "M-CLVM2";
  /** The paper's row name. */
  variant: "CLVM1" | "CLVM2" | "M-CLVM1" | "M-CLVM2";
  task: "segmentation" | "keypoints" | "both";
  /** Milliseconds per 180×180 image on a Tesla K40c (paper, Table 3). */
  paperMs: number;
}

/** The paper's Table 3, row by row (its numbers: `PAPER_TABLE3` of src/eval). */
export const TABLE3: readonly Table3Row[] = PAPER_TABLE3.map(({ ms, ...row }) => ({
  ...row,
  paperMs: ms,
}));

/** The hardware-free ratios of Table 3. */
export interface Ratios {
  /** CLVM₂ / CLVM₁, segmentation (paper 2.00). */
  clvm2OverClvm1Seg: number;
  /** CLVM₂ keypoints / CLVM₂ segmentation (paper 0.69: the lazy last top-down pass). */
  clvm2KpOverClvm2Seg: number;
  /** M-CLVM₁ / CLVM₁ segmentation (paper 1.04). */
  mclvm1OverClvm1: number;
  /** M-CLVM₂ / CLVM₂ segmentation (paper 1.01). */
  mclvm2OverClvm2: number;
}

/** The ratios from milliseconds per model (any unit). */
export function ratiosOf(ms: Readonly<Record<string, number>>): Ratios {
  const at = (model: string) => ms[model] ?? NaN;
  return {
    clvm2OverClvm1Seg: at("CLVM2-seg") / at("CLVM1-seg"),
    clvm2KpOverClvm2Seg: at("CLVM2-kp") / at("CLVM2-seg"),
    mclvm1OverClvm1: at("M-CLVM1") / at("CLVM1-seg"),
    mclvm2OverClvm2: at("M-CLVM2") / at("CLVM2-seg"),
  };
}

/** The paper's ratios, from its Table 3. */
export const PAPER_RATIOS: Ratios = ratiosOf(
  Object.fromEntries(TABLE3.map((r) => [r.model, r.paperMs])),
);

/** The structural checks of measured ratios: name → passed. */
export function structureChecks(r: Ratios): Record<string, boolean> {
  return {
    "CLVM2/CLVM1 (seg) within 1.6–2.6": r.clvm2OverClvm1Seg >= 1.6 && r.clvm2OverClvm1Seg <= 2.6,
    "CLVM2 keypoints faster than CLVM2 segmentation": r.clvm2KpOverClvm2Seg < 1,
    "multi-task overhead under 10%": r.mclvm1OverClvm1 < 1.1 && r.mclvm2OverClvm2 < 1.1,
  };
}

/** A `paper`-architecture model of a Table 3 preset (seeded; default head channels). */
export function table3Model(model: string, options: CLVMOptions = {}): CLVM {
  return createCLVM({ variant: model, architecture: "paper", seed: 1, ...options });
}

/** Awaits every head output (so that GPU work is finished) and frees them. */
async function settle(out: HeadOutputs): Promise<void> {
  const tensors = Object.values(out) as tf.Tensor[];
  try {
    for (const t of tensors) await t.data();
  } finally {
    tf.dispose(tensors);
  }
}

/** One full prediction of `clvm` on `x` by `kernels`, awaited to the last GPU result. */
export function predictOnce(clvm: CLVM, x: tf.Tensor4D, kernels: Kernels): Promise<void> {
  return settle(
    kernels === "fused" ? fusedPredict(clvm.options, clvm.getWeights(), x) : clvm.forward(x),
  );
}

/** Median and minimum of timed runs, in milliseconds. */
export interface Timing {
  medianMs: number;
  minMs: number;
  runs: number;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The timing of a list of samples (milliseconds). */
export function summarize(samples: readonly number[]): Timing {
  return { medianMs: median(samples), minMs: Math.min(...samples), runs: samples.length };
}
