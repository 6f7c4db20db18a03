import assert from "node:assert/strict";
import {
  decideBetter,
  decideEquivalent,
  decideNonInferior,
  EQUIVALENCE_MARGIN,
  MIN_RESAMPLES,
  pairedBootstrap,
  quantile,
} from "./bootstrap.ts";

/** Deterministic pseudo-normal noise (Box–Muller over a linear congruential sequence). */
function noise(n: number, seed: number, sd: number): number[] {
  let s = seed;
  const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  return Array.from(
    { length: n },
    () => sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
  );
}

Deno.test("pairedBootstrap() decides hand-made cases", async (t) => {
  await t.step("a clear win: every image better by about 2 points", () => {
    const d = noise(200, 1, 1).map((e) => 2 + e);
    const r = pairedBootstrap([d]);
    assert.ok(r.low > 1.5 && r.high < 2.5, `${r.low}..${r.high}`);
    assert.equal(decideBetter(r), "held");
  });
  await t.step("a clear loss", () => {
    const d = noise(200, 2, 1).map((e) => -1 + e);
    assert.equal(decideBetter(pairedBootstrap([d])), "did not hold");
  });
  await t.step("a tie: identical predictions give a zero interval, inconclusive", () => {
    const r = pairedBootstrap([new Array(50).fill(0)]);
    assert.deepEqual([r.low, r.high, r.mean], [0, 0, 0]);
    assert.equal(decideBetter(r), "inconclusive");
  });
  await t.step("noise around 0 is inconclusive", () => {
    const d = noise(100, 3, 2);
    const r = pairedBootstrap([d.map((x) => x - d.reduce((a, b) => a + b, 0) / d.length)]);
    assert.ok(r.low < 0 && r.high > 0);
    assert.equal(decideBetter(r), "inconclusive");
  });
  await t.step("an equivalence: small differences within ±0.5 hold", () => {
    const r = pairedBootstrap([noise(400, 4, 0.5).map((e) => 0.05 + e)]);
    assert.equal(decideEquivalent(r, EQUIVALENCE_MARGIN), "held");
    // The same differences shifted by 2 points are not equivalent; by 0.45 inconclusive.
    const far = pairedBootstrap([noise(400, 4, 0.5).map((e) => 2 + e)]);
    assert.equal(decideEquivalent(far, 0.5), "did not hold");
    const edge = pairedBootstrap([noise(400, 4, 0.5).map((e) => 0.45 + e)]);
    assert.equal(decideEquivalent(edge, 0.5), "inconclusive");
  });
});

Deno.test("pairedBootstrap() is deterministic by seed and differs across seeds", () => {
  const d = noise(60, 5, 1);
  const a = pairedBootstrap([d], { seed: 7 });
  const b = pairedBootstrap([d], { seed: 7 });
  const c = pairedBootstrap([d], { seed: 8 });
  assert.deepEqual(a, b);
  assert.notEqual(a.low, c.low);
  assert.equal(a.resamples, MIN_RESAMPLES);
  assert.equal(pairedBootstrap([d], { resamples: 10 }).resamples, MIN_RESAMPLES);
});

Deno.test("pairedBootstrap() gives a zero-width interval at a constant difference", () => {
  for (const c of [-3.25, 0.125, 7]) {
    const r = pairedBootstrap([new Array(13).fill(c), new Array(5).fill(c)]);
    assert.equal(r.low, c);
    assert.equal(r.high, c);
    assert.equal(r.count, 18);
    assert.equal(r.groups, 2);
  }
});

Deno.test("pairedBootstrap() agrees with the normal approximation σ/√n on a large sample", () => {
  // Independent reference: the bootstrap distribution of a mean of n iid draws from the
  // empirical distribution has standard deviation σ̂/√n (σ̂ with divisor n), so the 95%
  // percentile interval is close to mean ± 1.96·σ̂/√n for large n.
  const d = noise(2000, 9, 3).map((e) => 1 + e);
  const n = d.length;
  const m = d.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  const half = 1.96 * sd / Math.sqrt(n);
  const r = pairedBootstrap([d], { resamples: 4000, seed: 3 });
  assert.ok(Math.abs(r.mean - m) < 1e-12);
  assert.ok(Math.abs(r.low - (m - half)) < 0.1 * half, `low ${r.low} vs ${m - half}`);
  assert.ok(Math.abs(r.high - (m + half)) < 0.1 * half, `high ${r.high} vs ${m + half}`);
});

Deno.test("pairedBootstrap() keeps each seed's count when pooling (stratified)", () => {
  // Seed 1: all 0; seed 2: all 10, same sizes → every resample's mean is exactly 5.
  const r = pairedBootstrap([new Array(20).fill(0), new Array(20).fill(10)]);
  assert.deepEqual([r.low, r.high, r.mean], [5, 5, 5]);
});

Deno.test("pairedBootstrap() refuses empty or non-finite differences", () => {
  assert.throws(() => pairedBootstrap([[]]), /empty set of paired differences/);
  assert.throws(() => pairedBootstrap([[1, NaN]]), /paired difference NaN/);
  assert.throws(() => decideEquivalent({ low: 0, high: 0 }, 0), /margin 0/);
});

Deno.test("quantile() interpolates between order statistics", () => {
  assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantile([0, 10], 0.25), 2.5);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

Deno.test("decideNonInferior() holds above −margin, fails below it", () => {
  assert.equal(decideNonInferior({ low: -0.4, high: 2 }, 0.5), "held");
  assert.equal(decideNonInferior({ low: -0.6, high: 0.2 }, 0.5), "inconclusive");
  assert.equal(decideNonInferior({ low: -2, high: -0.7 }, 0.5), "did not hold");
});
