import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { assertAllClose, forEachBackend, values } from "../testing.ts";
import {
  bilinearMatrix,
  downsampleLabelsMajority,
  isDecayed,
  keypointTargets,
  segmentationLoss,
  sigmoidLogLoss,
  softmaxCrossEntropy,
  upsampleBilinear,
} from "./losses.ts";

Deno.test("softmaxCrossEntropy() averages over labelled pixels and skips label 255", async (t) => {
  await forEachBackend(t, async () => {
    // Pixel 0: logits [1, 2, 0], label 1; pixel 1: ignored (its logits must not matter);
    // pixel 2: logits [0, 0, 3], label 0.
    const logits = tf.tensor4d([1, 2, 0, 100, -100, 7, 0, 0, 3], [1, 1, 3, 3]);
    const labels = tf.tensor3d([1, 255, 0], [1, 1, 3], "int32");
    const lse = (a: number[]) => Math.log(a.reduce((s, v) => s + Math.exp(v), 0));
    const expected = ((lse([1, 2, 0]) - 2) + (lse([0, 0, 3]) - 0)) / 2;
    const loss = softmaxCrossEntropy(logits, labels);
    assertAllClose(await values(loss), [expected], 1e-5, 1e-5, "loss");
    const none = softmaxCrossEntropy(logits, tf.tensor3d([255, 255, 255], [1, 1, 3], "int32"));
    assert.equal((await values(none))[0], 0);
    tf.dispose([logits, labels, loss, none]);
  });
});

Deno.test("bilinearMatrix() has the half-pixel-centre weights worked out by hand", () => {
  // 2 → 4: outputs read 0.5·(o + 0.5) − 0.5 = −0.25, 0.25, 0.75, 1.25 (clamped to [0, 1]).
  assert.deepEqual(Array.from(bilinearMatrix(4, 2)), [1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
  // Same size: the identity.
  assert.deepEqual(Array.from(bilinearMatrix(2, 2)), [1, 0, 0, 1]);
});

Deno.test("upsampleBilinear() equals tf.image.resizeBilinear and its gradient the finite differences", async (t) => {
  await forEachBackend(t, async () => {
    const x = tf.randomNormal([2, 3, 5, 2], 0, 1, "float32", 3) as tf.Tensor4D;
    const up = upsampleBilinear(x, 12, 20);
    const ref = tf.image.resizeBilinear(x, [12, 20], false, true);
    assertAllClose(await values(up), await values(ref), 1e-5, 1e-5, "upsampled");
    // The map is linear, so central differences of tf's own resize are exact up to rounding.
    const r = tf.randomNormal([2, 12, 20, 2], 0, 1, "float32", 4);
    const g = tf.grad((v: tf.Tensor) =>
      tf.sum(tf.mul(upsampleBilinear(v as tf.Tensor4D, 12, 20), r))
    )(x);
    const xv = await values(x);
    const fd: number[] = [];
    const f = async (v: Float32Array) => {
      const y = tf.tidy(() =>
        tf.sum(tf.mul(tf.image.resizeBilinear(tf.tensor4d(v, x.shape), [12, 20], false, true), r))
      );
      const out = (await values(y))[0]!;
      y.dispose();
      return out;
    };
    for (let i = 0; i < xv.length; i++) {
      const p = xv.slice();
      const m = xv.slice();
      p[i]! += 0.5;
      m[i]! -= 0.5;
      fd.push((await f(p) - await f(m)) / 1);
    }
    assertAllClose(await values(g), fd, 2e-3, 2e-3, "gradient");
    assert.equal(upsampleBilinear(x, 3, 5), x, "same size returns the input itself");
    tf.dispose([x, up, ref, r, g]);
  });
});

Deno.test("segmentationLoss() upsamples the logits or wants labels at the head's size", async () => {
  const logits = tf.tensor4d([0, 1, 2, 0], [1, 1, 2, 2]);
  // Upsampled 1×2 → 2×4: columns read positions −0.25, 0.25, 0.75, 1.25 → weights as above.
  const labels = tf.tensor3d([0, 0, 1, 1, 255, 255, 255, 255], [1, 2, 4], "int32");
  const col = (w0: number) => [w0 * 0 + (1 - w0) * 2, w0 * 1 + (1 - w0) * 0];
  const lse = (a: number[]) => Math.log(Math.exp(a[0]!) + Math.exp(a[1]!));
  const pixels = [1, 0.75, 0.25, 0].map(col);
  const expected =
    [0, 0, 1, 1].reduce((s, label, i) => s + lse(pixels[i]!) - pixels[i]![label]!, 0) /
    4;
  const loss = segmentationLoss(logits, labels, "upsample-logits");
  assertAllClose(await values(loss), [expected], 1e-5, 1e-5, "loss");
  assert.throws(
    () => segmentationLoss(logits, labels, "downsample-labels"),
    /logits of 1×2 with labels of 2×4/,
  );
  tf.dispose([logits, labels, loss]);
});

Deno.test("downsampleLabelsMajority() votes per cell, ignoring 255, ties to the lower class", () => {
  // 4×4 labels, stride 2 → 2×2 cells.
  const labels = new Uint8Array([
    ...[1, 1, 0, 2],
    ...[1, 0, 2, 0],
    ...[255, 255, 2, 2],
    ...[255, 255, 255, 1],
  ]);
  assert.deepEqual(
    Array.from(downsampleLabelsMajority(labels, 4, 4, 2, 3)),
    [1, 0, 255, 2],
  );
  // A partial cell at the border (5×5, stride 2 → 3×3).
  const five = new Uint8Array(25).fill(0);
  five[24] = 2;
  assert.equal(downsampleLabelsMajority(five, 5, 5, 2, 3)[8], 2);
  assert.throws(
    () => downsampleLabelsMajority(new Uint8Array([0, 7, 0, 0]), 2, 2, 2, 3),
    /pixel \(1, 0\) has class 7, expected 0\.\.2 or 255/,
  );
});

Deno.test("keypointTargets() marks the keypoint's cell dilated 3×3, nothing for invisible ones", () => {
  // 4×4 map, stride 4, K = 3: keypoint 0 at (13, 2) → row 0, col 3 (corner: 2×2 clipped);
  // keypoint 1 invisible; keypoint 2 at (-3, 5): outside the map → nothing.
  const t = keypointTargets([[[13, 2, 1], [6, 6, 0], [-3, 5, 1]]], 3, 4, 4, 4);
  const at = (r: number, c: number, k: number) => t[(r * 4 + c) * 3 + k];
  const ones: string[] = [];
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      for (let k = 0; k < 3; k++) if (at(r, c, k) === 1) ones.push(`${r},${c},${k}`);
    }
  }
  assert.deepEqual(ones, ["0,2,0", "0,3,0", "1,2,0", "1,3,0"]);
  // Interior keypoint with dilation 3: 9 cells; with dilation 1: one.
  const mid = keypointTargets([[[9, 9, 1]]], 1, 4, 4, 4);
  assert.equal(mid.reduce((a, b) => a + b, 0), 9);
  assert.deepEqual(
    Array.from(keypointTargets([[[9, 9, 1]]], 1, 4, 4, 4, 1)),
    Array.from({ length: 16 }, (_, i) => (i === 2 * 4 + 2 ? 1 : 0)),
  );
  assert.throws(() => keypointTargets([[[1, 1, 1]]], 2, 4, 4, 4), /expected 2 keypoints, got 1/);
});

Deno.test("sigmoidLogLoss() equals −t·log σ − (1−t)·log(1−σ), finite for large logits", async () => {
  const x = [-3, -0.5, 0, 0.7, 2.5, 4];
  const tv = [0, 1, 1, 0, 1, 0];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const expected = x.reduce(
    (s, v, i) => s - (tv[i]! * Math.log(sig(v)) + (1 - tv[i]!) * Math.log(1 - sig(v))),
    0,
  ) / x.length;
  const logits = tf.tensor4d(x, [1, 2, 3, 1]);
  const targets = tf.tensor4d(tv, [1, 2, 3, 1]);
  const loss = sigmoidLogLoss(logits, targets);
  assertAllClose(await values(loss), [expected], 1e-5, 1e-5, "loss");
  const big = sigmoidLogLoss(
    tf.tensor4d([80, -80], [1, 1, 2, 1]),
    tf.tensor4d([0, 1], [1, 1, 2, 1]),
  );
  assertAllClose(await values(big), [80], 1e-3, 1e-5, "large logits");
  assert.throws(
    () => sigmoidLogLoss(logits, tf.zeros([1, 3, 2, 1])),
    /\[1, 2, 3, 1\].*\[1, 3, 2, 1\]/,
  );
  tf.dispose([logits, targets, loss, big]);
});

Deno.test("isDecayed() picks conv, top-down and head filters, not biases or batch norm", () => {
  for (const name of ["conv1/kernel", "conv8/kernel", "topdown3/kernel", "head/keypoints/kernel"]) {
    assert.ok(isDecayed(name), name);
  }
  for (
    const name of ["conv1/bias", "head/segmentation/bias", "bn2/top/gamma", "bn1/bottom/beta"]
  ) {
    assert.ok(!isDecayed(name), name);
  }
});

Deno.test("the losses' sum-over-batch normalization is the sum over cells divided by N", async () => {
  // Two images, 1×2 maps, 2 classes / 1 keypoint channel; worked out by hand.
  const lse = (a: number, b: number) => Math.log(Math.exp(a) + Math.exp(b));
  const logits = tf.tensor4d([1, 0, 0, 2, 3, 1, 0, 0], [2, 1, 2, 2]);
  const labels = tf.tensor3d([0, 1, 255, 0], [2, 1, 2], "int32");
  const terms = [lse(1, 0) - 1, lse(0, 2) - 2, lse(0, 0) - 0];
  const sum = terms.reduce((a, b) => a + b, 0);
  const mean = softmaxCrossEntropy(logits, labels);
  const summed = softmaxCrossEntropy(logits, labels, "sum-over-batch");
  assertAllClose(await values(mean), [sum / 3], 1e-5, 1e-5, "mean over labelled pixels");
  assertAllClose(await values(summed), [sum / 2], 1e-5, 1e-5, "sum over pixels / batch");
  const seg = segmentationLoss(logits, labels, "upsample-logits", "sum-over-batch");
  assertAllClose(await values(seg), [sum / 2], 1e-5, 1e-5, "segmentationLoss passes it on");

  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const x = [0.5, -1, 2, -3, 1, 0];
  const t = [1, 0, 0, 0, 1, 0];
  const cell = x.map((v, i) => -(t[i]! * Math.log(sig(v)) + (1 - t[i]!) * Math.log(1 - sig(v))));
  const kx = tf.tensor4d(x, [2, 1, 3, 1]);
  const kt = tf.tensor4d(t, [2, 1, 3, 1]);
  const total = cell.reduce((a, b) => a + b, 0);
  const kMean = sigmoidLogLoss(kx, kt);
  const kSum = sigmoidLogLoss(kx, kt, "sum-over-batch");
  assertAllClose(await values(kMean), [total / 6], 1e-5, 1e-5, "keypoints, mean");
  assertAllClose(await values(kSum), [total / 2], 1e-5, 1e-5, "keypoints, sum / batch");
  // Positive weighting (an option that departs from the paper): positives count w times.
  const weighted = cell.reduce((a, c, i) => a + (t[i] ? 4 * c : c), 0);
  const kW = sigmoidLogLoss(kx, kt, "sum-over-batch", 4);
  assertAllClose(await values(kW), [weighted / 2], 1e-5, 1e-5, "positives ×4");
  assert.throws(() => sigmoidLogLoss(kx, kt, "mean", 0), /positive weight 0: expected/);
  tf.dispose([logits, labels, mean, summed, seg, kx, kt, kMean, kSum, kW]);
});
