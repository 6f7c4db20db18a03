import assert from "node:assert/strict";
import { assertAllClose } from "../testing.ts";
import type { RgbImage } from "../data/types.ts";
import { Mulberry32 } from "../util/prng.ts";
import { rgbToLab, slic, type Superpixels } from "./superpixels.ts";

/** A w×h image from a colour function, plus uniform noise of ±`noise` per channel. */
function draw(
  w: number,
  h: number,
  colour: (x: number, y: number) => [number, number, number],
  noise = 0,
  seed = 1,
): RgbImage {
  const rng = new Mulberry32(seed);
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = colour(x, y);
      for (let k = 0; k < 3; k++) {
        const v = c[k]! + (noise ? Math.round((rng.next() * 2 - 1) * noise) : 0);
        data[3 * (y * w + x) + k] = Math.min(255, Math.max(0, v));
      }
    }
  }
  return { data, width: w, height: h };
}

/** Asserts each label 0..count−1 is used and forms one 4-connected component. */
function assertConnected(sp: Superpixels): void {
  const { labels, width: w, height: h, count } = sp;
  const size = new Int32Array(count);
  const first = new Int32Array(count).fill(-1);
  for (let p = 0; p < w * h; p++) {
    const l = labels[p]!;
    assert.ok(l >= 0 && l < count, `label ${l} out of 0..${count - 1}`);
    size[l]!++;
    if (first[l] === -1) first[l] = p;
  }
  const seen = new Uint8Array(w * h);
  for (let l = 0; l < count; l++) {
    assert.ok(size[l]! > 0, `label ${l} unused`);
    // Flood fill from its first pixel over same-label 4-neighbours.
    const stack = [first[l]!];
    seen[first[l]!] = 1;
    let reached = 0;
    while (stack.length) {
      const p = stack.pop()!;
      reached++;
      const x = p % w, y = (p - x) / w;
      for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]] as const) {
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        const q = ny * w + nx;
        if (!seen[q] && labels[q] === l) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    assert.equal(
      reached,
      size[l],
      `label ${l} has ${size[l]} pixels but only ${reached} connected`,
    );
  }
}

/** Pixels that disagree with their superpixel's majority of `side(x, y)` (0/1). */
function minorityPixels(sp: Superpixels, side: (x: number, y: number) => number): number {
  const votes = new Int32Array(sp.count * 2);
  for (let y = 0; y < sp.height; y++) {
    for (let x = 0; x < sp.width; x++) votes[2 * sp.labels[y * sp.width + x]! + side(x, y)]!++;
  }
  let wrong = 0;
  for (let l = 0; l < sp.count; l++) wrong += Math.min(votes[2 * l]!, votes[2 * l + 1]!);
  return wrong;
}

Deno.test("rgbToLab() matches published CIELAB (D65) values of sRGB primaries", () => {
  // Reference values (Bruce Lindbloom's calculator, sRGB, D65, 2°):
  // white (100, 0, 0); black (0, 0, 0); red (53.24, 80.09, 67.20);
  // green (87.73, −86.18, 83.18); blue (32.30, 79.19, −107.86); mid grey 128 → L 53.59.
  const img = {
    data: new Uint8Array([255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128]),
    width: 6,
    height: 1,
  };
  const lab = rgbToLab(img);
  assertAllClose(lab.l, [100, 0, 53.24, 87.73, 32.3, 53.59], 0.02, 0, "L");
  assertAllClose(lab.a, [0, 0, 80.09, -86.18, 79.19, 0], 0.03, 0, "a");
  assertAllClose(lab.b, [0, 0, 67.2, 83.18, -107.86, 0], 0.03, 0, "b");
  assert.throws(() => rgbToLab({ data: new Uint8Array(5), width: 2, height: 1 }), /expected 6/);
});

Deno.test("slic() gives connected segments, about as many as asked", async (t) => {
  // A textured image: smooth colour gradients plus ±8 noise, no structure at the seed
  // scale. (With much stronger noise, ±20 on this low-contrast ramp, colour noise beats
  // the spatial term and SLIC fragments: counts then overshoot by ~50%.)
  const img = draw(250, 250, (x, y) => [x, y, (x + y) / 2], 8, 3);
  for (const segments of [100, 300, 600]) {
    await t.step(`${segments} segments`, () => {
      const sp = slic(img, { segments });
      assert.equal(sp.labels.length, 250 * 250);
      assertConnected(sp);
      assert.ok(
        sp.count >= 0.8 * segments && sp.count <= 1.15 * segments,
        `count ${sp.count} far from ${segments}`,
      );
    });
  }
});

Deno.test("slic() boundaries follow a sharp two-colour edge", async (t) => {
  await t.step("vertical edge off the seed grid", () => {
    // Red left of x = 103, blue from x = 103 on, with ±10 noise; K = 300 → grid step ≈ 14.4,
    // so the edge is not on a seed-grid line.
    const side = (x: number) => (x < 103 ? 0 : 1);
    const img = draw(250, 250, (x) => side(x) ? [0, 0, 255] : [255, 0, 0], 10, 4);
    const sp = slic(img);
    assertConnected(sp);
    assert.equal(minorityPixels(sp, side), 0);
  });
  await t.step("disc", () => {
    // A dark disc of radius 60 on a light background: a curved edge crossing many seeds.
    const side = (
      x: number,
      y: number,
    ) => ((x + 0.5 - 125) ** 2 + (y + 0.5 - 110) ** 2 < 3600 ? 1 : 0);
    const img = draw(250, 250, (x, y) => side(x, y) ? [30, 40, 50] : [220, 210, 190], 8, 5);
    const sp = slic(img);
    assertConnected(sp);
    // Allow a handful of pixels on the digitized circle (out of 62,500).
    assert.ok(minorityPixels(sp, side) <= 20, `${minorityPixels(sp, side)} minority pixels`);
  });
});

Deno.test("slic() is deterministic and validates its options", () => {
  const img = draw(60, 40, (x, y) => [x * 4, y * 6, 100], 30, 6);
  const a = slic(img, { segments: 24 });
  const b = slic(img, { segments: 24 });
  assert.deepEqual(a.labels, b.labels);
  assertConnected(a);
  assert.throws(() => slic(img, { segments: 0 }), /positive integer/);
  // One segment asked: everything is label 0.
  const one = slic(img, { segments: 1 });
  assert.equal(one.count, 1);
});
