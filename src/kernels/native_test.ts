import assert from "node:assert/strict";
import { initBackend } from "../backend.ts";
import { tf } from "../deps.ts";
import { Mulberry32 } from "../util/prng.ts";
import { buildNativeKernels } from "./native_build.ts";
import {
  loadNative,
  nativeConvFilterGrad,
  nativeConvForward,
  type NativeConvShape,
  nativePath,
  setNativeThreads,
  unloadNative,
} from "./native.ts";

const build = await buildNativeKernels();
const ignore = build.path === null;
if (ignore) console.warn(`native kernel tests skip: ${build.reason}`);

// Only a machine without a compiler (or a run without the permissions) may skip the native
// tests: a compiler that fails on our sources is a failure, not a skip.
Deno.test("the native kernels build wherever a C compiler runs", () => {
  assert.ok(build.path !== null || !/failed to build/.test(build.reason), build.reason);
});

/** Deterministic uniform values in [-1, 1). */
function random(n: number, seed: number): Float32Array {
  const rng = new Mulberry32(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** The input pixel a tap reads for an output pixel, or -1 outside the image (float64 loops). */
function inputIndex(s: NativeConvShape, b: number, p: number, q: number, i: number, j: number) {
  const r = p + i - s.padTop, c = q + j - s.padLeft;
  return r < 0 || r >= s.h || c < 0 || c >= s.w ? -1 : (b * s.h + r) * s.w + c;
}

/** y = conv(x, w), w [fh, fw, ci, co], from the definition in float64. */
function referenceForward(x: Float32Array, w: Float32Array, s: NativeConvShape): Float64Array {
  const y = new Float64Array(s.n * s.oh * s.ow * s.co);
  for (let b = 0; b < s.n; b++) {
    for (let p = 0; p < s.oh; p++) {
      for (let q = 0; q < s.ow; q++) {
        for (let i = 0; i < s.fh; i++) {
          for (let j = 0; j < s.fw; j++) {
            const px = inputIndex(s, b, p, q, i, j);
            if (px < 0) continue;
            for (let c = 0; c < s.ci; c++) {
              const xv = x[px * s.ci + c]!;
              const wb = ((i * s.fw + j) * s.ci + c) * s.co;
              const yb = ((b * s.oh + p) * s.ow + q) * s.co;
              for (let o = 0; o < s.co; o++) y[yb + o]! += xv * w[wb + o]!;
            }
          }
        }
      }
    }
  }
  return y;
}

/** dw[i, j, c, o] = Σ x[·, p + i − t, q + j − l, c] · dy[·, p, q, o], in float64. */
function referenceFilterGrad(x: Float32Array, dy: Float32Array, s: NativeConvShape) {
  const dw = new Float64Array(s.fh * s.fw * s.ci * s.co);
  for (let b = 0; b < s.n; b++) {
    for (let p = 0; p < s.oh; p++) {
      for (let q = 0; q < s.ow; q++) {
        const db = ((b * s.oh + p) * s.ow + q) * s.co;
        for (let i = 0; i < s.fh; i++) {
          for (let j = 0; j < s.fw; j++) {
            const px = inputIndex(s, b, p, q, i, j);
            if (px < 0) continue;
            for (let c = 0; c < s.ci; c++) {
              const xv = x[px * s.ci + c]!;
              const wb = ((i * s.fw + j) * s.ci + c) * s.co;
              for (let o = 0; o < s.co; o++) dw[wb + o]! += xv * dy[db + o]!;
            }
          }
        }
      }
    }
  }
  return dw;
}

/** The filter of the convolution that transposes one with filter w: [fh, fw, co, ci] → flipped. */
function flipSwap(w: Float32Array, fh: number, fw: number, a: number, b: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      for (let p = 0; p < a; p++) {
        for (let q = 0; q < b; q++) {
          out[(((fh - 1 - i) * fw + (fw - 1 - j)) * b + q) * a + p] =
            w[((i * fw + j) * a + p) * b + q]!;
        }
      }
    }
  }
  return out;
}

function assertClose(actual: Float32Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  }
  assert.ok(worst < 1e-5, `${what}: worst relative difference ${worst}`);
}

// Channel counts off every panel width (8, 16, 32: outputs 5, 12, 33, 40; their transposes'
// 3, 9, 13), rows off the 8- and 16-row tiles (7, 9, 11, 37), 'same', 'valid', lopsided pads.
const SHAPES: NativeConvShape[] = [
  { n: 2, h: 9, w: 11, ci: 3, oh: 9, ow: 11, co: 8, fh: 3, fw: 3, padTop: 1, padLeft: 1 },
  { n: 2, h: 5, w: 37, ci: 12, oh: 5, ow: 37, co: 12, fh: 3, fw: 3, padTop: 1, padLeft: 1 },
  { n: 1, h: 6, w: 19, ci: 8, oh: 6, ow: 19, co: 16, fh: 3, fw: 3, padTop: 1, padLeft: 1 },
  { n: 1, h: 4, w: 21, ci: 7, oh: 4, ow: 21, co: 5, fh: 3, fw: 3, padTop: 1, padLeft: 1 },
  { n: 1, h: 10, w: 7, ci: 13, oh: 10, ow: 7, co: 40, fh: 3, fw: 3, padTop: 1, padLeft: 1 },
  { n: 3, h: 8, w: 8, ci: 16, oh: 4, ow: 6, co: 33, fh: 5, fw: 3, padTop: 0, padLeft: 0 },
  { n: 1, h: 6, w: 9, ci: 9, oh: 6, ow: 9, co: 64, fh: 4, fw: 4, padTop: 1, padLeft: 2 },
  // A segmentation head: 5×5 to 3 outputs (wasm sends its filter gradient here).
  { n: 2, h: 6, w: 10, ci: 16, oh: 6, ow: 10, co: 3, fh: 5, fw: 5, padTop: 2, padLeft: 2 },
];

Deno.test({
  name: "native convolution, its transpose and its filter gradient equal float64 loops",
  ignore,
  fn() {
    assert.equal(loadNative(build.path!), null);
    for (const s of SHAPES) {
      const label = JSON.stringify(s);
      const x = random(s.n * s.h * s.w * s.ci, 1);
      const w = random(s.fh * s.fw * s.ci * s.co, 2);
      const y = new Float32Array(s.n * s.oh * s.ow * s.co).fill(Number.NaN);
      nativeConvForward(x, w, y, s, false);
      assertClose(y, referenceForward(x, w, s), `forward ${label}`);

      const dy = random(y.length, 3);
      const dw = new Float32Array(w.length).fill(Number.NaN);
      nativeConvFilterGrad(x, dy, dw, s);
      assertClose(dw, referenceFilterGrad(x, dy, s), `filter gradient ${label}`);

      // The input gradient of y = conv(x, w): a convolution of dy with w flipped and swapped,
      // whose padding is the filter size − 1 − the forward padding (same output size as x here).
      const t: NativeConvShape = {
        n: s.n,
        h: s.oh,
        w: s.ow,
        ci: s.co,
        oh: s.h,
        ow: s.w,
        co: s.ci,
        fh: s.fh,
        fw: s.fw,
        padTop: s.fh - 1 - s.padTop,
        padLeft: s.fw - 1 - s.padLeft,
      };
      const dx = new Float32Array(x.length).fill(Number.NaN);
      nativeConvForward(dy, w, dx, t, true);
      assertClose(
        dx,
        referenceForward(dy, flipSwap(w, s.fh, s.fw, s.ci, s.co), t),
        `flip ${label}`,
      );
    }
  },
});

Deno.test({
  name: "native kernels give the same floats on 1 and 3 threads",
  ignore,
  fn() {
    assert.equal(loadNative(build.path!), null);
    const s: NativeConvShape = {
      n: 2,
      h: 12,
      w: 12,
      ci: 24,
      oh: 12,
      ow: 12,
      co: 64,
      fh: 3,
      fw: 3,
      padTop: 1,
      padLeft: 1,
    };
    const x = random(s.n * s.h * s.w * s.ci, 4), w = random(9 * s.ci * s.co, 5);
    const dy = random(s.n * s.oh * s.ow * s.co, 6);
    const run = (threads: number) => {
      const previous = setNativeThreads(threads);
      try {
        const y = new Float32Array(dy.length), dw = new Float32Array(w.length);
        nativeConvForward(x, w, y, s, false);
        nativeConvFilterGrad(x, dy, dw, s);
        return [y, dw];
      } finally {
        setNativeThreads(previous);
      }
    };
    const [y1, dw1] = run(1), [y3, dw3] = run(3);
    assert.deepEqual(y3, y1);
    assert.deepEqual(dw3, dw1);
    assert.throws(() => setNativeThreads(0), /expected an integer in 1\.\.64/);
  },
});

Deno.test({
  name: "wasm's conv2d, conv2dTranspose and their gradients agree with and without native kernels",
  ignore,
  async fn() {
    const native = await initBackend("wasm");
    const x = tf.tensor4d(random(2 * 15 * 13 * 12, 7), [2, 15, 13, 12]);
    const w = tf.tensor4d(random(3 * 3 * 12 * 32, 8), [3, 3, 12, 32]);
    const head = tf.tensor4d(random(5 * 5 * 32 * 3, 9), [5, 5, 32, 3]);
    const run = () =>
      tf.tidy(() => {
        const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => {
          const y = tf.conv2d(xx, ww, 1, "same"); // no relu: a rounding could flip its kink
          const back = tf.conv2dTranspose(y, ww, [2, 15, 13, 12], 1, "same");
          const logits = tf.conv2d(y, head, 1, "same"); // 3 outputs: forward on wasm, filter gradient native
          return tf.add(tf.sum(tf.square(back)), tf.sum(logits)) as tf.Scalar;
        };
        const { value, grads } = tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Scalar)([x, w]);
        return [value, ...grads].map((t) => t.dataSync().slice());
      });
    try {
      assert.match(native.convolutions!, /^native kernels /);
      assert.notEqual(nativePath(), null);
      const a = run();
      const wasm = await initBackend("wasm", undefined, { native: false });
      assert.match(wasm.convolutions!, /switched off/);
      assert.equal(nativePath(), null);
      const b = run();
      // Float32 sums in another order: within 1e-5 of each output's largest magnitude.
      for (let k = 0; k < a.length; k++) {
        const scale = Math.max(...b[k]!.map(Math.abs));
        for (let i = 0; i < a[k]!.length; i++) {
          const d = Math.abs(a[k]![i]! - b[k]![i]!);
          assert.ok(d <= 1e-5 * scale, `output ${k}[${i}]: native ${a[k]![i]} vs wasm ${b[k]![i]}`);
        }
      }
    } finally {
      tf.dispose([x, w, head]);
      unloadNative();
    }
  },
});

Deno.test("a missing compiler or library is a reason, not a crash", async () => {
  const none = await buildNativeKernels({ compiler: "clvm-no-such-compiler" });
  assert.equal(none.path, null);
  assert.match(none.reason, /no C compiler that runs here \(tried clvm-no-such-compiler\)/);
  assert.match(loadNative("/nonexistent/libclvm_native.so")!, /Cannot open the native/);
  unloadNative();
  assert.throws(
    () =>
      nativeConvForward(
        new Float32Array(1),
        new Float32Array(1),
        new Float32Array(1),
        SHAPES[0]!,
        false,
      ),
    /not loaded/,
  );
});

Deno.test({
  name: "a build is cached under a name that changes with the source or compiler",
  ignore,
  async fn() {
    const again = await buildNativeKernels();
    assert.equal(again.path, build.path);
    assert.equal(again.built, false);
    assert.match(build.path!, /clvm_native-[0-9a-f]{16}\.(so|dylib)$/);
  },
});

Deno.test({
  name: "wasm's Sum over leading axes on native kernels equals float64 sums; other sums unchanged",
  ignore,
  async fn() {
    await initBackend("wasm");
    const data = random(4 * 30 * 7 * 5, 11);
    const x = tf.tensor4d(data, [4, 30, 7, 5]);
    try {
      const rows = 4 * 30 * 7;
      const expected = new Float64Array(5);
      for (let r = 0; r < rows; r++) for (let c = 0; c < 5; c++) expected[c]! += data[r * 5 + c]!;
      const leading = tf.sum(x, [0, 1, 2]);
      assert.deepEqual(leading.shape, [5]);
      assertClose(leading.dataSync() as Float32Array, expected, "sum over N, H, W");
      const kept = tf.sum(x, [2, 0, 1], true);
      assert.deepEqual(kept.shape, [1, 1, 1, 5]);
      assertClose(kept.dataSync() as Float32Array, expected, "keepDims, axes unordered");
      // Not leading (and a full reduction): wasm's own Sum, against a float64 sum.
      const inner = tf.sum(x, 3).dataSync();
      for (let r = 0; r < rows; r += 37) {
        let s = 0;
        for (let c = 0; c < 5; c++) s += data[r * 5 + c]!;
        assert.ok(Math.abs(inner[r]! - s) < 1e-5, `row ${r}`);
      }
      const all = tf.sum(x).dataSync()[0]!;
      assert.ok(Math.abs(all - expected.reduce((a, b) => a + b, 0)) < 1e-3);
      tf.dispose([leading, kept]);
    } finally {
      x.dispose();
      unloadNative();
    }
  },
});

Deno.test({
  name:
    "wasm's matMul on native kernels equals float64 products, every transpose, and its gradients",
  ignore,
  async fn() {
    await initBackend("wasm");
    // m, k, n off every tile size; n = 5 stays on wasm's own kernel.
    for (const [m, k, n] of [[13, 7, 40], [112, 28, 9], [3, 17, 5]] as const) {
      const a = random(m * k, 12), b = random(k * n, 13);
      const expected = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let p = 0; p < k; p++) {
          for (let j = 0; j < n; j++) expected[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
        }
      }
      const ta = tf.tensor2d(a, [m, k]), tb = tf.tensor2d(b, [k, n]);
      const made = [
        tf.matMul(ta, tb),
        tf.matMul(tf.transpose(ta), tb, true, false),
        tf.matMul(ta, tf.transpose(tb), false, true),
        tf.matMul(tf.transpose(ta), tf.transpose(tb), true, true),
      ];
      try {
        for (const [i, y] of made.entries()) {
          assert.deepEqual(y.shape, [m, n]);
          assertClose(y.dataSync() as Float32Array, expected, `[${m}, ${k}, ${n}] case ${i}`);
        }
        // The gradients are products with one operand transposed: dA = dY·Bᵀ, dB = Aᵀ·dY.
        const dy = random(m * n, 14);
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), tf.tensor2d(dy, [m, n])))
        )([ta, tb]);
        const wantA = new Float64Array(m * k), wantB = new Float64Array(k * n);
        for (let i = 0; i < m; i++) {
          for (let p = 0; p < k; p++) {
            for (let j = 0; j < n; j++) {
              wantA[i * k + p]! += dy[i * n + j]! * b[p * n + j]!;
              wantB[p * n + j]! += a[i * k + p]! * dy[i * n + j]!;
            }
          }
        }
        assertClose(da!.dataSync() as Float32Array, wantA, `dA [${m}, ${k}, ${n}]`);
        assertClose(db!.dataSync() as Float32Array, wantB, `dB [${m}, ${k}, ${n}]`);
        tf.dispose([da!, db!]);
      } finally {
        tf.dispose([ta, tb, ...made]);
      }
    }
    unloadNative();
  },
});
