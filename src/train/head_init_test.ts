import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { initBackend } from "../backend.ts";
import { values } from "../testing.ts";
import { createCLVM } from "../clvm/model.ts";
import { initHeadBias, priorBias } from "../clvm/params.ts";
import { RECIPES } from "./recipes.ts";
import { initKeypointBias, keypointPositiveFraction } from "./head_init.ts";

Deno.test("priorBias() is the logit of π, so that σ(b) = π", () => {
  for (const pi of [0.001, 9 / 784, 0.25, 0.5]) {
    const b = priorBias(pi);
    assert.ok(Math.abs(1 / (1 + Math.exp(-b)) - pi) < 1e-12, `π ${pi}`);
  }
  assert.equal(priorBias(0.5), 0);
  assert.throws(() => priorBias(0), /prior probability 0: expected a number in \(0, 1\)/);
  assert.throws(() => priorBias(1), /prior probability 1/);
});

Deno.test("keypointPositiveFraction() is dilation² over the map's cells", () => {
  assert.equal(keypointPositiveFraction(64, 4, 3), 9 / 256);
  assert.equal(keypointPositiveFraction(112, 4, 3), 9 / 784);
  assert.equal(keypointPositiveFraction(8, 4, 3), 0.5, "capped below 1");
});

Deno.test("initKeypointBias() sets the keypoint bias for the prior recipe only", async () => {
  await initBackend("cpu");
  const before = tf.memory().numTensors;
  const clvm = createCLVM({ variant: "M-CLVM1", architecture: "tiny", seed: 2 });
  const bias = () => values(clvm.trainableVariables().get("head/keypoints/bias")!);
  const segBias = await values(clvm.trainableVariables().get("head/segmentation/bias")!);
  const gaussian = await bias();
  assert.equal(
    initKeypointBias(clvm, { ...RECIPES.quick, keypointBiasInit: "gaussian" }, 64),
    null,
  );
  assert.deepEqual(await bias(), gaussian, "gaussian: left as created");
  const b = initKeypointBias(clvm, { ...RECIPES.quick, keypointBiasInit: "prior" }, 64)!;
  assert.ok(Math.abs(b - Math.log(9 / 247)) < 1e-9, `bias ${b}`);
  for (const v of await bias()) assert.ok(Math.abs(v - b) < 1e-6);
  assert.deepEqual(
    await values(clvm.trainableVariables().get("head/segmentation/bias")!),
    segBias,
    "the segmentation head is untouched",
  );
  clvm.dispose();
  const seg = createCLVM({ variant: "CLVM1-seg", architecture: "tiny" });
  assert.equal(initKeypointBias(seg, { ...RECIPES.quick, keypointBiasInit: "prior" }, 64), null);
  assert.throws(
    () => initHeadBias(seg.trainableVariables(), "keypoints", 0),
    /the model has no keypoints head/,
  );
  seg.dispose();
  assert.equal(tf.memory().numTensors, before);
});
