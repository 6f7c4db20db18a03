import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, testBackends, values } from "../testing.ts";
import type { BackendName } from "../backend.ts";
import { batchNormTraining } from "./batch_norm.ts";
import { batchNormGradArrays, batchNormTrainArrays } from "./batch_norm_cpu.ts";
import { buildNativeKernels } from "./native_build.ts";
import {
  loadNative,
  nativeBatchNormGrad,
  nativeBatchNormTrain,
  setNativeThreads,
} from "./native.ts";

const EPS = 1e-5;

/** Float64 batch norm from its definition: two-pass statistics, then γ·x̂ + β. */
function twinForward(x: Float64Array, c: number, gamma: Float64Array, beta: Float64Array) {
  const m = x.length / c;
  const mean = new Float64Array(c), variance = new Float64Array(c);
  for (let i = 0; i < x.length; i++) mean[i % c]! += x[i]! / m;
  for (let i = 0; i < x.length; i++) variance[i % c]! += (x[i]! - mean[i % c]!) ** 2 / m;
  const y = x.map((v, i) =>
    gamma[i % c]! * (v - mean[i % c]!) / Math.sqrt(variance[i % c]! + EPS) + beta[i % c]!
  );
  return { y, mean, variance };
}

/**
 * Float64 gradient of L = Σ w·y by the chain rule through μ and σ² written out term by term
 * (not the closed form the kernels use): ∂L/∂x̂, then ∂L/∂σ², ∂L/∂μ, then ∂L/∂x.
 */
function twinGrad(
  w: Float64Array,
  x: Float64Array,
  c: number,
  gamma: Float64Array,
) {
  const m = x.length / c;
  const { mean, variance } = twinForward(x, c, gamma, new Float64Array(c));
  const s = variance.map((v) => 1 / Math.sqrt(v + EPS));
  const dgamma = new Float64Array(c), dbeta = new Float64Array(c);
  const dvar = new Float64Array(c), dmean = new Float64Array(c);
  const dxhat = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    const xhat = (x[i]! - mean[ch]!) * s[ch]!;
    dgamma[ch]! += w[i]! * xhat;
    dbeta[ch]! += w[i]!;
    dxhat[i] = w[i]! * gamma[ch]!;
    dvar[ch]! += dxhat[i]! * (x[i]! - mean[ch]!) * -0.5 * s[ch]! ** 3;
  }
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    dmean[ch]! += -dxhat[i]! * s[ch]! - dvar[ch]! * 2 * (x[i]! - mean[ch]!) / m;
  }
  const dx = x.map((v, i) => {
    const ch = i % c;
    return dxhat[i]! * s[ch]! + dvar[ch]! * 2 * (v - mean[ch]!) / m + dmean[ch]! / m;
  });
  return { dx, dgamma, dbeta };
}

function seeded(n: number, seed: number, lo: number, hi: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

async function backends(): Promise<BackendName[]> {
  return [...new Set<BackendName>(["cpu", "wasm", ...await testBackends()])];
}

Deno.test("the float64 twin's gradient agrees with central differences of Σ w·y", () => {
  const c = 3, shape = [2, 3, 2, c];
  const n = shape.reduce((a, b) => a * b, 1);
  const x = seeded(n, 1, -2, 3), w = seeded(n, 2, -1, 1);
  const gamma = seeded(c, 3, 0.5, 2), beta = seeded(c, 4, -1, 1);
  const loss = (xs: Float64Array, g: Float64Array, b: Float64Array) =>
    twinForward(xs, c, g, b).y.reduce((a, v, i) => a + v * w[i]!, 0);
  const g = twinGrad(w, x, c, gamma);
  const h = 1e-6;
  const central = (arr: Float64Array, i: number, f: () => number) => {
    const v = arr[i]!;
    arr[i] = v + h;
    const up = f();
    arr[i] = v - h;
    const down = f();
    arr[i] = v;
    return (up - down) / (2 * h);
  };
  const f = () => loss(x, gamma, beta);
  for (let i = 0; i < n; i++) assertAllClose([g.dx[i]!], [central(x, i, f)], 1e-6, 1e-6, `dx ${i}`);
  for (let i = 0; i < c; i++) {
    assertAllClose([g.dgamma[i]!], [central(gamma, i, f)], 1e-6, 1e-6, `dgamma ${i}`);
    assertAllClose([g.dbeta[i]!], [central(beta, i, f)], 1e-6, 1e-6, `dbeta ${i}`);
  }
});

Deno.test("batchNormTrainArrays() and batchNormGradArrays() match the float64 twin, off-centre data too", () => {
  // An offset of 100 with a spread of 1 checks the shifted sums against cancellation.
  for (const offset of [0, 100]) {
    const c = 5, shape = [3, 4, 6, c];
    const n = shape.reduce((a, b) => a * b, 1);
    const x = seeded(n, 5, offset - 1, offset + 1), w = seeded(n, 6, -1, 1);
    const gamma = seeded(c, 7, 0.5, 2), beta = seeded(c, 8, -1, 1);
    const x32 = Float32Array.from(x), w32 = Float32Array.from(w);
    const x64 = Float64Array.from(x32);
    const want = twinForward(x64, c, gamma, beta);
    const got = batchNormTrainArrays(x32, shape, gamma, beta, EPS);
    assertAllClose(got.y, want.y, 1e-5, 1e-5, `y (offset ${offset})`);
    assertAllClose(got.mean, want.mean, 1e-5, 1e-6, `mean (offset ${offset})`);
    assertAllClose(got.variance, want.variance, 1e-6, 1e-5, `variance (offset ${offset})`);
    const wantG = twinGrad(Float64Array.from(w32), x64, c, gamma);
    const g = batchNormGradArrays(w32, x32, shape, gamma, got.mean, got.variance, EPS);
    assertAllClose(g.dx, wantG.dx, 1e-4, 1e-4, `dx (offset ${offset})`);
    assertAllClose(g.dgamma, wantG.dgamma, 1e-4, 1e-4, `dgamma (offset ${offset})`);
    assertAllClose(g.dbeta, wantG.dbeta, 1e-4, 1e-5, `dbeta (offset ${offset})`);
  }
});

const native = await buildNativeKernels();

Deno.test({
  name:
    "the native batch norm matches the float64 twin over several blocks, alike on 1 and 3 threads",
  ignore: native.path === null,
  fn() {
    assert.equal(loadNative(native.path!), null);
    for (const offset of [0, 100]) {
      // 1,551 positions: three whole blocks of 512 rows and a partial one.
      const c = 7, m = 3 * 11 * 47;
      const x = Float32Array.from(seeded(m * c, 9, offset - 1, offset + 1));
      const dy = Float32Array.from(seeded(m * c, 10, -1, 1));
      const gamma = Float32Array.from(seeded(c, 11, 0.5, 2));
      const beta = Float32Array.from(seeded(c, 12, -1, 1));
      const run = (threads: number) => {
        const previous = setNativeThreads(threads);
        try {
          const y = new Float32Array(m * c), mean = new Float32Array(c);
          const variance = new Float32Array(c);
          nativeBatchNormTrain(x, gamma, beta, y, mean, variance, EPS);
          const dx = new Float32Array(m * c), dgamma = new Float32Array(c);
          const dbeta = new Float32Array(c);
          nativeBatchNormGrad(dy, x, gamma, mean, variance, dx, dgamma, dbeta, EPS);
          return { y, mean, variance, dx, dgamma, dbeta };
        } finally {
          setNativeThreads(previous);
        }
      };
      const got = run(1);
      const x64 = Float64Array.from(x), g64 = Float64Array.from(gamma);
      const want = twinForward(x64, c, g64, Float64Array.from(beta));
      assertAllClose(got.y, want.y, 1e-5, 1e-5, `y (offset ${offset})`);
      assertAllClose(got.mean, want.mean, 1e-5, 1e-6, `mean (offset ${offset})`);
      assertAllClose(got.variance, want.variance, 1e-6, 1e-5, `variance (offset ${offset})`);
      const wantG = twinGrad(Float64Array.from(dy), x64, c, g64);
      assertAllClose(got.dx, wantG.dx, 1e-4, 1e-4, `dx (offset ${offset})`);
      assertAllClose(got.dgamma, wantG.dgamma, 1e-4, 1e-4, `dgamma (offset ${offset})`);
      assertAllClose(got.dbeta, wantG.dbeta, 1e-4, 1e-5, `dbeta (offset ${offset})`);
      assert.deepEqual(run(3), got, `threads change the floats (offset ${offset})`);
    }
  },
});

Deno.test("batchNormTraining() and its gradient match the float64 twin and central differences", async (t) => {
  await forEachBackend(t, async (backend) => {
    for (const shape of [[2, 5, 7, 8], [3, 4, 4, 3], [6, 2]]) {
      const c = shape[shape.length - 1]!;
      const n = shape.reduce((a, b) => a * b, 1);
      const x64 = Float64Array.from(Float32Array.from(seeded(n, 11, -2, 3)));
      const w64 = Float64Array.from(Float32Array.from(seeded(n, 12, -1, 1)));
      const g64 = Float64Array.from(Float32Array.from(seeded(c, 13, 0.5, 2)));
      const b64 = Float64Array.from(Float32Array.from(seeded(c, 14, -1, 1)));
      const x = tf.tensor(Float32Array.from(x64), shape);
      const w = tf.tensor(Float32Array.from(w64), shape);
      const gamma = tf.tensor1d(Float32Array.from(g64));
      const beta = tf.tensor1d(Float32Array.from(b64));
      const before = tf.memory().numTensors;
      const what = `${backend} [${shape.join(", ")}]`;

      const out = batchNormTraining(x, gamma, beta, EPS);
      const want = twinForward(x64, c, g64, b64);
      assertAllClose(await values(out.y), want.y, 1e-5, 1e-5, `y ${what}`);
      assertAllClose(await values(out.mean), want.mean, 1e-6, 1e-5, `mean ${what}`);
      assertAllClose(await values(out.variance), want.variance, 1e-6, 1e-5, `variance ${what}`);
      tf.dispose([out.y, out.mean, out.variance]);

      const loss = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.tidy(() => {
          const r = batchNormTraining(xs, g as tf.Tensor1D, b as tf.Tensor1D, EPS);
          tf.dispose([r.mean, r.variance]);
          return tf.sum(tf.mul(r.y, w));
        });
      const grads = tf.grads(loss)([x, gamma, beta]);
      const wantG = twinGrad(w64, x64, c, g64);
      assertAllClose(await values(grads[0]!), wantG.dx, 1e-4, 1e-4, `dx ${what}`);
      assertAllClose(await values(grads[1]!), wantG.dgamma, 1e-4, 1e-4, `dgamma ${what}`);
      assertAllClose(await values(grads[2]!), wantG.dbeta, 1e-4, 1e-5, `dbeta ${what}`);

      // Central differences through the op itself (float32: h = 1e-2, a few coordinates).
      const h = 1e-2;
      const xs = await values(x);
      const dx = await values(grads[0]!);
      for (const i of [0, Math.floor(n / 3), n - 1]) {
        const at = async (d: number) => {
          const v = xs.slice();
          v[i] = v[i]! + d;
          const xt = tf.tensor(v, shape);
          const l = loss(xt, gamma, beta);
          const r = (await values(l))[0]!;
          tf.dispose([xt, l]);
          return r;
        };
        const fd = (await at(h) - await at(-h)) / (2 * h);
        assertAllClose([dx[i]!], [fd], 2e-2, 2e-2, `central difference of x[${i}] ${what}`);
      }
      tf.dispose(grads);
      assert.equal(tf.memory().numTensors, before, `tensors leaked ${what}`);
      tf.dispose([x, w, gamma, beta]);
    }
  }, await backends());
});

Deno.test("batchNormTraining() names the shapes it cannot normalize", () => {
  const x = tf.zeros([2, 3]);
  const g = tf.ones([4]) as tf.Tensor1D;
  assert.throws(
    () => batchNormTraining(x, g, g, EPS),
    /Cannot batch-normalize x of shape \[2, 3\] with gamma \[4\] and beta \[4\]/,
  );
  tf.dispose([x, g]);
});
