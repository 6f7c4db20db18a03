import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import { gaussian } from "./params.ts";
import { type ArchitectureSpec, FEEDBACK_MODES } from "./config.ts";
import { type CLVM, createCLVM } from "./model.ts";
import { VARIANT_NAMES, VARIANTS } from "./variants.ts";
import * as ref from "./reference.ts";

// A small net: 5 layers, 2 NMS layers, 2–4 channels; 12×12 inputs go 12 → 6 → 3.
const SMALL: ArchitectureSpec = {
  inputChannels: 3,
  layers: [
    { channels: 3, nms: false },
    { channels: 4, nms: true },
    { channels: 3, nms: false },
    { channels: 2, nms: true },
    { channels: 4, nms: false },
  ],
};

/** Random weights set into `clvm`, and the same values as a reference net. */
function randomize(clvm: CLVM, seed: number, wStd: number, bStd: number): ref.RefNet {
  const { architecture, tied } = clvm.options;
  const L = architecture.layers.length;
  const net: ref.RefNet = {
    inputChannels: architecture.inputChannels,
    layers: architecture.layers,
    k: architecture.kernelSize,
    w: [new Float64Array()],
    b: [new Float64Array()],
  };
  if (!tied) net.u = [new Float64Array(), new Float64Array()];
  const weights: Record<string, tf.Tensor> = {};
  let stream = seed * 1000;
  const draw = (name: string, shape: number[], std: number): Float64Array => {
    const v = gaussian(shape.reduce((a, b) => a * b, 1), std, stream++);
    weights[name] = tf.tensor(v, shape);
    return Float64Array.from(v);
  };
  for (let i = 1; i <= L; i++) {
    const shape = [net.k, net.k, ref.channelsBelow(net, i), net.layers[i - 1]!.channels];
    net.w.push(draw(`conv${i}/kernel`, shape, wStd));
    net.b.push(draw(`conv${i}/bias`, [shape[3]!], bStd));
    if (!tied && i >= 2) net.u!.push(draw(`topdown${i}/kernel`, shape, wStd));
  }
  clvm.setWeights(weights);
  Object.values(weights).forEach((t) => t.dispose());
  return net;
}

function randomInput(seed: number, n = 2, h = 12, w = 12, c = 3): { t: tf.Tensor4D; a: ref.Arr } {
  const v = gaussian(n * h * w * c, 1, seed);
  return { t: tf.tensor4d(v, [n, h, w, c]), a: { n, h, w, c, v: Float64Array.from(v) } };
}

Deno.test("latents() and score() agree with the plain-TypeScript reference", async (t) => {
  await forEachBackend(t, async () => {
    for (const tied of [true, false]) {
      for (const feedback of FEEDBACK_MODES) {
        const clvm = createCLVM({ architecture: SMALL, tied, feedback });
        const net = randomize(clvm, tied ? 1 : 2, 0.25, 0.3);
        const x = randomInput(7);
        for (let k = 1; k <= 4; k++) {
          const z = clvm.latents(x.t, k);
          const expected = ref.latents(net, x.a, k, feedback);
          for (let i = 0; i < z.length; i++) {
            assertAllClose(
              await values(z[i]!),
              expected[i]!.v,
              1e-4,
              1e-4,
              `z${i + 1} (k=${k}, ${feedback}, tied=${tied})`,
            );
          }
          const s = clvm.score(x.t, z);
          assertAllClose(
            await values(s),
            ref.score(net, x.a, [null, ...expected]),
            1e-3,
            1e-4,
            `S (k=${k}, ${feedback}, tied=${tied})`,
          );
          s.dispose();
          z.forEach((zi) => zi.dispose());
        }
        x.t.dispose();
        clvm.dispose();
      }
    }
  });
});

Deno.test("the reference's conv transpose is the adjoint of its conv", () => {
  // ⟨conv(u), v⟩ = ⟨u, convT(v)⟩ — checks the reference itself, independently of tfjs.
  const u = { n: 1, h: 5, w: 4, c: 2, v: Float64Array.from(gaussian(40, 1, 11)) };
  const v = { n: 1, h: 5, w: 4, c: 3, v: Float64Array.from(gaussian(60, 1, 12)) };
  const w = Float64Array.from(gaussian(3 * 3 * 2 * 3, 1, 13));
  const cu = ref.conv(u, w, 3, 3);
  const tv = ref.convT(v, w, 3, 2);
  const lhs = cu.v.reduce((s, x, i) => s + x * v.v[i]!, 0);
  const rhs = u.v.reduce((s, x, i) => s + x * tv.v[i]!, 0);
  assert.ok(Math.abs(lhs - rhs) < 1e-9 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
});

Deno.test("pass 1 equals a conv/ReLU/max-pool CNN built from the same weights", async (t) => {
  await forEachBackend(t, async () => {
    const clvm = createCLVM({ architecture: "tiny", seed: 5, weightStd: 0.2, biasStd: 0.1 });
    const x = randomInput(3, 2, 16, 16).t;
    const z = clvm.latents(x, 1);
    const W = clvm.getWeights();
    let h: tf.Tensor4D = x;
    const layers = clvm.options.architecture.layers;
    for (let i = 1; i <= layers.length; i++) {
      const act = tf.relu(
        tf.add(tf.conv2d(h, W[`conv${i}/kernel`] as tf.Tensor4D, 1, "same"), W[`conv${i}/bias`]!),
      ) as tf.Tensor4D;
      if (layers[i - 1]!.nms) {
        h = tf.maxPool(act, 2, 2, "valid");
        // P(z_i) — the sum-pool of the NMS layer — is what the layer above sees.
        const pooled = tf.mul(tf.avgPool(z[i - 1]!, 2, 2, "valid"), 4);
        assertAllClose(await values(pooled), await values(h), 1e-4, 1e-4, `P(z${i})`);
      } else {
        h = act;
        assertAllClose(await values(z[i - 1]!), await values(h), 1e-4, 1e-4, `z${i}`);
      }
    }
    tf.dispose(z);
    x.dispose();
    clvm.dispose();
  });
});

Deno.test("S never decreases over the layer updates (replicate, tied, no batch norm)", async (t) => {
  await forEachBackend(t, async () => {
    // Small weights converge; large ones make S grow without bound.
    for (const [seed, wStd] of [[1, 0.3], [2, 0.6], [3, 0.9]] as const) {
      const clvm = createCLVM({ architecture: SMALL });
      const net = randomize(clvm, seed, wStd, 0.5);
      const x = randomInput(seed + 10);
      const trace = clvm.scoreTrace(x.t, 8);
      const rows = trace.shape[0];
      const v = await values(trace);
      for (let r = 1; r < rows; r++) {
        for (let n = 0; n < 2; n++) {
          const prev = v[(r - 1) * 2 + n]!, cur = v[r * 2 + n]!;
          assert.ok(
            cur >= prev - 1e-5 * Math.max(1, Math.abs(prev)),
            `S fell from ${prev} to ${cur} at update ${r} (seed ${seed}, std ${wStd})`,
          );
        }
      }
      // The trace is S itself: compare its last row with the reference's S.
      const refZ = ref.latents(net, x.a, 8, "replicate");
      const expected = ref.score(net, x.a, [null, ...refZ]);
      assertAllClose(v.slice((rows - 1) * 2), expected, 1e-2, 1e-4, `S after 8 passes`);
      if (wStd === 0.9) {
        assert.ok(v[(rows - 1) * 2]! > 100 * Math.abs(v[2 * (rows >> 1)]!), "S grows fast");
      }
      trace.dispose();
      x.t.dispose();
      clvm.dispose();
    }
  });
});

Deno.test("lazy evaluation of the last pass changes no head's output", async (t) => {
  await forEachBackend(t, async () => {
    for (const variant of VARIANT_NAMES) {
      for (const passes of [1, 2, 3]) {
        const clvm = createCLVM({ variant, architecture: "tiny", passes, weightStd: 0.3 });
        const x = randomInput(4, 1, 16, 16).t;
        const lazy = clvm.forward(x);
        const full = clvm.forward(x, { lazy: false });
        for (const task of ["segmentation", "keypoints"] as const) {
          assert.equal(Boolean(lazy[task]), Boolean(VARIANTS[variant].heads?.[task]));
          if (!lazy[task]) continue;
          assertAllClose(await values(lazy[task]), await values(full[task]!), 1e-5, 1e-5, task);
        }
        tf.dispose([lazy, full] as unknown as tf.Tensor[]);
        tf.dispose(Object.values(lazy));
        tf.dispose(Object.values(full));
        x.dispose();
        clvm.dispose();
      }
    }
  });
});
