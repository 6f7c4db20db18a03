import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import { Mulberry32 } from "../util/mod.ts";
import { buildNativeKernels } from "./native_build.ts";
import { loadNative, nativeSoftmaxXent, setNativeThreads } from "./native.ts";
import { softmaxXentArrays } from "./softmax_xent_cpu.ts";
import { softmaxXentSum } from "./softmax_xent.ts";

const IGNORE = 255;

/** Logits in [-6, 6] and labels in 0..C−1, with some ignored and some out of range. */
function problem(pixels: number, classes: number, seed: number) {
  const rng = new Mulberry32(seed);
  const logits = Float32Array.from({ length: pixels * classes }, () => rng.next() * 12 - 6);
  const labels = Int32Array.from({ length: pixels }, () => {
    const u = rng.next();
    return u < 0.1 ? IGNORE : u < 0.13 ? classes + 2 : Math.floor(rng.next() * classes);
  });
  return { logits, labels };
}

/** The loss sum, count and gradient straight from the definition, in float64. */
function reference(logits: Float32Array, labels: Int32Array, classes: number) {
  let sum = 0, count = 0;
  const grad = new Float64Array(logits.length);
  labels.forEach((y, p) => {
    if (y === IGNORE) return;
    count++;
    if (y < 0 || y >= classes) return;
    const row = Array.from(logits.subarray(p * classes, (p + 1) * classes));
    const z = row.reduce((s, l) => s + Math.exp(l), 0);
    sum += Math.log(z) - row[y]!;
    row.forEach((l, k) => (grad[p * classes + k] = Math.exp(l) / z - (k === y ? 1 : 0)));
  });
  return { sum, count, grad };
}

Deno.test("softmaxXentArrays() is the float64 definition, ignored and out-of-range labels included", () => {
  for (const [pixels, classes] of [[1, 2], [700, 3], [1300, 5]] as const) {
    const { logits, labels } = problem(pixels, classes, pixels);
    const want = reference(logits, labels, classes);
    const got = softmaxXentArrays(logits, labels, classes, IGNORE);
    assert.equal(got.count, want.count);
    assertAllClose([got.sum], [want.sum], 1e-5 * Math.max(1, want.sum), 1e-6, "sum");
    assertAllClose(got.grad, want.grad, 1e-6, 1e-5, "gradient");
  }
});

const native = await buildNativeKernels();

Deno.test({
  name: "the native softmax cross-entropy equals softmaxXentArrays(), alike on 1 and 3 threads",
  ignore: native.path === null,
  fn() {
    assert.equal(loadNative(native.path!), null);
    // 1,300 pixels: three blocks of the kernel's 512, the last one partial.
    for (const [pixels, classes] of [[1, 2], [1300, 3], [2048, 7]] as const) {
      const { logits, labels } = problem(pixels, classes, 3 * pixels);
      const want = softmaxXentArrays(logits, labels, classes, IGNORE);
      const runs = [1, 3].map((threads) => {
        const previous = setNativeThreads(threads);
        try {
          const grad = new Float32Array(logits.length).fill(Number.NaN);
          const out = new Float32Array(2);
          nativeSoftmaxXent(logits, labels, grad, out, classes, IGNORE);
          return { grad, out };
        } finally {
          setNativeThreads(previous);
        }
      });
      for (const { grad, out } of runs) {
        assert.equal(out[1], want.count);
        assertAllClose([out[0]!], [want.sum], 1e-5 * Math.max(1, want.sum), 1e-6, "sum");
        assertAllClose(grad, want.grad, 1e-6, 1e-6, `gradient, ${pixels} × ${classes}`);
      }
      assert.deepEqual(runs[0], runs[1], "1 and 3 threads give the same floats");
    }
  },
});

Deno.test("softmaxXentSum(): value and gradient of the one-hot composition it replaces", async (t) => {
  await forEachBackend(t, async () => {
    const { logits, labels } = problem(2 * 5 * 6, 3, 9);
    const l = tf.tensor4d(logits, [2, 5, 6, 3]);
    const y = tf.tensor3d(labels, [2, 5, 6], "int32");
    // The composition of train/losses.ts before this kernel, written out here.
    const composed = (x: tf.Tensor) =>
      tf.tidy(() => {
        const mask = tf.cast(tf.notEqual(y, IGNORE), "float32");
        const safe = tf.where(tf.notEqual(y, IGNORE), y, tf.zerosLike(y));
        const target = tf.mul(tf.oneHot(tf.cast(safe, "int32"), 3), tf.expandDims(mask, 3));
        return tf.sum(tf.mul(target, tf.neg(tf.logSoftmax(x, 3))));
      });
    const fused = (x: tf.Tensor) => {
      const r = softmaxXentSum(x, y, IGNORE)!;
      r.count.dispose();
      return r.sum;
    };
    const r = softmaxXentSum(l, y, IGNORE)!;
    assert.equal((await values(r.count))[0], labels.filter((v) => v !== IGNORE).length);
    const [v1, v2] = [r.sum, composed(l)];
    assertAllClose(await values(v1), await values(v2), 1e-4, 1e-6, "value");
    const [g1, g2] = [tf.grad(fused)(l), tf.grad(composed)(l)];
    assertAllClose(await values(g1), await values(g2), 1e-6, 1e-5, "gradient");
    assert.throws(() => softmaxXentSum(l, tf.zeros([2, 5], "int32"), IGNORE), /labels of shape/);
    tf.dispose([l, y, r.count, v1, v2, g1, g2]);
  }, ["cpu", "wasm"]);
});
