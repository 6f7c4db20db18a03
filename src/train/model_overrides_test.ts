// Model options over a variant's preset (`feedback`, `tied`, `passes`) reach training, the
// checkpoint, scoring (loadCheckpoint) and resume; the CLI checks its flags.
import "../../fixtures/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tf } from "../deps.ts";
import { initBackend } from "../backend.ts";
import type { ArchitectureSpec } from "../clvm/config.ts";
import { createCLVM } from "../clvm/model.ts";
import { loadCheckpoint, readCheckpointFile } from "../clvm/checkpoint.ts";
import { RECIPES } from "./recipes.ts";
import { openToyDataset } from "./toy_dataset.ts";
import { modelFlags } from "./model_flags.ts";
import { parseTrainArgs, UsageError } from "./cli.ts";
import {
  modelOptions,
  modelSettings,
  resumeConflicts,
  ResumeError,
  train,
  type TrainConfig,
  type TrainData,
} from "./trainer.ts";

const CLI = new URL("./cli.ts", import.meta.url).pathname;
const FIXTURES = new URL("../../fixtures/mod.ts", import.meta.url).pathname;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    // The permissions of the `train` task in deno.json.
    args: [
      "run",
      ...["--allow-read", "--allow-write", "--allow-env", "--allow-sys", "--allow-ffi"],
      ...["--preload", FIXTURES],
      CLI,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const MICRO: ArchitectureSpec = {
  inputChannels: 3,
  layers: [
    { channels: 4, nms: false },
    { channels: 4, nms: true },
    { channels: 4, nms: false },
    { channels: 4, nms: true },
    { channels: 6, nms: false },
    { channels: 6, nms: false },
    { channels: 6, nms: false },
    { channels: 6, nms: false },
  ],
};

const toyData = (): TrainData => ({
  name: "toy-shapes",
  train: openToyDataset("train", 8, 16),
  val: openToyDataset("val", 4, 16),
  preprocess: { size: 16, crop: "image" },
});

Deno.test("train() with feedback switches stores it; the loaded model predicts with it; resume checks it", async () => {
  await initBackend("cpu");
  const out = await Deno.makeTempDir({ prefix: "clvm_overrides_" });
  const before = tf.memory().numTensors;
  try {
    const base = {
      variant: "CLVM2-seg",
      architecture: MICRO,
      dataset: toyData(),
      backend: "cpu",
      batchSize: 4,
      seed: 5,
      out,
    } as const;
    const result = await train({ ...base, epochs: 1, feedback: "switches", passes: 3 });
    assert.deepEqual(result.config.model, { feedback: "switches", tied: true, passes: 3 });
    const stored = await readCheckpointFile(join(out, "best.ckpt"));
    const meta = stored.meta as {
      train: { config: TrainConfig };
      clvm: { feedback: string; passes: number; tied: boolean };
    };
    assert.deepEqual(meta.train.config.model, { feedback: "switches", tied: true, passes: 3 });
    assert.equal(meta.clvm.feedback, "switches");
    assert.equal(meta.clvm.passes, 3);

    // Scoring loads the model with the trained options.
    const loaded = await loadCheckpoint(join(out, "best.ckpt"));
    assert.equal(loaded.options.feedback, "switches");
    assert.equal(loaded.options.passes, 3);
    const weights = loaded.getWeights();
    const same = createCLVM({ ...modelOptions(result.config), feedback: "switches" });
    const replicate = createCLVM({ ...modelOptions(result.config), feedback: "replicate" });
    same.setWeights(weights);
    replicate.setWeights(weights);
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, "float32", 11);
    const [a, b, c] = [loaded, same, replicate].map((m) => m.forward(x).segmentation!);
    const [da, db, dc] = await Promise.all([a, b, c].map((t) => t!.data()));
    assert.deepEqual(da, db, "the loaded model predicts as a switches model with its weights");
    const maxDiff = Math.max(...Array.from(da!, (v, i) => Math.abs(v - dc![i]!)));
    assert.ok(maxDiff > 1e-6, `replicate feedback gives the same prediction (max diff ${maxDiff})`);
    tf.dispose([x, a!, b!, c!]);
    for (const m of [loaded, same, replicate]) m.dispose();

    // Resume: a different override is a conflict naming the field; none keeps the checkpoint's.
    await assert.rejects(
      () => train({ ...base, epochs: 2, resume: true, feedback: "replicate" }),
      (error: unknown) => {
        assert.ok(error instanceof ResumeError);
        assert.equal(error.kind, "conflict");
        assert.deepEqual(error.fields, ['feedback "replicate" (the checkpoint has "switches")']);
        return true;
      },
    );
    await assert.rejects(
      () => train({ ...base, epochs: 2, resume: true, tied: false }),
      (error: unknown) =>
        error instanceof ResumeError &&
        error.fields.includes("tied false (the checkpoint has true)"),
    );
    const resumed = await train({ ...base, epochs: 2, resume: true });
    assert.equal(resumed.epochs, 2);
    assert.deepEqual(resumed.config.model, { feedback: "switches", tied: true, passes: 3 });
    assert.equal(tf.memory().numTensors, before);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("resumeConflicts(): a checkpoint without model settings trained the preset's", () => {
  const config = {
    variant: "M-CLVM2-untied",
    architecture: "tiny",
    dataset: "toy-shapes",
    root: null,
    preprocess: { size: 16, crop: "image" },
    seed: 1,
    epochs: 1,
    recipe: RECIPES.quick,
    heads: { segmentation: 3, keypoints: 2 },
    checkpointEvery: 0,
  } as unknown as TrainConfig;
  const preset = { ...config, model: { feedback: "replicate", tied: false, passes: 2 } } as const;
  assert.deepEqual(resumeConflicts(config, preset), []);
  assert.deepEqual(resumeConflicts(config, { ...preset, model: { ...preset.model, passes: 3 } }), [
    "passes 3 (the checkpoint has 2)",
  ]);
  // A recipe field the checkpoint lacks is what it trained with before the field existed.
  const { batchNormRecomputeImages: _, ...legacy } = RECIPES.quick;
  assert.deepEqual(resumeConflicts({ ...preset, recipe: legacy } as TrainConfig, preset), [
    `recipe batchNormRecomputeImages ${RECIPES.quick.batchNormRecomputeImages} (the checkpoint has 0)`,
  ]);
  assert.deepEqual(modelSettings("M-CLVM2-untied", {}), preset.model);
  assert.throws(
    () => modelSettings("CLVM1-seg", { feedback: "bogus" }),
    /Unknown feedback "bogus"/,
  );
  assert.throws(() => modelSettings("CLVM1-seg", { passes: 0 }), /Invalid passes 0/);
  assert.throws(() => modelSettings("CLVM1-seg", { tied: "yes" }), /Invalid tied "yes"/);
});

Deno.test("parseTrainArgs() and modelFlags(): --feedback, --passes, --tied, strictly", () => {
  const base = ["--variant", "CLVM2-kp", "--dataset", "toy-shapes", "--out", "o"];
  const options = parseTrainArgs([
    ...base,
    ...["--feedback", "zero-interlace", "--passes", "3", "--tied", "false"],
  ]);
  assert.equal(options?.feedback, "zero-interlace");
  assert.equal(options?.passes, 3);
  assert.equal(options?.tied, false);
  assert.equal(parseTrainArgs([...base, "--tied", "true"])?.tied, true);
  assert.equal(parseTrainArgs([...base, "--untied"])?.tied, false);
  assert.equal(parseTrainArgs([...base, "--untied", "--tied", "false"])?.tied, false);
  assert.throws(
    () => parseTrainArgs([...base, "--untied", "--tied", "true"]),
    /--untied contradicts/,
  );
  assert.equal("feedback" in parseTrainArgs(base)!, false);
  for (
    const [flag, value, message] of [
      ["feedback", "bogus", /Invalid --feedback "bogus": expected one of replicate, switches/],
      ["tied", "maybe", /Invalid --tied "maybe": expected one of true, false/],
      ["passes", "0", /Invalid --passes "0": expected an integer ≥ 1/],
      ["passes", "1.5", /Invalid --passes "1.5"/],
    ] as const
  ) {
    assert.throws(() => parseTrainArgs([...base, `--${flag}`, value]), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, message);
      return true;
    });
    assert.throws(() => modelFlags({ [flag]: value }), UsageError);
  }
});

Deno.test("deno task train: bad model flags exit 2 with one line; --resume with another --feedback exits 1 naming it; a switches, 3-pass run resumes to the straight run's weights", async () => {
  const base = ["--variant", "CLVM2-seg", "--dataset", "toy-shapes", "--backend", "cpu"];
  for (const bad of [["--feedback", "bogus"], ["--tied", "maybe"], ["--passes", "0"]]) {
    const r = await run([...base, "--out", "unused", ...bad]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`Invalid ${bad[0]} "${bad[1]}"`));
    assert.equal(r.stdout, "");
  }
  const dir = await Deno.makeTempDir({ prefix: "clvm_overrides_cli_" });
  try {
    const args = [
      ...base,
      ...["--input-size", "16", "--epochs", "1", "--batch", "32", "--out", dir],
      ...["--feedback", "switches", "--passes", "3", "--no-progress"],
    ];
    const ok = await run(args);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /Training CLVM2-seg \(feedback switches, passes 3\)/);
    const refused = await run(["--resume", "--out", dir, "--feedback", "replicate"]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /feedback "replicate" \(the checkpoint has "switches"\)/);
    await initBackend("cpu"); // loadCheckpoint builds the model (also when run alone)
    const model = await loadCheckpoint(join(dir, "last.ckpt"));
    assert.equal(model.options.feedback, "switches");
    model.dispose();

    // --resume (with a flag that agrees) goes on with the checkpoint's switches and 3 passes,
    // and lands on the weights and velocities of one uninterrupted 2-epoch run (run alongside).
    const [resumed, straight] = await Promise.all([
      run(["--resume", "--out", dir, "--epochs", "2", "--passes", "3", "--no-progress"]),
      run([
        ...base,
        ...["--input-size", "16", "--epochs", "2", "--batch", "32", "--out", `${dir}-straight`],
        ...["--feedback", "switches", "--passes", "3", "--no-progress"],
      ]),
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /Resuming ".*" at epoch 2 batch 1 \(step \d+\) on cpu/);
    assert.match(resumed.stdout, /Done: 2 epochs/);
    assert.equal(straight.code, 0, straight.stderr);
    const after = await loadCheckpoint(join(dir, "last.ckpt"));
    assert.deepEqual([after.options.feedback, after.options.passes], ["switches", 3]);
    after.dispose();
    const epochs = (await Deno.readTextFile(join(dir, "log.jsonl"))).trim().split("\n")
      .map((l) => JSON.parse(l)).filter((r) => r.event === "epoch").map((r) => r.epoch);
    assert.deepEqual(epochs, [1, 2]);
    const [a, b] = await Promise.all(
      [dir, `${dir}-straight`].map((d) => readCheckpointFile(join(d, "last.ckpt"))),
    );
    assert.deepEqual([...a!.tensors.keys()].sort(), [...b!.tensors.keys()].sort());
    for (const [name, t] of a!.tensors) {
      const u = b!.tensors.get(name)!;
      const differing = t.data.findIndex((v, i) => !Object.is(v, u.data[i]));
      assert.equal(differing, -1, `resumed vs straight: "${name}" differs at ${differing}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${dir}-straight`, { recursive: true }).catch(() => {});
  }
});
