import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { initBackend } from "../backend.ts";
import { type BatchStats, createCLVM } from "../clvm/model.ts";
import { batches } from "../data/batches.ts";
import { createPreprocessor } from "../data/preprocess.ts";
import { RECIPES } from "./recipes.ts";
import { openToyDataset } from "./toy_dataset.ts";
import { disposeBatch, toTensors } from "./_inputs.ts";
import { batchSpec } from "./step.ts";
import { recomputeBatchNormAverages } from "./batch_norm_averages.ts";

const SIZE = 16;
const PREPROCESS = { size: SIZE, crop: "image" as const };

/** All `count` toy training images in one tensor, unflipped. */
async function allImages(count: number, spec: ReturnType<typeof batchSpec>) {
  const dataset = openToyDataset("train", count, SIZE);
  const pre = createPreprocessor({ ...PREPROCESS, flipProbability: 0 });
  for await (const data of batches(dataset, { batchSize: count, preprocess: pre })) {
    const batch = toTensors(data, spec);
    const x = tf.keep(tf.clone(batch.x));
    disposeBatch(batch);
    return { dataset, x };
  }
  throw new Error("no batch");
}

const read = async (t: tf.Tensor) => Array.from(await t.data());

Deno.test("recomputeBatchNormAverages(): layer 1's bottom batch norm gets the moments of conv(x, w₁) over every image, pooled across batches", async () => {
  await initBackend("cpu");
  const before = tf.memory().numTensors;
  const clvm = createCLVM({ variant: "CLVM2-seg", architecture: "tiny", batchNorm: true, seed: 3 });
  const spec = batchSpec(clvm, RECIPES.quick, SIZE);
  const { dataset, x } = await allImages(12, spec);
  // Two batches of 5 and one of 2: the pooling must weight batches by their images.
  const used = await recomputeBatchNormAverages(clvm, dataset, {
    images: 12,
    batchSize: 5,
    preprocess: PREPROCESS,
    spec,
    seed: 9,
    epoch: 0,
  });
  assert.equal(used, 12);
  // Reference: tfjs's conv, then plain loops for the mean and the biased variance.
  const w = clvm.getWeights();
  const conv = tf.conv2d(x, w["conv1/kernel"] as tf.Tensor4D, 1, "same");
  const v = await read(conv);
  const c = conv.shape[3]!;
  const n = v.length / c;
  const mean = new Array(c).fill(0), variance = new Array(c).fill(0);
  for (let i = 0; i < v.length; i++) mean[i % c] += v[i]! / n;
  for (let i = 0; i < v.length; i++) variance[i % c] += (v[i]! - mean[i % c]) ** 2 / n;
  const gotMean = await read(w["bn1/bottom/mean"]!);
  const gotVar = await read(w["bn1/bottom/variance"]!);
  for (let k = 0; k < c; k++) {
    assert.ok(Math.abs(gotMean[k]! - mean[k]) < 1e-5 * (1 + Math.abs(mean[k])), `mean ${k}`);
    assert.ok(Math.abs(gotVar[k]! - variance[k]) < 1e-4 * (1 + variance[k]), `variance ${k}`);
  }
  tf.dispose([x, conv]);
  clvm.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
});

Deno.test("recomputeBatchNormAverages(): with one batch every batch norm gets that batch's statistics; 0 images or no batch norm change nothing", async () => {
  await initBackend("cpu");
  const clvm = createCLVM({ variant: "CLVM2-seg", architecture: "tiny", batchNorm: true, seed: 4 });
  const spec = batchSpec(clvm, RECIPES.quick, SIZE);
  const { dataset, x } = await allImages(6, spec);
  const averages = async () => {
    const out: Record<string, number[]> = {};
    for (const [name, t] of Object.entries(clvm.getWeights())) {
      if (/\/(mean|variance)$/.test(name)) out[name] = await read(t);
    }
    return out;
  };
  const initial = await averages();
  const options = { images: 0, batchSize: 6, preprocess: PREPROCESS, spec, seed: 1, epoch: 0 };
  assert.equal(await recomputeBatchNormAverages(clvm, dataset, options), 0);
  assert.deepEqual(await averages(), initial);

  assert.equal(await recomputeBatchNormAverages(clvm, dataset, { ...options, images: 6 }), 6);
  const stats: BatchStats = new Map();
  tf.tidy(() => void clvm.forward(x, { training: true, batchStats: stats }));
  const got = await averages();
  assert.ok(stats.size >= 5, "a CLVM₂ has bottom and top batch norms");
  for (const [name, { mean, variance }] of stats) {
    for (const [key, t] of [["mean", mean], ["variance", variance]] as const) {
      const want = await read(t);
      got[`${name}/${key}`]!.forEach((g, i) =>
        assert.ok(Math.abs(g - want[i]!) < 1e-4 * (1 + Math.abs(want[i]!)), `${name}/${key}`)
      );
    }
    tf.dispose([mean, variance]);
  }
  assert.notDeepEqual(got, initial);
  tf.dispose(x);
  clvm.dispose();

  const plain = createCLVM({ variant: "CLVM1-seg", architecture: "tiny", batchNorm: false });
  const plainSpec = batchSpec(plain, RECIPES.quick, SIZE);
  const none = { ...options, images: 6, spec: plainSpec };
  assert.equal(await recomputeBatchNormAverages(plain, dataset, none), 0);
  plain.dispose();
});
