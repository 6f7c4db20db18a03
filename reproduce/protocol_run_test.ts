import assert from "node:assert/strict";
import { parseReproduceArgs } from "./args.ts";
import { buildReport } from "./report.ts";
import { jobSpecs, rowRecipe, rowsOf, settingsFor } from "./protocol_run.ts";
import type { DataSource } from "./protocols/mod.ts";
import type { ProtocolResult, Results } from "./results.ts";

Deno.test("quick trains the two LFW-Parts rows beyond the paper on the same subset, with their options", () => {
  const args = parseReproduceArgs(["lfw-parts", "--feedback", "zero-interlace"])!;
  const settings = settingsFor(args, "lfw-parts");
  const rows = rowsOf("lfw-parts", settings, undefined, 3, 19);
  assert.deepEqual(rows.variants, [
    "CLVM1-seg",
    "CLVM2-seg",
    "M-CLVM1",
    "M-CLVM2",
    "M-CLVM2-untied",
  ]);
  assert.deepEqual(rows.beyond.map((b) => b.name), ["CLVM2-seg-switches", "CLVM4-seg"]);
  const source: DataSource = {
    protocol: "lfw-parts",
    dataset: "lfw-parts",
    root: "/d",
    kind: "real",
    description: "x",
  };
  const specs = jobSpecs({ args, out: "/o", backend: "wasm" }, source, settings, rows);
  const byRow = new Map([...specs].map(([spec, row]) => [row, spec]));
  const paper = byRow.get("CLVM2-seg")!, switches = byRow.get("CLVM2-seg-switches")!;
  const three = byRow.get("CLVM4-seg")!;
  // The same preset, data, subset, epochs and seed as the paper's CLVM₂-seg row.
  for (const s of [switches, three]) {
    assert.equal(s.variant, "CLVM2-seg");
    for (const k of ["trainLimit", "valLimit", "epochs", "inputSize", "seed", "root"] as const) {
      assert.equal(s[k], paper[k], k);
    }
  }
  // The row's own options win over the command's; the command's fill in the rest.
  assert.equal(paper.feedback, "zero-interlace");
  assert.equal(switches.feedback, "switches");
  assert.equal(three.passes, 4);
  assert.equal(three.feedback, "zero-interlace");
  assert.equal(switches.out, "/o/runs/lfw-parts/CLVM2-seg-switches-seed1");
  // Not in smoke, and --variants narrows them like the paper's rows.
  const smoke = parseReproduceArgs(["lfw-parts", "--profile", "smoke"])!;
  assert.deepEqual(
    rowsOf("lfw-parts", settingsFor(smoke, "lfw-parts"), undefined, 3, 0).beyond,
    [],
  );
  assert.deepEqual(
    rowsOf("lfw-parts", settings, ["CLVM4-seg"], 3, 0).beyond.map((b) => b.name),
    ["CLVM4-seg"],
  );
});

Deno.test("the report shows rows beyond the paper apart, with their cost, outside Table 1", () => {
  const scores = (acc: number) => ({
    lfw: {
      superpixelAccuracy: acc,
      errorReduction: 0,
      pixelAccuracy: acc,
      approximate: false,
      superpixelSource: "dataset",
    },
  });
  const run = (variant: string, acc: number, seconds: number, beyond = false) => ({
    variant,
    seed: 1,
    scores: scores(acc),
    training: { seconds, epochs: 4, steps: 120, bestEpoch: 4 },
    checkpoint: "x",
    ...(beyond ? { beyondPaper: true as const } : {}),
  });
  const r: ProtocolResult = {
    protocol: "lfw-parts",
    status: "ok",
    data: {
      protocol: "lfw-parts",
      dataset: "lfw-parts",
      root: "/d",
      kind: "real",
      description: "d",
    },
    settings: {
      inputSize: 180,
      epochs: 4,
      batchSize: 8,
      trainLimit: 240,
      valLimit: 60,
      testLimit: null,
    },
    variants: ["CLVM2-seg"],
    beyond: [
      {
        name: "CLVM4-seg",
        variant: "CLVM2-seg",
        model: { passes: 4 },
        description: "four passes",
      },
    ],
    skipped: [],
    runs: [run("CLVM2-seg", 90, 100), run("CLVM4-seg", 91.5, 150, true)],
    oracle: null,
    oracleStride: 4,
    notes: [],
    testImages: 927,
    seconds: 1,
  };
  const results: Results = {
    environment: { date: "d", commit: "c" },
    config: { profile: "quick", profileDescription: "q", seeds: [1], architecture: "tiny" },
    protocols: { "lfw-parts": r },
    convergence: null,
    table3: null,
    claims: [],
    figures: [],
    seconds: 60,
  };
  const md = buildReport(results);
  const table1 = md.slice(md.indexOf("## LFW-Parts"), md.indexOf("**Beyond the paper.**"));
  assert.ok(!table1.includes("CLVM4-seg"), "not among Table 1's rows");
  const beyond = md.slice(md.indexOf("**Beyond the paper.**"));
  assert.match(beyond, /\| CLVM4-seg \| four passes \| 91\.50 \| 150 \|/);
  assert.match(
    beyond,
    /\| CLVM2-seg \| the paper's row it starts from \(above\) \| 90\.00 \| 100 \|/,
  );
});

Deno.test("a row's own η and keypoint weight win over the protocol's, which win over null", () => {
  const base = { inputSize: 64, epochs: 1, batchSize: 8, trainLimit: null, valLimit: null };
  const settings = {
    ...base,
    testLimit: null,
    learningRate: 0.02,
    keypointWeight: 30,
    perRow: { "CLVM2-seg": { learningRate: 0.01 }, "CLVM1-kp": { keypointWeight: 10 } },
  };
  assert.deepEqual(rowRecipe(settings, "CLVM2-seg"), { learningRate: 0.01, keypointWeight: 30 });
  assert.deepEqual(rowRecipe(settings, "CLVM1-kp"), { learningRate: 0.02, keypointWeight: 10 });
  assert.deepEqual(rowRecipe(settings, "M-CLVM2"), { learningRate: 0.02, keypointWeight: 30 });
  assert.deepEqual(rowRecipe({ ...base, testLimit: null }, "M-CLVM2"), {
    learningRate: null,
    keypointWeight: null,
  });
  // The specs carry them, row by row.
  const args = parseReproduceArgs(["pascal-person", "--synthetic"])!;
  const source: DataSource = {
    protocol: "pascal-person",
    dataset: "synthetic-pascal-person",
    root: null,
    kind: "synthetic",
    description: "x",
  };
  const rows = { variants: ["CLVM2-seg", "CLVM1-kp", "M-CLVM2"], beyond: [] };
  const specs = jobSpecs({ args, out: "/o", backend: "wasm" }, source, settings, rows);
  assert.deepEqual(
    [...specs].map(([s, row]) => [row, s.learningRate, s.keypointWeight]),
    [["CLVM2-seg", 0.01, 30], ["CLVM1-kp", 0.02, 10], ["M-CLVM2", 0.02, 30]],
  );
});
