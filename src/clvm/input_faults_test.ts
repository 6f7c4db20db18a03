// Fault injection for the model's inputs (issue 13 §5/§6, issue 12 §5): non-finite
// images give NaN outputs for exactly those images on every backend; a non-tensor or a
// disposed tensor gives one sentence; createCLVM() before initBackend() says what to do.
import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { forEachBackend, testBackends, values } from "../testing.ts";
import { createCLVM, setInferenceKernels } from "./model.ts";
import type { BackendName } from "../backend.ts";

const backends = async (): Promise<BackendName[]> => {
  const names = await testBackends();
  return [...names, "wasm"];
};

/** Image 0 all +Infinity, image 1 NaN at one pixel, image 2 ordinary. */
function faultyBatch(): { batch: tf.Tensor4D; good: tf.Tensor4D } {
  return tf.tidy(() => {
    const good = tf.randomUniform([1, 16, 16, 3], 0, 1, "float32", 5) as tf.Tensor4D;
    const inf = tf.fill([1, 16, 16, 3], Infinity) as tf.Tensor4D;
    const mask = tf.equal(tf.range(0, 16 * 16 * 3).reshape([1, 16, 16, 3]), 100);
    const oneNaN = tf.where(mask, tf.fill([1, 16, 16, 3], NaN), good) as tf.Tensor4D;
    return { batch: tf.concat([inf, oneNaN, good]), good: tf.keep(good) };
  });
}

const allNaN = (v: Float32Array) => v.every(Number.isNaN);

Deno.test("non-finite images give all-NaN outputs for those images only, on every backend", async (t) => {
  await forEachBackend(t, async (backend) => {
    const { batch, good } = faultyBatch();
    for (const variant of ["CLVM2-seg", "CLVM2-kp", "M-CLVM2-untied"] as const) {
      const clvm = createCLVM({ variant, architecture: "tiny", seed: 2 });
      tf.dispose(Object.values(clvm.predict(batch))); // warm: kernels may cache constants
      const before = tf.memory().numTensors;
      for (const kernels of ["fused", "generic"] as const) {
        const previous = setInferenceKernels(kernels);
        const out = clvm.predict(batch);
        const alone = clvm.predict(good);
        setInferenceKernels(previous);
        for (const task of ["segmentation", "keypoints"] as const) {
          const o = out[task];
          if (!o) continue;
          const [, h, w, c] = o.shape;
          const per = h * w * c;
          const v = await values(o);
          const what = `${backend} ${variant} ${kernels} ${task}`;
          assert.ok(allNaN(v.subarray(0, per)), `${what}: the all-Infinity image`);
          assert.ok(allNaN(v.subarray(per, 2 * per)), `${what}: the image with one NaN`);
          // The ordinary image equals its prediction alone (no contamination across images).
          const ref = await values(alone[task]!);
          const mine = v.subarray(2 * per);
          assert.ok(mine.every(Number.isFinite), `${what}: the ordinary image is finite`);
          for (let i = 0; i < per; i++) {
            assert.ok(
              Math.abs(mine[i]! - ref[i]!) <= 1e-4 + 1e-4 * Math.abs(ref[i]!),
              `${what}: element ${i} is ${mine[i]}, alone ${ref[i]}`,
            );
          }
        }
        tf.dispose([...Object.values(out), ...Object.values(alone)]);
      }
      const z = clvm.latents(batch);
      for (const [k, zk] of z.entries()) {
        const v = await values(zk);
        const per = v.length / 3;
        assert.ok(allNaN(v.subarray(0, 2 * per)), `${backend} latents z${k + 1}`);
        assert.ok(v.subarray(2 * per).every(Number.isFinite), `${backend} latents z${k + 1}`);
      }
      const score = clvm.score(batch, z);
      const s = await values(score);
      assert.ok(Number.isNaN(s[0]!) && Number.isNaN(s[1]!) && Number.isFinite(s[2]!));
      tf.dispose([...z, score]);
      const trace = clvm.scoreTrace(batch, 1);
      const tv = await values(trace);
      for (let r = 0; r < trace.shape[0]; r++) {
        assert.ok(Number.isNaN(tv[3 * r]!) && Number.isFinite(tv[3 * r + 2]!), `trace row ${r}`);
      }
      trace.dispose();
      const sig = clvm.signals(batch, 1, 2);
      const bv = await values(sig.bottom!);
      assert.ok(allNaN(bv.subarray(0, bv.length / 3)));
      tf.dispose([sig.bottom, sig.top].filter((x): x is tf.Tensor4D => x !== null));
      assert.equal(tf.memory().numTensors, before, `${backend} ${variant}: tensors leaked`);
      clvm.dispose();
    }
    tf.dispose([batch, good]);
  }, await backends());
});

Deno.test("non-finite inputs keep the training graph differentiable (NaN loss, not a crash)", async (t) => {
  await forEachBackend(t, async () => {
    const clvm = createCLVM({ variant: "CLVM1-seg", architecture: "tiny" });
    const x = tf.fill([1, 8, 8, 3], NaN) as tf.Tensor4D;
    const vars = [...clvm.trainableVariables().values()];
    const { value, grads } = tf.variableGrads(
      () => tf.mean(clvm.forward(x, { training: true }).segmentation!) as tf.Scalar,
      vars,
    );
    assert.ok(Number.isNaN((await value.data())[0]!));
    tf.dispose([value, ...Object.values(grads), x]);
    clvm.dispose();
  }, ["cpu"]);
});

Deno.test("a non-tensor or disposed input is one sentence, not a tfjs internal error", async (t) => {
  await forEachBackend(t, () => {
    const clvm = createCLVM({ variant: "CLVM1-seg", architecture: "tiny" });
    const shape = /expected a tf\.Tensor of shape \[N, H, W, 3\] with H and W multiples of 4/;
    for (
      const [what, input, message] of [
        ["an array", [[1, 2, 3]], /^Error: Cannot run the CLVM on an array: /],
        ["a number", 3, /^Error: Cannot run the CLVM on a number: /],
        ["null", null, /^Error: Cannot run the CLVM on null: /],
        ["undefined", undefined, /^Error: Cannot run the CLVM on undefined: /],
        ["a typed array", new Float32Array(192), /^Error: Cannot run the CLVM on a Float32Array: /],
      ] as const
    ) {
      for (
        const call of [
          () => clvm.predict(input as never),
          () => clvm.forward(input as never),
          () => clvm.latents(input as never),
        ]
      ) {
        assert.throws(call, message, what);
        assert.throws(call, shape, what);
      }
    }
    const x = tf.zeros([1, 8, 8, 3]);
    x.dispose();
    for (const call of [() => clvm.predict(x), () => clvm.forward(x), () => clvm.latents(x)]) {
      assert.throws(
        call,
        /^Error: Cannot run the CLVM on a disposed tensor of shape \[1, 8, 8, 3\]: it was disposed before the call/,
      );
    }
    clvm.dispose();
  }, ["cpu"]);
});

Deno.test("createCLVM() before initBackend() throws one sentence saying to await initBackend()", async () => {
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const code = `import { createCLVM, initBackend } from ${JSON.stringify(mod)};
let message = "no error";
try { createCLVM({ variant: "CLVM1-seg", architecture: "tiny" }); } catch (e) { message = e.message; }
console.log(message);
await initBackend("cpu");
const clvm = createCLVM({ variant: "CLVM1-seg", architecture: "tiny" });
console.log("after init:", clvm.layerCount);
clvm.dispose();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const [first, second] = text.trim().split("\n");
  assert.equal(
    first,
    "Cannot run createCLVM() before a tfjs backend is initialized: call `await initBackend()` " +
      '(or `await initBackend("cpu")`) first',
  );
  assert.equal(second, "after init: 8");
});
