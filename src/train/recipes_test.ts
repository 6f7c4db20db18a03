import assert from "node:assert/strict";
import { RECIPE_NAMES, RECIPES, resolveRecipe } from "./recipes.ts";

Deno.test("the paper recipe has the settings of the paper's §3", () => {
  const p = RECIPES.paper;
  assert.equal(p.batchSize, 32);
  assert.equal(p.learningRate, 0.01);
  assert.equal(p.momentum, 0.9);
  assert.equal(p.weightDecay, 0.0005);
  assert.equal(p.batchNorm, true);
  assert.equal(p.weightStd, 0.01);
  assert.equal(p.biasStd, 0.1);
  assert.equal(p.keypointDilation, 3);
  // MatConvNet's sum over pixels / batch diverges at lr 0.01 (measured, see the doc).
  assert.equal(p.lossNormalization, "mean");
  // The paper's loss: positives are not reweighted, in every recipe.
  for (const name of RECIPE_NAMES) assert.equal(RECIPES[name].keypointPositiveWeight, 1);
  assert.deepEqual(RECIPE_NAMES, ["paper", "quick"]);
});

Deno.test("resolveRecipe() applies overrides and rejects bad values by name", () => {
  const r = resolveRecipe("quick", { learningRate: 0.2, batchSize: 4, taskWeights: undefined });
  assert.equal(r.learningRate, 0.2);
  assert.equal(r.batchSize, 4);
  assert.deepEqual(r.taskWeights, RECIPES.quick.taskWeights);
  assert.equal(RECIPES.quick.learningRate !== 0.2, true, "the table itself is untouched");
  assert.throws(
    () => resolveRecipe("fast" as "paper"),
    /Unknown recipe "fast": expected one of paper, quick/,
  );
  assert.throws(
    () => resolveRecipe("paper", { batchSize: 0 }),
    /batchSize 0: expected an integer ≥ 1/,
  );
  assert.throws(() => resolveRecipe("paper", { learningRate: 0 }), /learningRate 0/);
  assert.throws(() => resolveRecipe("paper", { momentum: 1 }), /momentum 1/);
  assert.throws(
    () => resolveRecipe("paper", { keypointDilation: 2 }),
    /keypointDilation 2: expected odd/,
  );
  assert.throws(
    () => resolveRecipe("paper", { segmentationTarget: "nearest" as "upsample-logits" }),
    /segmentationTarget "nearest": expected one of upsample-logits, downsample-labels/,
  );
  assert.throws(
    () => resolveRecipe({ ...RECIPES.paper, taskWeights: { segmentation: -1, keypoints: 1 } }),
    /taskWeights\.segmentation -1/,
  );
});

Deno.test("resolveRecipe() checks the loss fields and fills them in for older recipes", () => {
  const { lossNormalization: _a, keypointBiasInit: _b, keypointPositiveWeight: _c, ...old } =
    RECIPES.quick;
  const r = resolveRecipe(old as typeof RECIPES.quick);
  assert.equal(r.lossNormalization, "mean", "stored before the field: trained with the mean");
  assert.equal(r.keypointBiasInit, "gaussian");
  assert.equal(r.keypointPositiveWeight, 1);
  assert.throws(
    () => resolveRecipe("paper", { lossNormalization: "sum" as "mean" }),
    /lossNormalization "sum": expected one of mean, sum-over-batch/,
  );
  assert.throws(
    () => resolveRecipe("paper", { keypointBiasInit: "zero" as "prior" }),
    /keypointBiasInit "zero": expected one of gaussian, prior/,
  );
  assert.throws(
    () => resolveRecipe("paper", { keypointPositiveWeight: 0 }),
    /keypointPositiveWeight 0: expected a number > 0/,
  );
});

Deno.test("resolveRecipe() checks the schedule and gives older recipes a constant η", () => {
  const { learningRateSchedule: _s, ...old } = { ...RECIPES.quick, learningRateSchedule: "cosine" };
  assert.equal(resolveRecipe(old as typeof RECIPES.quick).learningRateSchedule, "constant");
  assert.equal(
    resolveRecipe("quick", { learningRateSchedule: "cosine" }).learningRateSchedule,
    "cosine",
  );
  assert.throws(
    () => resolveRecipe("paper", { learningRateSchedule: "step" as "cosine" }),
    /learningRateSchedule "step": expected one of constant, cosine/,
  );
});
