import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import { conv2dAdd, convTransposeAdd } from "./fused_topdown.ts";

type T4 = tf.Tensor4D;

const normal = (shape: number[], seed: number) =>
  tf.randomNormal(shape, 0, 1, "float32", seed) as tf.Tensor;

// [batch, height, width, channels summed over, channels out, filter size]: vec4 and scalar
// reductions, output channels a multiple of 16, of 4 only, and of neither (padded on webgpu),
// widths that do not fill the last tile, a 5×5 filter like the heads'.
const CASES = [
  [2, 5, 13, 8, 12, 3],
  [1, 6, 4, 3, 16, 3],
  [1, 4, 7, 12, 6, 5],
] as const;

Deno.test("convTransposeAdd() equals conv2dTranspose + add (+ bias, relu)", async (t) => {
  await forEachBackend(t, async () => {
    for (const [n, h, w, cAbove, cBelow, k] of CASES) {
      const z = normal([n, h, w, cAbove], 1) as T4;
      const filter = normal([k, k, cBelow, cAbove], 2) as T4;
      const add = normal([n, h, w, cBelow], 3) as T4;
      const bias = normal([cBelow], 4) as tf.Tensor1D;
      const before = tf.memory().numTensors;
      for (const [withAdd, withBias, relu] of [[true, false, false], [false, true, true]]) {
        const got = convTransposeAdd(z, filter, withAdd ? add : null, {
          ...(withBias ? { bias } : {}),
          relu: relu!,
        });
        const want = tf.tidy(() => {
          let y = tf.conv2dTranspose(z, filter, [n, h, w, cBelow], 1, "same") as tf.Tensor;
          if (withAdd) y = tf.add(y, add);
          if (withBias) y = tf.add(y, bias);
          return relu ? tf.relu(y) : y;
        });
        assert.deepEqual(got.shape, [n, h, w, cBelow]);
        assertAllClose(await values(got), await values(want), 1e-4, 1e-4, `case ${[n, h, w]}`);
        tf.dispose([got, want]);
      }
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([z, filter, add, bias]);
    }
  });
});

Deno.test("conv2dAdd() equals conv2d + add (+ bias, relu)", async (t) => {
  await forEachBackend(t, async () => {
    for (const [n, h, w, cIn, cOut, k] of CASES) {
      const x = normal([n, h, w, cIn], 5) as T4;
      const filter = normal([k, k, cIn, cOut], 6) as T4;
      const add = normal([n, h, w, cOut], 7) as T4;
      const bias = normal([cOut], 8) as tf.Tensor1D;
      const before = tf.memory().numTensors;
      const got = conv2dAdd(x, filter, add, { bias, relu: true });
      const want = tf.tidy(() =>
        tf.relu(tf.add(tf.add(tf.conv2d(x, filter, 1, "same"), add), bias))
      );
      assertAllClose(await values(got), await values(want), 1e-4, 1e-4, `case ${[n, h, w]}`);
      tf.dispose([got, want]);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, filter, add, bias]);
    }
  });
});

Deno.test("convTransposeAdd() is the adjoint of the bottom-up convolution", async (t) => {
  // ⟨conv2d(x, w), z⟩ = ⟨x, convTranspose(z, w)⟩: checked against plain sums, not tfjs.
  await forEachBackend(t, async () => {
    const x = normal([1, 6, 9, 4], 11) as T4;
    const z = normal([1, 6, 9, 8], 12) as T4;
    const w = normal([3, 3, 4, 8], 13) as T4;
    const forward = conv2dAdd(x, w, null);
    const back = convTransposeAdd(z, w, null);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const lhs = dot(await values(forward), await values(z));
    const rhs = dot(await values(x), await values(back));
    assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
    tf.dispose([x, z, w, forward, back]);
  });
});

Deno.test("convTransposeAdd() on a hand-computed 1-channel case", async (t) => {
  await forEachBackend(t, async () => {
    // z = [[1, 2]], w (3×3) = 1..9 row-major, 'same': out[x] = Σ_d z[x − (d − 1)] · w[1, d]
    // along the middle filter row only (one image row): out[0] = z0·w(1,1) + z1·w(1,0) =
    // 5 + 2·4 = 13, out[1] = z0·w(1,2) + z1·w(1,1) = 6 + 10 = 16.
    const z = tf.tensor4d([1, 2], [1, 1, 2, 1]);
    const w = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1, 1]);
    const add = tf.tensor4d([100, 200], [1, 1, 2, 1]);
    const out = convTransposeAdd(z, w, add);
    assert.deepEqual(Array.from(await values(out)), [113, 216]);
    tf.dispose([z, w, add, out]);
  });
});

Deno.test("convTransposeAdd() and conv2dAdd() name the bad input", async () => {
  await tf.setBackend("cpu");
  const z = tf.zeros([1, 4, 4, 8]) as T4;
  assert.throws(
    () => convTransposeAdd(z, tf.zeros([3, 3, 8, 4]) as T4, null),
    /filter of shape \[3, 3, 8, 4\]: expected float32 \[k, k, C_below, 8\] with odd k/,
  );
  assert.throws(
    () => convTransposeAdd(z, tf.zeros([3, 3, 4, 8]) as T4, tf.zeros([1, 4, 4, 8]) as T4),
    /add of shape \[1, 4, 4, 8\]: expected float32 \[1, 4, 4, 4\]/,
  );
  assert.throws(
    () => conv2dAdd(z, tf.zeros([2, 2, 8, 4]) as T4, null),
    /expected float32 \[k, k, 8, C_out\] with odd k/,
  );
  assert.throws(
    () => conv2dAdd(tf.zeros([4, 4, 8]) as unknown as T4, tf.zeros([3, 3, 8, 4]) as T4, null),
    /input of shape \[4, 4, 8\]/,
  );
  tf.dispose(z);
});
