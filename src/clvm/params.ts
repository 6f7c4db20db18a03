/**
 * The model's parameters: their names (docs/MODEL.md §6), shapes, and seeded initialization.
 *
 * @module
 */
import { tf, type Variable } from "../deps.ts";
import { mixSeed, Mulberry32 } from "../util/prng.ts";
import type { ResolvedOptions } from "./config.ts";

/** How a parameter is initialized and whether the optimizer updates it. */
export interface ParamSpec {
  /** The weight name (`conv{i}/kernel`, `bn{i}/bottom/gamma`, …). */
  name: string;
  /** Its shape. */
  shape: number[];
  /** Gaussian filters, Gaussian biases, or a constant. */
  init: "weight" | "bias" | "ones" | "zeros";
  /** Whether the optimizer updates it (batch-norm running averages do not). */
  trainable: boolean;
}

/** Head kernel size (docs/MODEL.md §3: a linear 5×5 conv). */
export const HEAD_KERNEL = 5;

/** Every parameter of a model with these options, in a fixed order. */
export function paramSpecs(options: ResolvedOptions): ParamSpec[] {
  const { layers, inputChannels, kernelSize: k } = options.architecture;
  const specs: ParamSpec[] = [];
  const channelsBelow = (i: number) => (i === 1 ? inputChannels : layers[i - 2]!.channels);
  for (let i = 1; i <= layers.length; i++) {
    const c = layers[i - 1]!.channels;
    specs.push({
      name: `conv${i}/kernel`,
      shape: [k, k, channelsBelow(i), c],
      init: "weight",
      trainable: true,
    });
    specs.push({ name: `conv${i}/bias`, shape: [c], init: "bias", trainable: true });
  }
  if (!options.tied) {
    // u_i carries z_i's signal down into layer i−1.
    for (let i = 2; i <= layers.length; i++) {
      specs.push({
        name: `topdown${i}/kernel`,
        shape: [k, k, channelsBelow(i), layers[i - 1]!.channels],
        init: "weight",
        trainable: true,
      });
    }
  }
  if (options.batchNorm) {
    for (let i = 1; i <= layers.length; i++) {
      const c = layers[i - 1]!.channels;
      const sides = i < layers.length ? ["bottom", "top"] : ["bottom"];
      for (const side of sides) {
        const base = `bn${i}/${side}`;
        specs.push({ name: `${base}/gamma`, shape: [c], init: "ones", trainable: true });
        specs.push({ name: `${base}/beta`, shape: [c], init: "zeros", trainable: true });
        specs.push({ name: `${base}/mean`, shape: [c], init: "zeros", trainable: false });
        specs.push({ name: `${base}/variance`, shape: [c], init: "ones", trainable: false });
      }
    }
  }
  for (const task of ["segmentation", "keypoints"] as const) {
    const head = options.heads[task];
    if (!head) continue;
    const cin = layers[head.layer - 1]!.channels;
    specs.push({
      name: `head/${task}/kernel`,
      shape: [HEAD_KERNEL, HEAD_KERNEL, cin, head.channels],
      init: "weight",
      trainable: true,
    });
    specs.push({
      name: `head/${task}/bias`,
      shape: [head.channels],
      init: "bias",
      trainable: true,
    });
  }
  return specs;
}

/** Gaussian samples from a seeded generator (Box–Muller), as float32. */
export function gaussian(count: number, std: number, seed: number): Float32Array {
  const rng = new Mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = 1 - rng.next();
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * Creates the parameters as tf variables: filters ~ N(0, weightStd²), biases ~
 * N(0, biasStd²) (paper: 0.01 and 0.1), batch-norm scale 1, shift 0. Each parameter
 * draws from its own stream (seed, position), so adding one leaves the others alone.
 */
export function initParams(options: ResolvedOptions): Map<string, Variable> {
  const params = new Map<string, tf.Variable>();
  paramSpecs(options).forEach((spec, index) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const stream = mixSeed(options.seed, index);
    const values = spec.init === "weight"
      ? gaussian(size, options.weightStd, stream)
      : spec.init === "bias"
      ? gaussian(size, options.biasStd, stream)
      : new Float32Array(size).fill(spec.init === "ones" ? 1 : 0);
    const t = tf.tensor(values, spec.shape, "float32");
    params.set(
      spec.name,
      tf.variable(t, spec.trainable, `clvm/${spec.name}/${crypto.randomUUID()}`),
    );
    t.dispose();
  });
  return params;
}

/**
 * The prior-probability bias `b = −log((1 − π)/π)` of a sigmoid head (as in detection
 * heads' focal-loss initialization): the bias whose sigmoid is the fraction π of positive
 * cells, so that training starts at the loss of predicting the base rate instead of
 * σ(0) = ½ everywhere. For a keypoint map, π = dilation² / (h·w).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { priorBias } from "./params.ts";
 * assert.equal(priorBias(9 / 256).toFixed(3), "-3.312");
 * ```
 */
export function priorBias(pi: number): number {
  if (!(pi > 0 && pi < 1)) {
    throw new Error(`Invalid prior probability ${pi}: expected a number in (0, 1)`);
  }
  return Math.log(pi / (1 - pi)); // = −log((1 − π)/π)
}

/**
 * Sets every channel of a head's bias (`head/{task}/bias`) to `value` — e.g. the
 * {@link priorBias} of a keypoint head — in place. An error when the model has no such head.
 *
 * @example
 * ```ts
 * import { createCLVM, initBackend } from "../../mod.ts";
 * import { initHeadBias, priorBias } from "./params.ts";
 * await initBackend("cpu");
 * const clvm = createCLVM({ variant: "CLVM1-kp", architecture: "tiny" });
 * initHeadBias(clvm.trainableVariables(), "keypoints", priorBias(0.01));
 * clvm.dispose();
 * ```
 */
export function initHeadBias(
  params: ReadonlyMap<string, Variable>,
  task: "segmentation" | "keypoints",
  value: number,
): void {
  const bias = params.get(`head/${task}/bias`);
  if (!bias) throw new Error(`Cannot set the ${task} head's bias: the model has no ${task} head`);
  if (!Number.isFinite(value)) {
    throw new Error(`Cannot set the ${task} head's bias to ${value}: expected a finite number`);
  }
  tf.tidy(() => bias.assign(tf.fill(bias.shape, value, "float32")));
}
