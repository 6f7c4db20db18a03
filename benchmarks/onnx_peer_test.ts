import assert from "node:assert/strict";
import { type CLVM, createCLVM, initBackend } from "../mod.ts";
import { tf } from "../src/deps.ts";
import { assertAllClose, values } from "../src/testing.ts";
import { createOnnxPeer, onnxPeerAvailable } from "./onnx_peer.ts";

// The peer needs onnxruntime-node (288 MB, tools/onnx_peer/), which the default install
// does not fetch: these tests run where it is cached (`deno task table3` fetches it once).
const available = await onnxPeerAvailable();
const ignore = !available.ok;
const why = available.ok
  ? ""
  : " (skipped: onnxruntime-node is not in Deno's cache; deno task table3 fetches it once)";
if (!available.ok) console.error(available.why);

async function assertPeerMatches(clvm: CLVM, x: tf.Tensor4D, what: string): Promise<void> {
  const [n, h, w] = x.shape;
  const peer = await createOnnxPeer(clvm, [n, h, w], 1, { cachedOnly: true });
  const got = await peer.run(x);
  const want = clvm.predict(x);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), what);
  for (const task of ["segmentation", "keypoints"] as const) {
    if (!want[task]) continue;
    assert.deepEqual(got[task]!.shape, want[task]!.shape, `${what} ${task}`);
    assertAllClose(got[task]!.values, await values(want[task]!), 1e-3, 1e-3, `${what} ${task}`);
  }
  tf.dispose(Object.values(want));
  await peer.release();
}

Deno.test({
  name: "The onnxruntime peer computes clvm.predict() (tiny, k = 1..4, batch 2)" + why,
  ignore,
}, async () => {
  await initBackend("cpu");
  const x = tf.randomUniform([2, 16, 24, 3], 0, 1, "float32", 9) as tf.Tensor4D;
  for (const variant of ["CLVM1-seg", "CLVM2-seg", "CLVM2-kp", "M-CLVM2"]) {
    for (const passes of [1, 2, 3, 4]) {
      const clvm = createCLVM({ variant, passes, architecture: "tiny", seed: 2, weightStd: 0.1 });
      await assertPeerMatches(clvm, x, `${variant} k=${passes}`);
      clvm.dispose();
    }
  }
  x.dispose();
});

Deno.test(
  { name: "The onnxruntime peer computes clvm.predict() (paper, 16×16)" + why, ignore },
  async () => {
    await initBackend("cpu");
    const x = tf.randomUniform([1, 16, 16, 3], 0, 1, "float32", 10) as tf.Tensor4D;
    const clvm = createCLVM({ variant: "M-CLVM2", architecture: "paper", seed: 5 });
    await assertPeerMatches(clvm, x, "M-CLVM2");
    clvm.dispose();
    x.dispose();
  },
);

Deno.test(
  { name: "The onnxruntime peer keeps the first maximum of tied NMS groups" + why, ignore },
  async () => {
    // All-zero filters: every a_i is its bias, so each 2×2 group is a four-way tie and only
    // the top-left cell may carry relu(b); heads on the NMS layers z2 and z4 see that pattern.
    await initBackend("cpu");
    const clvm = createCLVM({
      architecture: "tiny",
      passes: 2,
      heads: { segmentation: { layer: 2 }, keypoints: { layer: 4 } },
      seed: 3,
      biasStd: 1,
    });
    clvm.setWeights(Object.fromEntries(
      Object.entries(clvm.getWeights())
        .filter(([name]) => name.endsWith("kernel") && !name.startsWith("head"))
        .map(([name, t]) => [name, tf.zerosLike(t)]),
    ));
    const x = tf.ones([1, 8, 8, 3]) as tf.Tensor4D;
    await assertPeerMatches(clvm, x, "ties");
    clvm.dispose();
    x.dispose();
  },
);
