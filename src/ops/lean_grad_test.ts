import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import { prepareBackendForTraining } from "../train/prepare_backend.ts";
import { createCLVM } from "../clvm/model.ts";
import { FEEDBACK_MODES } from "./feedback.ts";
import { addSignals, reluKeepingOutput } from "./lean_grad.ts";
import { releasingGradients } from "./_custom_grad.ts";
import { convSame } from "./conv.ts";

Deno.test("addSignals and reluKeepingOutput: values and gradients of tfjs's add and relu", async (t) => {
  await forEachBackend(t, async () => {
    const a = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 1) as tf.Tensor4D;
    const b = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 2) as tf.Tensor4D;
    const bias = tf.randomNormal([5], 0, 1, "float32", 3) as tf.Tensor1D;
    const r = tf.randomNormal([2, 3, 4, 5], 0, 1, "float32", 4);
    const ours = (p: tf.Tensor4D, q: tf.Tensor4D, c: tf.Tensor1D) =>
      tf.sum(tf.mul(reluKeepingOutput(addSignals([p, q], c)), r));
    const theirs = (p: tf.Tensor4D, q: tf.Tensor4D, c: tf.Tensor1D) =>
      tf.sum(tf.mul(tf.relu(tf.add(tf.add(p, q), c)), r));
    const g1 = tf.grads(ours as (...x: tf.Tensor[]) => tf.Tensor)([a, b, bias]);
    const g2 = tf.grads(theirs as (...x: tf.Tensor[]) => tf.Tensor)([a, b, bias]);
    for (let i = 0; i < 3; i++) {
      assertAllClose(await values(g1[i]!), await values(g2[i]!), 1e-5, 1e-5, `gradient ${i}`);
    }
    // The gradient is not trivially zero: it flows where relu passes.
    assert.ok((await values(g1[0]!)).some((v) => v !== 0));
    // One signal.
    const one = addSignals([a], bias);
    assertAllClose(await values(one), await values(tf.add(a, bias)), 1e-6, 1e-6, "one signal");
    assert.throws(() => addSignals([a, tf.zeros([2, 3, 4, 4]) as tf.Tensor4D], bias), /shapes/);
    assert.throws(() => addSignals([a], tf.zeros([4]) as tf.Tensor1D), /5 channels/);
    tf.dispose([a, b, bias, r, ...g1, ...g2, one]);
  }, ["cpu", "wasm"]);
});

Deno.test("convSame's gradients are tf.conv2d's", async (t) => {
  await forEachBackend(t, async (backend) => {
    prepareBackendForTraining(backend);
    const x = tf.randomNormal([2, 6, 5, 3], 0, 1, "float32", 5) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 8], 0, 1, "float32", 6) as tf.Tensor4D;
    const r = tf.randomNormal([2, 6, 5, 8], 0, 1, "float32", 7);
    const f =
      (conv: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r));
    const ours = tf.grads(f(convSame))([x, w]);
    const theirs = tf.grads(f((a, b) => tf.conv2d(a, b, 1, "same")))([x, w]);
    for (let i = 0; i < 2; i++) {
      assertAllClose(await values(ours[i]!), await values(theirs[i]!), 1e-4, 1e-4, `grad ${i}`);
    }
    tf.dispose([x, w, r, ...ours, ...theirs]);
  }, ["cpu", "wasm"]);
});

Deno.test("releasingGradients: the same gradients of a CLVM with batch norm, at a lower peak", async (t) => {
  await forEachBackend(t, async (backend) => {
    prepareBackendForTraining(backend);
    for (const feedback of FEEDBACK_MODES) {
      const clvm = createCLVM({
        variant: "CLVM2-seg",
        architecture: "tiny",
        batchNorm: true,
        feedback,
        heads: { segmentation: { channels: 3 } },
        seed: 3,
      });
      const x = tf.randomNormal([2, 16, 16, 3], 0, 1, "float32", 8) as tf.Tensor4D;
      const r = tf.randomNormal([2, 16, 16, 3], 0, 1, "float32", 9);
      const params = [...clvm.trainableVariables().values()];
      const objective = () =>
        tf.sum(tf.mul(clvm.forward(x, { training: true }).segmentation!, r)) as tf.Scalar;
      const run = async (release: boolean) => {
        const before = tf.memory().numTensors;
        let out!: { value: tf.Scalar; grads: tf.NamedTensorMap };
        const info = await tf.profile(() => {
          out = release
            ? releasingGradients(() => tf.variableGrads(objective, params))
            : tf.variableGrads(objective, params);
          return out.value;
        });
        const grads = await Promise.all(params.map((p) => values(out.grads[p.name]!)));
        tf.dispose([out.value, ...Object.values(out.grads)]);
        // Nothing leaks (the batch-norm statistics of a training forward go to the model).
        assert.equal(tf.memory().numTensors, before, `${feedback}: tensors after the step`);
        return { peak: info.peakBytes, grads };
      };
      const plain = await run(false);
      const lean = await run(true);
      plain.grads.forEach((g, i) =>
        assertAllClose(lean.grads[i]!, g, 1e-6, 1e-6, `${feedback}: ${params[i]!.name}`)
      );
      assert.ok(
        lean.peak < 0.8 * plain.peak,
        `${feedback}: peak ${lean.peak} bytes with release, ${plain.peak} without`,
      );
      tf.dispose([x, r]);
      clvm.dispose();
    }
  }, ["cpu", "wasm"]);
});
