// A training or validation sample that cannot be read is left out with a warning, and too
// many of them end the run with one error (issue 13 §8).
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../backend.ts";
import type { ArchitectureSpec } from "../clvm/config.ts";
import type { Dataset } from "../data/types.ts";
import { openToyDataset } from "./toy_dataset.ts";
import { train, warnAboutProblems } from "./trainer.ts";

const MICRO: ArchitectureSpec = {
  inputChannels: 3,
  layers: [4, 4, 4, 4, 6, 6, 6, 6].map((channels, i) => ({ channels, nms: i === 1 || i === 3 })),
};

/** `ds` whose samples at `bad` positions fail to load, as a truncated image would. */
function failing(ds: Dataset, bad: number[]): Dataset {
  return {
    ...ds,
    get: (i) =>
      bad.includes(i)
        ? Promise.reject(new Error(`Cannot decode "${ds.ids[i]}.jpg": truncated`))
        : ds.get(i),
  };
}

Deno.test("train() leaves an unreadable sample out, naming it; too many end the run", async () => {
  await initBackend("cpu");
  const root = await Deno.makeTempDir({ prefix: "clvm_unreadable_test_" });
  try {
    const trainSet = openToyDataset("train", 8, 16);
    const valSet = openToyDataset("val", 4, 16);
    const base = {
      variant: "CLVM1-seg",
      architecture: MICRO,
      backend: "cpu",
      batchSize: 4,
      seed: 3,
      epochs: 1,
      progress: false,
    } as const;
    const lines: string[] = [];
    const result = await train({
      ...base,
      out: join(root, "one"),
      dataset: {
        name: "toy-shapes",
        train: failing(trainSet, [2]),
        val: failing(valSet, [1]),
        preprocess: { size: 16, crop: "image" },
      },
      log: (m) => lines.push(m),
    });
    assert.equal(result.epochs, 1);
    assert.equal(result.history[0]!.val.images, 3, "the unreadable validation sample is left out");
    const warned = lines.filter((l) => /left out unreadable/.test(l));
    assert.deepEqual(warned, [
      `Warning: left out unreadable train sample ${trainSet.ids[2]}: Cannot decode "${
        trainSet.ids[2]
      }.jpg": truncated`,
      `Warning: left out unreadable val sample ${valSet.ids[1]}: Cannot decode "${
        valSet.ids[1]
      }.jpg": truncated`,
    ]);
    await assert.rejects(
      () =>
        train({
          ...base,
          out: join(root, "two"),
          dataset: {
            name: "toy-shapes",
            train: failing(trainSet, [0, 5]),
            val: valSet,
            preprocess: { size: 16, crop: "image" },
          },
        }),
      /Cannot train on toy-shapes train: 2 of 8 samples are unreadable \(more than 1\)/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("warnAboutProblems() names what a dataset left out, once, with the count", () => {
  const ds = openToyDataset("train", 4, 16);
  const lines: string[] = [];
  warnAboutProblems(ds, (m) => lines.push(m));
  assert.equal(lines.length, 0, "a clean dataset says nothing");
  const problems = Array.from({ length: 5 }, (_, i) => ({
    file: `/d/aflw.sqlite`,
    message: `face ${i}: landmark 3 at x = 1e9, taken as invisible`,
  }));
  warnAboutProblems({ ...ds, problems }, (m) => lines.push(m));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^Warning: toy-shapes train was opened with 5 problem\(s\)/);
  assert.match(lines[0]!, /face 0: landmark 3 at x = 1e9.*face 2: .*; …$/);
});
