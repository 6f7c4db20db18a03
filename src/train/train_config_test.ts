import assert from "node:assert/strict";
import { resolveConfig } from "./train_config.ts";
import { openToyDataset, TOY_DATASET } from "./toy_dataset.ts";
import { RECIPES } from "./recipes.ts";

const data = () => ({
  name: TOY_DATASET,
  train: openToyDataset("train", 4, 16),
  val: openToyDataset("val", 2, 16),
  preprocess: { size: 16, crop: "image" as const },
});

Deno.test("resolveConfig: keypointWeight overrides the recipe's keypoint task weight only", async () => {
  const { config } = await resolveConfig(
    { variant: "M-CLVM1", out: "unused", dataset: data(), keypointWeight: 10, learningRate: 0.02 },
    undefined,
    () => {},
  );
  assert.equal(config.recipe.taskWeights.keypoints, 10);
  assert.equal(config.recipe.taskWeights.segmentation, RECIPES.quick.taskWeights.segmentation);
  assert.equal(config.recipe.learningRate, 0.02);
  assert.equal(RECIPES.quick.taskWeights.keypoints, 1, "the named recipe is not changed");
  const plain = await resolveConfig(
    { variant: "M-CLVM1", out: "unused", dataset: data() },
    undefined,
    () => {},
  );
  assert.deepEqual(plain.config.recipe.taskWeights, RECIPES.quick.taskWeights);
});

Deno.test("resolveConfig: a negative or non-finite keypointWeight is refused by name", async () => {
  for (const w of [-1, NaN, Infinity]) {
    await assert.rejects(
      resolveConfig(
        { variant: "M-CLVM1", out: "unused", dataset: data(), keypointWeight: w },
        undefined,
        () => {},
      ),
      /Invalid keypointWeight/,
    );
  }
});
