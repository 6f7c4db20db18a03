import assert from "node:assert/strict";
import { type CLVM, createCLVM, VARIANT_NAMES } from "../../mod.ts";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import { fusedPredict } from "./fused_predict.ts";

async function assertSameOutputs(clvm: CLVM, x: tf.Tensor4D, what: string): Promise<void> {
  const before = tf.memory().numTensors;
  const want = clvm.forward(x);
  const got = fusedPredict(clvm.options, clvm.getWeights(), x);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), what);
  for (const task of ["segmentation", "keypoints"] as const) {
    if (!want[task]) continue;
    assert.deepEqual(got[task]!.shape, want[task]!.shape);
    assertAllClose(
      await values(got[task]!),
      await values(want[task]!),
      1e-4,
      1e-4,
      `${what} ${task}`,
    );
  }
  tf.dispose([...Object.values(want), ...Object.values(got)]);
  assert.equal(tf.memory().numTensors, before, `${what}: tensors left behind`);
}

Deno.test("fusedPredict() equals the generic clvm.forward() for the tied variants and k = 1..3 (tiny)", async (t) => {
  await forEachBackend(t, async () => {
    const x = tf.randomUniform([2, 16, 24, 3], 0, 1, "float32", 5) as tf.Tensor4D;
    for (const variant of VARIANT_NAMES.filter((v) => !v.endsWith("untied"))) {
      for (const passes of [1, 2, 3]) {
        const clvm = createCLVM({ variant, passes, architecture: "tiny", seed: 3, weightStd: 0.1 });
        await assertSameOutputs(clvm, x, `${variant} k=${passes}`);
        clvm.dispose();
      }
    }
    x.dispose();
  });
});

Deno.test("fusedPredict() equals the generic clvm.forward() for the paper architecture at 16×16", async (t) => {
  await forEachBackend(t, async () => {
    const x = tf.randomUniform([1, 16, 16, 3], 0, 1, "float32", 6) as tf.Tensor4D;
    for (const variant of ["CLVM2-seg", "M-CLVM2"]) {
      const clvm = createCLVM({ variant, architecture: "paper", seed: 4 });
      await assertSameOutputs(clvm, x, variant);
      clvm.dispose();
    }
    x.dispose();
  });
});

/** Gives every batch norm of `clvm` random γ, β and running averages (they start at 1, 0, 0, 1). */
function randomizeBatchNorm(clvm: CLVM, seed: number): void {
  for (const [name, t] of Object.entries(clvm.getWeights())) {
    if (!name.startsWith("bn")) continue;
    const v = t as tf.Variable;
    const key = name.split("/").at(-1)!;
    const [lo, hi] = key === "gamma" ? [0.5, 2] : key === "variance" ? [0.2, 3] : [-0.5, 0.5];
    tf.tidy(() => v.assign(tf.randomUniform(v.shape, lo, hi, "float32", seed++)));
  }
}

Deno.test("fusedPredict() folds batch norm and takes untied filters: equals clvm.forward() in inference mode", async (t) => {
  await forEachBackend(t, async () => {
    const x = tf.randomUniform([2, 16, 24, 3], 0, 1, "float32", 7) as tf.Tensor4D;
    for (const variant of ["CLVM1-seg", "CLVM2-seg", "M-CLVM2", "M-CLVM2-untied"]) {
      for (const [batchNorm, passes] of [[true, 2], [true, 3], [false, 2]] as const) {
        const clvm = createCLVM({
          variant,
          passes: variant === "CLVM1-seg" ? 1 : passes,
          batchNorm,
          architecture: "tiny",
          seed: 5,
          weightStd: 0.1,
        });
        if (batchNorm) randomizeBatchNorm(clvm, 11);
        await assertSameOutputs(clvm, x, `${variant} batch norm ${batchNorm} k=${passes}`);
        clvm.dispose();
      }
    }
    x.dispose();
  });
});

Deno.test("fusedPredict() refuses what it does not compute", async () => {
  await tf.setBackend("cpu");
  const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  for (const feedback of ["switches", "zero-interlace"] as const) {
    const clvm = createCLVM({ feedback, variant: "CLVM2-seg", architecture: "tiny" });
    assert.throws(
      () => fusedPredict(clvm.options, clvm.getWeights(), x),
      new RegExp(`feedback "${feedback}": expected replicate feedback`),
    );
    clvm.dispose();
  }
  const clvm = createCLVM({ variant: "CLVM2-seg", architecture: "tiny" });
  const odd = tf.zeros([1, 6, 8, 3]) as tf.Tensor4D;
  assert.throws(
    () => fusedPredict(clvm.options, clvm.getWeights(), odd),
    /Cannot run the fused forward on x \[1,6,8,3\]: expected \[N, H, W, 3\] with H and W multiples of 4/,
  );
  assert.throws(
    () => fusedPredict(clvm.options, {}, x),
    /the weights have no "conv1\/kernel"/,
  );
  clvm.dispose();
  tf.dispose([x, odd]);
});
