import assert from "node:assert/strict";
import { makeTransform, type Sample } from "../../src/data/mod.ts";
import { PROTOCOLS } from "./mod.ts";

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

/** A `side`×`side` grey image whose network frame is its own (scale 1, no offset). */
function square(side: number, extra: Partial<Sample> & { id: string }): Sample {
  return {
    image: { data: new Uint8Array(side * side * 3).fill(90), width: side, height: side },
    ...extra,
  };
}
const identity = (side: number) =>
  makeTransform({ x: 0, y: 0, width: side, height: side }, side, side, side);

Deno.test("the AFLW evaluator: errors by face size, ≤ the thresholds, faces without visible points left out", () => {
  const ev = PROTOCOLS.aflw.createEvaluator({ numClasses: 0 });
  // Landmarks (0,0) and (9,9): face size 10 (max − min + 1 per axis, averaged).
  const gt: [number, number, number][] = [[0, 0, 1], [9, 9, 1]];
  const t = identity(10);
  // a: off by 0.5 and 0.5 → 0.05; b: 1.5 and 0.5 → 0.10; c: 5 and 5 → 0.5; d: no visible GT.
  const preds = {
    a: [0.5, 0, 1, 9, 9.5, 1],
    b: [1.5, 0, 1, 9, 8.5, 1],
    c: [5, 0, 1, 9, 4, 1],
    d: [0, 0, 1, 9, 9, 1],
  };
  for (const [id, kp] of Object.entries(preds)) {
    const keypoints = id === "d" ? gt.map(([x, y]) => [x, y, 0] as [number, number, number]) : gt;
    const back = ev.add(square(10, { id, keypoints }), { keypoints: kp }, t);
    assert.deepEqual(back.keypoints!.map((p) => [p[0], p[1]]), [[kp[0], kp[1]], [kp[3], kp[4]]]);
  }
  const { scores, notes } = ev.result();
  const k = scores.keypoints!;
  assert.equal(k.count, 3);
  // ≤ 0.05: a (1/3); ≤ 0.10: a and b (2/3) — the errors sit exactly on the thresholds.
  close(k.below["0.05"]!, 1 / 3, "≤ 0.05");
  close(k.below["0.1"]!, 2 / 3, "≤ 0.1");
  close(k.meanError, (0.05 + 0.1 + 0.5) / 3, "mean");
  close(k.medianError, 0.1, "median");
  assert.deepEqual(scores.perImage!.ids, ["a", "b", "c", "d"]);
  const per = scores.perImage!.keypointError!;
  [0.05, 0.1, 0.5].forEach((e, i) => close(per[i]!, e, `per image ${i}`));
  assert.equal(per[3], null);
  assert.equal(scores.lfw, undefined);
  assert.deepEqual(notes, []);
});

Deno.test("the Pascal Person evaluator: pixel accuracy in the window and errors strictly < 10% of the box", () => {
  const ev = PROTOCOLS["pascal-person"].createEvaluator({ numClasses: 2 });
  const box = { x: 0, y: 0, width: 100, height: 50 };
  const t = identity(100);
  const mask = new Uint8Array(100 * 100);
  // Errors 5/100 = 0.05, 10/100 = 0.10 (not < 0.10), 20/100 = 0.2.
  for (const [id, dx, dy] of [["a", 5, 0], ["b", 0, 10], ["c", 20, 0]] as const) {
    ev.add(square(100, { id, keypoints: [[0, 0, 1]], box, segmentation: mask }), {
      keypoints: [dx, dy, 1],
    }, t);
  }
  const k = ev.result().scores.keypoints!;
  close(k.below["0.1"]!, 1 / 3, "< 0.1");
  close(k.meanError, (0.05 + 0.1 + 0.2) / 3, "mean");

  // Segmentation on a 2×2 image, ground truth person, person, ground, ignored:
  const seg = PROTOCOLS["pascal-person"].createEvaluator({ numClasses: 2 });
  const gt = Uint8Array.from([1, 1, 0, 255]);
  // Network probabilities (background, person) per pixel → labels 1, 0, 0, 1.
  const probs = Float32Array.from([0.1, 0.9, 0.8, 0.2, 0.7, 0.3, 0.2, 0.8]);
  const back = seg.add(
    square(2, { id: "s", segmentation: gt }),
    { probabilities: probs },
    identity(2),
  );
  assert.deepEqual([...back.labels!], [1, 0, 0, 1]);
  const r = seg.result();
  // Scored: pixels 0, 1, 2 (3 is ignored); right: 0 and 2 → 66.67 %.
  close(r.scores.pascal!.pixelAccuracy, 200 / 3, "pooled");
  close(r.scores.pascal!.meanPerInstance, 200 / 3, "per instance");
  close(r.scores.perImage!.pixel![0]!, 200 / 3, "per image");
  assert.equal(r.scores.keypoints, undefined, "no keypoints added");
  assert.match(r.notes[0]!, /^Pascal Person: figure\/ground pixel accuracy/);
});

Deno.test("the LFW-Parts evaluator: superpixel and pixel accuracy pooled over images, error reduction vs the CRF", () => {
  const ev = PROTOCOLS["lfw-parts"].createEvaluator({ numClasses: 3 });
  // 2×2 images; superpixel 0 = top row (skin), 1 = bottom row (background); the mask's last
  // pixel is hair inside the background superpixel.
  const superpixels = { map: Int32Array.from([0, 0, 1, 1]), labels: Uint8Array.from([1, 2]) };
  const mask = Uint8Array.from([1, 1, 2, 0]);
  const sample = (id: string) =>
    Object.assign(square(2, { id, segmentation: mask }), { superpixels }) as Sample;
  // Image a (hair, skin, background): skin, skin, background, 0.4 hair / 0.6 background →
  // pixels 3 of 4 right; superpixels: top skin ✓, bottom mean (0.2, 0, 0.8) background ✓.
  const a = Float32Array.from([0, 1, 0, 0, 1, 0, 0, 0, 1, 0.4, 0, 0.6]);
  // Image b: everything hair → pixel 3 right only; both superpixels wrong.
  const b = Float32Array.from([1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
  ev.add(sample("a"), { probabilities: a }, identity(2));
  ev.add(sample("b"), { probabilities: b }, identity(2));
  const { scores, notes } = ev.result();
  close(scores.lfw!.superpixelAccuracy, 50, "2 of 4 superpixels");
  close(scores.lfw!.pixelAccuracy, 50, "4 of 8 pixels");
  close(scores.lfw!.errorReduction, (100 * (50 - 93.23)) / (100 - 93.23), "vs the CRF's 93.23");
  assert.equal(scores.lfw!.approximate, false);
  assert.deepEqual(scores.perImage!.superpixel, [100, 0]);
  assert.deepEqual(scores.perImage!.pixel, [75, 25]);
  assert.match(notes[0]!, /dataset's superpixels/);
});
