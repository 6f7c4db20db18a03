/**
 * The recipe's initialization of a keypoint head's bias (`Recipe.keypointBiasInit`).
 *
 * @module
 */
import type { CLVM } from "../clvm/model.ts";
import { initHeadBias, priorBias } from "../clvm/params.ts";
import type { Recipe } from "./recipes.ts";

/**
 * The fraction π of positive cells in a keypoint target map of an `inputSize` input:
 * one `dilation×dilation` square per keypoint on a `(inputSize/stride)²` map (capped
 * below 1; invisible and border-clipped points are not discounted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keypointPositiveFraction } from "./head_init.ts";
 * assert.ok(Math.abs(keypointPositiveFraction(64, 4, 3) - 9 / 256) < 1e-12);
 * ```
 */
export function keypointPositiveFraction(
  inputSize: number,
  stride: number,
  dilation: number,
): number {
  const side = Math.ceil(inputSize / stride);
  return Math.min(0.5, (dilation * dilation) / (side * side));
}

/**
 * Sets the keypoint head's bias of a freshly created model to the prior-probability bias
 * when the recipe asks for it (`keypointBiasInit: "prior"`); otherwise, or without a
 * keypoint head, leaves the model as created. Returns the bias set, or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCLVM, initBackend } from "../../mod.ts";
 * import { RECIPES } from "./recipes.ts";
 * import { initKeypointBias } from "./head_init.ts";
 * await initBackend("cpu");
 * const clvm = createCLVM({ variant: "CLVM1-kp", architecture: "tiny" });
 * const bias = initKeypointBias(clvm, { ...RECIPES.quick, keypointBiasInit: "prior" }, 64);
 * assert.ok(bias !== null && bias < 0); // a rare positive: a negative log-odds bias
 * clvm.dispose();
 * ```
 */
export function initKeypointBias(clvm: CLVM, recipe: Recipe, inputSize: number): number | null {
  const head = clvm.options.heads.keypoints;
  if (!head || recipe.keypointBiasInit !== "prior") return null;
  const pi = keypointPositiveFraction(inputSize, clvm.stride(head.layer), recipe.keypointDilation);
  const bias = priorBias(pi);
  initHeadBias(clvm.trainableVariables(), "keypoints", bias);
  return bias;
}
