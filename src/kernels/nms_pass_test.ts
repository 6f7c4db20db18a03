import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { tf } from "../deps.ts";
import { forEachBackend, testBackends, values } from "../testing.ts";
import { Mulberry32 } from "../util/prng.ts";
import { nmsPassComposed, nmsRelu } from "../ops/nms.ts";
import { buildNativeKernels } from "./native_build.ts";
import { loadNative, nativeNmsPass, setNativeThreads } from "./native.ts";
import { nmsPass, nmsReluFused } from "./nms_pass.ts";
import { nmsPassArrays } from "./nms_pass_cpu.ts";

type Shape4 = [number, number, number, number];

/** Values from a few levels, so that groups hold ties (and zeros) often. */
function levels(n: number, seed: number): Float32Array {
  const rng = new Mulberry32(seed);
  const options = [-1, 0, 0.25, 0.5, 1, 2];
  return Float32Array.from({ length: n }, () => options[Math.floor(rng.next() * options.length)]!);
}

const SHAPES: Shape4[] = [[1, 2, 2, 1], [2, 4, 6, 3], [3, 6, 4, 17], [1, 8, 10, 8]];

Deno.test("nmsPassArrays() equals the tfjs composition of ops/nms.ts, ties and NaNs included", async () => {
  await initBackend("cpu");
  for (const [k, shape] of SHAPES.entries()) {
    const data = levels(shape.reduce((a, b) => a * b, 1), 10 + k);
    if (k === 1) data[5] = Number.NaN; // one group with a NaN: its last cell wins
    const a = tf.tensor4d(data, shape);
    const want = nmsPassComposed(a);
    assert.deepEqual(nmsPassArrays(data, shape), await values(want), `shape ${shape}`);
    tf.dispose([a, want]);
  }
});

const native = await buildNativeKernels();

Deno.test({
  name: "the native NMS mask equals nmsPassArrays(), alike on 1 and 3 threads",
  ignore: native.path === null,
  fn() {
    assert.equal(loadNative(native.path!), null);
    for (const [k, shape] of [...SHAPES, [4, 12, 14, 24] as Shape4].entries()) {
      const data = levels(shape.reduce((a, b) => a * b, 1), 20 + k);
      data[3] = Number.NaN;
      const want = nmsPassArrays(data, shape);
      for (const threads of [1, 3]) {
        const previous = setNativeThreads(threads);
        try {
          const got = new Float32Array(data.length).fill(7);
          nativeNmsPass(data, got, shape);
          assert.deepEqual(got, want, `shape ${shape}, ${threads} threads`);
        } finally {
          setNativeThreads(previous);
        }
      }
    }
  },
});

Deno.test("nmsReluFused() and its gradient equal ops/nms.ts's nmsRelu on every backend", async (t) => {
  const backends = [...new Set([...await testBackends(), "wasm" as const])];
  await forEachBackend(t, async () => {
    const shape: Shape4 = [2, 6, 8, 5];
    const a = tf.tensor4d(levels(2 * 6 * 8 * 5, 3), shape);
    const dy = tf.randomUniform(shape, -1, 1, "float32", 4);
    const grad = (f: (x: tf.Tensor4D) => tf.Tensor4D) =>
      tf.grad((x) => tf.sum(tf.mul(f(x as tf.Tensor4D), dy)))(a);
    const made = [nmsReluFused(a), nmsRelu(a), grad(nmsReluFused), grad(nmsRelu)];
    made.push(nmsPass(a), nmsPassComposed(a));
    const [v1, v2, g1, g2, m1, m2] = await Promise.all(made.map(values));
    assert.deepEqual(v1, v2, "value");
    assert.deepEqual(g1, g2, "gradient");
    assert.deepEqual(m1, m2, "mask");
    tf.dispose([a, dy, ...made]);
  }, backends);
});
