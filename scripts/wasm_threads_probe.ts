// Run by wasm_threads_test.ts in its own process (the wasm backend starts once per process):
// `deno run -A scripts/wasm_threads_probe.ts THREADS` prints the thread count and a few results.
import { getThreadsCount, tf } from "../src/deps.ts";
import { initBackend } from "../src/backend.ts";
import { useWasmThreads } from "../src/kernels/mod.ts";

const threads = Number(Deno.args[0] ?? 1);
const report = useWasmThreads(threads);
await initBackend("wasm");
const x = tf.randomUniform([2, 24, 24, 16], -1, 1, "float32", 1) as tf.Tensor4D;
const w = tf.randomUniform([3, 3, 16, 32], -1, 1, "float32", 2) as tf.Tensor4D;
const a = tf.randomUniform([96, 80], -1, 1, "float32", 3) as tf.Tensor2D;
const b = tf.randomUniform([80, 64], -1, 1, "float32", 4) as tf.Tensor2D;
const f = (...t: tf.Tensor[]) =>
  tf.sum(tf.square(tf.conv2d(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, 1, "same")));
const [dx, dw] = tf.grads(f)([x, w]);
const out = {
  threaded: report.threaded,
  threads: getThreadsCount(),
  conv: Array.from(await tf.conv2d(x, w, 1, "same").data()),
  matMul: Array.from(await tf.matMul(a, b).data()),
  dx: Array.from(await dx!.data()),
  dw: Array.from(await dw!.data()),
};
console.log(JSON.stringify(out));
