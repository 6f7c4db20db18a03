import assert from "node:assert/strict";
import { BASELINE_NAMES } from "../src/eval/mod.ts";
import { learnedChecks } from "./learned.ts";
import { buildReport } from "./report.ts";
import type { Claim, ProtocolResult, Results } from "./results.ts";

function lfw(kind: "real" | "synthetic"): ProtocolResult {
  const s = (acc: number) => ({
    lfw: {
      superpixelAccuracy: acc,
      errorReduction: 100 * (acc - 93.23) / (100 - 93.23),
      pixelAccuracy: acc - 1,
      approximate: false,
      superpixelSource: "dataset",
    },
  });
  return {
    protocol: "lfw-parts",
    status: "ok",
    data: { protocol: "lfw-parts", dataset: "lfw-parts", root: null, kind, description: "d" },
    settings: {
      inputSize: 180,
      epochs: 2,
      batchSize: 8,
      trainLimit: null,
      valLimit: null,
      testLimit: null,
    },
    variants: ["CLVM1-seg", "CLVM2-seg"],
    skipped: [],
    runs: [
      {
        variant: "CLVM1-seg",
        seed: 1,
        scores: s(95),
        training: { seconds: 1, epochs: 2, steps: 2, bestEpoch: 2 },
        checkpoint: "",
      },
      {
        variant: "CLVM2-seg",
        seed: 1,
        scores: s(80),
        training: { seconds: 1, epochs: 2, steps: 2, bestEpoch: 2 },
        checkpoint: "",
      },
    ],
    oracle: null,
    oracleStride: 4,
    baselines: { [BASELINE_NAMES.background]: s(85) },
    notes: [],
    testImages: 10,
    seconds: 1,
  };
}

const claim = (synthetic: boolean, decision: Claim["decision"]): Claim => ({
  protocol: "lfw-parts",
  claim: synthetic ? "a synthetic check" : "a real claim",
  quote: {
    source: "Table 1 caption",
    text: "Adding top-down feedback (CLVM<sub>2</sub>) improves results",
  },
  decision,
  evidence: "e",
  synthetic,
});

function report(
  kind: "real" | "synthetic",
  claims: Claim[],
  settings: Partial<ProtocolResult["settings"]> = {},
): string {
  const protocol = lfw(kind);
  protocol.settings = { ...protocol.settings, ...settings };
  const r: Results = {
    environment: {
      date: "d",
      commit: "c",
      cpuModel: "AMD EPYC",
      cores: 2,
      memoryBytes: 2 ** 31,
      adapter: { description: "llvmpipe" },
      backend: "wasm",
      deno: "2",
      tfjs: "4",
    },
    config: { profile: "quick", profileDescription: "q", seeds: [1], architecture: "tiny" },
    protocols: { "lfw-parts": protocol },
    convergence: null,
    table3: null,
    claims,
    figures: ["training_lfw-parts.png"],
    seconds: 60,
  };
  return buildReport(r);
}

const headerOf = (md: string, start: string) => md.split("\n").find((l) => l.startsWith(start))!;

Deno.test("buildReport() takes differences against the paper on real data only", () => {
  const real = headerOf(report("real", []), "| variant |");
  const synth = headerOf(report("synthetic", []), "| variant |");
  assert.match(real, /\| difference \|/);
  assert.doesNotMatch(synth, /difference/);
  assert.match(synth, /ours \(synthetic data\)/);
  assert.match(report("synthetic", []), /## LFW-Parts .* — synthetic stand-in/);
  assert.match(real, /error reduction vs the CRF \(93\.23%\)/);
});

Deno.test("buildReport() shows baselines, did-it-learn lines and training curves", () => {
  const md = report("real", []);
  assert.match(md, /\| baseline: all background \| — \| 85\.00 \|/);
  assert.match(
    md,
    /CLVM1-seg \(segmentation, real data\): learned — superpixel accuracy \(%\) 95\.00 vs 85\.00/,
  );
  assert.match(
    md,
    /CLVM2-seg \(segmentation, real data\): \*\*did not learn\*\* — .* 80\.00 vs 85\.00/,
  );
  assert.match(md, /!\[training_lfw-parts\.png\]\(training_lfw-parts\.png\)/);
  assert.match(
    md,
    /AMD EPYC, 2 cores, 2\.0 GiB memory \(backend wasm; adapter llvmpipe; Deno 2, tfjs 4\)/,
  );
});

Deno.test("buildReport() keeps synthetic pipeline checks out of the paper's claims", () => {
  const md = report("real", [
    claim(false, "held"),
    claim(true, "held"),
    claim(true, "did not hold"),
  ]);
  const paper = md.slice(md.indexOf("## The paper's claims"), md.indexOf("## Pipeline checks"));
  assert.match(paper, /1 held, 0 did not hold, 0 inconclusive, 0 not testable/);
  assert.match(paper, /a real claim/);
  assert.doesNotMatch(paper, /a synthetic check/);
  const checks = md.slice(
    md.indexOf("## Pipeline checks on synthetic data — not evidence about the paper"),
  );
  assert.match(checks, /a synthetic check/);
  assert.match(paper, /“Adding top-down feedback \(CLVM2\) improves results” \(Table 1 caption\)/);
});

Deno.test("learnedChecks() compares each model with the best baseline of its task", () => {
  const checks = learnedChecks(lfw("real"));
  assert.deepEqual(checks.map((c) => [c.variant, c.learned, c.baselineValue]), [
    ["CLVM1-seg", true, 85],
    ["CLVM2-seg", false, 85],
  ]);
  assert.deepEqual(learnedChecks({ ...lfw("real"), baselines: {} }), []);
});

Deno.test("buildReport() states the profile's η and task weights", () => {
  assert.match(report("real", []), /2 epochs, batch 8, on all training samples/);
  assert.match(
    report("real", [], { learningRate: 0.02 }),
    /2 epochs, batch 8, η 0\.02, on all training/,
  );
  assert.match(
    report("real", [], {
      learningRate: 0.02,
      keypointWeight: 30,
      perRow: { "CLVM2-seg": { learningRate: 0.01 }, "CLVM1-kp": { keypointWeight: 10 } },
    }),
    new RegExp(
      "batch 8, η 0\\.02, keypoint task weight 30 \\(per model, chosen on validation: " +
        "CLVM2-seg η 0\\.01; CLVM1-kp keypoint task weight 10\\), on all",
    ),
  );
});
