/**
 * What each training knob does to a keypoint head (issue 10 §1): the tiny CLVM₁-kp trained
 * on a generated keypoint task (`toy-shapes` at `--size` px: the centres of a disc and a
 * square; `--train` / `--val` images) for the same number of steps from the same seed,
 * once per setting, changing one knob at a time from today's recipe (`quick` with the
 * mean-over-cells loss and Gaussian head biases): the loss normalization, the learning
 * rate, the keypoint head's bias initialization, the batch-norm momentum, and — an option
 * that departs from the paper's loss — positive weighting. Prints a Markdown table of the
 * validation keypoint error (mean distance over the input side) after the last epoch,
 * beside the mean-shape baseline, and writes it as JSON with `--json PATH`.
 *
 * ```sh
 * deno run -A benchmarks/keypoint_knobs.ts --epochs 6 --size 48 --backend wasm
 * deno run -A benchmarks/keypoint_knobs.ts --only lossNormalization,keypointBiasInit
 * ```
 *
 * @module
 */
import { type CommandSpec, runSpec, type Values } from "../src/util/mod.ts";
import { tf } from "../src/deps.ts";
import { type Recipe, resolveRecipe } from "../src/train/mod.ts";
import { train } from "../src/train/mod.ts";
import { openToyDataset } from "../src/train/mod.ts";
import type { BackendChoice } from "../src/backend.ts";

/** One setting measured: a knob and the recipe fields it changes. */
export interface KnobCase {
  knob: string;
  label: string;
  overrides: Partial<Recipe>;
}

/** Today's recipe, from which each case changes one knob. */
export const BASE: Partial<Recipe> = {
  lossNormalization: "mean",
  keypointBiasInit: "gaussian",
  keypointPositiveWeight: 1,
  learningRate: 0.05,
  batchNormMomentum: 0.9,
};

/** The cases, in table order. */
export const CASES: readonly KnobCase[] = [
  { knob: "base", label: "mean, lr 0.05, N(0, 0.1²) bias, bn 0.9", overrides: {} },
  {
    knob: "lossNormalization",
    label: "sum/batch, lr 0.05",
    overrides: { lossNormalization: "sum-over-batch" },
  },
  {
    knob: "lossNormalization",
    label: "sum/batch, lr 0.01",
    overrides: { lossNormalization: "sum-over-batch", learningRate: 0.01 },
  },
  {
    knob: "lossNormalization",
    label: "sum/batch, lr 0.001",
    overrides: { lossNormalization: "sum-over-batch", learningRate: 0.001 },
  },
  { knob: "learningRate", label: "lr 0.01", overrides: { learningRate: 0.01 } },
  { knob: "learningRate", label: "lr 0.2", overrides: { learningRate: 0.2 } },
  { knob: "learningRate", label: "lr 0.5", overrides: { learningRate: 0.5 } },
  { knob: "keypointBiasInit", label: "prior bias", overrides: { keypointBiasInit: "prior" } },
  { knob: "batchNormMomentum", label: "bn 0.5", overrides: { batchNormMomentum: 0.5 } },
  { knob: "batchNormMomentum", label: "bn 0.99", overrides: { batchNormMomentum: 0.99 } },
  {
    knob: "combined",
    label: "prior bias, sum/batch, lr 0.01",
    overrides: {
      keypointBiasInit: "prior",
      lossNormalization: "sum-over-batch",
      learningRate: 0.01,
    },
  },
  {
    knob: "combined",
    label: "prior bias, lr 0.2",
    overrides: { keypointBiasInit: "prior", learningRate: 0.2 },
  },
  {
    knob: "keypointPositiveWeight (not the paper's loss)",
    label: "positives ×10",
    overrides: { keypointPositiveWeight: 10 },
  },
];

/** One measured row. */
export interface KnobRow {
  knob: string;
  label: string;
  /** Validation keypoint error after the last epoch (NaN: diverged). */
  keypointError: number;
  /** Validation keypoint loss after the last epoch, in the case's normalization. */
  keypointLoss: number;
  seconds: number;
}

/** "76% better" or "190% worse" than the baseline (lower errors are better). */
function relative(error: number, baseline: number): string {
  const gain = Math.round((1 - error / baseline) * 100);
  return gain >= 0 ? `${gain}% better` : `${-gain}% worse`;
}

const SPEC = {
  name: "deno run -A benchmarks/keypoint_knobs.ts",
  description:
    "Trains the tiny CLVM₁-kp on a generated keypoint task once per training-knob setting\n" +
    "(one knob changed at a time) and prints the validation keypoint error beside the\n" +
    "mean-shape baseline.",
  options: {
    epochs: { type: "string", arg: "N", help: "epochs per setting (default 6)" },
    size: { type: "string", arg: "N", help: "input side in px (default 48)" },
    train: { type: "string", arg: "N", help: "training images (default 192)" },
    val: { type: "string", arg: "N", help: "validation images (default 64)" },
    seed: { type: "string", arg: "N", help: "seed (default 1)" },
    batch: { type: "string", arg: "N", help: "batch size (default 8)" },
    backend: { type: "string", arg: "NAME", help: "cpu, wasm, webgpu or auto (default auto)" },
    only: { type: "string", arg: "LIST", help: "knobs to run, by name prefix (base always runs)" },
    json: { type: "string", arg: "FILE", help: "also write the table as JSON" },
  },
} satisfies CommandSpec;

const DEFAULTS = {
  epochs: "6",
  size: "48",
  train: "192",
  val: "64",
  seed: "1",
  batch: "8",
  backend: "auto",
};

async function main({ values: given }: { values: Values<typeof SPEC.options> }): Promise<number> {
  const values = { ...DEFAULTS, ...given };
  const epochs = Number(values.epochs);
  const size = Number(values.size);
  const seed = Number(values.seed);
  const batchSize = Number(values.batch);
  const only = values.only?.split(",");
  const data = {
    name: `toy-shapes-${size}px`,
    train: openToyDataset("train", Number(values.train), size),
    val: openToyDataset("val", Number(values.val), size),
    preprocess: { size, crop: "image" as const },
  };
  const rows: KnobRow[] = [];
  let meanShape = NaN;
  const started = performance.now();
  for (const c of CASES) {
    if (only && c.knob !== "base" && !only.some((o) => c.knob.startsWith(o))) continue;
    const recipe = resolveRecipe("quick", { ...BASE, ...c.overrides, batchSize, epochs });
    recipe.name = `knob-${c.label}`;
    const out = await Deno.makeTempDir({ prefix: "clvm-knobs-" });
    const t0 = performance.now();
    let keypointError = NaN;
    let keypointLoss = NaN;
    try {
      const result = await train({
        variant: "CLVM1-kp",
        architecture: "tiny",
        dataset: data,
        epochs,
        seed,
        out,
        recipe,
        backend: values.backend as BackendChoice,
      });
      const val = result.history.at(-1)!.val;
      keypointError = val.keypointError ?? NaN;
      keypointLoss = val.keypoints ?? NaN;
      const check = result.baselines?.find((b) => b.baseline === "mean-shape");
      if (check) meanShape = check.value;
    } catch (error) {
      console.error(`${c.label}: ${(error as Error).message.split("\n")[0]}`);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
    const row = {
      knob: c.knob,
      label: c.label,
      keypointError,
      keypointLoss,
      seconds: (performance.now() - t0) / 1000,
    };
    rows.push(row);
    console.error(
      `${c.label}: kp error ${keypointError.toFixed(4)} (${
        row.seconds.toFixed(0)
      } s, ${tf.memory().numTensors} tensors)`,
    );
  }
  const steps = epochs * Math.ceil(Number(values.train) / batchSize);
  const lines = [
    `Tiny CLVM₁-kp on ${data.name} (${values.train} train / ${values.val} val images), ` +
    `${epochs} epochs = ${steps} steps of batch ${batchSize}, seed ${seed}, backend ` +
    `${tf.getBackend()}; validation keypoint error (mean distance / input side) after the ` +
    `last epoch. Mean-shape baseline: ${meanShape.toFixed(4)}. Total ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s.`,
    "",
    "| knob | setting | kp error | vs mean shape | val kp loss | s |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.knob} | ${r.label} | ${
        Number.isNaN(r.keypointError) ? "diverged" : r.keypointError.toFixed(4)
      } | ${Number.isNaN(r.keypointError) ? "-" : relative(r.keypointError, meanShape)} | ${
        r.keypointLoss.toPrecision(3)
      } | ${r.seconds.toFixed(0)} |`
    ),
  ];
  console.log(lines.join("\n"));
  if (values.json) {
    await Deno.writeTextFile(
      values.json,
      JSON.stringify({ epochs, size, seed, meanShape, rows }, null, 2),
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(await runSpec(SPEC, Deno.args, main));
