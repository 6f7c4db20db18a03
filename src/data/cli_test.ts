import "../../fixtures/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticLfwParts } from "../../fixtures/lfw_parts.ts";
import { main } from "./cli.ts";
import { lfwPartsPaths } from "./lfw_parts/mod.ts";
import type { CheckReport } from "./types.ts";

/** What `deno task data` preloads: the synthetic stand-ins' generators. */
const FIXTURES = new URL("../../fixtures/mod.ts", import.meta.url).pathname;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

Deno.test("data CLI: help, usage errors and list", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: deno task data <command>/);
  assert.match(help.out, /check <dataset> \[--root DIR\]/);
  assert.equal((await run([])).code, 2);
  const unknown = await run(["check", "lfw"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /Unknown dataset "lfw": expected one of aflw, lfw-parts/);
  assert.equal((await run(["frobnicate"])).code, 2);
  assert.equal((await run(["check", "lfw-parts", "--bogus"])).code, 2);
  const noRoot = await run(["check", "lfw-parts"]);
  assert.equal(noRoot.code, 2);
  assert.match(noRoot.err, /check lfw-parts needs --root DIR/);
  assert.match((await run(["prepare", "aflw"])).err, /only lfw-parts has a prepare step/);
  assert.match(
    (await run(["prepare", "lfw-parts", "--root", "x"])).err,
    /needs --from DIR and --root DIR/,
  );
  assert.match(
    (await run(["check", "synthetic-lfw-parts", "--seed", "x"])).err,
    /^Invalid --seed "x": expected an integer/,
  );
  const checkHelp = await run(["check", "--help"]);
  assert.equal(checkHelp.code, 0);
  assert.match(checkHelp.out, /^Usage: deno task data check <dataset> \[options\]/);
  assert.match(checkHelp.out, /--decode/);
  const downloadHelp = await run(["download", "-h"]);
  assert.match(downloadHelp.out, /--mirror URL/);
  const bogus = await run(["check", "lfw-parts", "--bogus"]);
  assert.equal(bogus.err.trim().split("\n").length, 1);
  assert.match(
    bogus.err,
    /^Unknown option --bogus for deno task data check: expected one of --root/,
  );
  assert.match(
    (await run(["time", "x", "--split", "dev"])).err,
    /expected one of train, val, test/,
  );
  const list = await run(["list"]);
  assert.equal(list.code, 0);
  assert.ok(list.out.split("\n").includes("synthetic-lfw-parts"));
});

Deno.test("data check: JSON report, exit 0 when clean and 1 when there are problems", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const counts = { train: 4, val: 2, test: 2 };
    const { splits } = await writeSyntheticLfwParts(tmp, { seed: 5, counts });
    const clean = await run(["check", "lfw-parts", "--root", tmp]);
    assert.equal(clean.code, 0, clean.err);
    const report: CheckReport = JSON.parse(clean.out);
    assert.equal(report.dataset, "lfw-parts");
    assert.equal(report.root, tmp);
    assert.deepEqual(report.splits, counts);
    assert.deepEqual(Object.keys(report.classFractions!), ["hair", "skin", "background"]);
    const sum = Object.values(report.classFractions!).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
    assert.deepEqual(report.problems, []);

    const mask = lfwPartsPaths(tmp, splits.val[0]!).mask;
    await Deno.writeFile(mask, new TextEncoder().encode("P5 250 250 255\n"));
    const dirty = await run(["check", "lfw-parts", "--root", tmp, "--decode"]);
    assert.equal(dirty.code, 1);
    assert.deepEqual(JSON.parse(dirty.out).problems, [
      { file: mask, message: 'expected P6 header, found "P5"' },
    ]);

    const missing = await run(["check", "lfw-parts", "--root", join(tmp, "nope")]);
    assert.equal(missing.code, 1);
    assert.deepEqual(JSON.parse(missing.out).problems, [
      { file: join(tmp, "nope"), message: "directory not found" },
    ]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("deno task data: the process exit code is the report's verdict", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const cli = new URL("./cli.ts", import.meta.url).pathname;
    const exec = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--preload", FIXTURES, cli, ...args],
        stdout: "piped",
        stderr: "piped",
      })
        .output();
    const bad = await exec(["check", "lfw-parts", "--root", join(tmp, "nope")]);
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(new TextDecoder().decode(bad.stdout)).problems.length, 1);
    const usage = await exec(["check"]);
    assert.equal(usage.code, 2);
    assert.match(new TextDecoder().decode(usage.stderr), /Expected a dataset after "check"/);
    const time = await exec([
      "time",
      "synthetic-lfw-parts",
      "--root",
      join(tmp, "syn"),
      "--limit",
      "3",
    ]);
    assert.equal(time.code, 0, new TextDecoder().decode(time.stderr));
    const timing = JSON.parse(new TextDecoder().decode(time.stdout));
    assert.equal(timing.images, 3);
    assert.ok(timing.imagesPerSecond > 0);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
