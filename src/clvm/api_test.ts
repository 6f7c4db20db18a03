import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import { createCLVM } from "./model.ts";
import { VARIANT_NAMES } from "./variants.ts";
import { keypointCoordinates, oracleKeypointLocations, segmentationLabels } from "./heads.ts";
import { loadCheckpoint, readCheckpointFile, saveCheckpoint } from "./checkpoint.ts";

Deno.test("public entry points leave tf.memory().numTensors unchanged", async (t) => {
  await forEachBackend(t, async () => {
    for (const feedback of ["replicate", "switches", "zero-interlace"] as const) {
      for (const batchNorm of [false, true]) {
        const clvm = createCLVM({ variant: "M-CLVM2", architecture: "tiny", feedback, batchNorm });
        const x = tf.randomNormal([2, 16, 16, 3], 0, 1, "float32", 3) as tf.Tensor4D;
        // Warm once: kernels may cache constants on first use.
        tf.dispose(Object.values(clvm.predict(x)));
        const before = tf.memory().numTensors;
        tf.dispose(Object.values(clvm.predict(x)));
        const z = clvm.latents(x, 3);
        const s = clvm.score(x, z);
        tf.dispose([...z, s]);
        clvm.scoreTrace(x, 2).dispose();
        const stats = new Map();
        tf.dispose(Object.values(clvm.forward(x, { training: true, batchStats: stats })));
        clvm.updateBatchNormAverages(stats);
        for (const v of stats.values()) tf.dispose([v.mean, v.variance]);
        const path = await Deno.makeTempFile();
        await saveCheckpoint(clvm, path);
        const copy = await loadCheckpoint(path);
        copy.dispose();
        await Deno.remove(path);
        assert.equal(tf.memory().numTensors, before, `${feedback}, batchNorm ${batchNorm}`);
        x.dispose();
        clvm.dispose();
      }
    }
  });
});

Deno.test("saveCheckpoint()/loadCheckpoint() round-trip every parameter and the options", async (t) => {
  await forEachBackend(t, async () => {
    for (const variant of VARIANT_NAMES) {
      const clvm = createCLVM({
        variant,
        architecture: "tiny",
        batchNorm: true,
        feedback: "switches",
        seed: 42,
        ...(variant.includes("seg") ? {} : { heads: { keypoints: { channels: 7 } } }),
      });
      const path = await Deno.makeTempFile();
      await saveCheckpoint(clvm, path);
      const copy = await loadCheckpoint(path);
      assert.deepEqual(copy.options, clvm.options);
      const a = clvm.getWeights(), b = copy.getWeights();
      assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
      for (const name of Object.keys(a)) {
        assert.deepEqual(await values(b[name]!), await values(a[name]!), name);
      }
      copy.dispose();
      clvm.dispose();
      await Deno.remove(path);
    }
  });
});

Deno.test("loadCheckpoint() rejects a truncated or tampered file naming it", async () => {
  const clvm = createCLVM({ variant: "CLVM1-kp", architecture: "tiny" });
  const path = await Deno.makeTempFile();
  await saveCheckpoint(clvm, path);
  clvm.dispose();
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(() => loadCheckpoint(path), (e: Error) => {
    assert.match(e.message, /checksum does not match/);
    assert.ok(e.message.includes(path));
    return true;
  });
  const tampered = bytes.slice();
  tampered[tampered.length - 200]! ^= 1;
  await Deno.writeFile(path, tampered);
  await assert.rejects(() => readCheckpointFile(path), /truncated or was modified/);
  await Deno.writeFile(path, new TextEncoder().encode("not a checkpoint at all, really not"));
  await assert.rejects(() => loadCheckpoint(path), /expected a file starting with "CLVMCKPT"/);
  await Deno.remove(path);
});

Deno.test("bad input gets an error naming the expected and the received shape", () => {
  const clvm = createCLVM({ variant: "CLVM2-seg", architecture: "tiny" });
  const cases: [number[], RegExp][] = [
    [[16, 16, 3], /shape \[16, 16, 3\]: expected \[N, H, W, 3\]/],
    [[1, 16, 16, 4], /shape \[1, 16, 16, 4\]: expected \[N, H, W, 3\]/],
    [[1, 18, 16, 3], /shape \[1, 18, 16, 3\]: expected .* multiples of 4 \(the 2 NMS layers/],
  ];
  for (const [shape, message] of cases) {
    const x = tf.zeros(shape);
    assert.throws(() => clvm.predict(x), message);
    assert.throws(() => clvm.latents(x), message);
    x.dispose();
  }
  const x = tf.zeros([1, 8, 8, 3]);
  assert.throws(() => clvm.latents(x, 0), /Invalid passes 0: expected an integer ≥ 1/);
  const z = clvm.latents(x);
  assert.throws(() => clvm.score(x, z.slice(1)), /Cannot score 7 latent layers: this model has 8/);
  tf.dispose([x, ...z]);
  clvm.dispose();
});

Deno.test("unknown variants and options get an error listing the valid ones", () => {
  assert.throws(
    () => createCLVM({ variant: "CLVM3-seg" }),
    /Unknown variant "CLVM3-seg": expected one of CLVM1-seg, CLVM1-kp, CLVM2-seg, CLVM2-kp, M-CLVM1, M-CLVM2, M-CLVM2-untied/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => createCLVM({ pases: 2 } as any),
    /Unknown CLVM option "pases": expected one of architecture, passes, tied, feedback/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => createCLVM({ feedback: "unpool" as any }),
    /Unknown feedback "unpool": expected one of replicate, switches, zero-interlace/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => createCLVM({ architecture: "vgg" as any }),
    /Unknown architecture "vgg": expected one of paper, tiny/,
  );
  assert.throws(
    () => createCLVM({ heads: { segmentation: { layer: 9 } } }),
    /Invalid segmentation head layer 9: the architecture has layers 1..8/,
  );
});

Deno.test("setWeights() rejects another architecture's weights naming both shapes", () => {
  const clvm = createCLVM({ architecture: "tiny" });
  const w = tf.zeros([3, 3, 3, 64]);
  assert.throws(
    () => clvm.setWeights({ "conv1/kernel": w }),
    /Cannot set weight "conv1\/kernel": expected shape \[3, 3, 3, 8\], received \[3, 3, 3, 64\]/,
  );
  w.dispose();
  clvm.dispose();
});

Deno.test("head readouts: label maps at input size, keypoints at cell centres, the oracle", async (t) => {
  await forEachBackend(t, async () => {
    // 2×2 logits of 2 classes; class 1 wins in the left column only.
    const logits = tf.tensor4d([0, 1, 6, 5, 0, 1, 6, 5], [1, 2, 2, 2]) as tf.Tensor4D;
    const labels = segmentationLabels(logits, 2, 2);
    assert.deepEqual(Array.from(await labels.data()), [1, 0, 1, 0]);
    labels.dispose();
    const up = segmentationLabels(logits, 8, 8);
    assert.deepEqual(up.shape, [1, 8, 8]);
    up.dispose();
    logits.dispose();
    // One 3×4 map per keypoint; peaks at (row 2, col 1) and (row 0, col 3); stride 4.
    const maps = tf.buffer([1, 3, 4, 2]);
    maps.set(9, 0, 2, 1, 0);
    maps.set(7, 0, 0, 3, 1);
    const kp = keypointCoordinates(maps.toTensor() as tf.Tensor4D, 4);
    assertAllClose(await values(kp.xy), [6, 10, 14, 2], 0, 0, "keypoint centres");
    assertAllClose(await values(kp.peak), [9, 7], 0, 0, "peaks");
    tf.dispose([kp.xy, kp.peak]);
  });
  assert.deepEqual(oracleKeypointLocations([[9.2, 3.9], [-3, 100]], 4, 8, 8), [[10, 2], [2, 30]]);
});

Deno.test("batch norm: training mode normalizes each signal; inference uses the averages", async () => {
  const clvm = createCLVM({
    variant: "CLVM1-seg",
    architecture: "tiny",
    batchNorm: true,
    weightStd: 0.3,
  });
  const x = tf.randomNormal([4, 16, 16, 3], 0, 1, "float32", 9) as tf.Tensor4D;
  const stats = new Map();
  tf.dispose(Object.values(clvm.forward(x, { training: true, batchStats: stats })));
  assert.ok(stats.has("bn1/bottom") && stats.has("bn8/bottom"), [...stats.keys()].join(","));
  assert.ok(!stats.has("bn1/top"), "no top-down signal in a single bottom-up pass");
  // With running averages equal to this batch's statistics, inference equals training.
  clvm.updateBatchNormAverages(stats, 0);
  const train = clvm.forward(x, { training: true });
  const infer = clvm.predict(x);
  assertAllClose(await values(infer.segmentation!), await values(train.segmentation!), 1e-4, 1e-3);
  tf.dispose([...Object.values(train), ...Object.values(infer), x]);
  for (const v of stats.values()) tf.dispose([v.mean, v.variance]);
  clvm.dispose();
});

Deno.test("a head added to a variant without one must name its layer", () => {
  assert.throws(
    () => createCLVM({ variant: "CLVM1-seg", heads: { keypoints: { channels: 7 } } }),
    /The keypoints head needs a layer in 1..8 \(variant "CLVM1-seg" has no keypoints head\)/,
  );
});

Deno.test("signals(), activate() and head() take z1 apart and put it back together", async (t) => {
  await forEachBackend(t, async () => {
    const clvm = createCLVM({
      variant: "CLVM2-seg",
      architecture: "tiny",
      batchNorm: true,
      weightStd: 0.3,
    });
    const x = tf.randomNormal([1, 16, 16, 3], 0, 1, "float32", 4) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const { bottom, top } = clvm.signals(x, 1, 2);
    assert.ok(bottom && top, "layer 1 has both signals in pass 2");
    const z1 = clvm.activate(1, [bottom, top]);
    const z = clvm.latents(x, 2);
    assertAllClose(await values(z1), await values(z[0]!), 1e-5, 1e-5, "z1");
    const seg = clvm.head("segmentation", z1);
    // The generic path that signals() shares (predict() of a batch-norm model now runs the
    // fused kernels; fused_predict_test.ts checks those against forward()).
    const forward = clvm.forward(x).segmentation!;
    assertAllClose(await values(seg), await values(forward), 1e-4, 1e-4, "segmentation");
    tf.dispose([bottom, top, z1, ...z, seg, forward]);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    clvm.dispose();
  });
});
