import assert from "node:assert/strict";
import { BASELINE_NAMES } from "../src/eval/mod.ts";
import {
  checkClaims,
  COMPARISONS,
  convergenceTolerance,
  decideComparison,
  neverDecreases,
} from "./claims.ts";
import type { ProtocolScores } from "./evaluate.ts";
import type { ProtocolResult, RunRecord } from "./results.ts";

const N = 60;
const ids = Array.from({ length: N }, (_, i) => `img${i}`);

/** Pascal-style scores from per-image pixel accuracies. */
function seg(pixel: number[]): ProtocolScores {
  const m = pixel.reduce((a, b) => a + b, 0) / pixel.length;
  return { pascal: { pixelAccuracy: m, meanPerInstance: m }, perImage: { ids, pixel } };
}

function run(variant: string, seed: number, scores: ProtocolScores): RunRecord {
  return {
    variant,
    seed,
    scores,
    training: { seconds: 1, epochs: 1, steps: 1, bestEpoch: 1 },
    checkpoint: "",
  };
}

/** A wobble that averages to 0 exactly. */
const wobble = (i: number, size: number) => (i % 2 === 0 ? size : -size);

function pascal(
  runs: RunRecord[],
  kind: "real" | "synthetic" = "real",
  baseline = 50,
): ProtocolResult {
  return {
    protocol: "pascal-person",
    status: "ok",
    data: {
      protocol: "pascal-person",
      dataset: "pascal-person",
      root: null,
      kind,
      description: "",
    },
    settings: {
      inputSize: 32,
      epochs: 1,
      batchSize: 1,
      trainLimit: null,
      valLimit: null,
      testLimit: null,
    },
    variants: [...new Set(runs.map((r) => r.variant))],
    skipped: [],
    runs,
    oracle: null,
    oracleStride: 4,
    baselines: { [BASELINE_NAMES.background]: seg(new Array(N).fill(baseline)) },
    notes: [],
    testImages: N,
    seconds: 0,
  };
}

const spec = COMPARISONS.find((c) => c.protocol === "pascal-person" && c.better === "CLVM2-seg")!;

Deno.test("decideComparison() decides from per-image paired differences", async (t) => {
  const base = ids.map((_, i) => 80 + wobble(i, 5));
  await t.step("a clear win (≈ +2 points every image) holds", () => {
    const r = pascal([
      run("CLVM1-seg", 1, seg(base)),
      run("CLVM2-seg", 1, seg(base.map((v, i) => v + 2 + wobble(i, 0.5)))),
    ]);
    const c = decideComparison(spec, r);
    assert.equal(c.decision, "held");
    assert.ok(c.difference!.low > 1 && c.difference!.high < 3);
    assert.match(c.evidence, /CLVM2-seg − CLVM1-seg: \+2\.00 \[\+/);
    assert.equal(c.synthetic, false);
    assert.match(c.quote.text, /bidirectional models significantly outperform/);
  });
  await t.step("a clear loss does not hold", () => {
    const r = pascal([
      run("CLVM1-seg", 1, seg(base)),
      run("CLVM2-seg", 1, seg(base.map((v) => v - 3))),
    ]);
    assert.equal(decideComparison(spec, r).decision, "did not hold");
  });
  await t.step("a tie (bit-identical predictions) is inconclusive, not held", () => {
    const r = pascal([run("CLVM1-seg", 1, seg(base)), run("CLVM2-seg", 1, seg(base))]);
    const c = decideComparison(spec, r);
    assert.equal(c.decision, "inconclusive");
    assert.equal(c.difference!.low, 0);
  });
  await t.step("a win by a model that did not beat the baseline is inconclusive", () => {
    const r = pascal(
      [run("CLVM1-seg", 1, seg(base)), run("CLVM2-seg", 1, seg(base.map((v) => v + 2)))],
      "real",
      95,
    );
    const c = decideComparison(spec, r);
    assert.equal(c.decision, "inconclusive");
    assert.match(c.evidence, /CLVM1-seg and CLVM2-seg did not beat the trivial baseline/);
  });
  await t.step("seeds are pooled: two seeds, twice the images", () => {
    const r = pascal([
      run("CLVM1-seg", 1, seg(base)),
      run("CLVM2-seg", 1, seg(base.map((v) => v + 1))),
      run("CLVM1-seg", 2, seg(base)),
      run("CLVM2-seg", 2, seg(base.map((v) => v + 3))),
    ]);
    const c = decideComparison(spec, r);
    assert.equal(c.difference!.images, 2 * N);
    assert.equal(c.difference!.seeds, 2);
    assert.equal(c.difference!.mean, 2);
  });
  await t.step("synthetic data is flagged", () => {
    const r = pascal(
      [run("CLVM1-seg", 1, seg(base)), run("CLVM2-seg", 1, seg(base.map((v) => v + 2)))],
      "synthetic",
    );
    assert.equal(decideComparison(spec, r).synthetic, true);
  });
  await t.step("a missing variant is not testable", () => {
    const c = decideComparison(spec, pascal([run("CLVM1-seg", 1, seg(base))]));
    assert.equal(c.decision, "not testable");
    assert.match(c.evidence, /no segmentation scores for CLVM2-seg/);
  });
});

Deno.test("the untied ≈ tied claim is an equivalence test with a ±0.5-point margin", () => {
  const eq = COMPARISONS.find((c) => c.better === "M-CLVM2-untied")!;
  const lfw = (d: number): ProtocolResult => {
    const base = ids.map((_, i) => 90 + wobble(i, 3));
    const sp = (v: number[]): ProtocolScores => ({ perImage: { ids, superpixel: v } });
    return {
      ...pascal([]),
      protocol: "lfw-parts",
      baselines: {},
      variants: ["M-CLVM2", "M-CLVM2-untied"],
      runs: [
        run("M-CLVM2", 1, sp(base)),
        run("M-CLVM2-untied", 1, sp(base.map((v, i) => v + d + wobble(i, 0.2)))),
      ],
    };
  };
  assert.equal(decideComparison(eq, lfw(0.1)).decision, "held");
  assert.equal(decideComparison(eq, lfw(2)).decision, "did not hold");
  assert.equal(decideComparison(eq, lfw(-2)).decision, "did not hold");
  assert.match(decideComparison(eq, lfw(0.1)).evidence, /margin ±0\.5/);
});

Deno.test("keypoint claims compare per-image errors (lower is better)", () => {
  const kpSpec = COMPARISONS.find((c) => c.protocol === "aflw")!;
  const kp = (e: number[]): ProtocolScores => ({
    keypoints: {
      below: {},
      meanError: e.reduce((a, b) => a + b, 0) / e.length,
      medianError: 0,
      failures: 0,
      count: e.length,
      curve: { thresholds: [], fractions: [] },
    },
    perImage: { ids, keypointError: e },
  });
  const e1 = ids.map((_, i) => 0.1 + wobble(i, 0.01));
  const r: ProtocolResult = {
    ...pascal([]),
    protocol: "aflw",
    baselines: { [BASELINE_NAMES.meanShape]: kp(new Array(N).fill(0.2)) },
    variants: ["CLVM1-kp", "CLVM2-kp"],
    runs: [run("CLVM1-kp", 1, kp(e1)), run("CLVM2-kp", 1, kp(e1.map((v) => v - 0.02)))],
    oracle: kp(new Array(N).fill(0.06)),
  };
  const c = decideComparison(kpSpec, r);
  assert.equal(c.decision, "held");
  assert.ok(Math.abs(c.difference!.mean - 2) < 1e-9, "2 points of face size");
  assert.match(c.evidence, /gap to the oracle closed: 50\.0%/);
  assert.match(c.quote.text, /approaches the upper-bound/);
});

Deno.test("neverDecreases() fails on a decreasing trace, with a tolerance that does not grow with |S|", () => {
  assert.equal(neverDecreases([1, 2, 3, 3]).held, true);
  assert.equal(neverDecreases([100, 101, 100.5]).held, false);
  // The old tolerance (1e-4·|S|) let a drop of 50 pass once S reached 1e6.
  assert.equal(neverDecreases([1, 1e6, 1e6 - 50]).held, false);
  assert.equal(convergenceTolerance([1, 1e6]), convergenceTolerance([1, 1e9]));
  // float32 rounding of one update passes.
  const s = Math.fround(1234.5);
  assert.equal(neverDecreases([s, s + 2 ** -13 * 0.5, s]).held, true);
  // A trace that overflows float32 is compared over its finite prefix, and says where.
  const grown = neverDecreases([1, 1e20, 1e38, Infinity, NaN]);
  assert.deepEqual(grown, { held: true, worst: 0, checked: 3, overflowAt: 4 });
  assert.equal(neverDecreases([1, 1e20, 1e10, NaN]).held, false);
  assert.equal(neverDecreases([NaN]).held, false);
});

Deno.test("checkClaims() decides the convergence claim and lists every comparison", () => {
  const claims = checkClaims({}, {
    passes: [1, 2, 3],
    series: [{ name: "random weights", score: [5, 4, 6] }],
    note: "",
  }, null);
  const conv = claims.find((c) => c.protocol === "convergence")!;
  assert.equal(conv.decision, "did not hold");
  assert.equal(conv.synthetic, false);
  assert.equal(claims.filter((c) => c.decision === "not testable").length, COMPARISONS.length);
});
