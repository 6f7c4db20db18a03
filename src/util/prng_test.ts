import assert from "node:assert/strict";
import { mixSeed, Mulberry32, shuffleInPlace } from "./prng.ts";

// The generator as Tommy Ettinger published it (closure over a float-typed accumulator
// that JS coerces through `|0`): an independent formulation to compare against.
function canonicalMulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("Mulberry32 matches the published mulberry32 for several seeds", () => {
  for (const seed of [0, 1, 42, 0xdeadbeef, -5]) {
    const ours = new Mulberry32(seed);
    const ref = canonicalMulberry32(seed);
    for (let i = 0; i < 100; i++) assert.equal(ours.next(), ref());
  }
});

Deno.test("Mulberry32.fromState resumes the sequence exactly", () => {
  const rng = new Mulberry32(123);
  for (let i = 0; i < 17; i++) rng.next();
  const saved = JSON.parse(JSON.stringify({ s: rng.state })).s as number;
  const tail = Array.from({ length: 20 }, () => rng.next());
  const resumed = Mulberry32.fromState(saved);
  assert.deepEqual(Array.from({ length: 20 }, () => resumed.next()), tail);
});

Deno.test("Mulberry32 draws are in [0, 1) with mean near 1/2", () => {
  const rng = new Mulberry32(9);
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const v = rng.next();
    assert.ok(v >= 0 && v < 1);
    sum += v;
  }
  // Standard error of the mean is 1/sqrt(12·20000) ≈ 0.002; allow 5 sigma.
  assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
  assert.throws(() => rng.int(0), /positive integer/);
  assert.throws(() => new Mulberry32(NaN), /finite/);
});

Deno.test("shuffleInPlace gives each permutation of 3 items about equally often", () => {
  const rng = new Mulberry32(5);
  const counts = new Map<string, number>();
  const n = 6000;
  for (let i = 0; i < n; i++) {
    const key = shuffleInPlace([0, 1, 2], rng).join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  // Chi-square with 5 degrees of freedom: 20.5 is the 0.999 quantile.
  let chi2 = 0;
  for (const c of counts.values()) chi2 += (c - n / 6) ** 2 / (n / 6);
  assert.ok(chi2 < 20.5, `chi2 ${chi2}`);
});

Deno.test("mixSeed separates neighbouring inputs and is order-sensitive", () => {
  const seen = new Set<number>();
  for (let e = 0; e < 10; e++) for (let i = 0; i < 100; i++) seen.add(mixSeed(7, e, i));
  assert.equal(seen.size, 1000);
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  assert.equal(mixSeed(3, 4), mixSeed(3, 4));
});
