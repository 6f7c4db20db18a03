import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, testBackends, values } from "../testing.ts";
import { releasingGradients } from "../ops/mod.ts";
import { layerUpdate } from "./layer_update.ts";
import { registerFusedKernels } from "./register.ts";

const BACKENDS = [...new Set([...await testBackends(), "wasm" as const])];

/**
 * Plain loops: z = relu(a) (with NMS, relu(a) at the first maximum of each 2×2 group in raster
 * order, 0 elsewhere) for a = (bot + top) + bias, and for L = Σ r·z the gradients
 * dL/da = r·[z > 0] and dL/dbias = Σ over pixels of dL/da.
 */
function reference(
  bot: Float32Array,
  top: Float32Array | null,
  bias: Float32Array,
  r: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
  nms: boolean,
): { z: Float32Array; da: Float32Array; db: Float32Array } {
  const at = (i: number, y: number, x: number, k: number) => ((i * h + y) * w + x) * c + k;
  const a = new Float32Array(bot.length);
  for (let q = 0; q < a.length; q++) {
    a[q] = Math.fround((top ? bot[q]! + top[q]! : bot[q]!) + bias[q % c]!);
  }
  const z = new Float32Array(a.length);
  if (!nms) { for (let q = 0; q < a.length; q++) z[q] = Math.max(0, a[q]!); }
  else {
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < h; y += 2) {
        for (let x = 0; x < w; x += 2) {
          for (let k = 0; k < c; k++) {
            const cells = [
              at(i, y, x, k),
              at(i, y, x + 1, k),
              at(i, y + 1, x, k),
              at(i, y + 1, x + 1, k),
            ];
            let best = cells[0]!;
            for (const q of cells) if (a[q]! > a[best]!) best = q;
            z[best] = Math.max(0, a[best]!);
          }
        }
      }
    }
  }
  const da = new Float32Array(a.length), db = new Float32Array(c);
  for (let q = 0; q < a.length; q++) {
    da[q] = z[q]! > 0 ? r[q]! : 0;
    db[q % c] = db[q % c]! + da[q]!;
  }
  return { z, da, db };
}

Deno.test("layerUpdate() equals plain loops in value and in every gradient", async (t) => {
  await forEachBackend(t, async () => {
    registerFusedKernels();
    for (
      const [shape, nms, two] of [
        [[2, 4, 6, 8], true, true],
        [[2, 4, 6, 8], false, true],
        [[1, 6, 4, 3], true, false],
        [[1, 6, 4, 3], false, false],
      ] as const
    ) {
      // Quarter steps: exact ties inside NMS groups and a's exactly at 0.
      const grid = (s: readonly number[], seed: number) =>
        tf.tidy(() =>
          tf.div(tf.round(tf.mul(tf.randomUniform([...s], -1, 1, "float32", seed), 4)), 4)
        ) as tf.Tensor4D;
      const bot = grid(shape, 1), top = grid(shape, 2), r = grid(shape, 3);
      const bias = tf.tidy(() => tf.squeeze(grid([1, 1, 1, shape[3]], 4))) as tf.Tensor1D;
      const signals = two ? [bot, top] : [bot];
      const before = tf.memory().numTensors;
      const z = layerUpdate(signals, bias, nms);
      const grads = releasingGradients(() =>
        tf.grads((...xs: tf.Tensor[]) =>
          tf.sum(
            tf.mul(layerUpdate(xs.slice(0, -1) as tf.Tensor4D[], xs.at(-1) as tf.Tensor1D, nms), r),
          )
        )([...signals, bias])
      );
      const want = reference(
        await values(bot),
        two ? await values(top) : null,
        await values(bias),
        await values(r),
        shape,
        nms,
      );
      const label = `${shape} nms=${nms} signals=${signals.length}`;
      assert.deepEqual(Array.from(await values(z)), Array.from(want.z), label);
      for (let s = 0; s < signals.length; s++) {
        // Exactly, up to the sign of zero (dy · 0 is −0 where dy < 0).
        assertAllClose(await values(grads[s]!), want.da, 0, 0, `d signal ${s}, ${label}`);
      }
      assertAllClose(await values(grads.at(-1)!), want.db, 1e-6, 1e-6, `d bias, ${label}`);
      tf.dispose([z, ...grads]);
      assert.equal(tf.memory().numTensors, before, label);
      tf.dispose([bot, top, r, bias]);
    }
  }, BACKENDS);
});

Deno.test("layerUpdate() names the bad input", async () => {
  await tf.setBackend("cpu");
  registerFusedKernels();
  const a = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
  assert.throws(
    () => layerUpdate([], tf.zeros([2]) as tf.Tensor1D, false),
    /one or two signals, received 0/,
  );
  assert.throws(
    () =>
      layerUpdate([a, tf.zeros([1, 2, 2, 3]) as tf.Tensor4D], tf.zeros([2]) as tf.Tensor1D, false),
    /shapes \[1, 2, 2, 2\] and \[1, 2, 2, 3\]/,
  );
  assert.throws(
    () => layerUpdate([a], tf.zeros([3]) as tf.Tensor1D, false),
    /bias of shape \[3\] to maps of 2 channels/,
  );
  a.dispose();
});
