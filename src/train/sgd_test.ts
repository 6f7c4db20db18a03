import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import { SGD } from "./sgd.ts";

Deno.test("SGD.step() follows momentum and weight decay as worked out by hand", async (t) => {
  await forEachBackend(t, async () => {
    const w = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const sgd = new SGD(new Map([["w", w], ["b", b]]), {
      learningRate: 0.1,
      momentum: 0.9,
      weightDecay: 0.1,
      decays: (name) => name === "w",
    });
    const g = tf.tensor1d([0.5]);
    // w: v1 = 0.5 + 0.1·1 = 0.6, w1 = 1 − 0.06 = 0.94;
    //    v2 = 0.9·0.6 + 0.5 + 0.1·0.94 = 1.134, w2 = 0.94 − 0.1134 = 0.8266.
    // b (no decay): v1 = 0.5, b1 = 0.95; v2 = 0.95, b2 = 0.855.
    sgd.step(new Map([["w", g], ["b", g]]));
    sgd.step(new Map([["w", g], ["b", g]]));
    assertAllClose(await values(w), [0.8266], 1e-6, 1e-6, "w");
    assertAllClose(await values(b), [0.855], 1e-6, 1e-6, "b");
    assert.equal(sgd.iterations, 2);
    // A parameter without a gradient moves along its velocity only (b: v3 = 0.855, b3 = 0.7695).
    sgd.step(new Map([["w", g]]));
    assertAllClose(await values(b), [0.855 - 0.1 * 0.855], 1e-6, 1e-6, "b without gradient");
    assert.throws(() => sgd.step(new Map([["nope", g]])), /no such parameter/);
    sgd.dispose();
    tf.dispose([w, b, g]);
  });
});

Deno.test("SGD state saved and restored continues exactly like the original", async () => {
  const make = (v: number[]) => tf.variable(tf.tensor2d(v, [2, 2]));
  const w1 = make([1, 2, 3, 4]);
  const sgd1 = new SGD(new Map([["w", w1]]), {
    learningRate: 0.05,
    momentum: 0.9,
    weightDecay: 0.01,
  });
  const grads = [[0.3, -0.2, 0.1, 0.7], [-0.4, 0.2, 0.5, 0.1], [0.9, -0.9, 0.3, 0.3]].map((g) =>
    tf.tensor2d(g, [2, 2])
  );
  sgd1.step(new Map([["w", grads[0]!]]));
  sgd1.step(new Map([["w", grads[1]!]]));
  const saved = await sgd1.state();
  assert.equal(saved.iterations, 2);
  assert.deepEqual([...saved.tensors.keys()], ["sgd/velocity/w"]);
  // A second optimizer over a copy of the weights, restored from the saved state.
  const w2 = make(Array.from(await values(w1)));
  const sgd2 = new SGD(new Map([["w", w2]]), {
    learningRate: 0.05,
    momentum: 0.9,
    weightDecay: 0.01,
  });
  sgd2.setState(saved);
  sgd1.step(new Map([["w", grads[2]!]]));
  sgd2.step(new Map([["w", grads[2]!]]));
  assert.deepEqual(await values(w2), await values(w1));
  assert.equal(sgd2.iterations, 3);
  // Wrong or missing velocities name the parameter and both shapes.
  const bad = new Map([["sgd/velocity/w", { shape: [4], data: new Float32Array(4) }]]);
  assert.throws(
    () => sgd2.setState({ iterations: 1, tensors: bad }, 'checkpoint "x.ckpt"'),
    /checkpoint "x\.ckpt".*"w" has shape \[4\] there but the parameter has shape \[2, 2\]/,
  );
  assert.throws(
    () => sgd2.setState({ iterations: 1, tensors: new Map() }),
    /no velocity for "w"/,
  );
  sgd1.dispose();
  sgd2.dispose();
  tf.dispose([w1, w2, ...grads]);
});

Deno.test("new SGD() rejects invalid hyper-parameters by name", () => {
  const params = new Map<string, tf.Variable>();
  assert.throws(
    () => new SGD(params, { learningRate: -1, momentum: 0.9, weightDecay: 0 }),
    /learning rate -1/,
  );
  assert.throws(
    () => new SGD(params, { learningRate: 0.1, momentum: 1, weightDecay: 0 }),
    /momentum 1: expected a finite number ≥ 0 and < 1/,
  );
  assert.throws(
    () => new SGD(params, { learningRate: 0.1, momentum: 0.5, weightDecay: NaN }),
    /weight decay NaN/,
  );
});
