// The `zero-interlace` feedback as the paper's Fig. 6 draws it (docs/MODEL.md §1): z_{i+1} is
// zero-interlaced to the NMS layer's grid first, and the 180°-rotated 3×3 filter is applied
// there. Checked on a case small enough to compute by hand, for the model and the reference.
import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import type { ArchitectureSpec, Feedback } from "./config.ts";
import { createCLVM } from "./model.ts";
import * as ref from "./reference.ts";

// One NMS layer under one plain layer, one channel each: a 2×2 input is one group, and the
// layer above is a single cell.
const TWO: ArchitectureSpec = {
  inputChannels: 1,
  kernelSize: 3,
  layers: [{ channels: 1, nms: true }, { channels: 1, nms: false }],
};
// w2[dy][dx] = 0.1·(3·dy + dx + 1): the filter 0.1 … 0.9 in raster order, centre 0.5.
const W2 = Array.from({ length: 9 }, (_, q) => 0.1 * (q + 1));

// By hand, from x = 0, w1 = 0, b1 = 1, b2 = 0:
// pass 1: a1 = 1 in all four cells, so the NMS keeps the first: z1 = [1, 0, 0, 0];
//   z2 = relu(centre · P(z1)) = 0.5 · 1 = 0.5.
// pass 2 (top-down, layer 1): a1 = 1 + top1, where for each mode top1 is
//   zero-interlace: convT(ZI(z2)) on the 2×2 grid — z2 at the top-left cell, so cell (y, x)
//     meets w2[y + 1][x + 1]: 0.5 · [0.5, 0.6, 0.8, 0.9] = [0.25, 0.3, 0.4, 0.45], and the
//     NMS keeps the bottom-right 1.45;
//   (the old order, ZI(convT(z2)) at the coarse grid: [0.25, 0, 0, 0], would keep 1.25 top-left)
//   replicate: convT(z2) = 0.25 copied to all four: the first, 1.25, wins.
const EXPECTED_Z1: Record<Exclude<Feedback, "switches">, number[]> = {
  "zero-interlace": [0, 0, 0, 1.45],
  replicate: [1.25, 0, 0, 0],
};

function referenceNet(): ref.RefNet {
  return {
    inputChannels: 1,
    layers: TWO.layers,
    k: 3,
    w: [new Float64Array(), new Float64Array(9), Float64Array.from(W2)],
    b: [new Float64Array(), Float64Array.of(1), Float64Array.of(0)],
  };
}

Deno.test("the reference's zero-interlace feedback filters after interlacing (hand-computed)", () => {
  const x = ref.zeros(1, 2, 2, 1);
  for (const [mode, z1] of Object.entries(EXPECTED_Z1)) {
    const z = ref.latents(referenceNet(), x, 2, mode as Feedback);
    assertAllClose(z[0]!.v, z1, 1e-12, 1e-12, `z1 (${mode})`);
    assertAllClose(z[1]!.v, [0.5], 1e-12, 1e-12, `z2 (${mode})`);
  }
  // The top-down signal itself, against the hand computation of the comment above.
  const above = { n: 1, h: 1, w: 1, c: 1, v: Float64Array.of(0.5) };
  const top = ref.topThroughNms(above, Float64Array.from(W2), 3, 1, "zero-interlace");
  assertAllClose(top.v, [0.25, 0.3, 0.4, 0.45], 1e-12, 1e-12, "top1");
});

Deno.test("latents() with zero-interlace feedback filters after interlacing (hand-computed)", async (t) => {
  await forEachBackend(t, async () => {
    for (const [mode, z1] of Object.entries(EXPECTED_Z1)) {
      const clvm = createCLVM({ architecture: TWO, feedback: mode as Feedback });
      const weights = {
        "conv1/kernel": tf.zeros([3, 3, 1, 1]),
        "conv1/bias": tf.ones([1]),
        "conv2/kernel": tf.tensor4d(W2, [3, 3, 1, 1]),
        "conv2/bias": tf.zeros([1]),
      };
      clvm.setWeights(weights);
      tf.dispose(Object.values(weights));
      const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const z = clvm.latents(x, 2);
      assertAllClose(await values(z[0]!), z1, 1e-6, 1e-6, `z1 (${mode})`);
      assertAllClose(await values(z[1]!), [0.5], 1e-6, 1e-6, `z2 (${mode})`);
      tf.dispose(z);
      assert.equal(tf.memory().numTensors, before, `latents() leaks tensors (${mode})`);
      x.dispose();
      clvm.dispose();
    }
  });
});
