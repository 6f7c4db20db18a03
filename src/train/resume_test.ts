// Fault injection for train()'s run folder: foreign checkpoints, other data, another
// backend, corrupt best.ckpt, two writers, --force and files in place of folders.
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../backend.ts";
import type { ArchitectureSpec } from "../clvm/config.ts";
import { loadCheckpoint, readCheckpointFile, writeCheckpointFile } from "../clvm/checkpoint.ts";
import { openToyDataset } from "./toy_dataset.ts";
import { ResumeError, splitFingerprint, train, type TrainData } from "./trainer.ts";

const MICRO: ArchitectureSpec = {
  inputChannels: 3,
  layers: [4, 4, 4, 4, 6, 6, 6, 6].map((channels, i) => ({ channels, nms: i === 1 || i === 3 })),
};

function toyData(train = 8, val = 4): TrainData {
  return {
    name: "toy-shapes",
    train: openToyDataset("train", train, 16),
    val: openToyDataset("val", val, 16),
    preprocess: { size: 16, crop: "image" },
  };
}

const BASE = {
  variant: "M-CLVM2",
  architecture: MICRO,
  backend: "cpu",
  batchSize: 4,
  seed: 3,
  epochs: 1,
} as const;

async function truncate(path: string): Promise<void> {
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, bytes.length >> 1));
}

Deno.test("train(): every resume checks the folder's run against the command", async (t) => {
  await initBackend("cpu");
  const data = toyData();
  const root = await Deno.makeTempDir({ prefix: "clvm_resume_test_" });
  const run = join(root, "run");
  await train({ ...BASE, dataset: data, out: run });
  const other = join(root, "other");
  await train({ ...BASE, variant: "CLVM1-seg", dataset: data, out: other });
  const bestBytes = await Deno.readFile(join(run, "best.ckpt"));

  await t.step("an explicit setting that differs is refused, naming it", async () => {
    await assert.rejects(
      () => train({ out: run, resume: true, dataset: data, variant: "CLVM1-seg", epochs: 2 }),
      (e: unknown) =>
        e instanceof ResumeError && e.kind === "conflict" &&
        e.fields.some((f) => f.startsWith('variant "CLVM1-seg" (the checkpoint has "M-CLVM2")')),
    );
  });

  await t.step(
    "another variant's last.ckpt in the folder is refused; best.ckpt is kept",
    async () => {
      const mixed = join(root, "mixed");
      await Deno.mkdir(mixed);
      for (const f of ["best.ckpt", "log.jsonl"]) await Deno.copyFile(join(run, f), join(mixed, f));
      await Deno.copyFile(join(other, "last.ckpt"), join(mixed, "last.ckpt"));
      await assert.rejects(
        () => train({ out: mixed, resume: true, dataset: data, epochs: 2 }),
        /was started by another run \(variant "M-CLVM2" \(last\.ckpt has "CLVM1-seg"\)/,
      );
      await Deno.remove(join(mixed, "log.jsonl"));
      await assert.rejects(
        () => train({ out: mixed, resume: true, dataset: data, epochs: 2 }),
        /"[^"]*best\.ckpt" holds another run \(variant "M-CLVM2"/,
      );
      assert.deepEqual(await Deno.readFile(join(mixed, "best.ckpt")), bestBytes);
    },
  );

  await t.step("other split lists (same dataset name) are refused by fingerprint", async () => {
    const fewer = toyData(4, 4);
    await assert.rejects(
      () => train({ out: run, resume: true, dataset: fewer, epochs: 2 }),
      (e: unknown) =>
        e instanceof ResumeError &&
        e.fields.some((f) =>
          f.includes(`train split 4 samples, fingerprint ${splitFingerprint(fewer.train.ids)}`) &&
          f.includes(`(the checkpoint has 8, ${splitFingerprint(data.train.ids)})`)
        ),
    );
  });

  await t.step("without a backend the run continues on its own; another is refused", async () => {
    await assert.rejects(
      () => train({ out: run, resume: true, dataset: data, epochs: 2, backend: "wasm" }),
      /backend wasm \(the checkpoint was trained on cpu\)/,
    );
    const copy = join(root, "copy");
    await Deno.mkdir(copy);
    for (const f of ["best.ckpt", "last.ckpt", "log.jsonl"]) {
      await Deno.copyFile(join(run, f), join(copy, f));
    }
    await initBackend("wasm"); // what `auto` would pick here: the run must not follow it
    const resumed = await train({ out: copy, resume: true, dataset: data, epochs: 2 });
    assert.equal(resumed.backend, "cpu");
    assert.equal(resumed.epochs, 2);
  });

  await t.step("a truncated best.ckpt of the last epoch is rebuilt from last.ckpt", async () => {
    const dir = join(root, "best-lost");
    await train({ ...BASE, dataset: data, out: dir });
    await truncate(join(dir, "best.ckpt"));
    const said: string[] = [];
    const r = await train({ out: dir, resume: true, dataset: data, log: (l) => said.push(l) });
    assert.equal(r.epochs, 1);
    assert.match(
      said.join("\n"),
      /best\.ckpt.*truncated.*rewrote it from ".*last\.ckpt" \(both hold epoch 1\)/,
    );
    (await loadCheckpoint(join(dir, "best.ckpt"))).dispose();
  });

  await t.step(
    "a truncated best.ckpt of an earlier epoch: refused, --force starts over",
    async () => {
      const dir = join(root, "best-old");
      await train({ ...BASE, dataset: data, out: dir, epochs: 2 });
      // Make epoch 1 the best (as when epoch 2 did not improve): a valid, re-signed last.ckpt.
      const last = await readCheckpointFile(join(dir, "last.ckpt"));
      (last.meta.train as { best: { epoch: number } }).best.epoch = 1;
      await writeCheckpointFile(join(dir, "last.ckpt"), last);
      await truncate(join(dir, "best.ckpt"));
      await assert.rejects(
        () => train({ out: dir, resume: true, dataset: data, epochs: 3 }),
        (e: unknown) =>
          e instanceof ResumeError && e.kind === "corrupt" &&
          /Its epoch 1 cannot be rebuilt from ".*last\.ckpt" \(epoch 2\).*--force/.test(e.message),
      );
      const said: string[] = [];
      await train({ ...BASE, dataset: data, out: dir, force: true, log: (l) => said.push(l) });
      const aside = /aside to "([^"]+)"/.exec(said.join("\n"))![1]!;
      assert.ok(aside.startsWith(`${dir}.old-`), aside);
      for (const f of ["last.ckpt", "best.ckpt", "log.jsonl"]) await Deno.stat(join(aside, f));
      await Deno.stat(join(dir, "best.ckpt"));
    },
  );

  await t.step("a truncated last.ckpt: one line naming it and what to do", async () => {
    const dir = join(root, "last-lost");
    await train({ ...BASE, dataset: data, out: dir });
    await truncate(join(dir, "last.ckpt"));
    await assert.rejects(
      () => train({ out: dir, resume: true, dataset: data }),
      (e: unknown) =>
        e instanceof ResumeError && e.kind === "corrupt" && !e.message.includes("\n") &&
        e.message.includes(`"${join(dir, "last.ckpt")}"`) && /--force/.test(e.message),
    );
  });
  await Deno.remove(root, { recursive: true });
});

Deno.test("train(): one writer per folder, and nothing overwritten", async (t) => {
  await initBackend("cpu");
  const data = toyData();
  const root = await Deno.makeTempDir({ prefix: "clvm_resume_test_" });

  await t.step("two runs into one fresh folder: the second is refused", async () => {
    const dir = join(root, "two");
    const variants = ["M-CLVM2", "CLVM1-seg"];
    const settled = await Promise.allSettled(
      variants.map((variant) => train({ ...BASE, variant, dataset: data, out: dir })),
    );
    // Whichever took the lock first trains; the other is refused: naming the holder while
    // it trains, or — when the winner finished first (a fast machine) — its finished run.
    const won = settled.findIndex((r) => r.status === "fulfilled");
    assert.ok(won >= 0, "one of them trains");
    const lost = settled[1 - won]!;
    assert.equal(lost.status, "rejected");
    const winner = variants[won]!;
    const refusal = (lost as PromiseRejectedResult).reason.message as string;
    const held = new RegExp(`^"${dir}" is in use by train ${winner} \\(pid ${Deno.pid} on `);
    const done = new RegExp(`^Cannot start a run in "${dir}": it already holds one .*--resume`);
    assert.ok(held.test(refusal) || done.test(refusal), refusal);
    const log = (await Deno.readTextFile(join(dir, "log.jsonl"))).split("\n")[0]!;
    assert.equal(JSON.parse(log).config.variant, winner);
    const last = await readCheckpointFile(join(dir, "last.ckpt"));
    assert.equal((last.meta.train as { config: { variant: string } }).config.variant, winner);
    await assert.rejects(() => Deno.stat(join(dir, ".clvm-lock")), Deno.errors.NotFound);
  });

  await t.step("--out naming a file: one line", async () => {
    const file = join(root, "file");
    await Deno.writeTextFile(file, "x");
    await assert.rejects(
      () => train({ ...BASE, dataset: data, out: file }),
      (e: Error) => e.message === `Invalid --out "${file}": it is a file; expected a folder`,
    );
    await assert.rejects(
      () => train({ ...BASE, dataset: data, out: join(file, "run") }),
      /a parent of it is a file, not a folder/,
    );
  });

  await t.step("a log without a checkpoint is kept aside, not overwritten", async () => {
    const dir = join(root, "log-only");
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "log.jsonl"), '{"event":"start"}\n');
    await train({ ...BASE, dataset: data, out: dir });
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    const old = names.find((n) => n.startsWith("log.jsonl.old-"));
    assert.ok(old, names.join(", "));
    assert.equal(await Deno.readTextFile(join(dir, old)), '{"event":"start"}\n');
  });
  await Deno.remove(root, { recursive: true });
});
