// Which trained models `reproduce --resume` may reuse (no training: hand-made folders).
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeCheckpointFile } from "../src/clvm/mod.ts";
import { type DataIdentity, RECIPES } from "../src/train/mod.ts";
import { type DoneRecord, resumeProblem, reuseProblem, specDifferences } from "./jobs.ts";
import type { JobSpec } from "./train_job.ts";

const SPEC: JobSpec = {
  variant: "CLVM1-kp",
  dataset: "synthetic-aflw",
  root: null,
  architecture: "tiny",
  recipe: "quick",
  inputSize: 32,
  epochs: 1,
  batchSize: 8,
  seed: 1,
  trainLimit: 16,
  valLimit: 8,
  backend: "cpu",
  out: "",
};
const DATA: DataIdentity = { trainImages: 16, valImages: 8, train: "aaaa", val: "bbbb" };

const made: string[] = [];

async function folder(done: Partial<DoneRecord>, epoch = 1, best = 1): Promise<JobSpec> {
  const out = await Deno.makeTempDir();
  made.push(out);
  const spec = { ...SPEC, out };
  await Deno.writeTextFile(join(out, "done.json"), JSON.stringify({ spec, data: DATA, ...done }));
  const tensors = new Map([["w", { shape: [2], data: new Float32Array([1, 2]) }]]);
  const meta = { train: { epoch, batchInEpoch: 0, best: { epoch: best } } };
  await writeCheckpointFile(join(out, "best.ckpt"), { meta, tensors });
  await writeCheckpointFile(join(out, "last.ckpt"), { meta, tensors });
  return spec;
}

async function truncate(path: string): Promise<void> {
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, 40));
}

Deno.test("specDifferences names every field that differs, with both values", () => {
  assert.deepEqual(specDifferences(SPEC, SPEC), []);
  assert.deepEqual(
    specDifferences({ ...SPEC, epochs: 1, backend: "cpu" }, {
      ...SPEC,
      epochs: 2,
      backend: "auto",
    }),
    ["epochs 2 (the trained model has 1)", 'backend "auto" (the trained model has "cpu")'],
  );
  assert.deepEqual(specDifferences({}, SPEC).length, 11); // all but root (null either way)
});

Deno.test("reuseProblem: settings, data, best.ckpt and done.json are all checked", async (t) => {
  await t.step("a matching model is reused", async () => {
    const spec = await folder({});
    assert.equal(await reuseProblem(spec, DATA), null);
  });
  await t.step("other settings", async () => {
    const spec = await folder({});
    assert.equal(
      await reuseProblem({ ...spec, epochs: 2, seed: 1 }, DATA),
      "its settings differ: epochs 2 (the trained model has 1)",
    );
  });
  await t.step("other split lists", async () => {
    const spec = await folder({});
    assert.match(
      (await reuseProblem(spec, { ...DATA, train: "cccc" }))!,
      /^its data differ: trained on 16\/8 train\/val samples \(fingerprints aaaa\/bbbb\), now 16\/8 \(cccc\/bbbb\)$/,
    );
  });
  await t.step("a truncated done.json: one line naming it", async () => {
    const spec = await folder({});
    await truncate(join(spec.out, "done.json"));
    const problem = (await reuseProblem(spec, DATA))!;
    assert.match(problem, /done\.json" is not valid JSON .*truncated or edited\?$/);
    assert.ok(problem.includes(spec.out));
  });
  await t.step("a recipe changed under its name since the model was trained", async () => {
    const spec = await folder({});
    const withRecipe = async (recipe: Record<string, unknown>) => {
      const meta = { train: { epoch: 1, batchInEpoch: 0, best: { epoch: 1 }, config: { recipe } } };
      const tensors = new Map([["w", { shape: [1], data: new Float32Array([1]) }]]);
      await writeCheckpointFile(join(spec.out, "best.ckpt"), { meta, tensors });
      return await reuseProblem(spec, DATA);
    };
    // The same recipe, its prose and the fields the spec sets aside: reused.
    assert.equal(
      await withRecipe({ ...RECIPES.quick, description: "older words", learningRate: 0.3 }),
      null,
    );
    const changed = "its recipe differs: recipe quick batchNormRecomputeImages " +
      `${RECIPES.quick.batchNormRecomputeImages} (the trained model has 0)`;
    assert.equal(await withRecipe({ ...RECIPES.quick, batchNormRecomputeImages: 0 }), changed);
    // Stored before the field existed: it trained with the legacy value.
    const { batchNormRecomputeImages: _, ...legacy } = RECIPES.quick;
    assert.equal(await withRecipe(legacy), changed);
  });
  await t.step("a broken best.ckpt of the last epoch is rebuilt from last.ckpt", async () => {
    const spec = await folder({}, 3, 3);
    await truncate(join(spec.out, "best.ckpt"));
    const said: string[] = [];
    assert.equal(await reuseProblem(spec, DATA, (l) => said.push(l)), null);
    assert.match(said[0]!, /best\.ckpt.*rewrote it from ".*last\.ckpt" \(both hold epoch 3\)/);
    assert.deepEqual(
      await Deno.readFile(join(spec.out, "best.ckpt")),
      await Deno.readFile(join(spec.out, "last.ckpt")),
    );
  });
  await t.step("a broken best.ckpt of an earlier epoch: retrain", async () => {
    const spec = await folder({}, 3, 2);
    await truncate(join(spec.out, "best.ckpt"));
    assert.match((await reuseProblem(spec, DATA))!, /Cannot load checkpoint ".*best\.ckpt"/);
  });
  for (const dir of made.splice(0)) await Deno.remove(dir, { recursive: true });
});

Deno.test("resumeProblem: an interrupted job resumes only under its own spec", async () => {
  const out = await Deno.makeTempDir();
  const spec = { ...SPEC, out };
  assert.equal(await resumeProblem(spec), null); // no job.json: train() checks the checkpoint
  await Deno.writeTextFile(join(out, "job.json"), JSON.stringify({ ...spec, batchSize: 4 }));
  assert.equal(
    await resumeProblem(spec),
    "its settings differ: batchSize 8 (the trained model has 4)",
  );
  await Deno.writeTextFile(join(out, "job.json"), "{");
  assert.match((await resumeProblem(spec))!, /job\.json" is not valid JSON/);
  await Deno.remove(out, { recursive: true });
});
