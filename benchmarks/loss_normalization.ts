/**
 * Does the `paper` recipe train with MatConvNet's loss normalization (issue 9 §4)? Trains
 * the `paper` recipe (SGD batch 32, lr 0.01, momentum 0.9, batch norm) on a seeded subset
 * of LFW-Parts' training split, once with `lossNormalization: "mean"` and once with
 * `"sum-over-batch"`, from the same seed for the same steps, and prints per epoch the
 * training loss and the validation pixel accuracy — or where it diverged. The architecture
 * is `tiny` by default (`--arch paper` for the paper's, far slower on a CPU), at `--size`
 * px input.
 *
 * ```sh
 * CLVM_DATA=DATA_ROOT deno run -A benchmarks/loss_normalization.ts --train 128 --epochs 3
 * ```
 *
 * @module
 */
import { type CommandSpec, runSpec, type Values } from "../src/util/mod.ts";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tf } from "../src/deps.ts";
import type { Dataset } from "../src/data/mod.ts";
import { exists, mixSeed, Mulberry32, shuffleInPlace } from "../src/util/mod.ts";
import { LOSS_NORMALIZATIONS, type LossNormalization } from "../src/train/mod.ts";
import { resolveRecipe } from "../src/train/mod.ts";
import { openDataset, prepareLfwParts } from "../src/data/mod.ts";
import { PREPROCESS } from "../src/data/mod.ts";
import { train, TrainingDivergedError } from "../src/train/mod.ts";
import type { BackendChoice } from "../src/backend.ts";

/**
 * LFW-Parts as downloaded (the official tarballs) is extracted once into `.cache/lfw-parts`,
 * as `deno task reproduce` does; an extracted root is read as it is.
 */
async function readableRoot(dataset: string, root: string | undefined) {
  if (dataset !== "lfw-parts" || !root || await exists(join(root, "lfw_funneled"))) return root;
  const cache = fileURLToPath(new URL("../.cache/lfw-parts", import.meta.url));
  await prepareLfwParts({ from: root, root: cache });
  return cache;
}

function subset(ds: Dataset, n: number, seed: number): Dataset {
  const order = shuffleInPlace(
    Array.from({ length: ds.ids.length }, (_, i) => i),
    new Mulberry32(mixSeed(seed, 77)),
  ).slice(0, Math.min(n, ds.ids.length));
  return {
    ...ds,
    ids: order.map((i) => ds.ids[i]!),
    get: (i) => ds.get(order[i]!),
    async *[Symbol.asyncIterator]() {
      for (const i of order) yield await ds.get(i);
    },
  };
}

const SPEC = {
  name: "deno run -A benchmarks/loss_normalization.ts",
  description:
    "Trains the paper recipe on a seeded subset of a dataset once per loss normalization\n" +
    "(mean over cells, MatConvNet's sum over cells / batch) from the same seed and prints\n" +
    "the training loss and validation accuracy per epoch, or where it diverged.",
  options: {
    root: {
      type: "string",
      arg: "DIR",
      help: "dataset root (default $CLVM_DATA/DATASET, else data/DATASET; none for synthetic-*)",
    },
    dataset: {
      type: "string",
      arg: "NAME",
      help: "dataset, or synthetic-DATASET (default lfw-parts)",
    },
    variant: { type: "string", arg: "NAME", help: "variant (default CLVM1-seg)" },
    arch: { type: "string", arg: "NAME", help: "tiny or paper (default tiny)" },
    size: { type: "string", arg: "N", help: "input side in px (default 96)" },
    train: { type: "string", arg: "N", help: "training images (default 128)" },
    val: { type: "string", arg: "N", help: "validation images (default 64)" },
    epochs: { type: "string", arg: "N", help: "epochs (default 3)" },
    seed: { type: "string", arg: "N", help: "seed (default 1)" },
    backend: { type: "string", arg: "NAME", help: "cpu, wasm, webgpu or auto (default auto)" },
  },
} satisfies CommandSpec;

const DEFAULTS = {
  dataset: "lfw-parts",
  variant: "CLVM1-seg",
  arch: "tiny",
  size: "96",
  train: "128",
  val: "64",
  epochs: "3",
  seed: "1",
  backend: "auto",
};

async function main({ values: given }: { values: Values<typeof SPEC.options> }): Promise<number> {
  const values = { ...DEFAULTS, ...given };
  const root = await readableRoot(
    values.dataset,
    values.root ??
      (values.dataset.startsWith("synthetic-")
        ? undefined
        : join(Deno.env.get("CLVM_DATA") ?? "data", values.dataset)),
  );
  const size = Number(values.size);
  const seed = Number(values.seed);
  const real = values.dataset.replace(/^synthetic-/, "") as keyof typeof PREPROCESS;
  const open = (split: "train" | "val") =>
    openDataset(values.dataset, { ...(root ? { root } : {}), split });
  const trainData = {
    name: values.dataset,
    train: subset(await open("train"), Number(values.train), seed),
    val: subset(await open("val"), Number(values.val), seed + 1),
    preprocess: { ...PREPROCESS[real], size },
  };
  const rows: string[] = [];
  for (const normalization of LOSS_NORMALIZATIONS as readonly LossNormalization[]) {
    const recipe = resolveRecipe("paper", { lossNormalization: normalization });
    const out = await Deno.makeTempDir({ prefix: "clvm-lossnorm-" });
    const t0 = performance.now();
    try {
      const result = await train({
        variant: values.variant,
        architecture: values.arch as "tiny" | "paper",
        dataset: trainData,
        epochs: Number(values.epochs),
        seed,
        out,
        recipe,
        backend: values.backend as BackendChoice,
        log: (m) => console.error(`[${normalization}] ${m}`),
      });
      for (const r of result.history) {
        rows.push(
          `| ${normalization} | ${r.epoch} | ${r.step} | ${r.train.loss.toPrecision(4)} | ${
            r.val.pixelAccuracy !== undefined ? (r.val.pixelAccuracy * 100).toFixed(2) : "-"
          } | ${r.val.keypointError?.toFixed(4) ?? "-"} |`,
        );
      }
      const bg = result.baselines?.find((b) => b.baseline === "all-background");
      if (bg) {
        rows.push(
          `| ${normalization} | all-background baseline | | | ${(bg.value * 100).toFixed(2)} | |`,
        );
      }
    } catch (error) {
      const what = error instanceof TrainingDivergedError
        ? `diverged at step ${error.step} (epoch ${error.epoch})`
        : `failed: ${(error as Error).message.split("\n")[0]}`;
      rows.push(`| ${normalization} | ${what} | | | | |`);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
    console.error(`[${normalization}] ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  console.log(
    [
      `The paper recipe (batch 32, lr 0.01) on ${values.dataset}: ${values.arch} ${values.variant}, ` +
      `${trainData.train.ids.length} training / ${trainData.val.ids.length} validation images ` +
      `at ${size}×${size}, ${values.epochs} epochs, seed ${seed}, backend ${tf.getBackend()}.`,
      "",
      "| normalization | epoch | steps | train loss | val pixel acc % | val kp error |",
      "|---|---|---|---|---|---|",
      ...rows,
    ].join("\n"),
  );
  return 0;
}

if (import.meta.main) Deno.exit(await runSpec(SPEC, Deno.args, main));
