import assert from "node:assert/strict";
import { assertAllClose } from "../testing.ts";
import { Mulberry32 } from "../util/prng.ts";
import {
  createPreprocessor,
  cropBox,
  flipPairsFromNames,
  fromNetwork,
  makeTransform,
  mapKeypointsBack,
  mapLabelsBack,
  mapProbabilitiesBack,
  type PadMode,
  PREPROCESS,
  preprocess,
  resampleImage,
  resampleLabels,
  sourceWindow,
  toNetwork,
  type Transform,
  transformKeypoints,
  windowCrop,
} from "./preprocess.ts";
import type { RgbImage, Sample } from "./types.ts";

function randomImage(w: number, h: number, seed: number): RgbImage {
  const rng = new Mulberry32(seed);
  return { data: Uint8Array.from({ length: w * h * 3 }, () => rng.int(256)), width: w, height: h };
}

/**
 * Reference resampler, written per output pixel without tables: the source sits on an
 * infinite canvas (pad colour outside, or clamped for "edge"); the output pixel centre
 * maps back through the inverse transform; bilinear (or, with `support` > 1, a tent of
 * that radius normalized over all canvas pixels) in index space.
 */
function referenceResample(
  img: RgbImage,
  t: Transform,
  pad: PadMode,
  mean: [number, number, number],
  support = 1,
): Float32Array {
  const out = new Float32Array(t.width * t.height * 3);
  const value = (i: number, j: number, c: number): number => {
    if (pad === "edge") {
      i = Math.min(Math.max(i, 0), img.width - 1);
      j = Math.min(Math.max(j, 0), img.height - 1);
    } else if (i < 0 || j < 0 || i >= img.width || j >= img.height) {
      return pad === "zero" ? -mean[c]! : 0;
    }
    return img.data[3 * (j * img.width + i) + c]! / 255 - mean[c]!;
  };
  for (let v = 0; v < t.height; v++) {
    for (let u = 0; u < t.width; u++) {
      const [x, y] = fromNetwork(u + 0.5, v + 0.5, t);
      const sx = x - 0.5, sy = y - 0.5;
      for (let c = 0; c < 3; c++) {
        let acc = 0, norm = 0;
        for (let j = Math.floor(sy - support); j <= Math.ceil(sy + support); j++) {
          const wy = Math.max(0, 1 - Math.abs(j - sy) / support);
          for (let i = Math.floor(sx - support); i <= Math.ceil(sx + support); i++) {
            const w = wy * Math.max(0, 1 - Math.abs(i - sx) / support);
            if (w === 0) continue;
            acc += w * value(i, j, c);
            norm += w;
          }
        }
        out[3 * (v * t.width + u) + c] = acc / norm;
      }
    }
  }
  return out;
}

Deno.test("cropBox() squares around the centre and adds the margin", () => {
  // Wide 40×20 box at (10, 20): centre (30, 30) → 40×40 at (10, 10).
  assert.deepEqual(cropBox({ x: 10, y: 20, width: 40, height: 20 }), {
    x: 10,
    y: 10,
    width: 40,
    height: 40,
  });
  // Tall 10×30 box at (0, 0) with margin 0.1: side 30·1.2 = 36 around (5, 15).
  const c = cropBox({ x: 0, y: 0, width: 10, height: 30 }, 0.1);
  assertAllClose([c.x, c.y, c.width, c.height], [-13, -3, 36, 36], 1e-12);
  assert.throws(() => cropBox({ x: 0, y: 0, width: 0, height: 0 }), /positive/);
});

Deno.test("the transform maps points exactly and back, flipped or not", () => {
  const crop = cropBox({ x: 37.5, y: 12, width: 80, height: 64 }, 0.15);
  for (const flip of [false, true]) {
    const t = makeTransform(crop, 112, 300, 200, flip, []);
    // The crop's corners land on the input's corners (mirrored when flipped).
    const [u0, v0] = toNetwork(crop.x, crop.y, t);
    assertAllClose([u0, v0], [flip ? 112 : 0, 0], 1e-9);
    const rng = new Mulberry32(3);
    for (let i = 0; i < 100; i++) {
      const x = rng.next() * 300, y = rng.next() * 200;
      assertAllClose(fromNetwork(...toNetwork(x, y, t), t), [x, y], 1e-9);
    }
  }
  const w = sourceWindow(makeTransform(crop, 112, 300, 200));
  assertAllClose([w.x, w.y, w.width, w.height], [crop.x, crop.y, crop.width, crop.height], 1e-9);
});

Deno.test("a keypoint snapped to its input pixel maps back within half an input pixel", () => {
  // What a prediction can do at best: land on the centre of the input pixel holding the
  // point. Mapped back, it is within 0.5 input pixels = 0.5/scale source pixels per axis.
  const rng = new Mulberry32(8);
  for (
    const [size, box] of [[112, { x: 20, y: 30, width: 150, height: 90 }], [180, {
      x: 0,
      y: 0,
      width: 250,
      height: 250,
    }]] as const
  ) {
    for (const flip of [false, true]) {
      const t = makeTransform(cropBox(box), size, 250, 250, flip, []);
      for (let i = 0; i < 200; i++) {
        const x = box.x + rng.next() * box.width, y = box.y + rng.next() * box.height;
        const [u, v] = toNetwork(x, y, t);
        const snapped = [Math.floor(u) + 0.5, Math.floor(v) + 0.5, 1];
        const [bx, by] = mapKeypointsBack(snapped, t)[0]!;
        assert.ok(
          Math.abs(bx - x) <= 0.5 / t.scale + 1e-9 && Math.abs(by - y) <= 0.5 / t.scale + 1e-9,
        );
      }
    }
  }
});

Deno.test("resampleImage() agrees with a per-pixel reference resampler", async (t) => {
  const img = randomImage(37, 29, 1);
  const mean: [number, number, number] = [0.4, 0.5, 0.6];
  const cases: [string, Transform][] = [
    [
      "whole image, downscale",
      makeTransform(cropBox({ x: 0, y: 0, width: 37, height: 29 }), 20, 37, 29),
    ],
    [
      "box crossing the border, upscale",
      makeTransform(cropBox({ x: -6, y: 20, width: 15, height: 12 }), 40, 37, 29),
    ],
    [
      "flipped box",
      makeTransform(cropBox({ x: 5.3, y: 2.7, width: 20, height: 11 }, 0.2), 24, 37, 29, true),
    ],
    ["crop outside the image", makeTransform({ x: 100, y: 100, width: 10, height: 10 }, 5, 37, 29)],
  ];
  for (const [name, tr] of cases) {
    for (const pad of ["zero", "edge", "mean"] as const) {
      await t.step(`${name}, pad ${pad}`, () => {
        const got = resampleImage(img, tr, { pad, mean });
        assertAllClose(got, referenceResample(img, tr, pad, mean), 1e-5, 0, `${name} ${pad}`);
      });
    }
  }
  await t.step("antialias widens the tent to 1/scale when shrinking", () => {
    const tr = makeTransform(cropBox({ x: 2, y: 1, width: 30, height: 25 }), 9, 37, 29);
    const got = resampleImage(img, tr, { pad: "edge", mean, antialias: true });
    assertAllClose(
      got,
      referenceResample(img, tr, "edge", mean, 1 / tr.scale),
      1e-5,
      0,
      "antialias",
    );
  });
  assert.throws(
    () => resampleImage({ data: new Uint8Array(5), width: 2, height: 1 }, cases[0]![1]),
    /expected 6/,
  );
});

Deno.test("resampleImage() of a constant image is constant, pad regions are the pad value", () => {
  const img = { data: new Uint8Array(10 * 10 * 3).fill(204), width: 10, height: 10 };
  // Crop x from −10 to 10: the left half of the input is outside the image.
  const tr = makeTransform({ x: -10, y: 0, width: 20, height: 20 }, 20, 10, 10);
  const mean: [number, number, number] = [0.5, 0.5, 0.5];
  const zero = resampleImage(img, tr, { pad: "zero", mean });
  const meanPad = resampleImage(img, tr, { pad: "mean", mean });
  // Row 2, column 2 (outside) and column 15 (inside, away from edges).
  assertAllClose([zero[3 * (2 * 20 + 2)]!, zero[3 * (2 * 20 + 15)]!], [-0.5, 0.3], 1e-6);
  assertAllClose([meanPad[3 * (2 * 20 + 2)]!, meanPad[3 * (2 * 20 + 15)]!], [0, 0.3], 1e-6);
});

Deno.test("resampleImage() matches tf.image.resizeBilinear (half-pixel centres) on a whole image", async () => {
  const { tf } = await import("../deps.ts");
  const { initBackend } = await import("../backend.ts");
  await initBackend("cpu");
  const img = randomImage(250, 250, 2);
  const got = resampleImage(
    img,
    makeTransform({ x: 0, y: 0, width: 250, height: 250 }, 180, 250, 250),
    { mean: [0, 0, 0], pad: "edge" },
  );
  const x = tf.tensor4d(Float32Array.from(img.data, (v) => v / 255), [1, 250, 250, 3]);
  const y = tf.image.resizeBilinear(x, [180, 180], false, true);
  const want = await y.data() as Float32Array;
  tf.dispose([x, y]);
  assertAllClose(got, want, 1e-5, 0, "vs tfjs");
});

Deno.test("resampleLabels() takes the nearest label, 255 outside, mirrored when flipped", () => {
  // Source 3×2: 1 2 3 / 4 5 6. Crop x −1..5, y −2..4 (6×6) → 3×3 input: each input pixel
  // is 2 source pixels wide; input centres map to source x = 0, 2, 4 and y = −1, 1, 3.
  // Column source pixels 0, 2, (4 → outside); rows (−1 → outside), 1, (3 → outside).
  const labels = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const t = makeTransform({ x: -1, y: -2, width: 6, height: 6 }, 3, 3, 2);
  assert.deepEqual(Array.from(resampleLabels(labels, t)), [
    255,
    255,
    255,
    4,
    6,
    255,
    255,
    255,
    255,
  ]);
  const f = makeTransform({ x: -1, y: -2, width: 6, height: 6 }, 3, 3, 2, true);
  assert.deepEqual(Array.from(resampleLabels(labels, f)), [
    255,
    255,
    255,
    255,
    6,
    4,
    255,
    255,
    255,
  ]);
  assert.throws(() => resampleLabels(new Uint8Array(5), t), /expected 3×2/);
});

Deno.test("label maps round-trip where the resolution allows", async (t) => {
  await t.step("×2 upscale then back is exact", () => {
    const rng = new Mulberry32(4);
    const labels = Uint8Array.from({ length: 30 * 30 }, () => rng.int(3));
    for (const flip of [false, true]) {
      const tr = makeTransform({ x: 0, y: 0, width: 30, height: 30 }, 60, 30, 30, flip);
      assert.deepEqual(mapLabelsBack(resampleLabels(labels, tr), tr), labels);
    }
  });
  await t.step("250 → 180 → 250 differs only next to region boundaries", () => {
    // 25-pixel blocks of 3 classes.
    const labels = new Uint8Array(250 * 250);
    for (let y = 0; y < 250; y++) {
      for (let x = 0; x < 250; x++) {
        labels[y * 250 + x] = (Math.floor(x / 25) + 2 * Math.floor(y / 25)) % 3;
      }
    }
    const tr = makeTransform({ x: 0, y: 0, width: 250, height: 250 }, 180, 250, 250);
    const back = mapLabelsBack(resampleLabels(labels, tr), tr);
    for (let y = 0; y < 250; y++) {
      for (let x = 0; x < 250; x++) {
        if (back[y * 250 + x] === labels[y * 250 + x]) continue;
        // A source pixel can only change within 1 px of a block edge (input pixel 1.39 px).
        const dx = Math.min(x % 25, 24 - (x % 25)), dy = Math.min(y % 25, 24 - (y % 25));
        assert.ok(Math.min(dx, dy) <= 1, `(${x}, ${y}) changed away from a boundary`);
      }
    }
  });
  await t.step("source pixels outside the crop get the fill value", () => {
    const tr = makeTransform({ x: 2, y: 2, width: 4, height: 4 }, 4, 8, 8);
    const back = mapLabelsBack(new Uint8Array(16).fill(1), tr);
    assert.equal(back[0], 255); // (0, 0) is outside the crop
    assert.equal(back[2 * 8 + 2], 1);
    assert.equal(mapLabelsBack(new Uint8Array(16), tr, 7)[0], 7);
  });
});

Deno.test("mapProbabilitiesBack() interpolates bilinearly and fills outside", () => {
  // 2×1 input, 1 channel: values 0 and 1. Source 4×1 with scale 0.5 (crop = source).
  // Source centres 0.5, 1.5, 2.5, 3.5 → input u 0.25, 0.75, 1.25, 1.75 → index space
  // −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) → 0, 0.25, 0.75, 1.
  const t = makeTransform({ x: 0, y: 0, width: 4, height: 4 }, 2, 4, 1);
  const back = mapProbabilitiesBack(new Float32Array([0, 1, 0, 1]), 1, t);
  assertAllClose(back, [0, 0.25, 0.75, 1], 1e-6);
  // Crop covers only x 0..2 of a 4-wide source: pixels 2, 3 get the fill.
  const half = makeTransform({ x: 0, y: 0, width: 2, height: 2 }, 2, 4, 1);
  assertAllClose(mapProbabilitiesBack(new Float32Array([0.5, 0.5, 0.5, 0.5]), 1, half, -1), [
    0.5,
    0.5,
    -1,
    -1,
  ], 1e-6);
});

Deno.test("keypoints: scaled, flipped with channel swaps, outside ones invisible, mapped back", () => {
  // Crop 0..100 → 50: scale 0.5. Keypoints 0 (left eye), 1 (nose), 2 (right eye).
  const pairs = [[0, 2]] as const;
  const kps = [[20, 40, 1], [50, 50, 1], [80, 40, 0]];
  const t = makeTransform({ x: 0, y: 0, width: 100, height: 100 }, 50, 100, 100);
  assert.deepEqual(Array.from(transformKeypoints(kps, t)), [10, 20, 1, 25, 25, 1, 40, 20, 0]);
  // Flipped: u → 50 − u, and channel 0 now holds the old channel 2 (and vice versa).
  const f = makeTransform({ x: 0, y: 0, width: 100, height: 100 }, 50, 100, 100, true, pairs);
  const flipped = transformKeypoints(kps, f);
  assert.deepEqual(Array.from(flipped), [10, 20, 0, 25, 25, 1, 40, 20, 1]);
  assert.deepEqual(mapKeypointsBack(flipped, f), kps);
  // A point outside the input turns invisible unless asked to keep it.
  assert.equal(transformKeypoints([[120, 10, 1]], t)[2], 0);
  assert.equal(transformKeypoints([[120, 10, 1]], t, "keep")[2], 1);
  const noPairs = makeTransform({ x: 0, y: 0, width: 100, height: 100 }, 50, 100, 100, true);
  assert.throws(() => transformKeypoints(kps, noPairs), /flip pairs/);
  assert.throws(() => transformKeypoints(kps, { ...f, flipPairs: [[0, 5]] }), /0\.\.2/);
});

Deno.test("flipPairsFromNames() reproduces the AFLW pairs of docs/DATASETS.md §1.3 and the Pascal L/R pairs", () => {
  const aflw = [
    "LeftBrowLeftCorner",
    "LeftBrowCenter",
    "LeftBrowRightCorner",
    "RightBrowLeftCorner",
    "RightBrowCenter",
    "RightBrowRightCorner",
    "LeftEyeLeftCorner",
    "LeftEyeCenter",
    "LeftEyeRightCorner",
    "RightEyeLeftCorner",
    "RightEyeCenter",
    "RightEyeRightCorner",
    "LeftEar",
    "NoseLeft",
    "NoseCenter",
    "NoseRight",
    "RightEar",
    "MouthLeftCorner",
    "MouthCenter",
    "MouthRightCorner",
    "ChinCenter",
  ];
  // docs/DATASETS.md §1.3, 1-based: (1,6) (2,5) (3,4) (7,12) (8,11) (9,10) (13,17) (14,16) (18,20).
  const expected = [[1, 6], [2, 5], [3, 4], [7, 12], [8, 11], [9, 10], [13, 17], [14, 16], [18, 20]]
    .map(([a, b]) => [a! - 1, b! - 1]);
  assert.deepEqual(flipPairsFromNames(aflw), expected);
  assert.deepEqual(
    flipPairsFromNames(["L_Shoulder", "R_Shoulder", "Nose", "B_Head", "R_Eye", "L_Eye"]),
    [
      [0, 1],
      [4, 5],
    ],
  );
});

Deno.test("preprocess() runs the whole LFW-Parts and AFLW paths", async (t) => {
  const image = randomImage(250, 250, 5);
  const segmentation = Uint8Array.from({ length: 250 * 250 }, (_, p) => (p % 250 < 125 ? 0 : 2));
  await t.step("LFW-Parts: face window at 112 px in 180, mask nearest", () => {
    const p = preprocess({ id: "x", image, segmentation }, PREPROCESS["lfw-parts"]);
    assert.equal(p.image.length, 180 * 180 * 3);
    assertAllClose([p.transform.scale], [112 / 122], 1e-12);
    // Input column 88 has centre 88.5 → source x 88.5·122/112 + 28.464 = 124.87 → label 0;
    // column 89 → 125.96 → 2 (crop left edge 126.5 − 98.036 = 28.464).
    assert.equal(p.segmentation![88], 0);
    assert.equal(p.segmentation![89], 2);
    assert.ok(p.segmentation!.every((v) => v !== 255));
    assert.equal(p.transform.outside, "nearest");
  });
  await t.step("AFLW: box crop with keypoints, flip needs pairs", () => {
    const sample: Sample = {
      id: "face",
      image,
      keypoints: [[100, 120, 1], [140, 120, 1]],
      box: { x: 80, y: 90, width: 80, height: 60 },
    };
    const p = preprocess(sample, PREPROCESS.aflw);
    // Squared crop: 80×80 at (80, 80) → scale 112/80 = 1.4; (100, 120) → (28, 56).
    assertAllClose(p.keypoints!, [28, 56, 1, 84, 56, 1], 1e-5);
    assert.throws(() => preprocess(sample, PREPROCESS.aflw, { flip: true }), /flipPairs/);
    const q = preprocess(sample, { ...PREPROCESS.aflw, flipPairs: [[0, 1]] }, { flip: true });
    assertAllClose(q.keypoints!, [112 - 84, 56, 1, 112 - 28, 56, 1], 1e-5);
    assert.throws(() => preprocess({ id: "nobox", image }, PREPROCESS.aflw), /"nobox".*no box/);
  });
  await t.step("createPreprocessor() flips by the random draw", () => {
    const pre = createPreprocessor({ ...PREPROCESS["lfw-parts"], flipProbability: 0.5 });
    assert.equal(pre({ id: "a", image }, () => 0.49).transform.flip, true);
    assert.equal(pre({ id: "a", image }, () => 0.5).transform.flip, false);
    assert.throws(() => createPreprocessor({ ...PREPROCESS.aflw, flipProbability: 2 }), /\[0, 1\]/);
  });
});

// The LFW-Parts face window {x 65.5, y 59, side 122} shown at 112 px in the middle of 180:
// by hand, it must land on [34, 146]² (34 = (180 − 112)/2), so the map is
// u = 34 + (x − 65.5)·112/122 and v = 34 + (y − 59)·112/122.
const HAND: Transform = {
  scale: 112 / 122,
  offsetX: 34 - 65.5 * 112 / 122,
  offsetY: 34 - 59 * 112 / 122,
  flip: false,
  width: 180,
  height: 180,
  sourceWidth: 250,
  sourceHeight: 250,
  outside: "nearest",
};

Deno.test("the LFW-Parts face window lands on [34, 146]² of the 180 input", () => {
  const image = randomImage(250, 250, 11);
  const p = preprocess({ id: "w", image }, PREPROCESS["lfw-parts"]);
  const t = p.transform;
  assertAllClose([t.scale, t.offsetX, t.offsetY], [HAND.scale, HAND.offsetX, HAND.offsetY], 1e-9);
  assertAllClose(toNetwork(65.5, 59, t), [34, 34], 1e-9);
  assertAllClose(toNetwork(187.5, 181, t), [146, 146], 1e-9);
  // The input covers 180·122/112 = 196.07 source pixels around the window's centre
  // (126.5, 120): x 28.46..224.54, y 21.96..218.04, all inside the 250 frame, so the
  // input is the real image everywhere (the edge padding never acts).
  const w = sourceWindow(t);
  assertAllClose([w.x, w.y, w.width], [
    126.5 - 90 * 122 / 112,
    120 - 90 * 122 / 112,
    180 * 122 / 112,
  ], 1e-9);
  assertAllClose(p.image, referenceResample(image, HAND, "zero", [0.5, 0.5, 0.5]), 1e-5);
  // A smaller input scales the geometry uniformly: 90 px puts the face at 56 px, [17, 73].
  const half = preprocess({ id: "w", image }, { ...PREPROCESS["lfw-parts"], size: 90 }).transform;
  assertAllClose(toNetwork(65.5, 59, half), [17, 17], 1e-9);
  assertAllClose(toNetwork(187.5, 181, half), [73, 73], 1e-9);
  assert.throws(
    () => windowCrop({ size: 180, crop: "window", windowFraction: 0.5 }),
    /config\.window is not set/,
  );
  assert.throws(
    () => windowCrop({ ...PREPROCESS["lfw-parts"], windowFraction: 1.5 }),
    /windowFraction 1\.5: expected a number in \(0, 1\]/,
  );
});

Deno.test("mapping back scores all 250×250 pixels: outside the view, the nearest input pixel", () => {
  // Network labels: 1 everywhere, 5 in column 0, 6 in row 179 (row wins at the corner).
  const net = new Uint8Array(180 * 180).fill(1);
  for (let v = 0; v < 180; v++) net[v * 180] = 5;
  for (let u = 0; u < 180; u++) net[179 * 180 + u] = 6;
  const back = mapLabelsBack(net, HAND);
  assert.equal(back.length, 250 * 250);
  // Source (0, 120): u = 34 + (0.5 − 65.5)·0.918 = −25.7 → column 0 → 5.
  assert.equal(back[120 * 250 + 0], 5);
  // Source (249, 249): v = 34 + (249.5 − 59)·0.918 = 208.9 → row 179 → 6.
  assert.equal(back[249 * 250 + 249], 6);
  // Source (125, 120): u = 34 + 60·0.918 = 89.08, v = 34 + 61.5·0.918 = 90.46 → 1.
  assert.equal(back[120 * 250 + 125], 1);
  // Source (28, 120): u = 34 + (28.5 − 65.5)·0.918 = 0.033 → inside, column 0 → 5;
  // (29, 120) → u = 0.951 → still column 0; (30, 120) → 1.869 → column 1 → 1.
  assert.deepEqual([...back.subarray(120 * 250 + 28, 120 * 250 + 31)], [5, 5, 1]);
  // Without the rule the outside pixels take the fill.
  const { outside: _, ...fillT } = HAND;
  assert.equal(mapLabelsBack(net, fillT)[120 * 250], 255);
  assert.equal(mapLabelsBack(net, fillT)[120 * 250 + 125], 1);

  // Probabilities: a ramp p(u) = u over the columns (one channel, value = column index).
  const ramp = Float32Array.from({ length: 180 * 180 }, (_, i) => i % 180);
  const prob = mapProbabilitiesBack(ramp, 1, HAND);
  assert.equal(prob[120 * 250], 0); // left of the view: column 0
  assert.equal(prob[120 * 250 + 249], 179); // right of the view: column 179
  // Inside: bilinear at s = u − 0.5 = 88.58 (u = 89.08 from above).
  assertAllClose([prob[120 * 250 + 125]!], [34 + 60 * 112 / 122 - 0.5], 1e-4);
  assert.equal(mapProbabilitiesBack(ramp, 1, fillT, -1)[120 * 250], -1);
});
