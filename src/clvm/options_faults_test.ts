// Fault injection for createCLVM's options (issue 13 §5/§6): every wrong type or value is
// one error naming the option, the value and what was expected; nothing is coerced.
import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { createCLVM, weightNames } from "./model.ts";
import { type CLVMOptions, resolveOptions } from "./config.ts";
import { VARIANTS } from "./variants.ts";

const resolve = (o: unknown) => resolveOptions(o as CLVMOptions, VARIANTS);

Deno.test("resolveOptions() refuses values of the wrong type instead of coercing them", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    [
      "tied as a string",
      { tied: "false" },
      /^Error: Invalid tied "false": expected a boolean \(true or false\), found a string$/,
    ],
    [
      "tied as a number",
      { tied: 0 },
      /^Error: Invalid tied 0: expected a boolean \(true or false\), found a number$/,
    ],
    ["tied as null", { tied: null }, /^Error: Invalid tied null: expected a boolean/],
    [
      "batchNorm as a string",
      { batchNorm: "no" },
      /^Error: Invalid batchNorm "no": expected a boolean \(true or false\), found a string$/,
    ],
    [
      "nms of a layer as a string",
      { architecture: { inputChannels: 3, layers: [{ channels: 4, nms: "no" }] } },
      /^Error: Invalid nms of architecture layer 1 "no": expected a boolean/,
    ],
    ["passes NaN", { passes: NaN }, /^Error: Invalid passes NaN: expected an integer ≥ 1$/],
    [
      "passes Infinity",
      { passes: Infinity },
      /^Error: Invalid passes Infinity: expected an integer ≥ 1$/,
    ],
    ["passes as a string", { passes: "2" }, /^Error: Invalid passes "2": expected an integer ≥ 1$/],
    ["passes 1.5", { passes: 1.5 }, /^Error: Invalid passes 1.5: expected an integer ≥ 1$/],
    ["seed NaN", { seed: NaN }, /^Error: Invalid seed NaN: expected an integer$/],
    ["seed as a string", { seed: "7" }, /^Error: Invalid seed "7": expected an integer$/],
    [
      "weightStd Infinity",
      { weightStd: Infinity },
      /^Error: Invalid weightStd Infinity: expected a finite number ≥ 0$/,
    ],
    ["biasStd NaN", { biasStd: NaN }, /^Error: Invalid biasStd NaN: expected a finite number ≥ 0$/],
    [
      "feedback as a number",
      { feedback: 3 },
      /^Error: Unknown feedback 3: expected one of replicate, switches, zero-interlace$/,
    ],
    [
      "variant as a number",
      { variant: 2 },
      /^Error: Invalid variant 2: expected a string, found a number$/,
    ],
    [
      "variant from Object.prototype",
      { variant: "toString" },
      /^Error: Unknown variant "toString": expected one of CLVM1-seg/,
    ],
    [
      "architecture from Object.prototype",
      { architecture: "constructor" },
      /^Error: Unknown architecture "constructor"/,
    ],
    [
      "architecture as a number",
      { architecture: 8 },
      /^Error: Invalid architecture 8: expected an object$/,
    ],
    [
      "heads as a string",
      { heads: "segmentation" },
      /^Error: Invalid heads "segmentation": expected an object$/,
    ],
    [
      "a head as true",
      { heads: { segmentation: true } },
      /^Error: Invalid segmentation head true: expected an object$/,
    ],
    [
      "head layer NaN",
      { heads: { keypoints: { layer: NaN } } },
      /^Error: Invalid keypoints head layer NaN: expected an integer ≥ 1$/,
    ],
    ["options as an array", [], /^Error: Invalid CLVM options an array: expected an object$/],
    ["options as null", null, /^Error: Invalid CLVM options null: expected an object$/],
    [
      "an unknown key",
      { batchnorm: true },
      /^Error: Unknown CLVM option "batchnorm": expected one of architecture, passes, tied, feedback, batchNorm, heads, seed, weightStd, biasStd, variant$/,
    ],
    [
      "an unknown head field",
      { heads: { segmentation: { layer: 2, chanels: 3 } } },
      /^Error: Unknown segmentation head field "chanels": expected one of layer, channels$/,
    ],
    [
      "a variant with a wrong override",
      { variant: "CLVM2-seg", tied: "false" },
      /^Error: Invalid tied "false"/,
    ],
  ];
  for (const [name, options, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => resolve(options), message);
      // weightNames() resolves the same options without a backend.
      assert.throws(() => weightNames(options as CLVMOptions), message);
    });
  }
});

Deno.test("resolveOptions() keeps real booleans and their defaults", () => {
  assert.equal(resolve({ tied: false }).tied, false);
  assert.equal(resolve({}).tied, true);
  assert.equal(resolve({ batchNorm: true }).batchNorm, true);
  assert.equal(resolve({}).batchNorm, false);
  const arch = resolve({
    architecture: { inputChannels: 3, layers: [{ channels: 4 }, { channels: 4, nms: true }] },
  });
  assert.deepEqual(arch.architecture.layers.map((l) => l.nms), [false, true]);
  assert.equal(resolve({ variant: "M-CLVM2-untied" }).tied, false);
});

Deno.test("CLVM.forward() refuses non-boolean training/lazy and unknown options", async () => {
  await initBackend("cpu");
  const { tf } = await import("../deps.ts");
  const clvm = createCLVM({ variant: "CLVM1-seg", architecture: "tiny" });
  const x = tf.zeros([1, 8, 8, 3]);
  const before = tf.memory().numTensors;
  assert.throws(
    () => clvm.forward(x, { training: "false" } as never),
    /^Error: Invalid forward option training "false": expected a boolean \(true or false\)$/,
  );
  assert.throws(
    () => clvm.forward(x, { lazzy: false } as never),
    /Unknown forward option "lazzy": expected one of passes, training, lazy, batchStats/,
  );
  assert.throws(
    () => clvm.forward(x, { passes: NaN }),
    /Invalid passes NaN: expected an integer ≥ 1/,
  );
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  clvm.dispose();
});
