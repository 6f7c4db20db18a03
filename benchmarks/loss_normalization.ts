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
import { parseArgs } from "node:util";
import { join } from "node:path";
import { tf } from "../src/deps.ts";
import type { Dataset } from "../src/data/mod.ts";
import { mixSeed, Mulberry32, shuffleInPlace } from "../src/util/mod.ts";
import { LOSS_NORMALIZATIONS, type LossNormalization } from "../src/train/mod.ts";
import { resolveRecipe } from "../src/train/mod.ts";
import { openDataset } from "../src/data/mod.ts";
import { PREPROCESS } from "../src/data/mod.ts";
import { train, TrainingDivergedError } from "../src/train/mod.ts";
import type { BackendChoice } from "../src/backend.ts";

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

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      root: { type: "string" },
      dataset: { type: "string", default: "lfw-parts" },
      variant: { type: "string", default: "CLVM1-seg" },
      arch: { type: "string", default: "tiny" },
      size: { type: "string", default: "96" },
      train: { type: "string", default: "128" },
      val: { type: "string", default: "64" },
      epochs: { type: "string", default: "3" },
      seed: { type: "string", default: "1" },
      backend: { type: "string", default: "auto" },
    },
  });
  const root = values.root ??
    (values.dataset.startsWith("synthetic-")
      ? undefined
      : join(Deno.env.get("CLVM_DATA") ?? "data", values.dataset));
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
}

if (import.meta.main) await main();
