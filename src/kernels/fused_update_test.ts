import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, testBackends, values } from "../testing.ts";
import { Mulberry32 } from "../util/prng.ts";
import { nmsRelu } from "../ops/nms.ts";
import { replicate2x2, sumPool2x2 } from "../ops/pooling.ts";
import { fusedUpdate, fusedUpdatePooled, sumPool } from "./fused_update.ts";
import { fusedUpdateArrays, sumPoolArrays } from "./fused_update_cpu.ts";
import { buildNativeKernels } from "./native_build.ts";
import { loadNative, nativeFusedUpdate, nativeSumPool, setNativeThreads } from "./native.ts";

/** The backends of these tests: every test backend, and wasm (native kernels when built). */
const BACKENDS = [...new Set([...await testBackends(), "wasm" as const])];

/** The model's generic composition: relu or nmsRelu of (bot + top) + bias. */
function generic(
  bot: tf.Tensor4D,
  top: tf.Tensor4D | null,
  bias: tf.Tensor1D,
  nms: boolean,
  topPooled: boolean,
): tf.Tensor4D {
  return tf.tidy(() => {
    const t = top && topPooled ? replicate2x2(top) : top;
    const a = tf.add(t ? tf.add(bot, t) : bot, bias) as tf.Tensor4D;
    return nms ? nmsRelu(a) : tf.relu(a);
  });
}

/** Values on a coarse grid so that NMS sees exact ties as well as clear winners. */
function coarse(shape: number[], seed: number): tf.Tensor4D {
  return tf.tidy(() =>
    tf.div(tf.round(tf.mul(tf.randomUniform(shape, -1, 1, "float32", seed), 4)), 4)
  ) as tf.Tensor4D;
}

Deno.test("fusedUpdate() equals the generic relu/NMS of (bot + top) + b", async (t) => {
  await forEachBackend(t, async () => {
    // C = 8 takes the vec4 path, C = 3 the scalar one; H, W not multiples of the workgroup.
    for (const [n, h, w, c] of [[2, 6, 10, 8], [1, 4, 6, 3]] as const) {
      const bot = coarse([n, h, w, c], 1);
      const full = coarse([n, h, w, c], 2);
      const half = coarse([n, h / 2, w / 2, c], 3);
      const bias = tf.tidy(() => tf.div(tf.round(tf.randomUniform([c], -2, 2, "float32", 4)), 4));
      const before = tf.memory().numTensors;
      for (const nms of [false, true]) {
        for (const [top, topPooled] of [[null, false], [full, false], [half, true]] as const) {
          const got = fusedUpdate(bot, top, bias as tf.Tensor1D, nms, { topPooled });
          const want = generic(bot, top, bias as tf.Tensor1D, nms, topPooled);
          assert.deepEqual(got.shape, [n, h, w, c]);
          assertAllClose(
            await values(got),
            await values(want),
            1e-6,
            0,
            `C=${c} nms=${nms} top=${top ? (topPooled ? "pooled" : "full") : "none"}`,
          );
          tf.dispose([got, want]);
        }
      }
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([bot, full, half, bias]);
    }
  }, BACKENDS);
});

Deno.test("fusedUpdate() with NMS keeps the first maximum of each group, ties included", async (t) => {
  await forEachBackend(t, async () => {
    // One channel, 2×6: three 2×2 groups. a = bot + bias(−1):
    //   group 1: [2, 4; 4, 1]  → tie between top-right and bottom-left: top-right wins
    //   group 2: [−1, −3; −2, −1] → all negative: zeros
    //   group 3: [0, 0; 0, 0]  → four-way tie at 0: relu(0) = 0 everywhere
    const bot = tf.tensor4d([3, 5, 0, -2, 1, 1, 5, 2, -1, 0, 1, 1], [1, 2, 6, 1]);
    const bias = tf.tensor1d([-1]);
    const z = fusedUpdate(bot, null, bias, true);
    assert.deepEqual(Array.from(await values(z)), [0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // With a pooled top of [1, 5, 2]: group 1 all +1 (tie stays), group 2 becomes
    // [4, 2; 3, 4] (tie top-left/bottom-right: top-left), group 3 all 2 (top-left).
    const top = tf.tensor4d([1, 5, 2], [1, 1, 3, 1]);
    const z2 = fusedUpdate(bot, top, bias, true, { topPooled: true });
    assert.deepEqual(Array.from(await values(z2)), [0, 5, 4, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    tf.dispose([bot, bias, z, top, z2]);
  });
});

Deno.test("fusedUpdatePooled() returns z and its 2×2 sums", async (t) => {
  await forEachBackend(t, async () => {
    const bot = tf.tensor4d([1, 2, 3, 4, 8, 7, 6, 5], [1, 2, 4, 1]);
    const bias = tf.tensor1d([0]);
    const before = tf.memory().numTensors;
    const plain = fusedUpdatePooled(bot, null, bias, false);
    assert.deepEqual(Array.from(await values(plain.pooled)), [1 + 2 + 8 + 7, 3 + 4 + 6 + 5]);
    const nms = fusedUpdatePooled(bot, null, bias, true);
    assert.deepEqual(Array.from(await values(nms.z)), [0, 0, 0, 0, 8, 0, 6, 0]);
    assert.deepEqual(Array.from(await values(nms.pooled)), [8, 6]);
    tf.dispose([plain.z, plain.pooled, nms.z, nms.pooled]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([bot, bias]);
  });
});

Deno.test("sumPool() equals the model's 2×2 sum-pool", async (t) => {
  await forEachBackend(t, async () => {
    for (const c of [8, 5]) {
      const x = tf.randomNormal([2, 6, 8, c], 0, 1, "float32", 7) as tf.Tensor4D;
      const got = sumPool(x);
      const want = sumPool2x2(x);
      assertAllClose(await values(got), await values(want), 1e-5, 1e-6, `C=${c}`);
      tf.dispose([x, got, want]);
    }
  });
});

Deno.test("fusedUpdate() names the bad input", async () => {
  await tf.setBackend("cpu");
  const bot = tf.zeros([1, 3, 4, 2]) as tf.Tensor4D;
  const bias = tf.zeros([2]) as tf.Tensor1D;
  assert.throws(() => fusedUpdate(bot, null, bias, true), /expected an even height and width/);
  assert.throws(
    () => fusedUpdate(bot, null, tf.zeros([3]) as tf.Tensor1D, false),
    /bias of shape \[3\]: expected float32 \[2\]/,
  );
  assert.throws(
    () => fusedUpdate(bot, tf.zeros([1, 3, 4, 1]) as tf.Tensor4D, bias, false),
    /top of shape \[1, 3, 4, 1\]: expected float32 \[1, 3, 4, 2\]/,
  );
  assert.throws(() => sumPool(bot), /Cannot sum-pool a float32 tensor of shape \[1, 3, 4, 2\]/);
  tf.dispose([bot, bias]);
});

const native = await buildNativeKernels();

Deno.test({
  name: "the native fused update and sum-pool equal the cpu loops bit for bit, on 1 and 3 threads",
  ignore: native.path === null,
  fn() {
    assert.equal(loadNative(native.path!), null);
    const rng = new Mulberry32(9);
    // Quarter steps: NMS groups hold exact ties; an odd height takes the serial path.
    const grid = (n: number) =>
      Float32Array.from({ length: n }, () => Math.round(rng.next() * 8 - 4) / 4);
    for (
      const [n, h, w, c] of [[2, 6, 10, 8], [1, 4, 6, 3], [3, 8, 4, 17], [1, 5, 3, 4]] as const
    ) {
      const size = n * h * w * c;
      const bot = grid(size), full = grid(size), bias = grid(c);
      bot[3] = Number.NaN; // a group holding a NaN, on the eight-channel path
      const half = grid(n * (h >> 1) * (w >> 1) * c);
      const cases = h % 2 === 0
        ? [false, true].flatMap((nms) =>
          ([[null, false], [full, false], [half, true]] as const).map(([top, topPooled]) => ({
            nms,
            top,
            topPooled,
          }))
        )
        : [{ nms: false, top: full, topPooled: false }, {
          nms: false,
          top: null,
          topPooled: false,
        }];
      for (const { nms, top, topPooled } of cases) {
        const want = fusedUpdateArrays(bot, top, bias, [n, h, w, c], { nms, topPooled });
        for (const threads of [1, 3]) {
          const previous = setNativeThreads(threads);
          try {
            const got = new Float32Array(size).fill(Number.NaN);
            nativeFusedUpdate(bot, top, bias, got, [n, h, w, c], nms, topPooled);
            const label = `[${n}, ${h}, ${w}, ${c}] nms=${nms} pooled=${topPooled} top=${!!top}`;
            assert.deepEqual(got, want, `${label}, ${threads} threads`);
            if (h % 2 === 0 && w % 2 === 0) {
              const pooled = new Float32Array(half.length).fill(Number.NaN);
              nativeSumPool(bot, pooled, [n, h, w, c]);
              assert.deepEqual(pooled, sumPoolArrays(bot, [n, h, w, c]), `sum-pool ${label}`);
            }
          } finally {
            setNativeThreads(previous);
          }
        }
      }
    }
  },
});
