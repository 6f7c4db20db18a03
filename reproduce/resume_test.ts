// Fault injection for `reproduce --resume`: a model is reused only when it is what the
// command asks for; a broken one is reported, not fatal, and retrained on --resume.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Results } from "./results.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
// The permissions of `deno task reproduce` (no --allow-all: /proc is out of reach).
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-run"]
  .concat(["--allow-sys", "--allow-ffi"]);

function command(_data: string, out: string, extra: string[], backend = true): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", ...PERMISSIONS, MAIN, "aflw", "--variants", "CLVM1-kp", "--profile", "smoke"],
      ...(backend ? ["--backend", "cpu"] : []),
      ...["--synthetic", "--out", out, "--jobs", "1", ...extra],
    ],
    stdout: "piped",
    stderr: "piped",
  });
}

async function reproduce(data: string, out: string, extra: string[] = [], backend = true) {
  const r = await command(data, out, extra, backend).output();
  return { code: r.code, log: new TextDecoder().decode(r.stderr) };
}

async function results(out: string): Promise<Results> {
  return JSON.parse(await Deno.readTextFile(join(out, "results.json")));
}

Deno.test("reproduce --resume reuses only matching, sound models", async (t) => {
  const data = await Deno.makeTempDir();
  const out = await Deno.makeTempDir({ prefix: "clvm_reproduce_resume_test_" });
  const seed = (n: number) => join(out, "runs", "aflw", `CLVM1-kp-seed${n}`);

  await t.step("a best.ckpt broken after training fails that model, not the protocol", async () => {
    // Two seeds one after the other; seed 1's best.ckpt is truncated while seed 2 trains.
    const child = command(data, out, ["--seeds", "1,2"]).spawn();
    const stderr = new Response(child.stderr).text();
    const done1 = join(seed(1), "done.json");
    let exited = false;
    child.status.then(() => exited = true);
    while (!(await Deno.stat(done1).then(() => true, () => false))) {
      if (exited) {
        assert.fail(`reproduce ended before ${done1} was written:\n${(await stderr).slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const bytes = await Deno.readFile(join(seed(1), "best.ckpt"));
    await Deno.writeFile(join(seed(1), "best.ckpt"), bytes.subarray(0, 100));
    const [status, log] = await Promise.all([child.status, stderr, child.stdout.cancel()]);
    assert.equal(status.code, 1, log.slice(-2000));
    assert.match(log, /Not scored: CLVM1-kp seed 1: .*best\.ckpt.*\(--resume retrains it\)/);
    const aflw = (await results(out)).protocols.aflw!;
    assert.deepEqual(aflw.runs.map((r) => r.seed), [2], "seed 2 is scored");
    assert.match(aflw.error!, /CLVM1-kp seed 1: .*best\.ckpt/);
    assert.match(
      await Deno.readTextFile(join(out, "report.md")),
      /\*\*Failed:\*\* CLVM1-kp seed 1/,
    );
  });

  await t.step("--resume repairs the broken model and reuses the sound one", async () => {
    // Without --backend: the run's own (cpu), so the cpu-trained models match.
    const r = await reproduce(data, out, ["--seeds", "1,2", "--resume"], false);
    assert.equal(r.code, 0, r.log.slice(-2000));
    assert.match(r.log, /Continuing on the run's backend cpu \(give --backend to change it\)/);
    // One epoch: best.ckpt is last.ckpt's epoch, so it is rebuilt from it (else retrained).
    assert.match(r.log, /seed1\/best\.ckpt".*(rewrote it from ".*seed1\/last\.ckpt"|retraining)/);
    assert.match(r.log, /reused: aflw CLVM1-kp seed 2/);
    const aflw = (await results(out)).protocols.aflw!;
    assert.equal(aflw.status, "ok");
    assert.deepEqual(aflw.runs.map((x) => x.seed).sort(), [1, 2]);
  });

  await t.step("--resume --epochs 2 over 1-epoch models retrains them, saying why", async () => {
    const r = await reproduce(data, out, ["--resume", "--epochs", "2"]);
    assert.equal(r.code, 0, r.log.slice(-2000));
    assert.match(
      r.log,
      /retraining synthetic-aflw CLVM1-kp seed 1: its settings differ: epochs 2 \(the trained model has 1\)\. The old files are in ".*CLVM1-kp-seed1\.old-/,
    );
    assert.match(r.log, /trained: aflw CLVM1-kp seed 1/);
    const run = (await results(out)).protocols.aflw!.runs[0]!;
    assert.equal(run.training.epochs, 2);
  });

  await t.step("a truncated done.json: one line naming it, and the model retrained", async () => {
    const path = join(seed(2), "done.json");
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, text.slice(0, 40));
    const r = await reproduce(data, out, ["--resume", "--seeds", "2"]);
    assert.equal(r.code, 0, r.log.slice(-2000));
    assert.match(
      r.log,
      new RegExp(
        `retraining .*: "${
          path.replace(/\//g, "\\/")
        }" is not valid JSON \\(.*\\); truncated or edited\\?`,
      ),
    );
    assert.doesNotMatch(r.log, /SyntaxError/);
  });
  await Deno.remove(out, { recursive: true });
  await Deno.remove(data, { recursive: true });
});
