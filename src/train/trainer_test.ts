import assert from "node:assert/strict";
import { join } from "node:path";
import { tf } from "../deps.ts";
import { initBackend } from "../backend.ts";
import { assertAllClose, testBackends, values } from "../testing.ts";
import type { ArchitectureSpec } from "../clvm/config.ts";
import { createCLVM } from "../clvm/model.ts";
import { gaussian } from "../clvm/params.ts";
import * as ref from "../clvm/reference.ts";
import { loadCheckpoint, readCheckpointFile } from "../clvm/checkpoint.ts";
import { VARIANT_NAMES } from "../clvm/variants.ts";
import { openToyDataset } from "./toy_dataset.ts";
import { resolveRecipe } from "./recipes.ts";
import { isDecayed } from "./losses.ts";
import { SGD } from "./sgd.ts";
import { toTensors } from "./_inputs.ts";
import { batches } from "../data/batches.ts";
import { createPreprocessor } from "../data/preprocess.ts";
import {
  batchSpec,
  modelOptions,
  prepareBackendForTraining,
  train,
  type TrainConfig,
  type TrainData,
  TrainingDivergedError,
  trainStep,
} from "./trainer.ts";

// The variants' 8-layer shape with 4–6 channels: fast enough for many steps on cpu.
const MICRO: ArchitectureSpec = {
  inputChannels: 3,
  layers: [
    { channels: 4, nms: false },
    { channels: 4, nms: true },
    { channels: 4, nms: false },
    { channels: 4, nms: true },
    { channels: 6, nms: false },
    { channels: 6, nms: false },
    { channels: 6, nms: false },
    { channels: 6, nms: false },
  ],
};
const WIDER: ArchitectureSpec = {
  ...MICRO,
  layers: MICRO.layers.map((l) => ({ ...l, channels: l.channels * 2 })),
};

function toyData(train = 16, val = 8, size = 16): TrainData {
  return {
    name: "toy-shapes",
    train: openToyDataset("train", train, size),
    val: openToyDataset("val", val, size),
    preprocess: { size, crop: "image" },
  };
}

const BASE = {
  variant: "M-CLVM2",
  architecture: MICRO,
  backend: "cpu",
  batchSize: 4,
  seed: 3,
} as const;

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "clvm_train_test_" });
  tempDirs.push(dir);
  return dir;
}
async function removeTempDirs(): Promise<void> {
  for (const dir of tempDirs.splice(0)) await Deno.remove(dir, { recursive: true });
}

/** Every tensor of two checkpoint files (weights and velocities), compared bit for bit. */
async function assertSameState(a: string, b: string, what: string): Promise<void> {
  const ca = await readCheckpointFile(a);
  const cb = await readCheckpointFile(b);
  assert.deepEqual([...ca.tensors.keys()].sort(), [...cb.tensors.keys()].sort(), what);
  for (const [name, t] of ca.tensors) {
    const u = cb.tensors.get(name)!;
    assert.deepEqual(u.shape, t.shape, `${what}: ${name} shape`);
    const differing = t.data.findIndex((v, i) => !Object.is(v, u.data[i]));
    assert.equal(differing, -1, `${what}: "${name}" differs at ${differing}`);
  }
  const sa = ca.meta.train as Record<string, unknown>;
  const sb = cb.meta.train as Record<string, unknown>;
  for (const key of ["epoch", "step", "batchInEpoch", "rngState", "best"]) {
    assert.deepEqual(sa[key], sb[key], `${what}: meta.train.${key}`);
  }
}

Deno.test("train(): resuming equals the continuous run, seeds decide the weights", async (t) => {
  const data = toyData();
  const before = (await initBackend("cpu"), tf.memory().numTensors);
  const straight = await tempDir();
  const r = await train({ ...BASE, dataset: data, epochs: 2, out: straight });
  assert.equal(r.epochs, 2);
  assert.equal(r.step, 8);
  assert.equal(r.backend, "cpu");
  assert.equal(tf.memory().numTensors, before, "train() leaves no tensors behind");

  const afterOne = join(await tempDir(), "after_one.ckpt");
  await t.step("1 epoch, stop, resume, 1 epoch → identical weights and velocities", async () => {
    const dir = await tempDir();
    await train({ ...BASE, dataset: data, epochs: 1, out: dir });
    await Deno.copyFile(join(dir, "last.ckpt"), afterOne);
    const resumed = await train({
      out: dir,
      resume: true,
      epochs: 2,
      dataset: data,
      backend: "cpu",
    });
    assert.equal(resumed.history.length, 1);
    assert.equal(resumed.history[0]!.epoch, 2);
    await assertSameState(join(straight, "last.ckpt"), join(dir, "last.ckpt"), "resumed");
    const log = (await Deno.readTextFile(join(dir, "log.jsonl"))).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    // Each call that completes the run's epochs ends with its baseline checks.
    assert.deepEqual(log.map((l) => l.event), [
      "start",
      "epoch",
      "baselines",
      "resume",
      "epoch",
      "baselines",
    ]);
    assert.deepEqual(log.filter((l) => l.event === "epoch").map((l) => l.epoch), [1, 2]);
    const epoch = log[4];
    for (const key of ["loss", "segmentation", "keypoints", "imagesPerSecond"]) {
      assert.ok(Number.isFinite(epoch.train[key]), `train.${key}`);
    }
    for (const key of ["loss", "pixelAccuracy", "keypointError"]) {
      assert.ok(Number.isFinite(epoch.val[key]), `val.${key}`);
    }
    assert.ok(epoch.memory.numTensors > 0);
  });

  await t.step("same seed → same weights, another seed → different", async () => {
    const same = await tempDir();
    await train({ ...BASE, dataset: data, epochs: 1, out: same });
    await assertSameState(afterOne, join(same, "last.ckpt"), "same seed");
    const other = await tempDir();
    await train({ ...BASE, seed: 4, dataset: data, epochs: 1, out: other });
    const a = await readCheckpointFile(afterOne);
    const b = await readCheckpointFile(join(other, "last.ckpt"));
    const w = (c: typeof a) => Array.from(c.tensors.get("conv1/kernel")!.data);
    assert.notDeepEqual(w(a), w(b));
  });

  await t.step(
    "killed within an epoch, resumed from a mid-epoch checkpoint → identical",
    async () => {
      const dir = await tempDir();
      const stopped = await train({
        ...BASE,
        dataset: data,
        epochs: 2,
        out: dir,
        checkpointEvery: 1,
        stopAfterSteps: 6,
      });
      assert.equal(stopped.stopped, "stop-after-steps");
      const mid = await readCheckpointFile(join(dir, "last.ckpt"));
      assert.deepEqual(
        [(mid.meta.train as { epoch: number }).epoch, (mid.meta.train as { step: number }).step],
        [1, 6],
      );
      await train({ out: dir, resume: true, dataset: data, backend: "cpu" });
      await assertSameState(join(straight, "last.ckpt"), join(dir, "last.ckpt"), "mid-epoch");
    },
  );

  await t.step("the checkpoints load as models", async () => {
    const model = await loadCheckpoint(join(straight, "best.ckpt"));
    assert.equal(model.options.passes, 2);
    assert.deepEqual(model.options.heads, {
      segmentation: { layer: 1, channels: 3 },
      keypoints: { layer: 5, channels: 2 },
    });
    model.dispose();
  });

  await t.step("a truncated or tampered checkpoint is rejected, naming the file", async () => {
    const dir = await tempDir();
    const path = join(dir, "last.ckpt");
    const bytes = await Deno.readFile(join(straight, "last.ckpt"));
    await Deno.writeFile(path, bytes.subarray(0, bytes.length >> 1));
    await assert.rejects(
      () => train({ out: dir, resume: true, dataset: data, backend: "cpu" }),
      (e: Error) => e.message.includes(`"${path}"`) && /truncated/.test(e.message),
    );
    const tampered = bytes.slice();
    tampered[tampered.length - 100]! ^= 0x40;
    await Deno.writeFile(path, tampered);
    await assert.rejects(
      () => train({ out: dir, resume: true, dataset: data, backend: "cpu" }),
      (e: Error) => e.message.includes(`"${path}"`) && /checksum/.test(e.message),
    );
  });

  await t.step("another architecture's checkpoint is rejected, naming both", async () => {
    const dir = await tempDir();
    await Deno.copyFile(join(straight, "last.ckpt"), join(dir, "last.ckpt"));
    await assert.rejects(
      () => train({ out: dir, resume: true, architecture: WIDER, dataset: data, backend: "cpu" }),
      /Cannot resume .* with different settings: architecture \{.*"channels":8.*\(the checkpoint has \{.*"channels":4/,
    );
    await assert.rejects(
      () => train({ out: dir, resume: true, seed: 9, dataset: data, backend: "cpu" }),
      /seed 9 \(the checkpoint has 3\)/,
    );
  });

  await t.step("a run never overwrites another, and resume needs a checkpoint", async () => {
    await assert.rejects(
      () => train({ ...BASE, dataset: data, epochs: 1, out: straight }),
      /already holds one.*pass --resume/,
    );
    const empty = await tempDir();
    await assert.rejects(
      () => train({ out: empty, resume: true, dataset: data }),
      /Cannot resume: ".*last\.ckpt" does not exist/,
    );
  });
  assert.equal(tf.memory().numTensors, before, "no tensors left behind by any run");
  await removeTempDirs();
});

Deno.test("train() stops at a NaN/infinite loss naming the step and keeps the checkpoint", async () => {
  const data = toyData(8, 4);
  const dir = await tempDir();
  // A learning rate of 1e30 puts weights near 1e29 after one step; the next loss overflows.
  const opts = { ...BASE, dataset: data, epochs: 1, out: dir, learningRate: 1e30 };
  await train({ ...opts, checkpointEvery: 1, stopAfterSteps: 1 });
  const path = join(dir, "last.ckpt");
  const before = await Deno.readFile(path);
  const error = await train({ ...opts, resume: true }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof TrainingDivergedError, `expected a divergence, got ${error}`);
  assert.equal(error.step, 2);
  assert.equal(error.checkpoint, path);
  assert.match(
    error.message,
    /Training diverged at step 2 \(epoch 1, batch 2 of 2\): the loss is (NaN|Infinity).*"[^"]*last\.ckpt" \(epoch 0, step 1\) is kept/,
  );
  assert.deepEqual(await Deno.readFile(path), before, "the last good checkpoint is untouched");
  const log = (await Deno.readTextFile(join(dir, "log.jsonl"))).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(log.map((l) => l.event), ["start", "resume", "diverged"]);
  assert.equal(log[2].step, 2);
  await removeTempDirs();
});

Deno.test("the tied top-down path's gradient matches central finite differences", async () => {
  await initBackend("cpu");
  prepareBackendForTraining("cpu");
  // 3 layers, NMS at 2; CLVM₂ with the head on z1, so conv2's and conv3's filters act
  // bottom-up and (tied) top-down. tfjs's float32 gradient against central differences
  // of the float64 plain-TypeScript reference (eps 1e-5: no ReLU/NMS kink is crossed).
  const arch: ArchitectureSpec = {
    inputChannels: 2,
    layers: [{ channels: 3, nms: false }, { channels: 2, nms: true }, { channels: 3, nms: false }],
  };
  const heads = { segmentation: { layer: 1, channels: 2 } };
  const opts = { architecture: arch, passes: 2, heads, weightStd: 0.4, biasStd: 0.2, seed: 5 };
  const clvm = createCLVM(opts);
  const xs = gaussian(2 * 8 * 8 * 2, 1, 11);
  const rs = gaussian(2 * 8 * 8 * 2, 1, 12);
  const x = tf.tensor4d(xs, [2, 8, 8, 2]);
  const r = tf.tensor4d(rs, [2, 8, 8, 2]);
  const objective = () => tf.sum(tf.mul(clvm.forward(x).segmentation!, r)) as tf.Scalar;
  const params = clvm.trainableVariables();
  const { grads } = tf.variableGrads(objective, [...params.values()]);
  const gradOf = (name: string) => grads[params.get(name)!.name]!;

  const stored = new Map<string, Float64Array>();
  for (const [name, t] of Object.entries(clvm.getWeights())) {
    stored.set(name, Float64Array.from(await values(t)));
  }
  const refObjective = (): number => {
    const net: ref.RefNet = {
      inputChannels: 2,
      layers: arch.layers,
      k: 3,
      w: [new Float64Array(), ...[1, 2, 3].map((i) => stored.get(`conv${i}/kernel`)!)],
      b: [new Float64Array(), ...[1, 2, 3].map((i) => stored.get(`conv${i}/bias`)!)],
    };
    const input: ref.Arr = { n: 2, h: 8, w: 8, c: 2, v: Float64Array.from(xs) };
    const z1 = ref.latents(net, input, 2, "replicate")[0]!;
    const logits = ref.conv(z1, stored.get("head/segmentation/kernel")!, 5, 2);
    const hb = stored.get("head/segmentation/bias")!;
    let s = 0;
    for (let q = 0; q < logits.v.length; q++) s += (logits.v[q]! + hb[q % 2]!) * rs[q]!;
    return s;
  };
  const y = tf.tidy(objective);
  assertAllClose(await values(y), [refObjective()], 1e-3, 1e-4, "objective vs reference");
  y.dispose();
  const fds = new Map<string, Float64Array>();
  for (const name of ["conv1/kernel", "conv2/kernel", "conv3/kernel", "conv2/bias"]) {
    const w = stored.get(name)!;
    const fd = new Float64Array(w.length);
    const eps = 1e-5;
    for (let i = 0; i < w.length; i++) {
      const keep = w[i]!;
      w[i] = keep + eps;
      const plus = refObjective();
      w[i] = keep - eps;
      const minus = refObjective();
      w[i] = keep;
      fd[i] = (plus - minus) / (2 * eps);
    }
    const scale = Math.max(...Array.from(fd, Math.abs));
    assert.ok(scale > 1e-2, `${name}: the objective depends on it`);
    assertAllClose(await values(gradOf(name)), fd, 1e-3 * scale, 1e-3, `gradient of ${name}`);
    fds.set(name, fd);
  }

  // The untied model with u_i = w_i: its two gradients add up to the tied one, and the
  // top-down part is not zero (so the tied gradient really carries both uses).
  const untied = createCLVM({ ...opts, tied: false });
  const weights = clvm.getWeights();
  untied.setWeights({
    ...weights,
    "topdown2/kernel": weights["conv2/kernel"]!,
    "topdown3/kernel": weights["conv3/kernel"]!,
  });
  const uParams = untied.trainableVariables();
  const { grads: ug } = tf.variableGrads(
    () => tf.sum(tf.mul(untied.forward(x).segmentation!, r)) as tf.Scalar,
    [...uParams.values()],
  );
  for (const i of [2, 3]) {
    const bottom = await values(ug[uParams.get(`conv${i}/kernel`)!.name]!);
    const top = await values(ug[uParams.get(`topdown${i}/kernel`)!.name]!);
    assert.ok(top.some((v) => Math.abs(v) > 1e-2), `topdown${i} gets a gradient`);
    // The bottom-up use alone does not explain the finite differences.
    assert.throws(() => assertAllClose(bottom, fds.get(`conv${i}/kernel`)!, 1e-2, 1e-2));
    assertAllClose(
      bottom.map((v, j) => v + top[j]!),
      await values(gradOf(`conv${i}/kernel`)),
      1e-3,
      1e-4,
      `tied conv${i} = untied conv${i} + topdown${i}`,
    );
  }
  tf.dispose([x, r, ...Object.values(grads), ...Object.values(ug)]);
  clvm.dispose();
  untied.dispose();
});

/** A model, optimizer and one fixed batch of toy images for step-level tests. */
async function stepFixture(variant: string, size: number, count: number, recipeName = "quick") {
  const recipe = resolveRecipe(recipeName as "quick");
  const config: TrainConfig = {
    variant: variant as TrainConfig["variant"],
    architecture: MICRO,
    dataset: "toy-shapes",
    root: null,
    preprocess: { size, crop: "image" },
    seed: 2,
    epochs: 1,
    recipe,
    heads: { segmentation: 3, keypoints: 2 },
    checkpointEvery: 0,
  };
  const clvm = createCLVM(modelOptions(config));
  const sgd = new SGD(clvm.trainableVariables(), {
    learningRate: recipe.learningRate,
    momentum: recipe.momentum,
    weightDecay: recipe.weightDecay,
    decays: isDecayed,
  });
  const set = openToyDataset("train", count, size);
  const pre = createPreprocessor({ size, crop: "image" });
  let batch: ReturnType<typeof toTensors> | undefined;
  for await (const data of batches(set, { batchSize: count, preprocess: pre, shuffle: false })) {
    batch = toTensors(data, batchSpec(clvm, recipe, size));
  }
  return { clvm, sgd, batch: batch!, recipe };
}

Deno.test("every variant's loss falls on the toy task within 30 steps", async (t) => {
  await initBackend("cpu");
  prepareBackendForTraining("cpu");
  for (const variant of VARIANT_NAMES) {
    await t.step(variant, async () => {
      const { clvm, sgd, batch, recipe } = await stepFixture(variant, 16, 8);
      const losses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await trainStep(clvm, sgd, batch, recipe);
        assert.ok(r.finite);
        losses.push(r.loss);
      }
      const last = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
      assert.ok(
        last < 0.5 * losses[0]!,
        `${variant}: loss ${losses[0]!.toFixed(3)} → ${last.toFixed(3)} (want < half)`,
      );
      sgd.dispose();
      clvm.dispose();
      tf.dispose([batch.x, batch.labels!, batch.keypointTargets!]);
    });
  }
});

Deno.test("200 training steps leave the tensor count flat (and GPU bytes on webgpu)", async (t) => {
  for (const backend of await testBackends()) {
    await t.step(backend, async () => {
      await initBackend(backend);
      prepareBackendForTraining(backend);
      const steps = backend === "cpu" ? 200 : 20;
      const { clvm, sgd, batch, recipe } = await stepFixture("M-CLVM2-untied", 8, 2);
      const counts: number[] = [];
      const gpu: number[] = [];
      for (let i = 0; i < steps; i++) {
        await trainStep(clvm, sgd, batch, recipe);
        counts.push(tf.memory().numTensors);
        const bytes = (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU;
        if (bytes !== undefined) gpu.push(bytes);
      }
      assert.equal(counts.at(-1), counts[0], `numTensors ${counts[0]} → ${counts.at(-1)}`);
      assert.ok(counts.every((c) => c === counts[0]));
      if (gpu.length) assert.equal(gpu.at(-1), gpu[4], `GPU bytes ${gpu[4]} → ${gpu.at(-1)}`);
      sgd.dispose();
      clvm.dispose();
      tf.dispose([batch.x, batch.labels!, batch.keypointTargets!]);
    });
  }
});

Deno.test("train(): a cosine schedule anneals η per step, and resumes to the same weights", async () => {
  await initBackend("cpu");
  const data = toyData();
  const recipe = resolveRecipe("quick", { learningRateSchedule: "cosine", batchSize: 4 });
  const options = { ...BASE, recipe, dataset: data, epochs: 2 } as const;
  const straight = await tempDir();
  const r = await train({ ...options, out: straight });
  // 16 images / 4 = 4 steps an epoch, 8 in all; an epoch logs the η of its last step.
  const eta = recipe.learningRate;
  const expected = [3, 7].map((t) => eta * 0.5 * (1 + Math.cos(Math.PI * t / 8)));
  for (const [i, record] of r.history.entries()) {
    assert.ok(Math.abs(record.learningRate - expected[i]!) < 1e-15, `epoch ${i + 1}`);
  }
  const stopped = await tempDir();
  await train({ ...options, out: stopped, checkpointEvery: 1, stopAfterSteps: 5 });
  await train({ out: stopped, resume: true, dataset: data, backend: "cpu" });
  await assertSameState(join(straight, "last.ckpt"), join(stopped, "last.ckpt"), "cosine");
  // Another length would have annealed the first steps otherwise: refused, naming why.
  await assert.rejects(
    () => train({ out: stopped, resume: true, epochs: 3, dataset: data, backend: "cpu" }),
    /epochs 3 \(the checkpoint has 2, and its cosine learning-rate schedule is fixed/,
  );
  await removeTempDirs();
});
