import assert from "node:assert/strict";
import { assertAllClose } from "../testing.ts";
import { Mulberry32 } from "../util/prng.ts";
import {
  argmaxLabels,
  CRF_BASELINE,
  errorReduction,
  evaluatePascalSegmentation,
  LfwPartsEvaluator,
  meanAccuracy,
  oracleSegmentation,
  pixelCounts,
  pooledAccuracy,
  pooledSuperpixelAccuracy,
  superpixelCounts,
  superpixelMajority,
  superpixelPredictions,
} from "./segmentation.ts";
import { slic } from "./superpixels.ts";

Deno.test("pixelCounts() ignores 255 and scores only pixels centred in the window", async (t) => {
  // 4×3 ground truth and prediction (x →, y ↓):
  //   gt   0 1 1 255      pred 0 1 0 0
  //        2 2 255 0           2 1 1 0
  //        0 0 0 0             1 1 1 1
  const gt = new Uint8Array([0, 1, 1, 255, 2, 2, 255, 0, 0, 0, 0, 0]);
  const pred = [0, 1, 0, 0, 2, 1, 1, 0, 1, 1, 1, 1];
  await t.step("whole image", () => {
    // Scored: 10 pixels (two 255s). Correct: (0,0) (1,0) (0,1) (3,1) → 4.
    assert.deepEqual(pixelCounts(pred, gt), { correct: 4, total: 10 });
  });
  await t.step("window", () => {
    // Box x 0.6..2.6, y 0.5..2.5: column centres 1.5, 2.5 and row centres 0.5, 1.5 are
    // inside → pixels (1,0) (2,0) (1,1) (2,1). (2,1) is 255. Correct: (1,0) only.
    const window = { x: 0.6, y: 0.5, width: 2, height: 2 };
    assert.deepEqual(pixelCounts(pred, gt, { width: 4, window }), { correct: 1, total: 3 });
    // A window larger than the image is clipped to it.
    const big = { x: -10, y: -10, width: 100, height: 100 };
    assert.deepEqual(pixelCounts(pred, gt, { width: 4, window: big }), { correct: 4, total: 10 });
    assert.throws(() => pixelCounts(pred, gt, { window }), /options.width/);
  });
  assert.throws(() => pixelCounts([0], gt), /same size/);
});

Deno.test("pooledAccuracy() pools pixels, meanAccuracy() averages images", () => {
  // Image A 9/10, image B 1/2: pooled 10/12 = 83.33 %, mean (90 + 50)/2 = 70 %.
  const c = [{ correct: 9, total: 10 }, { correct: 1, total: 2 }, { correct: 0, total: 0 }];
  assertAllClose([pooledAccuracy(c), meanAccuracy(c)], [1000 / 12, 70], 1e-9);
  assert.throws(() => pooledAccuracy({ correct: 0, total: 0 }), /zero scored/);
  assert.throws(() => meanAccuracy([]), /no image/);
});

Deno.test("argmaxLabels() picks the largest, lowest index on ties", () => {
  assert.deepEqual(Array.from(argmaxLabels([0.1, 0.7, 0.2, 0.3, 0.3, 0.3], 3)), [1, 0]);
  assert.throws(() => argmaxLabels([1, 2], 3), /multiple/);
});

Deno.test("superpixelMajority() votes, ignores 255 and breaks ties low", () => {
  // Superpixels: 0 → pixels 0,1,2 labels 2,2,1 → 2;  1 → pixels 3,4 labels 0,1 (tie) → 0;
  // 2 → pixel 5 label 255 → 255.
  const l = superpixelMajority([2, 2, 1, 0, 1, 255], [0, 0, 0, 1, 1, 2], 3, 3);
  assert.deepEqual(Array.from(l), [2, 0, 255]);
  assert.throws(() => superpixelMajority([5], [0], 1, 3), /label 5/);
  assert.throws(() => superpixelMajority([0], [3], 1, 3), /superpixel id 3/);
});

Deno.test("superpixelPredictions() mean-probability and majority can disagree", () => {
  // One superpixel of 3 pixels, 2 classes: (0.4, 0.6), (0.4, 0.6), (1.0, 0.0).
  // Majority of arg-max: 1, 1, 0 → 1.  Mean probability: (0.6, 0.4) → 0.
  const probs = [0.4, 0.6, 0.4, 0.6, 1, 0];
  assert.equal(superpixelPredictions(probs, [0, 0, 0], 1, 2)[0], 0);
  assert.equal(superpixelPredictions(probs, [0, 0, 0], 1, 2, "majority")[0], 1);
  assert.throws(() => superpixelPredictions(probs, [0, 0], 1, 2), /expected 4/);
});

Deno.test("superpixel accuracy is pooled over the set, not averaged over images", () => {
  // Image A: pred 0 1 vs gt 0 2 → 1 wrong of 2. Image B: 4 right of 4 (one gt 255 skipped).
  const a = superpixelCounts([0, 1], [0, 2]);
  const b = superpixelCounts([0, 1, 2, 2, 1], [0, 1, 2, 2, 255]);
  assert.deepEqual(a, { wrong: 1, total: 2 });
  assert.deepEqual(b, { wrong: 0, total: 4 });
  // Pooled: 100·(1 − 1/6) = 83.33; the mean of per-image accuracies would be 75.
  assertAllClose([pooledSuperpixelAccuracy([a, b])], [100 * 5 / 6], 1e-9);
});

Deno.test("errorReduction() against the CRF matches the paper's arithmetic", () => {
  assert.equal(CRF_BASELINE, 93.23);
  // GLOC 94.95 → (94.95 − 93.23) / 6.77 = 25.41 %; CLVM₂ multi-task 96.85 → 3.62/6.77 = 53.47 %.
  assertAllClose([errorReduction(94.95), errorReduction(96.85)], [25.406, 53.471], 1e-3);
  assert.equal(errorReduction(93.23), 0);
  assert.equal(errorReduction(90, 80), 50);
  assert.throws(() => errorReduction(99, 100), /< 100/);
});

/** One-hot probabilities for a label map. */
function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let p = 0; p < labels.length; p++) out[p * classes + labels[p]!] = 1;
  return out;
}

Deno.test("LfwPartsEvaluator pools images over the dataset's superpixels", () => {
  const ev = new LfwPartsEvaluator();
  // Image A: 4 pixels in 2 superpixels {0,1} {2,3}; mask 0 0 2 2; the prediction says
  // 0 0 1 2 → superpixel 1's mean probability is (0, 0.5, 0.5) → tie → class 1: wrong.
  // Pixels: 3 of 4 correct.
  ev.add({
    probabilities: oneHot([0, 0, 1, 2], 3),
    width: 2,
    height: 2,
    mask: [0, 0, 2, 2],
    superpixels: { map: [0, 0, 1, 1] }, // count implied: max id + 1 = 2
  });
  // Image B: 4 superpixels with official labels (1 1 2 0), prediction exact; pixel 3 is 255.
  // Given as the LFW-Parts loader yields them: map and labels, the count implied.
  ev.add({
    probabilities: oneHot([1, 1, 2, 0], 3),
    width: 4,
    height: 1,
    mask: [1, 1, 2, 255],
    superpixels: { map: Int32Array.from([0, 1, 2, 3]), labels: Uint8Array.from([1, 1, 2, 0]) },
  });
  const r = ev.result();
  // Superpixels: 1 wrong of 6 → 83.33 %; pixels: 3/4 + 3/3 → 6/7.
  assertAllClose([r.superpixel.percent, r.pixel.percent], [100 * 5 / 6, 600 / 7], 1e-9);
  assert.equal(r.superpixel.approximate, false);
  assert.equal(r.superpixel.superpixelSource, "dataset");
  assertAllClose([r.superpixel.errorReduction], [100 * (100 * 5 / 6 - 93.23) / 6.77], 1e-9);
  assert.equal(r.images, 2);
  assert.throws(
    () => ev.add({ probabilities: oneHot([0], 3), width: 1, height: 1, mask: [0] }),
    /without the dataset's superpixel map/,
  );
});

Deno.test("LfwPartsEvaluator falls back to SLIC and labels the result approximate", () => {
  // A 60×60 image: red hair on top (y < 23), green skin below; the mask matches.
  const w = 60, h = 60;
  const data = new Uint8Array(w * h * 3);
  const mask = new Uint8Array(w * h);
  for (let p = 0; p < w * h; p++) {
    const hair = Math.floor(p / w) < 23;
    data[3 * p] = hair ? 200 : 30;
    data[3 * p + 1] = hair ? 20 : 190;
    mask[p] = hair ? 0 : 1;
  }
  const image = { data, width: w, height: h };
  const perfect = new LfwPartsEvaluator({ slic: { segments: 36 } });
  perfect.add({ probabilities: oneHot(mask, 3), width: w, height: h, mask, image });
  const r = perfect.result();
  assert.equal(r.superpixel.percent, 100);
  assert.equal(r.pixel.percent, 100);
  assert.equal(r.superpixel.approximate, true);
  assert.equal(r.superpixel.superpixelSource, "slic");
  assert.match(r.protocol, /APPROXIMATE/);
  // Predicting "skin" everywhere: every hair superpixel is wrong. SLIC respects the edge
  // at y = 23, so the pixel accuracy is the skin fraction 37/60 and the superpixel
  // accuracy the fraction of skin superpixels, strictly between 0 and 100.
  const allSkin = new LfwPartsEvaluator({ slic: { segments: 36 } });
  allSkin.add({
    probabilities: oneHot(new Uint8Array(w * h).fill(1), 3),
    width: w,
    height: h,
    mask,
    image,
  });
  const s = allSkin.result();
  assertAllClose([s.pixel.percent], [100 * 37 / 60], 1e-9);
  assert.ok(s.superpixel.percent > 30 && s.superpixel.percent < 80, `${s.superpixel.percent}`);
  // Mixing with dataset superpixels is refused.
  assert.throws(
    () =>
      allSkin.add({
        probabilities: oneHot([0], 3),
        width: 1,
        height: 1,
        mask: [0],
        superpixels: { map: [0], count: 1 },
      }),
    /mix superpixel sources/,
  );
  assert.throws(() => new LfwPartsEvaluator().result(), /no image/);
  // Cached SLIC maps passed in are labelled approximate too, and score the same.
  const cached = new LfwPartsEvaluator();
  const sp = slic(image, { segments: 36 });
  cached.add({
    probabilities: oneHot(new Uint8Array(w * h).fill(1), 3),
    width: w,
    height: h,
    mask,
    superpixels: { map: sp.labels, count: sp.count, source: "slic" },
  });
  assert.equal(cached.result().superpixel.approximate, true);
  assert.equal(cached.result().superpixel.percent, s.superpixel.percent);
});

Deno.test("evaluatePascalSegmentation() scores inside each window, pooled and per instance", () => {
  // Instance 1: 3×2 image, window = left 2 columns (x 0..2).
  //   gt 1 1 0 / 0 1 0   pred 1 0 0 / 0 1 1 → in window: (1,1)(1,0)(0,0)(1,1) → 3/4.
  // Instance 2: 2×1, whole image, gt 1 0, pred 0 0 → 1/2.
  const r = evaluatePascalSegmentation([
    {
      pred: [1, 0, 0, 0, 1, 1],
      gt: [1, 1, 0, 0, 1, 0],
      width: 3,
      window: { x: 0, y: 0, width: 2, height: 2 },
    },
    { pred: [0, 0], gt: [1, 0], width: 2, window: { x: 0, y: 0, width: 2, height: 1 } },
  ]);
  // Pooled 4/6 = 66.67 %; mean (75 + 50)/2 = 62.5 %.
  assertAllClose([r.pooled, r.meanPerInstance], [400 / 6, 62.5], 1e-9);
  assert.match(r.protocol, /window/);
});

Deno.test("oracleSegmentation() takes each cell's majority, partial cells included", () => {
  // 5×3 map at stride 2 → 3×2 cells; the last column and last row are partial.
  //   x: 0 1 | 2 3 | 4
  //   y0: 0 0 | 1 1 | 2
  //   y1: 0 1 | 1 255 | 2
  //   ----------------
  //   y2: 1 1 | 0 1 | 255
  // Cells: (0,0): 0,0,0,1 → 0; (1,0): 1,1,1 (+255) → 1; (2,0): 2,2 → 2;
  //        (0,1): 1,1 → 1; (1,1): 0,1 tie → 0; (2,1): only 255 → 255.
  const gt = [0, 0, 1, 1, 2, 0, 1, 1, 255, 2, 1, 1, 0, 1, 255];
  const o = oracleSegmentation(gt, 5, 3, 2, 3);
  assert.equal(o.cellsX, 3);
  assert.equal(o.cellsY, 2);
  assert.deepEqual(Array.from(o.cells), [0, 1, 2, 1, 0, 255]);
  assert.deepEqual(Array.from(o.labels), [0, 0, 1, 1, 2, 0, 0, 1, 1, 2, 1, 1, 0, 0, 255]);
  // Stride 1 is the ground truth itself.
  assert.deepEqual(Array.from(oracleSegmentation(gt, 5, 3, 1, 3).labels), gt);
  assert.throws(() => oracleSegmentation(gt, 4, 3, 2, 3), /width·height/);
  assert.throws(() => oracleSegmentation(gt, 5, 3, 1.5, 3), /stride/);
});

Deno.test("oracleSegmentation() beats every other cell-constant labelling", () => {
  // Property: no map that is constant per cell scores more pixels than the oracle.
  const rng = new Mulberry32(11);
  const w = 12, h = 8, stride = 4;
  const gt = Uint8Array.from({ length: w * h }, () => rng.int(3));
  const best = pixelCounts(oracleSegmentation(gt, w, h, stride, 3).labels, gt).correct;
  for (let trial = 0; trial < 200; trial++) {
    const cells = Array.from({ length: 6 }, () => rng.int(3));
    const labels = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        labels[y * w + x] = cells[Math.floor(y / 4) * 3 + Math.floor(x / 4)]!;
      }
    }
    assert.ok(pixelCounts(labels, gt).correct <= best);
  }
});

Deno.test("LfwPartsEvaluator keeps each image's superpixel and pixel accuracy", () => {
  const ev = new LfwPartsEvaluator({ numClasses: 2 });
  // Image 1: 2 pixels, both right. Image 2: 2 pixels, one right (two superpixels).
  ev.add({
    probabilities: [1, 0, 0, 1],
    width: 2,
    height: 1,
    mask: [0, 1],
    superpixels: { map: [0, 1], count: 2 },
  });
  ev.add({
    probabilities: [1, 0, 1, 0],
    width: 2,
    height: 1,
    mask: [0, 1],
    superpixels: { map: [0, 1], count: 2 },
  });
  const r = ev.result();
  assert.deepEqual(r.perImage, { superpixel: [100, 50], pixel: [100, 50] });
  assert.equal(r.superpixel.percent, 75);
});
