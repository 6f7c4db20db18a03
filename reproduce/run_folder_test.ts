// Fault injection for reproduce's run folders: nothing deleted, one writer, --force,
// bad --out and --seeds, and trainers that never outlive their parent.
import assert from "node:assert/strict";
import { join } from "node:path";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
// The permissions of `deno task reproduce` (no --allow-all: /proc is out of reach).
const PERMISSIONS = ["--allow-read", "--allow-write", "--allow-env", "--allow-run"]
  .concat(["--allow-sys", "--allow-ffi"]);
const LINUX = Deno.build.os === "linux";

/** `reproduce aflw` with one tiny model on the synthetic stand-in, plus `extra`. */
function command(_data: string, out: string, extra: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", ...PERMISSIONS, MAIN, "aflw", "--variants", "CLVM1-kp", "--profile", "smoke"],
      ...["--backend", "cpu", "--synthetic", "--out", out, ...extra],
    ],
    stdout: "piped",
    stderr: "piped",
  });
}

async function reproduce(data: string, out: string, extra: string[] = []) {
  const r = await command(data, out, extra).output();
  return { code: r.code, log: new TextDecoder().decode(r.stderr) };
}

/** Pids of the trainer processes working under `out` (from `ps`: /proc needs --allow-all). */
function trainers(out: string): number[] {
  const ps = new Deno.Command("ps", { args: ["-eo", "pid=,args="], stdout: "piped" }).outputSync();
  return new TextDecoder().decode(ps.stdout).split("\n")
    .filter((line) => line.includes("train_job.ts") && line.includes(out))
    .map((line) => Number(line.trim().split(/\s+/, 1)[0]));
}

async function until(what: string, test: () => boolean, seconds = 60): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One line, no stack trace. */
function oneLine(log: string): string {
  const lines = log.trim().split("\n");
  assert.equal(lines.length, 1, log);
  assert.doesNotMatch(log, /^\s+at /m);
  return lines[0]!;
}

Deno.test({
  name: "reproduce: run folders are never overwritten, and have one writer",
  ignore: !LINUX,
  fn: async (t) => {
    const data = await Deno.makeTempDir(); // no real data: the synthetic stand-in
    const root = await Deno.makeTempDir({ prefix: "clvm_run_folder_test_" });
    const out = join(root, "run");
    const first = await reproduce(data, out);
    assert.equal(first.code, 0, first.log.slice(-2000));
    const model = join(out, "runs", "aflw", "CLVM1-kp-seed1");
    const best = await Deno.readFile(join(model, "best.ckpt"));

    await t.step("a second run into the folder is refused; nothing is deleted", async () => {
      const again = await reproduce(data, out);
      assert.equal(again.code, 2);
      assert.match(oneLine(again.log), /holds an earlier run; pass --resume .* --force/);
      assert.deepEqual(await Deno.readFile(join(model, "best.ckpt")), best);
      await Deno.stat(join(out, "report.md"));
    });

    await t.step("bad --out and --seeds: one line each", async () => {
      const file = join(out, "report.md");
      const a = await reproduce(data, file);
      assert.notEqual(a.code, 0);
      assert.equal(oneLine(a.log), `Invalid --out "${file}": it is a file; expected a folder`);
      const b = await reproduce(data, join(file, "x"));
      assert.match(oneLine(b.log), /a parent of it is a file/);
      const c = await reproduce(data, join(root, "seeds"), ["--seeds", "1,1"]);
      assert.equal(c.code, 2);
      assert.match(oneLine(c.log), /Seed 1 is given twice in --seeds 1,1/);
      const d = await reproduce(data, out, ["--resume", "--force"]);
      assert.equal(d.code, 2);
      assert.match(oneLine(d.log), /--force and --resume contradict/);
    });

    await t.step(
      "a second writer is refused; SIGINT to the parent stops its trainers",
      async () => {
        const child = command(data, out, ["--resume", "--epochs", "50"]).spawn();
        await until("a trainer", () => trainers(out).length > 0);
        const lock = JSON.parse(await Deno.readTextFile(join(out, ".clvm-lock")));
        assert.equal(lock.pid, child.pid);
        const second = await reproduce(data, out, ["--resume"]);
        assert.equal(second.code, 1);
        assert.equal(
          oneLine(second.log),
          `"${out}" is in use by reproduce (pid ${child.pid} on ${lock.host}, since ${lock.since})`,
        );
        const pids = trainers(out);
        child.kill("SIGINT");
        const [status, , err] = await Promise.all([
          child.status,
          child.stdout.cancel(),
          new Response(child.stderr).text(),
        ]);
        assert.equal(status.code, 130, err.slice(-1500));
        assert.match(err, /Interrupted \(SIGINT\): stopping 1 trainer/);
        assert.deepEqual(trainers(out), [], `trainers ${pids} outlived their parent`);
        await assert.rejects(() => Deno.stat(join(out, ".clvm-lock")), Deno.errors.NotFound);
      },
    );

    await t.step(
      "a parent killed with SIGKILL: its trainers exit; the lock is taken over",
      async () => {
        const child = command(data, out, ["--resume", "--epochs", "50"]).spawn();
        await until("a trainer", () => trainers(out).length > 0);
        child.kill("SIGKILL");
        await Promise.all([child.status, child.stdout.cancel(), child.stderr.cancel()]);
        await until("the orphaned trainers to exit", () => trainers(out).length === 0, 20);
        const forced = await reproduce(data, out, ["--force"]);
        assert.equal(forced.code, 0, forced.log.slice(-2000));
        assert.match(
          forced.log,
          new RegExp(`Taking over the stale lock of reproduce \\(pid ${child.pid}`),
        );
        const aside = /aside to "([^"]+)"/.exec(forced.log)![1]!;
        assert.ok(aside.startsWith(`${out}.old-`), aside);
        // The earlier run is all there, under its new name.
        await Deno.stat(join(aside, "report.md"));
        // The first model, moved aside by the --epochs 50 retraining, is kept byte for byte.
        const models = join(aside, "runs", "aflw");
        const old = [...Deno.readDirSync(models)].find((e) =>
          e.name.startsWith("CLVM1-kp-seed1.old-")
        );
        assert.ok(old, "the first model's folder");
        assert.deepEqual(await Deno.readFile(join(models, old.name, "best.ckpt")), best);
        await Deno.stat(join(out, "runs", "aflw", "CLVM1-kp-seed1", "best.ckpt"));
      },
    );
    await Deno.remove(root, { recursive: true });
    await Deno.remove(data, { recursive: true });
  },
});
