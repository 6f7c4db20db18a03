// `reproduce --feedback/--tied/--passes`: parsed, carried by every job spec, compared on
// reuse, trained into the checkpoint that scoring loads, and stated in the report.
import "../fixtures/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend, loadCheckpoint } from "../mod.ts";
import { UsageError } from "../src/util/mod.ts";
import { parseReproduceArgs } from "./args.ts";
import { resumeProblem, specDifferences } from "./jobs.ts";
import { type JobSpec, runJob, specModel } from "./train_job.ts";
import { buildReport, modelPhrase } from "./report.ts";
import { mergeResults, type ProtocolResult, type Results } from "./results.ts";

const SPEC: JobSpec = {
  variant: "CLVM2-seg",
  dataset: "toy-shapes",
  root: null,
  architecture: "tiny",
  recipe: "quick",
  inputSize: 16,
  epochs: 1,
  batchSize: 4,
  seed: 2,
  trainLimit: 8,
  valLimit: 4,
  backend: "cpu",
  out: "unused",
};

Deno.test("parseReproduceArgs() carries --feedback, --passes, --tied, checked", () => {
  const args = parseReproduceArgs([
    "lfw-parts",
    ...["--feedback", "switches", "--passes", "3", "--tied", "false"],
  ]);
  assert.deepEqual(args?.model, { feedback: "switches", passes: 3, tied: false });
  assert.deepEqual(parseReproduceArgs(["aflw"])?.model, {});
  for (const bad of [["--feedback", "bogus"], ["--tied", "maybe"], ["--passes", "0"]]) {
    assert.throws(
      () => parseReproduceArgs(bad),
      (e: unknown) =>
        e instanceof UsageError && e.message.startsWith(`Invalid ${bad[0]} "${bad[1]}"`),
    );
  }
});

Deno.test("a job spec's model overrides are compared on reuse and resume", async () => {
  const switches = { ...SPEC, feedback: "switches", tied: null, passes: 3 } as const;
  assert.deepEqual(specDifferences(SPEC, SPEC), []);
  // A spec written before the overrides existed trained the presets: the same as null.
  assert.deepEqual(
    specDifferences(SPEC, { ...SPEC, feedback: null, tied: null, passes: null }),
    [],
  );
  assert.deepEqual(specDifferences(SPEC, switches), [
    `feedback "switches" (the trained model has the variant's)`,
    "passes 3 (the trained model has the variant's)",
  ]);
  assert.deepEqual(specModel(switches), { feedback: "switches", passes: 3 });
  assert.deepEqual(specModel(SPEC), {});
  const dir = await Deno.makeTempDir({ prefix: "clvm_job_overrides_" });
  try {
    await Deno.writeTextFile(join(dir, "job.json"), JSON.stringify({ ...SPEC, out: dir }));
    assert.match(
      (await resumeProblem({ ...switches, out: dir }))!,
      /its settings differ: feedback "switches" \(the trained model has the variant.s\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runJob() trains the overrides into the checkpoint that scoring loads", async () => {
  await initBackend("cpu");
  const out = await Deno.makeTempDir({ prefix: "clvm_job_overrides_" });
  try {
    const spec: JobSpec = { ...SPEC, out, feedback: "switches", tied: false, passes: 3 };
    await runJob(spec, () => {});
    const done = JSON.parse(await Deno.readTextFile(join(out, "done.json")));
    assert.deepEqual(done.spec, spec);
    const clvm = await loadCheckpoint(join(out, "best.ckpt"));
    assert.equal(clvm.options.feedback, "switches");
    assert.equal(clvm.options.tied, false);
    assert.equal(clvm.options.passes, 3);
    assert.ok(Object.keys(clvm.getWeights()).some((k) => k.startsWith("topdown")));
    clvm.dispose();
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("modelPhrase() states the overrides in the protocol sentence", () => {
  assert.equal(modelPhrase(undefined), "");
  assert.equal(modelPhrase({}), "");
  assert.equal(
    modelPhrase({ feedback: "switches", tied: false, passes: 3 }),
    " with switches feedback, untied weights, 3 passes in every variant (overriding the presets)",
  );
});

Deno.test("the report states each protocol's overrides; results with other overrides do not merge", () => {
  const protocol = (model?: { feedback: string }, seed = 1): ProtocolResult => ({
    protocol: "aflw",
    status: "ok",
    data: {
      protocol: "aflw",
      dataset: "synthetic-aflw",
      root: null,
      kind: "synthetic",
      description: "d",
    },
    settings: {
      inputSize: 32,
      epochs: 1,
      batchSize: 4,
      trainLimit: 8,
      valLimit: 4,
      testLimit: 4,
      ...(model ? { model } : {}),
    },
    variants: ["CLVM1-kp"],
    skipped: [],
    runs: [{
      variant: "CLVM1-kp",
      seed,
      scores: {},
      training: { seconds: 1, epochs: 1, steps: 2, bestEpoch: 1 },
      checkpoint: "",
    }],
    oracle: null,
    oracleStride: 4,
    notes: [],
    testImages: 4,
    seconds: 1,
  });
  const results = (p: ProtocolResult): Results => ({
    environment: { date: "d", commit: "c", backend: "cpu", deno: "2", tfjs: "4", command: "x" },
    config: { profile: "smoke", profileDescription: "s", seeds: [1], architecture: "tiny" },
    protocols: { aflw: p },
    convergence: null,
    table3: null,
    claims: [],
    figures: [],
    seconds: 1,
  });
  const switches = results(protocol({ feedback: "switches" }));
  assert.match(
    buildReport(switches),
    /Training: tiny architecture with switches feedback in every variant \(overriding the presets\), 1 epochs/,
  );
  assert.match(buildReport(results(protocol())), /Training: tiny architecture, 1 epochs/);
  const same = mergeResults(
    mergeResults(null, results(protocol(undefined, 2))),
    results(protocol()),
  );
  assert.equal(same.protocols.aflw!.runs.length, 2, "runs of the same settings join");
  const merged = mergeResults(mergeResults(null, results(protocol(undefined, 2))), switches);
  assert.equal(
    merged.protocols.aflw!.runs.length,
    1,
    "runs of other model options replace, not join",
  );
  assert.deepEqual(merged.protocols.aflw!.settings.model, { feedback: "switches" });
});
