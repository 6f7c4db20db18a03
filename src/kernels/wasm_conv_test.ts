import assert from "node:assert/strict";
import { assertAllClose, testBackends, values } from "../testing.ts";
import { type BackendName, initBackend } from "../backend.ts";
import { tf } from "../deps.ts";
import {
  originalWasmBackpropInput,
  registerWasmConvKernels,
  setWasmConvChunkFloats,
  setWasmConvGemmDepth,
  setWasmFilterGradKernel,
} from "./wasm_conv.ts";
import { conv2dTransposeSame, type TransposeRoute } from "../ops/conv.ts";

type Shape4 = [number, number, number, number];

/** These tests are of the wasm kernels: the native ones (native_test.ts) stay off. */
const WASM_KERNELS_ONLY = { native: false };

/** Deterministic uniform values in [-scale, scale) (mulberry32). */
function random(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/**
 * Float64 convolution written from the definition: `y[n,p,q,o] = Σ x[n, p·s+i−t, q·s+j−l, c] ·
 * w[i,j,c,o]` (zero outside `x`), the independent reference of these tests.
 */
function naiveConv(
  x: ArrayLike<number>,
  [n, h, w, c]: Shape4,
  f: ArrayLike<number>,
  [fh, fw, , o]: Shape4,
  stride: number,
  top: number,
  left: number,
  oh: number,
  ow: number,
): Float64Array {
  const y = new Float64Array(n * oh * ow * o);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < oh; p++) {
      for (let q = 0; q < ow; q++) {
        for (let i = 0; i < fh; i++) {
          const r = p * stride + i - top;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < fw; j++) {
            const s = q * stride + j - left;
            if (s < 0 || s >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const xv = x[((b * h + r) * w + s) * c + ci]!;
              const fb = ((i * fw + j) * c + ci) * o;
              const yb = ((b * oh + p) * ow + q) * o;
              for (let co = 0; co < o; co++) y[yb + co]! += xv * f[fb + co]!;
            }
          }
        }
      }
    }
  }
  return y;
}

/**
 * Float64 transposed convolution from the definition (the adjoint of {@link naiveConv}):
 * `dy [n, oh, ow, o]` with filter `[fh, fw, c, o]` back onto `[n, h, w, c]`.
 */
function naiveConvTranspose(
  dy: ArrayLike<number>,
  [n, oh, ow, o]: Shape4,
  f: ArrayLike<number>,
  [fh, fw, c]: Shape4,
  stride: number,
  top: number,
  left: number,
  h: number,
  w: number,
): Float64Array {
  const dx = new Float64Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < oh; p++) {
      for (let q = 0; q < ow; q++) {
        for (let i = 0; i < fh; i++) {
          const r = p * stride + i - top;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < fw; j++) {
            const s = q * stride + j - left;
            if (s < 0 || s >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const fb = ((i * fw + j) * c + ci) * o;
              const yb = ((b * oh + p) * ow + q) * o;
              let acc = 0;
              for (let co = 0; co < o; co++) acc += dy[yb + co]! * f[fb + co]!;
              dx[((b * h + r) * w + s) * c + ci]! += acc;
            }
          }
        }
      }
    }
  }
  return dx;
}

/** Symmetric 'same' padding of an odd filter, or the tfjs split (extra pixel at the end). */
const samePad = (k: number): number => Math.floor((k - 1) / 2);

/** The backends compared with the cpu reference: wasm always, webgpu where an adapter exists. */
async function subjects(): Promise<BackendName[]> {
  const names: BackendName[] = ["wasm"];
  if ((await testBackends()).includes("webgpu")) names.push("webgpu");
  return names;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Agreement to 1e-4 relative to the largest reference magnitude (fp32 sums of ~100 terms). */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assertAllClose(actual, expected, 1e-4 * Math.max(1, maxAbs(expected)), 1e-4, what);
}

Deno.test("registerWasmConvKernels() replaces Conv2DBackpropInput once and adds Conv2DBackpropFilter", () => {
  registerWasmConvKernels();
  const input = tf.getKernel("Conv2DBackpropInput", "wasm");
  const filter = tf.getKernel("Conv2DBackpropFilter", "wasm");
  const original = originalWasmBackpropInput();
  assert.ok(input && filter && original, "both kernels and the original are registered");
  assert.notEqual(input.kernelFunc, original.kernelFunc, "the original kernel was replaced");
  registerWasmConvKernels();
  assert.equal(tf.getKernel("Conv2DBackpropInput", "wasm")?.kernelFunc, input.kernelFunc);
  assert.equal(tf.getKernel("Conv2DBackpropFilter", "wasm")?.kernelFunc, filter.kernelFunc);
  assert.equal(originalWasmBackpropInput(), original, "a second call keeps the true original");
});

interface TransposeCase {
  name: string;
  dy: Shape4;
  filter: Shape4;
  stride: number;
  pad: "same" | "valid";
  inShape: Shape4;
}

const TRANSPOSE_CASES: TransposeCase[] = [
  {
    name: "8×8 same",
    dy: [2, 8, 8, 4],
    filter: [3, 3, 3, 4],
    stride: 1,
    pad: "same",
    inShape: [2, 8, 8, 3],
  },
  {
    name: "7×9 same",
    dy: [2, 7, 9, 5],
    filter: [3, 3, 4, 5],
    stride: 1,
    pad: "same",
    inShape: [2, 7, 9, 4],
  },
  {
    name: "2×2 filter same",
    dy: [1, 7, 9, 5],
    filter: [2, 2, 3, 5],
    stride: 1,
    pad: "same",
    inShape: [1, 7, 9, 3],
  },
  {
    name: "7×9 valid",
    dy: [2, 5, 7, 5],
    filter: [3, 3, 4, 5],
    stride: 1,
    pad: "valid",
    inShape: [2, 7, 9, 4],
  },
  // Stride 2 is not a flipped convolution: the original kernel must still serve it.
  {
    name: "stride 2 same",
    dy: [2, 4, 5, 5],
    filter: [3, 3, 4, 5],
    stride: 2,
    pad: "same",
    inShape: [2, 7, 9, 4],
  },
];

Deno.test("conv2dTranspose on wasm matches a float64 reference and the cpu backend", async (t) => {
  for (const c of TRANSPOSE_CASES) {
    const dyV = random(size(c.dy), 11);
    const fV = random(size(c.filter), 12);
    const [, h, w] = c.inShape;
    const info = tf.backend_util.computeConv2DInfo(c.inShape, c.filter, c.stride, 1, c.pad);
    const ref = naiveConvTranspose(
      dyV,
      c.dy,
      fV,
      c.filter,
      c.stride,
      info.padInfo.top,
      info.padInfo.left,
      h,
      w,
    );
    const run = async (): Promise<Float32Array> => {
      const dy = tf.tensor4d(dyV, c.dy);
      const f = tf.tensor4d(fV, c.filter);
      const out = tf.conv2dTranspose(dy, f, c.inShape, c.stride, c.pad);
      const v = await values(out);
      tf.dispose([dy, f, out]);
      return v;
    };
    await initBackend("cpu");
    const cpu = await run();
    assertClose(cpu, ref, `cpu ${c.name} vs float64`);
    for (const name of await subjects()) {
      await t.step(`${name}: ${c.name}`, async () => {
        await initBackend(name, undefined, WASM_KERNELS_ONLY);
        registerWasmConvKernels();
        const before = tf.memory().numTensors;
        const got = await run();
        assertClose(got, ref, `${name} ${c.name} vs float64`);
        assertClose(got, cpu, `${name} ${c.name} vs cpu`);
        assert.equal(tf.memory().numTensors, before);
      });
    }
  }
});

Deno.test("conv2dTransposeSame() equals conv2dTranspose 'same' by every route on every backend", async (t) => {
  const cases: [Shape4, Shape4][] = [
    [[2, 8, 8, 4], [3, 3, 3, 4]],
    [[2, 7, 9, 5], [3, 3, 4, 5]],
    [[1, 7, 9, 5], [2, 2, 3, 5]],
  ];
  for (const name of ["cpu", ...await subjects()] as BackendName[]) {
    await t.step(name, async () => {
      await initBackend(name, undefined, WASM_KERNELS_ONLY);
      for (const [xs, ws] of cases) {
        const xV = random(size(xs), 21);
        const wV = random(size(ws), 22);
        const [n, h, w] = xs;
        const ref = naiveConvTranspose(xV, xs, wV, ws, 1, samePad(ws[0]), samePad(ws[1]), h, w);
        for (const route of ["auto", "transpose", "flipped"] as TransposeRoute[]) {
          const before = tf.memory().numTensors;
          const x = tf.tensor4d(xV, xs);
          const f = tf.tensor4d(wV, ws);
          const out = conv2dTransposeSame(x, f, route);
          assert.deepEqual(out.shape, [n, h, w, ws[2]]);
          assertClose(await values(out), ref, `${name} ${route} [${xs}]*[${ws}]`);
          tf.dispose([x, f, out]);
          assert.equal(tf.memory().numTensors, before, `${name} ${route} leaks no tensor`);
        }
      }
    });
  }
  await initBackend("cpu");
  const bad = () => conv2dTransposeSame(tf.zeros([1, 4, 4, 3]), tf.zeros([3, 3, 2, 5]));
  assert.throws(bad, /filter \[3,3,2,5\] expects 5 input channels.*x \[1,4,4,3\] has 3/);
});

/** Parameters of a tied conv stack: bottom-up x →w1→ h1 →w2→ h2, top-down h2 →w2ᵀ→ t. */
interface Stack {
  x: Shape4;
  w1: Shape4;
  w2: Shape4;
}

const STACKS: Stack[] = [
  { x: [2, 8, 8, 3], w1: [3, 3, 3, 4], w2: [3, 3, 4, 5] },
  { x: [2, 7, 9, 3], w1: [3, 3, 3, 4], w2: [3, 3, 4, 5] },
];

/** loss = Σ c ⊙ t² with t the top-down reconstruction of h1 through the tied filter w2. */
function stackLoss(x: tf.Tensor4D, w1: tf.Tensor4D, w2: tf.Tensor4D, c: tf.Tensor): tf.Scalar {
  const h1 = tf.conv2d(x, w1, 1, "same");
  const h2 = tf.conv2d(h1, w2, 1, "same");
  const t = conv2dTransposeSame(h2, w2);
  return tf.sum(tf.mul(tf.square(t), c));
}

function stackInputs(s: Stack): Float32Array[] {
  const [n, h, w] = s.x;
  return [
    random(size(s.x), 31),
    random(size(s.w1), 32, 0.4),
    random(size(s.w2), 33, 0.3),
    random(n * h * w * s.w1[3], 34),
  ];
}

async function stackGrads(s: Stack): Promise<Float32Array[]> {
  const [xV, w1V, w2V, cV] = stackInputs(s);
  const x = tf.tensor4d(xV!, s.x);
  const w1 = tf.tensor4d(w1V!, s.w1);
  const w2 = tf.tensor4d(w2V!, s.w2);
  const c = tf.tensor4d(cV!, [s.x[0], s.x[1], s.x[2], s.w1[3]]);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
    stackLoss(a as tf.Tensor4D, b as tf.Tensor4D, d as tf.Tensor4D, c)
  )([x, w1, w2]);
  const out = await Promise.all(grads.map(values));
  tf.dispose([x, w1, w2, c, ...grads]);
  return out;
}

Deno.test("gradients of a tied conv stack w.r.t. input and filters agree with the cpu backend", async (t) => {
  for (const s of STACKS) {
    await initBackend("cpu");
    const ref = await stackGrads(s);
    for (const name of await subjects()) {
      await t.step(`${name}: x [${s.x}]`, async () => {
        await initBackend(name, undefined, WASM_KERNELS_ONLY);
        const before = tf.memory().numTensors;
        const got = await stackGrads(s);
        ["dx", "dw1", "dw2"].forEach((what, i) => assertClose(got[i]!, ref[i]!, `${name} ${what}`));
        assert.equal(tf.memory().numTensors, before);
      });
    }
  }
});

Deno.test("wasm filter gradients of strided, valid and odd convolutions agree with the cpu backend", async (t) => {
  // Stride 2 takes the dilated-convolution path of Conv2DBackpropFilter and the original
  // Conv2DBackpropInput; 'valid' and the explicit pads take the GEMM path with uneven borders.
  const cases: [Shape4, Shape4, number, "same" | "valid" | tf.backend_util.ExplicitPadding][] = [
    [[2, 7, 9, 3], [3, 3, 3, 5], 2, "same"],
    [[2, 8, 9, 3], [3, 2, 3, 5], 2, "valid"],
    [[2, 7, 9, 3], [3, 3, 3, 5], 1, "valid"],
    [[1, 7, 9, 3], [3, 3, 3, 5], 1, [[0, 0], [2, 1], [0, 2], [0, 0]]],
    // The head's 5×5 'same' filter: block copies with two wrapped columns each side.
    [[3, 6, 7, 4], [5, 5, 4, 3], 1, "same"],
    [[2, 5, 4, 2], [5, 5, 2, 3], 1, "same"],
  ];
  for (const [xs, ws, stride, pad] of cases) {
    const xV = random(size(xs), 41);
    const wV = random(size(ws), 42);
    const grads = async (): Promise<Float32Array[]> => {
      const x = tf.tensor4d(xV, xs);
      const w = tf.tensor4d(wV, ws);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)))
      )([x, w]);
      const out = await Promise.all(g.map(values));
      tf.dispose([x, w, ...g]);
      return out;
    };
    await initBackend("cpu");
    const ref = await grads();
    await t.step(`x [${xs}] w [${ws}] stride ${stride} pad ${JSON.stringify(pad)}`, async () => {
      await initBackend("wasm");
      registerWasmConvKernels();
      const got = await grads();
      assertClose(got[0]!, ref[0]!, "dx");
      assertClose(got[1]!, ref[1]!, "dw");
    });
  }
});

Deno.test("wasm Conv2DBackpropFilter gives the same sums when its product is split into chunks", async () => {
  await initBackend("wasm");
  registerWasmConvKernels();
  const xs: Shape4 = [3, 7, 9, 4];
  const x = tf.tensor4d(random(size(xs), 51), xs);
  const dy = tf.tensor4d(random(3 * 7 * 9 * 6, 52), [3, 7, 9, 6]);
  const filterGrad = async (): Promise<Float32Array> => {
    const g = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      strides: 1,
      pad: "same",
      dataFormat: "NHWC",
      filterShape: [3, 3, 4, 6],
    }) as tf.Tensor;
    const v = await values(g);
    g.dispose();
    return v;
  };
  const whole = await filterGrad();
  // One row of 9 columns × 36 taps per chunk: 21 chunks crossing image boundaries; then 2 rows.
  for (const floats of [1, 36 * 9 * 2, 36 * 9 * 5]) {
    const previous = setWasmConvChunkFloats(floats);
    try {
      assertClose(await filterGrad(), whole, `chunks of ${floats} floats`);
    } finally {
      setWasmConvChunkFloats(previous);
    }
  }
  // Products over 1, 2 and 3 output rows of 9 columns (depth 9, 18, 27 positions).
  for (const depth of [1, 18, 27]) {
    const previous = setWasmConvGemmDepth(depth);
    try {
      assertClose(await filterGrad(), whole, `products of depth ${depth}`);
    } finally {
      setWasmConvGemmDepth(previous);
    }
  }
  assert.throws(() => setWasmConvChunkFloats(0), /expected an integer ≥ 1/);
  assert.throws(() => setWasmConvGemmDepth(1.5), /expected an integer ≥ 1/);
  tf.dispose([x, dy]);
});

/** Float64 filter gradient from the definition (stride 1, NHWC), for the C kernel's test. */
function naiveFilterGrad(
  x: ArrayLike<number>,
  [n, h, w, ci]: Shape4,
  dy: ArrayLike<number>,
  [, oh, ow, co]: Shape4,
  fh: number,
  fw: number,
  top: number,
  left: number,
): Float64Array {
  const dw = new Float64Array(fh * fw * ci * co);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < oh; p++) {
      for (let q = 0; q < ow; q++) {
        for (let i = 0; i < fh; i++) {
          const r = p + i - top;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < fw; j++) {
            const s = q + j - left;
            if (s < 0 || s >= w) continue;
            for (let c = 0; c < ci; c++) {
              const xv = x[((b * h + r) * w + s) * ci + c]!;
              const d0 = ((b * oh + p) * ow + q) * co, w0 = ((i * fw + j) * ci + c) * co;
              for (let o = 0; o < co; o++) dw[w0 + o]! += xv * dy[d0 + o]!;
            }
          }
        }
      }
    }
  }
  return dw;
}

Deno.test("wasm Conv2DBackpropFilter by the C kernel and by the GEMM matches a float64 reference", async (t) => {
  await initBackend("wasm");
  registerWasmConvKernels();
  // Output channels multiple of 4 (the C kernel's condition); 4×8 and 4×4 tiles, 1-channel
  // tails, 'same' 3×3 and 5×5, 'valid' and uneven explicit pads, images of odd row counts.
  const cases: [
    Shape4,
    [number, number],
    "same" | "valid" | tf.backend_util.ExplicitPadding,
    number,
  ][] = [
    [[2, 7, 9, 9], [3, 3], "same", 20],
    [[3, 5, 6, 4], [5, 5], "same", 8],
    [[2, 8, 7, 5], [3, 3], "valid", 12],
    [[1, 7, 9, 3], [3, 3], [[0, 0], [2, 1], [0, 2], [0, 0]], 16],
  ];
  for (const [xs, [fh, fw], pad, co] of cases) {
    const xV = random(size(xs), 81);
    const info = tf.backend_util.computeConv2DInfo(xs, [fh, fw, xs[3], co], 1, 1, pad);
    const ys: Shape4 = [xs[0], info.outHeight, info.outWidth, co];
    const dyV = random(size(ys), 82);
    const want = naiveFilterGrad(xV, xs, dyV, ys, fh, fw, info.padInfo.top, info.padInfo.left);
    for (const kind of ["c", "gemm"] as const) {
      await t.step(
        `${kind}: x [${xs}] filter ${fh}×${fw}×${co} pad ${JSON.stringify(pad)}`,
        async () => {
          const previous = setWasmFilterGradKernel(kind);
          const x = tf.tensor4d(xV, xs), dy = tf.tensor4d(dyV, ys);
          try {
            const g = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
              strides: 1,
              pad,
              dataFormat: "NHWC",
              filterShape: [fh, fw, xs[3], co],
            }) as tf.Tensor;
            assertClose(await values(g), want, `dw by ${kind}`);
            g.dispose();
          } finally {
            tf.dispose([x, dy]);
            setWasmFilterGradKernel(previous);
          }
        },
      );
    }
  }
  assert.throws(() => setWasmFilterGradKernel("fast" as "c"), /expected "c" or "gemm"/);
});

Deno.test("the C and GEMM filter gradients give the same floats for every chunking (so threads agree)", async () => {
  await initBackend("wasm");
  registerWasmConvKernels();
  const xs: Shape4 = [3, 9, 10, 6];
  const x = tf.tensor4d(random(size(xs), 91), xs);
  const dy = tf.tensor4d(random(3 * 9 * 10 * 8, 92), [3, 9, 10, 8]);
  const grad = async (kind: "c" | "gemm"): Promise<Float32Array> => {
    const previous = setWasmFilterGradKernel(kind);
    try {
      const g = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        strides: 1,
        pad: "same",
        dataFormat: "NHWC",
        filterShape: [3, 3, 6, 8],
      }) as tf.Tensor;
      const v = await values(g);
      g.dispose();
      return v;
    } finally {
      setWasmFilterGradKernel(previous);
    }
  };
  // Chunks of 1, 2 and 4 rows of 10 columns (crossing images), and the default (one chunk).
  for (const depth of [10, 20, 40, 1024]) {
    const previous = setWasmConvGemmDepth(depth);
    try {
      assert.deepEqual(await grad("c"), await grad("gemm"), `depth ${depth}`);
    } finally {
      setWasmConvGemmDepth(previous);
    }
  }
  tf.dispose([x, dy]);
});

/** The tied stack of {@link stackLoss} in float64, from the naive convolutions. */
function stackLoss64(
  s: Stack,
  x: Float64Array,
  w1: Float64Array,
  w2: Float64Array,
  c: ArrayLike<number>,
): number {
  const [n, h, w] = s.x;
  const p1 = samePad(s.w1[0]), p2 = samePad(s.w2[0]);
  const h1 = naiveConv(x, s.x, w1, s.w1, 1, p1, p1, h, w);
  const h2 = naiveConv(h1, [n, h, w, s.w1[3]], w2, s.w2, 1, p2, p2, h, w);
  const t = naiveConvTranspose(h2, [n, h, w, s.w2[3]], w2, s.w2, 1, p2, p2, h, w);
  let loss = 0;
  for (let i = 0; i < t.length; i++) loss += c[i]! * t[i]! * t[i]!;
  return loss;
}

Deno.test("wasm gradients of the tied stack match float64 central differences", async () => {
  await initBackend("wasm");
  const s = STACKS[1]!;
  const got = await stackGrads(s);
  const inputs = stackInputs(s).map((a) => Float64Array.from(a));
  const [x, w1, w2, c] = inputs as [Float64Array, Float64Array, Float64Array, Float64Array];
  const eps = 1e-4;
  const pick = random(12, 61);
  [x, w1, w2].forEach((param, which) => {
    for (let k = 0; k < pick.length; k++) {
      const i = Math.floor(((pick[k]! + 1) / 2) * param.length);
      const saved = param[i]!;
      param[i] = saved + eps;
      const up = stackLoss64(s, x, w1, w2, c);
      param[i] = saved - eps;
      const down = stackLoss64(s, x, w1, w2, c);
      param[i] = saved;
      const fd = (up - down) / (2 * eps);
      const g = got[which]![i]!;
      const scale = maxAbs(got[which]!);
      assert.ok(
        Math.abs(g - fd) <= 1e-3 * scale,
        `${["x", "w1", "w2"][which]}[${i}]: wasm gradient ${g}, central difference ${fd}`,
      );
    }
  });
});

Deno.test("numTensors and the wasm heap stay flat over 20 gradient steps on wasm", async () => {
  await initBackend("wasm");
  const s: Stack = { x: [2, 48, 48, 16], w1: [3, 3, 16, 16], w2: [3, 3, 16, 16] };
  const [xV, w1V, w2V, cV] = stackInputs(s);
  const x = tf.tensor4d(xV!, s.x);
  const c = tf.tensor4d(cV!, [2, 48, 48, 16]);
  let w1 = tf.tensor4d(w1V!, s.w1);
  let w2 = tf.tensor4d(w2V!, s.w2);
  const heap = (): number =>
    (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
  const step = (): void => {
    const [n1, n2] = tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        stackLoss(x, a as tf.Tensor4D, b as tf.Tensor4D, c)
      )([w1, w2]);
      return [tf.sub(w1, tf.mul(g[0]!, 1e-6)), tf.sub(w2, tf.mul(g[1]!, 1e-6))] as tf.Tensor4D[];
    });
    tf.dispose([w1, w2]);
    w1 = n1!;
    w2 = n2!;
  };
  for (let i = 0; i < 3; i++) step();
  const tensors = tf.memory().numTensors;
  const bytes = heap();
  for (let i = 0; i < 20; i++) step();
  assert.equal(tf.memory().numTensors, tensors, "tensor count after 20 steps");
  assert.equal(heap(), bytes, "wasm heap size after 20 steps");
  tf.dispose([x, c, w1, w2]);
});
