import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { initBackend } from "../backend.ts";
import { createCLVM } from "../clvm/model.ts";
import { isDecayed } from "../train/losses.ts";
import { RECIPES, resolveRecipe } from "../train/recipes.ts";
import { SGD } from "../train/sgd.ts";
import { prepareBackendForTraining, trainStep } from "../train/trainer.ts";

Deno.test("200 SGD steps with batch norm on wasm leave numTensors and the wasm heap flat", async () => {
  await initBackend("wasm");
  prepareBackendForTraining("wasm");
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
  const recipe = resolveRecipe("paper", { batchSize: 2 });
  const clvm = createCLVM({
    variant: "CLVM2-seg",
    architecture: "tiny",
    batchNorm: RECIPES.paper.batchNorm,
    heads: { segmentation: { channels: 3 } },
  });
  const sgd = new SGD(clvm.trainableVariables(), {
    learningRate: recipe.learningRate,
    momentum: recipe.momentum,
    weightDecay: recipe.weightDecay,
    decays: isDecayed,
  });
  const x = tf.randomUniform([2, 16, 16, 3], -0.5, 0.5, "float32", 1) as tf.Tensor4D;
  const labels = tf.randomUniform([2, 16, 16], 0, 3, "int32", 2) as tf.Tensor3D;
  const batch = { count: 2, x, labels, lossLabels: labels };
  for (let i = 0; i < 5; i++) await trainStep(clvm, sgd, batch, recipe);
  const tensors = tf.memory().numTensors;
  const bytes = heap().length;
  for (let i = 5; i < 200; i++) await trainStep(clvm, sgd, batch, recipe);
  assert.equal(tf.memory().numTensors, tensors, "tensors after 200 steps");
  assert.equal(heap().length, bytes, "wasm heap bytes after 200 steps");
  sgd.dispose();
  clvm.dispose();
  tf.dispose([x, labels]);
});
