import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../backend.ts";
import { openToyDataset, toySample } from "./toy_dataset.ts";
import {
  baselineWarning,
  compareWithBaselines,
  computeBaselines,
  guardAgainstBaselines,
} from "./baseline_guard.ts";
import { type EpochRecord, train, type TrainData, type TrainResult } from "./trainer.ts";

const SIZE = 16;
function toyData(): TrainData {
  return {
    name: "toy-shapes",
    train: openToyDataset("train", 12, SIZE),
    val: openToyDataset("val", 6, SIZE),
    preprocess: { size: SIZE, crop: "image" },
  };
}

/** The baselines worked out from the raw toy samples (no preprocessing at native size). */
function expectedBaselines(): {
  allBackground: number;
  squareFraction: number;
  majority: number;
  meanShape: number;
} {
  const train = Array.from({ length: 12 }, (_, i) => toySample("train", i, SIZE));
  const val = Array.from({ length: 6 }, (_, i) => toySample("val", i, SIZE));
  let bg = 0, square = 0, labelled = 0, hit = 0;
  const pixels = SIZE * SIZE;
  const majority: number[] = [];
  for (let p = 0; p < pixels; p++) {
    const votes = [0, 0, 0];
    for (const s of train) if (s.segmentation![p]! !== 255) votes[s.segmentation![p]!]!++;
    majority.push(votes.indexOf(Math.max(...votes)));
  }
  for (const s of val) {
    s.segmentation!.forEach((v, p) => {
      if (v === 255) return;
      labelled++;
      if (v === 0) bg++;
      if (v === 2) square++;
      if (v === majority[p]) hit++;
    });
  }
  const mean = [0, 1].map((k) => {
    const vis = train.filter((s) => s.keypoints![k]![2]);
    return [0, 1].map((c) => vis.reduce((a, s) => a + s.keypoints![k]![c]!, 0) / vis.length);
  });
  let d = 0, n = 0;
  for (const s of val) {
    s.keypoints!.forEach(([x, y, v], k) => {
      if (!v) return;
      d += Math.hypot(x - mean[k]![0]!, y - mean[k]![1]!);
      n++;
    });
  }
  return {
    allBackground: bg / labelled,
    squareFraction: square / labelled,
    majority: hit / labelled,
    meanShape: d / n / SIZE,
  };
}

Deno.test("computeBaselines() scores the training split's baselines on the validation split", async () => {
  const got = await computeBaselines(toyData(), toyData().preprocess, {
    segmentation: 3,
    keypoints: 2,
  });
  const want = expectedBaselines();
  assert.ok(Math.abs(got.allBackground! - want.allBackground) < 1e-12, "all-background");
  assert.ok(Math.abs(got.majorityLabel! - want.majority) < 1e-12, "majority label");
  assert.ok(Math.abs(got.meanShape! - want.meanShape) < 1e-6, "mean shape");
  assert.deepEqual(await computeBaselines(toyData(), toyData().preprocess, {}), {});
  // The background is found by name (LFW-Parts lists it last).
  const named = toyData();
  named.train = { ...named.train, classes: ["disc", "square", "background"] };
  const relabelled = await computeBaselines(named, named.preprocess, { segmentation: 3 });
  assert.ok(relabelled.allBackground! < want.allBackground, "class 2 (square) is rarer");
  assert.ok(Math.abs(relabelled.allBackground! - want.squareFraction) < 1e-12);
});

Deno.test("compareWithBaselines() fires for a model no better than a baseline, not otherwise", () => {
  const val = { loss: 1, images: 6, seconds: 0 };
  const base = { allBackground: 0.8, majorityLabel: 0.85, meanShape: 0.27 };
  const good = compareWithBaselines({ ...val, pixelAccuracy: 0.9, keypointError: 0.1 }, base);
  assert.deepEqual(good.map((c) => [c.baseline, c.beaten]), [
    ["all-background", true],
    ["majority-label", true],
    ["mean-shape", true],
  ]);
  assert.ok(good.every((c) => baselineWarning("M-CLVM2", "toy", c) === null));
  // Equal is not better; the keypoint error is worse.
  const bad = compareWithBaselines({ ...val, pixelAccuracy: 0.85, keypointError: 0.29 }, base);
  assert.deepEqual(bad.map((c) => c.beaten), [true, false, false]);
  assert.equal(
    baselineWarning("CLVM2-kp", "synthetic-pascal-person", bad[2]!),
    "CLVM2-kp on synthetic-pascal-person did not beat the mean-shape baseline: 0.290 vs 0.270 " +
      "(validation keypoint error over the input side, lower is better)",
  );
  assert.match(
    baselineWarning("CLVM1-seg", "lfw", bad[1]!)!,
    /^CLVM1-seg on lfw did not beat the per-position majority-label baseline: 85\.00% vs 85\.00%/,
  );
  // A NaN metric (nothing labelled) never counts as beating a baseline.
  assert.equal(compareWithBaselines({ ...val, pixelAccuracy: NaN }, base)[0]!.beaten, false);
});

function handMadeResult(dir: string, val: EpochRecord["val"], epochs = 1): TrainResult {
  const record = { event: "epoch", epoch: 1, step: 3, val } as unknown as EpochRecord;
  return {
    out: dir,
    backend: "cpu",
    config: {
      variant: "CLVM2-kp",
      dataset: "toy-shapes",
      epochs,
      heads: { keypoints: 2 },
      preprocess: { size: SIZE, crop: "image" },
    } as unknown as TrainResult["config"],
    epochs: 1,
    step: 3,
    history: [record],
    best: { epoch: 1, validationLoss: 1 },
    checkpoints: { last: "", best: "", log: join(dir, "log.jsonl") },
    stopped: "completed",
  };
}

Deno.test("guardAgainstBaselines() logs and returns the warning on a hand-made run", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "clvm_guard_test_" });
  const meanShape = expectedBaselines().meanShape;
  const readLog = async () =>
    (await Deno.readTextFile(join(dir, "log.jsonl"))).trim().split("\n").map((l) => JSON.parse(l));
  try {
    await t.step("fires: the error is above the mean shape's", async () => {
      const lines: string[] = [];
      const val = { loss: 1, images: 6, seconds: 0, keypointError: meanShape + 0.01 };
      const result = await guardAgainstBaselines(
        handMadeResult(dir, val),
        toyData(),
        (m) => lines.push(m),
      );
      assert.equal(result.warnings?.length, 1);
      assert.match(result.warnings![0]!, /^CLVM2-kp on toy-shapes did not beat the mean-shape/);
      assert.deepEqual(lines, [`Warning: ${result.warnings![0]}`]);
      const last = (await readLog()).at(-1);
      assert.equal(last.event, "baselines");
      assert.deepEqual(last.warnings, result.warnings);
      assert.ok(Math.abs(last.values.meanShape - meanShape) < 1e-6);
    });
    await t.step("does not fire: the error is below it", async () => {
      const val = { loss: 1, images: 6, seconds: 0, keypointError: meanShape / 2 };
      const result = await guardAgainstBaselines(handMadeResult(dir, val), toyData());
      assert.deepEqual(result.warnings, []);
      assert.equal(result.baselines?.[0]?.beaten, true);
      assert.deepEqual((await readLog()).at(-1).warnings, []);
    });
    await t.step("skips a call that did not reach the last epoch", async () => {
      const val = { loss: 1, images: 6, seconds: 0, keypointError: 1 };
      const result = await guardAgainstBaselines(handMadeResult(dir, val, 5), toyData());
      assert.equal(result.warnings, undefined);
      assert.equal((await readLog()).length, 2);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train() ends with the baseline checks in its result and log", async () => {
  await initBackend("cpu");
  const dir = await Deno.makeTempDir({ prefix: "clvm_guard_train_" });
  try {
    const out = join(dir, "run");
    const result = await train({
      variant: "CLVM1-kp",
      architecture: "tiny",
      dataset: toyData(),
      epochs: 1,
      batchSize: 4,
      seed: 1,
      out,
      backend: "cpu",
      recipe: "quick",
    });
    const check = result.baselines?.find((c) => c.baseline === "mean-shape");
    assert.ok(check, "a mean-shape check");
    assert.equal(check.model, result.history[0]!.val.keypointError);
    assert.equal(result.warnings?.length, check.beaten ? 0 : 1);
    const log = (await Deno.readTextFile(join(out, "log.jsonl"))).trim().split("\n");
    assert.equal(JSON.parse(log.at(-1)!).event, "baselines");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
