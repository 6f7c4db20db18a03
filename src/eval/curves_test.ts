import assert from "node:assert/strict";
import { assertAllClose } from "../testing.ts";
import {
  cumulativeErrorCurve,
  curveArea,
  fractionBelow,
  summarizeErrors,
  thresholdGrid,
} from "./curves.ts";

Deno.test("thresholdGrid() spans 0..max in equal steps", () => {
  assertAllClose(thresholdGrid(0.1, 4), [0, 0.025, 0.05, 0.075, 0.1], 1e-12);
  assert.equal(thresholdGrid().length, 201);
  assert.throws(() => thresholdGrid(0), /positive number/);
  assert.throws(() => thresholdGrid(1, 0.5), /integer/);
});

Deno.test("cumulativeErrorCurve() counts errors ≤ x and keeps failures in the denominator", () => {
  // Errors of 5 faces: 0.01, 0.05, 0.05, 0.2, and a missed face (Infinity).
  // At x = 0      : none ≤ 0           → 0/5
  // At x = 0.05   : 0.01, 0.05, 0.05   → 3/5 (ties count, ≤)
  // At x = 0.1    : same three         → 3/5
  // At x = 1      : + 0.2              → 4/5 (the miss never counts)
  const c = cumulativeErrorCurve([0.05, Infinity, 0.01, 0.2, 0.05], [0, 0.05, 0.1, 1]);
  assert.equal(c.count, 5);
  assertAllClose(c.fractions, [0, 0.6, 0.6, 0.8], 1e-12);
  // NaN (Zhu & Ramanan's miss) behaves like Infinity.
  const d = cumulativeErrorCurve([NaN, 0.01], [1]);
  assertAllClose(d.fractions, [0.5], 1e-12);
  assert.throws(() => cumulativeErrorCurve([]), /empty error list/);
});

Deno.test("cumulativeErrorCurve() is non-decreasing on the default grid", () => {
  const errs = Array.from({ length: 50 }, (_, i) => (i * 37 % 50) / 200);
  const c = cumulativeErrorCurve(errs);
  for (let i = 1; i < c.fractions.length; i++) assert.ok(c.fractions[i]! >= c.fractions[i - 1]!);
  // The largest error is 49/200 = 0.245 > 0.2, so the curve ends below 1:
  // errors ≤ 0.2 are i' = 0..40 of the 50 values (i'/200 ≤ 0.2 ⇔ i' ≤ 40) → 41/50.
  assertAllClose([c.fractions[200]!], [41 / 50], 1e-12);
});

Deno.test("fractionBelow() is inclusive by default and strict on request", () => {
  const e = [0.05, 0.1, 0.1, 0.3, Infinity];
  assert.equal(fractionBelow(e, 0.1), 3 / 5);
  assert.equal(fractionBelow(e, 0.1, { inclusive: false }), 1 / 5);
  assert.equal(fractionBelow(e, Infinity), 4 / 5);
});

Deno.test("curveArea() of hand-made curves", () => {
  // All errors 0 → y = 1 everywhere → area 1.
  assert.equal(curveArea(cumulativeErrorCurve([0, 0], [0, 0.5, 1])), 1);
  // One error 0.5 on the grid 0, 0.5, 1: y = 0, 1, 1 → trapezoids 0.25 + 0.5 = 0.75.
  assert.equal(curveArea(cumulativeErrorCurve([0.5], [0, 0.5, 1])), 0.75);
  assert.throws(() => curveArea(cumulativeErrorCurve([0], [0])), /at least two/);
});

Deno.test("summarizeErrors() gives fractions, mean of finite errors, median and failures", () => {
  // Errors 0.02, 0.04, 0.12, Infinity: sorted with ∞ last.
  // median (even count) = (0.04 + 0.12) / 2 = 0.08; mean of finite = 0.18/3 = 0.06.
  const s = summarizeErrors([0.12, Infinity, 0.02, 0.04], [0.05, 0.1]);
  assert.equal(s.failures, 1);
  assertAllClose([s.median, s.meanFinite], [0.08, 0.06], 1e-12);
  assert.deepEqual(s.below, { "0.05": 0.5, "0.1": 0.5 });
  // Strict: errors exactly at the threshold no longer count.
  const t = summarizeErrors([0.1, 0.2], [0.1], { inclusive: false });
  assert.equal(t.below["0.1"], 0);
  // All failures: mean is NaN, median infinite.
  const u = summarizeErrors([Infinity, NaN]);
  assert.ok(Number.isNaN(u.meanFinite));
  assert.equal(u.median, Infinity);
});
