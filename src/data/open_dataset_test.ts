import { writeSyntheticLfwParts } from "../../fixtures/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  checkDataset,
  DATASET_NAMES,
  openDataset,
  registerSyntheticDataset,
  SYNTHETIC_DATASET_NAMES,
  syntheticRoot,
} from "./open_dataset.ts";

Deno.test("DATASET_NAMES lists the three datasets and their synthetic stand-ins", () => {
  assert.deepEqual([...DATASET_NAMES].sort(), [
    "aflw",
    "lfw-parts",
    "pascal-person",
    "synthetic-aflw",
    "synthetic-lfw-parts",
    "synthetic-pascal-person",
  ]);
});

Deno.test("openDataset() rejects unknown names listing the valid ones, and real names without root", async () => {
  await assert.rejects(
    () => openDataset("lfw", { split: "train" }),
    /Unknown dataset "lfw": expected one of aflw, lfw-parts, pascal-person, synthetic-aflw, synthetic-lfw-parts, synthetic-pascal-person/,
  );
  for (const name of ["aflw", "lfw-parts", "pascal-person"]) {
    await assert.rejects(
      () => openDataset(name, { split: "train" }),
      new RegExp(`Cannot open dataset "${name}": expected a root folder`),
    );
  }
  await assert.rejects(
    () => openDataset("lfw-parts", { root: "/nonexistent/lfw", split: "train" }),
    /Cannot open LFW-Parts at "\/nonexistent\/lfw": directory not found/,
  );
});

Deno.test("openDataset() generates each synthetic dataset once and reads it with the real loader", async (t) => {
  const tmp = await Deno.makeTempDir();
  try {
    for (const name of SYNTHETIC_DATASET_NAMES) {
      await t.step(name, async () => {
        const root = join(tmp, name);
        const train = await openDataset(name, { root, split: "train" });
        assert.equal(train.name, name);
        assert.ok(train.ids.length > 0);
        const s = await train.get(0);
        assert.equal(s.id, train.ids[0]);
        assert.equal(s.image.data.length, s.image.width * s.image.height * 3);
        if (name === "synthetic-lfw-parts") {
          assert.deepEqual(train.classes, ["hair", "skin", "background"]);
          assert.equal(s.segmentation!.length, 250 * 250);
        }
        if (name === "synthetic-pascal-person") {
          assert.deepEqual(train.classes, ["background", "person"]);
          assert.ok(train.keypointNames!.length > 0);
          assert.equal(s.segmentation!.length, s.image.width * s.image.height);
        }
        if (name === "synthetic-aflw") {
          assert.equal(train.keypointNames!.length, 21);
          assert.equal(s.keypoints!.length, 21);
        }
        // A second open reuses the folder: a file we add survives, ids are the same.
        await Deno.writeTextFile(join(root, "sentinel"), "x");
        const again = await openDataset(name, { root, split: "train" });
        assert.deepEqual(again.ids, train.ids);
        assert.equal(await Deno.readTextFile(join(root, "sentinel")), "x");
        // Asking the same folder for another seed is an error, not a silent mix.
        await assert.rejects(
          () => openDataset(name, { root, split: "train", seed: 2 }),
          new RegExp(`it holds ${name} with seed 1`),
        );
        const report = await checkDataset(name, { root });
        assert.equal(report.dataset, name);
        assert.deepEqual(report.problems, []);
        assert.equal(report.splits.train, train.ids.length);
      });
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("syntheticRoot() writes under .cache/synthetic by default, never reads a half-written folder", async () => {
  const tmp = await Deno.makeTempDir();
  const cwd = Deno.cwd();
  try {
    Deno.chdir(tmp);
    // A leftover temporary folder from an interrupted run is ignored.
    const cacheDir = join(tmp, ".cache", "synthetic");
    await Deno.mkdir(join(cacheDir, "synthetic-aflw-v2-seed4.tmp-1-abcd"), { recursive: true });
    const [a, b] = await Promise.all([
      syntheticRoot("synthetic-aflw", { seed: 4 }),
      syntheticRoot("synthetic-aflw", { seed: 4 }), // a racing second process
    ]);
    assert.equal(a, join(tmp, ".cache/synthetic/synthetic-aflw-v2-seed4"));
    assert.equal(b, a);
    const ds = await openDataset("synthetic-aflw", { split: "test", seed: 4 });
    assert.ok(ds.ids.length > 0);
    const leftovers = [];
    for await (const e of Deno.readDir(cacheDir)) leftovers.push(e.name);
    assert.deepEqual(leftovers.sort(), [
      "synthetic-aflw-v2-seed4",
      "synthetic-aflw-v2-seed4.tmp-1-abcd",
    ]);
    // An existing folder that is not a synthetic dataset is not overwritten.
    await Deno.mkdir(join(tmp, "mine"));
    await Deno.writeTextFile(join(tmp, "mine", "keep.txt"), "mine");
    await assert.rejects(
      () => syntheticRoot("synthetic-lfw-parts", { root: join(tmp, "mine") }),
      /the folder exists and is not a synthetic dataset/,
    );
    assert.equal(await Deno.readTextFile(join(tmp, "mine", "keep.txt")), "mine");
    await assert.rejects(() => syntheticRoot("lfw-parts"), /it is not a synthetic one/);
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("the library alone registers no stand-in and names fixtures/mod.ts when one is asked for", async () => {
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const code = `
    const { openDataset, SYNTHETIC_DATASET_NAMES } = await import(${JSON.stringify(mod)});
    const error = await openDataset("synthetic-lfw-parts", { split: "train" }).catch((e) => e);
    console.log(JSON.stringify({ names: SYNTHETIC_DATASET_NAMES, message: error.message }));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const { names, message } = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(names, []);
  assert.match(
    message,
    /^Unknown dataset "synthetic-lfw-parts": expected one of aflw, lfw-parts, pascal-person \(synthetic stand-ins are registered by importing fixtures\/mod\.ts\)$/,
  );
});

Deno.test("registerSyntheticDataset() adds a stand-in read by its format's loader, and refuses unknown formats", async () => {
  assert.throws(
    () => registerSyntheticDataset("synthetic-nope", () => Promise.resolve()),
    /Cannot register synthetic dataset "synthetic-nope": its format "nope" is not a real dataset \(expected one of aflw, lfw-parts, pascal-person\)/,
  );
  assert.throws(
    () => registerSyntheticDataset("aflw", () => Promise.resolve(), { format: "aflw" }),
    /a real dataset has that name/,
  );
  const tmp = await Deno.makeTempDir();
  try {
    let calls = 0;
    registerSyntheticDataset("synthetic-mini-lfw", (dir, seed) => {
      calls++;
      return writeSyntheticLfwParts(dir, { seed, counts: { train: 3, val: 1, test: 2 } });
    }, { format: "lfw-parts" });
    assert.ok(DATASET_NAMES.includes("synthetic-mini-lfw"));
    assert.ok(SYNTHETIC_DATASET_NAMES.includes("synthetic-mini-lfw"));
    const root = join(tmp, "mini");
    const test = await openDataset("synthetic-mini-lfw", { root, split: "test", seed: 3 });
    assert.equal(test.name, "synthetic-mini-lfw");
    assert.equal(test.ids.length, 2);
    assert.equal((await test.get(0)).image.width, 250);
    await openDataset("synthetic-mini-lfw", { root, split: "train", seed: 3 });
    assert.equal(calls, 1, "generated once, then read from its folder");
    assert.deepEqual((await checkDataset("synthetic-mini-lfw", { root, seed: 3 })).problems, []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
