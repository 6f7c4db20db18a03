/**
 * The convergence study of `reproduce` (Fig. 15): the score S after each coordinate-ascent
 * pass on the first LFW-Parts test images, for the trained CLVM₂ (batch norm dropped: S is
 * defined without it) and for random weights; with the trained model, the z1 figures
 * (Figs. 11, 12) of the first test image.
 *
 * @module
 */
import { type CLVM, createCLVM, loadCheckpoint } from "../mod.ts";
import { tf } from "../src/deps.ts";
import { updateSchedule } from "../src/clvm/mod.ts";
import {
  batches,
  createPreprocessor,
  openDataset,
  type PreprocessConfig,
} from "../src/data/mod.ts";
import type { Architecture } from "./profiles.ts";
import { datasetPlace, type DataSource, resolveData } from "./data_sources.ts";
import { partsFigure, z1Figure } from "./figures.ts";
import { LFW_PARTS } from "./protocols/mod.ts";
import type { ConvergenceResult } from "./results.ts";

/** A batch of the first test images, preprocessed, for the z1 and convergence figures. */
export async function firstTestImages(
  source: DataSource,
  pre: PreprocessConfig,
  n: number,
): Promise<tf.Tensor4D> {
  const test = await openDataset(source.dataset, { ...datasetPlace(source), split: "test" });
  for await (
    const b of batches(test, {
      batchSize: n,
      preprocess: createPreprocessor(pre),
      shuffle: false,
      prefetch: 0,
    })
  ) {
    return tf.tensor4d(b.images, [b.size, b.height, b.width, 3]);
  }
  throw new Error(`The test split of ${source.dataset} is empty`);
}

/** S (mean over images) at the end of each pass 1..passes. */
export function scoreByPass(clvm: CLVM, x: tf.Tensor4D, passes: number): Promise<number[]> {
  const schedule = updateSchedule(clvm.layerCount, passes);
  const ends: number[] = [];
  schedule.forEach((u, i) => {
    if (i === schedule.length - 1 || schedule[i + 1]!.pass !== u.pass) ends.push(i + 1);
  });
  const trace = clvm.scoreTrace(x, passes);
  const mean = tf.mean(trace, 1);
  trace.dispose();
  return mean.data().then((d) => {
    mean.dispose();
    return ends.map((row) => d[row]!);
  });
}

/**
 * The same conv filters and biases (and top-down filters of an untied model) with the same
 * feedback, without batch norm (S is defined without it).
 */
export function withoutBatchNorm(clvm: CLVM): CLVM {
  const copy = createCLVM({
    architecture: clvm.options.architecture,
    passes: clvm.options.passes,
    tied: clvm.options.tied,
    feedback: clvm.options.feedback,
    seed: 1,
  });
  const w = clvm.getWeights();
  copy.setWeights(
    Object.fromEntries(Object.entries(w).filter(([k]) => /^(conv|topdown)\d/.test(k))),
  );
  return copy;
}

/** What the convergence study needs of the command. */
export interface ConvergenceInput {
  /** The run folder (figures). */
  out: string;
  dataRoot: string | null;
  cache: string;
  /** LFW-Parts' input side in this run. */
  inputSize: number;
  passes: number;
  /** The architecture of the random-weights model. */
  architecture: Architecture;
  /** LFW-Parts row name → best checkpoint of the first seed, from this command. */
  trained: ReadonlyMap<string, string>;
  log: (line: string) => void;
}

/** Runs the study: its result and the figures it drew. */
export async function runConvergence(
  input: ConvergenceInput,
): Promise<{ result: ConvergenceResult; figures: string[] }> {
  const { out, trained, passes } = input;
  const figures: string[] = [];
  const source = await resolveData("lfw-parts", input.dataRoot, input.cache, input.log);
  const x = await firstTestImages(source, { ...LFW_PARTS.preprocess, size: input.inputSize }, 4);
  const series: ConvergenceResult["series"] = [];
  let feedbackNote = "replicate feedback, tied weights";
  const ckpt = trained.get("CLVM2-seg") ?? trained.get("CLVM1-seg");
  if (ckpt) {
    const learned = await loadCheckpoint(ckpt);
    const plain = withoutBatchNorm(learned);
    feedbackNote = `${learned.options.feedback} feedback, ${
      learned.options.tied ? "tied" : "untied"
    } weights (the trained model's; random weights: replicate, tied)`;
    series.push({
      name: `trained (${ckpt.split("/").slice(-2)[0]}, batch norm dropped)`,
      score: await scoreByPass(plain, x, passes),
    });
    // The first test image: shown before/after feedback, and taken apart (Figs. 11, 12).
    const first = tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    figures.push(
      await z1Figure(
        out,
        learned,
        first,
        "z1 channels before and after top-down feedback (LFW-Parts test image)",
      ),
    );
    const partsCkpt = trained.get("M-CLVM2") ?? trained.get("CLVM2-seg");
    if (partsCkpt) {
      const two = await loadCheckpoint(partsCkpt);
      figures.push(
        await partsFigure(
          out,
          two,
          first,
          LFW_PARTS.palette,
          `Segmentation from the parts of z1 (${partsCkpt.split("/").slice(-2)[0]})`,
        ),
      );
      two.dispose();
    }
    first.dispose();
    plain.dispose();
    learned.dispose();
  }
  const random = createCLVM({
    architecture: input.architecture,
    seed: 7,
    weightStd: 0.2,
    biasStd: 0.1,
  });
  series.push({ name: "random weights (N(0, 0.2²))", score: await scoreByPass(random, x, passes) });
  random.dispose();
  x.dispose();
  return {
    result: {
      passes: Array.from({ length: passes }, (_, i) => i + 1),
      series,
      note:
        `Mean S over the first ${
          x.shape[0]
        } LFW-Parts test images (${source.kind}) after each pass k, ` +
        `${feedbackNote}. S is defined without batch norm, so the trained model's ` +
        "filters and biases are used without it.",
    },
    figures,
  };
}
