import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { initBackend } from "../backend.ts";
import { assertAllClose, values } from "../testing.ts";
import { registerCpuConvGrad, unregisterCpuConvGrad } from "./_cpu_conv_grad.ts";

Deno.test("the fast cpu Conv2DBackpropFilter agrees with tfjs's own and with a hand-computed case", async () => {
  await initBackend("cpu");
  const cases: [number[], number[], number | [number, number], "same" | "valid"][] = [
    [[2, 7, 5, 3], [3, 3, 3, 4], 1, "same"],
    [[1, 9, 8, 2], [5, 5, 2, 3], 1, "same"],
    [[2, 8, 6, 3], [3, 3, 3, 2], 2, "same"],
    [[1, 7, 7, 2], [3, 2, 2, 2], [2, 1], "valid"],
  ];
  const gradient = async (
    xShape: number[],
    fShape: number[],
    s: number | [number, number],
    pad: "same" | "valid",
  ) => {
    const x = tf.randomNormal(
      xShape as [number, number, number, number],
      0,
      1,
      "float32",
      1,
    ) as tf.Tensor4D;
    const f = tf.randomNormal(
      fShape as [number, number, number, number],
      0,
      1,
      "float32",
      2,
    ) as tf.Tensor4D;
    const y = tf.conv2d(x, f, s, pad);
    const dy = tf.randomNormal(y.shape, 0, 1, "float32", 3);
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, s, pad), dy)))(
      f,
    );
    const out = await values(g);
    tf.dispose([x, f, y, dy, g]);
    return out;
  };
  unregisterCpuConvGrad();
  const reference = [];
  for (const c of cases) reference.push(await gradient(...c));
  registerCpuConvGrad();
  registerCpuConvGrad(); // idempotent
  for (const [i, c] of cases.entries()) {
    assertAllClose(await gradient(...c), reference[i]!, 1e-4, 1e-4, `case ${i}`);
  }
  // By hand: x = [[1, 2], [3, 4]] (one channel), 'valid' 2×2 filter, dy = [[1]]: dW = x.
  const g = tf.grad((w: tf.Tensor) =>
    tf.sum(tf.conv2d(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), w as tf.Tensor4D, 1, "valid"))
  )(tf.zeros([2, 2, 1, 1]));
  assert.deepEqual(Array.from(await values(g)), [1, 2, 3, 4]);
  g.dispose();
});
