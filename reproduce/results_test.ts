import assert from "node:assert/strict";
import { join } from "node:path";
import {
  mergeResults,
  type ProtocolResult,
  readResults,
  type Results,
  resultsCsv,
  type RunRecord,
  SCHEMA_VERSION,
  writeResults,
} from "./results.ts";

function run(variant: string, seed: number, acc: number): RunRecord {
  return {
    variant,
    seed,
    scores: { pascal: { pixelAccuracy: acc, meanPerInstance: acc - 1 } },
    training: { seconds: 2, epochs: 1, steps: 3, bestEpoch: 1 },
    checkpoint: `runs/${variant}-seed${seed}/best.ckpt`,
  };
}

function protocol(name: "aflw" | "lfw-parts" | "pascal-person", runs: RunRecord[]): ProtocolResult {
  return {
    protocol: name,
    status: "ok",
    data: {
      protocol: name,
      dataset: name,
      root: null,
      kind: "synthetic",
      description: `${name} data`,
    },
    settings: { inputSize: 32, epochs: 1, batchSize: 8, trainLimit: 16, valLimit: 8, testLimit: 8 },
    variants: [...new Set(runs.map((r) => r.variant))],
    skipped: [],
    runs,
    oracle: null,
    oracleStride: 4,
    notes: [],
    testImages: 8,
    seconds: 10,
  };
}

function results(protocols: Results["protocols"], command: string, extra: Partial<Results> = {}) {
  return {
    environment: { command, date: "2026-12-02" },
    config: {},
    protocols,
    convergence: null,
    table3: null,
    claims: [],
    figures: [],
    seconds: 5,
    ...extra,
  } as Results;
}

Deno.test("mergeResults() keeps protocols a later command did not cover", () => {
  const first = mergeResults(
    null,
    results(
      {
        "lfw-parts": protocol("lfw-parts", [run("CLVM1-seg", 1, 90)]),
        "pascal-person": protocol("pascal-person", [run("CLVM1-seg", 1, 80)]),
      },
      "reproduce",
      {
        convergence: { passes: [1], series: [], note: "n" },
        table3: { rows: [] },
        figures: ["fig15.png"],
      },
    ),
  );
  assert.equal(first.schemaVersion, SCHEMA_VERSION);
  const second = mergeResults(
    first,
    results({ aflw: protocol("aflw", [run("CLVM1-kp", 1, 0)]) }, "reproduce aflw", {
      figures: ["fig8.png"],
    }),
  );
  assert.deepEqual(Object.keys(second.protocols).sort(), ["aflw", "lfw-parts", "pascal-person"]);
  assert.ok(second.convergence, "the convergence study is kept");
  assert.deepEqual(second.table3, { rows: [] });
  assert.deepEqual(second.figures, ["fig15.png", "fig8.png"]);
  assert.deepEqual(second.history!.map((h) => h.command), ["reproduce", "reproduce aflw"]);
  assert.deepEqual(second.history![0]!.protocols, ["lfw-parts", "pascal-person", "convergence"]);
});

Deno.test("mergeResults() keys runs by (variant, seed) within a protocol", () => {
  const old = mergeResults(
    null,
    results(
      { "pascal-person": protocol("pascal-person", [run("A", 1, 70), run("A", 2, 71)]) },
      "x",
    ),
  );
  const merged = mergeResults(
    old,
    results(
      { "pascal-person": protocol("pascal-person", [run("A", 2, 75), run("B", 1, 60)]) },
      "y",
    ),
  );
  const runs = merged.protocols["pascal-person"]!.runs;
  assert.deepEqual(
    runs.map((r) => [r.variant, r.seed, r.scores.pascal!.pixelAccuracy]),
    [["A", 1, 70], ["A", 2, 75], ["B", 1, 60]],
  );
  assert.deepEqual(merged.protocols["pascal-person"]!.variants, ["A", "B"]);
  // Different settings: the old runs are not comparable, so the new protocol replaces them.
  const other = protocol("pascal-person", [run("B", 1, 61)]);
  other.settings = { ...other.settings, epochs: 5 };
  const replaced = mergeResults(old, results({ "pascal-person": other }, "z"));
  assert.deepEqual(replaced.protocols["pascal-person"]!.runs.map((r) => r.variant), ["B"]);
});

Deno.test("writeResults() writes results.json with schemaVersion and results.csv", async () => {
  const dir = await Deno.makeTempDir();
  const r = results({
    "pascal-person": {
      ...protocol("pascal-person", [run("CLVM1-seg", 3, 80.5)]),
      baselines: {
        "baseline: all background": { pascal: { pixelAccuracy: 70, meanPerInstance: 69 } },
      },
    },
  }, "c");
  await writeResults(dir, r);
  const back = (await readResults(dir))!;
  assert.equal(back.schemaVersion, SCHEMA_VERSION);
  const csv = await Deno.readTextFile(join(dir, "results.csv"));
  const lines = csv.trim().split("\n");
  assert.equal(lines[0], "protocol,variant,seed,metric,value");
  assert.ok(lines.includes("pascal-person,CLVM1-seg,3,pixel_accuracy,80.5"));
  assert.ok(lines.includes("pascal-person,CLVM1-seg,3,pixel_accuracy_mean_per_instance,79.5"));
  assert.ok(lines.includes("pascal-person,CLVM1-seg,3,training_epochs,1"));
  assert.ok(lines.includes("pascal-person,baseline: all background,,pixel_accuracy,70"));
  assert.equal(resultsCsv(r), csv);
  assert.equal(await readResults(join(dir, "none")), null);
  await Deno.writeTextFile(join(dir, "results.json"), "{");
  await assert.rejects(readResults(dir), /results\.json": expected JSON/);
  await Deno.remove(dir, { recursive: true });
});
