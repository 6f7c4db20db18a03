import assert from "node:assert/strict";
import { learningRateAt } from "./lr_schedule.ts";

Deno.test("constant keeps η at every step", () => {
  for (const t of [0, 3, 99]) assert.equal(learningRateAt(0.02, "constant", t, 100), 0.02);
});

Deno.test("cosine starts at η, halves at mid-run, falls monotonically towards 0", () => {
  const T = 40;
  const rates = Array.from({ length: T }, (_, t) => learningRateAt(0.05, "cosine", t, T));
  assert.equal(rates[0], 0.05);
  assert.ok(Math.abs(rates[T / 2]! - 0.025) < 1e-15);
  for (let t = 1; t < T; t++) assert.ok(rates[t]! < rates[t - 1]!, `step ${t}`);
  // The last step's rate is η·½(1 − cos(π/T)) ≈ η·π²/(4T²), small but not 0.
  const last = 0.05 * 0.5 * (1 - Math.cos(Math.PI / T));
  assert.ok(Math.abs(rates[T - 1]! - last) < 1e-15 && rates[T - 1]! > 0);
  // The cosine is point-symmetric about mid-run: η(t) + η(T − t) = η.
  for (let t = 1; t < T; t++) {
    assert.ok(Math.abs(rates[t]! + rates[T - t]! - 0.05) < 1e-15, `step ${t}`);
  }
});

Deno.test("cosine rejects a step outside the run, naming it", () => {
  assert.throws(() => learningRateAt(0.1, "cosine", 10, 10), /Invalid step 10: .*\[0, 10\)/);
  assert.throws(() => learningRateAt(0.1, "cosine", 0, 0), /Invalid totalSteps 0/);
});
