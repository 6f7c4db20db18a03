import "../../fixtures/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertAllClose } from "../testing.ts";
import { HELP, parseTrainArgs, UsageError } from "./cli.ts";

const CLI = new URL("./cli.ts", import.meta.url).pathname;
/** What `deno task train` preloads: the synthetic stand-ins' generators. */
const FIXTURES = new URL("../../fixtures/mod.ts", import.meta.url).pathname;

/**
 * How long any one wait on a child process may take: past it the child is killed and the
 * test fails with the child's stderr, instead of hanging the suite.
 */
const DEADLINE_MS = 120_000;

/** `promise`, or, when `ms` pass first, `onLate()` (which kills the child and throws). */
async function within<T>(
  promise: Promise<T>,
  ms: number,
  onLate: () => Promise<never>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = Symbol("late");
  try {
    const got = await Promise.race([
      promise,
      new Promise<typeof late>((r) => timer = setTimeout(() => r(late), ms)),
    ]);
    return got === late ? await onLate() : got as T;
  } finally {
    clearTimeout(timer);
  }
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
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
  }).spawn();
  const output = child.output();
  const out = await within(output, DEADLINE_MS, async () => {
    child.kill("SIGKILL");
    const { stderr } = await output;
    throw new Error(
      `deno task train ${args.join(" ")} did not exit within ${DEADLINE_MS / 1000} s; ` +
        `its stderr:\n${text(stderr)}`,
    );
  });
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("parseTrainArgs() maps flags to train() options", () => {
  assert.deepEqual(
    parseTrainArgs([
      ...["--variant", "CLVM2-kp", "--arch", "paper", "--dataset", "synthetic-aflw"],
      ...["--epochs", "3", "--batch", "4", "--seed", "7", "--out", "r", "--backend", "cpu"],
      ...["--recipe", "paper", "--lr", "0.02", "--input-size", "56", "--checkpoint-every", "5"],
      ...["--split-file", "s.json", "--no-progress", "--lr-schedule", "cosine"],
    ]),
    {
      out: "r",
      resume: false,
      progress: false,
      variant: "CLVM2-kp",
      dataset: "synthetic-aflw",
      architecture: "paper",
      backend: "cpu",
      recipe: "paper",
      epochs: 3,
      batchSize: 4,
      seed: 7,
      splitFile: "s.json",
      inputSize: 56,
      checkpointEvery: 5,
      threads: navigator.hardwareConcurrency,
      learningRate: 0.02,
      learningRateSchedule: "cosine",
    },
  );
  // Resuming without --backend continues on the checkpoint's backend.
  assert.deepEqual(parseTrainArgs(["--out", "r", "--resume"]), {
    out: "r",
    resume: true,
    progress: true,
    threads: navigator.hardwareConcurrency,
  });
  // --threads: the wasm backend's threads, every core unless told.
  assert.equal(parseTrainArgs(["--out", "r", "--resume", "--threads", "1"])?.threads, 1);
  assert.equal(parseTrainArgs(["--help"]), null);
});

Deno.test("parseTrainArgs() rejects unknown flags and values, listing the valid ones", () => {
  const base = ["--variant", "M-CLVM2", "--dataset", "toy-shapes", "--out", "r"];
  const cases: [string[], RegExp][] = [
    [
      [...base, "--lrate", "1"],
      /Unknown option --lrate for deno task train: expected one of --variant, .*--lr, /,
    ],
    [
      ["--variant", "CLVM3", "--dataset", "aflw", "--out", "r"],
      /"CLVM3": expected one of CLVM1-seg, .*M-CLVM2-untied/,
    ],
    [
      ["--variant", "M-CLVM2", "--dataset", "celeba", "--out", "r"],
      /"celeba": expected one of aflw, .*toy-shapes/,
    ],
    [[...base, "--arch", "huge"], /--arch "huge": expected one of tiny, paper/],
    [[...base, "--backend", "cuda"], /--backend "cuda": expected one of webgpu, wasm, cpu, auto/],
    [[...base, "--recipe", "fast"], /--recipe "fast": expected one of paper, quick/],
    [[...base, "--epochs", "1.5"], /--epochs "1.5": expected an integer ≥ 1/],
    [[...base, "--threads", "0"], /--threads "0": expected an integer ≥ 1/],
    [[...base, "--lr=-1"], /--lr "-1": expected a number > 0/],
    [[...base, "--lr-schedule", "step"], /--lr-schedule "step": expected one of constant, cosine/],
    [["--variant", "M-CLVM2", "--dataset", "aflw"], /Missing --out/],
    [["--dataset", "aflw", "--out", "r"], /Missing --variant/],
    [[...base, "extra"], /Unexpected argument "extra"/],
  ];
  for (const [args, pattern] of cases) {
    assert.throws(
      () => parseTrainArgs(args),
      (e: Error) => e instanceof UsageError && pattern.test(e.message),
      args.join(" "),
    );
  }
});

Deno.test("deno task train: --help, usage errors exit 2, and a short run writes its files", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.stdout.trim(), HELP.trim());
  const bad = await run([
    "--out",
    "x",
    "--variant",
    "M-CLVM2",
    "--dataset",
    "toy-shapes",
    "--bogus",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option --bogus/);
  const dir = await Deno.makeTempDir({ prefix: "clvm_train_cli_" });
  try {
    const args = [
      ...["--variant", "CLVM1-seg", "--dataset", "toy-shapes", "--input-size", "16"],
      ...["--epochs", "1", "--batch", "32", "--backend", "cpu", "--out", dir],
    ];
    const ok = await run(args);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Done: 1 epochs, 3 steps on cpu/);
    assert.match(ok.stderr, /epoch 1\/1: train loss [\d.]+ \| val loss [\d.]+, pixel acc/);
    for (const f of ["last.ckpt", "best.ckpt", "log.jsonl"]) await Deno.stat(join(dir, f));
    const again = await run(args);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds one.*--resume/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task train: SIGINT frees the folder; --resume continues on the run's backend", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clvm_train_cli_" });
  const args = [
    ...["--variant", "CLVM1-seg", "--dataset", "toy-shapes", "--input-size", "16"],
    ...["--batch", "32", "--out", dir, "--no-progress"],
  ];
  let child: Deno.ChildProcess | null = null;
  try {
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, ...args, "--epochs", "500", "--backend", "cpu"],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const long = child;
    const stderr = new Response(long.stderr).text();
    const ended: { status: Deno.CommandStatus | null } = { status: null };
    long.status.then((s) => ended.status = s);
    /** Fails the test: the long run is killed (if alive) and its stderr shown. */
    const fail = async (what: string): Promise<never> => {
      if (!ended.status) long.kill("SIGKILL");
      await long.status;
      throw new Error(`${what}; the training child's stderr:\n${await stderr}`);
    };
    const deadline = Date.now() + DEADLINE_MS;
    while (!(await Deno.stat(join(dir, "last.ckpt")).then(() => true, () => false))) {
      const { status } = ended;
      if (status) await fail(`The training child exited (code ${status.code}) before last.ckpt`);
      if (Date.now() > deadline) await fail(`No last.ckpt within ${DEADLINE_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const second = await run([...args, "--resume", "--epochs", "2"]);
    assert.equal(second.code, 1, second.stderr + second.stdout);
    assert.match(second.stderr.trim(), /^"[^"]+" is in use by train CLVM1-seg \(pid \d+ on .*\)$/);
    long.kill("SIGINT");
    const stopped = await within(
      long.status,
      DEADLINE_MS,
      () => fail(`No exit within ${DEADLINE_MS / 1000} s of SIGINT`),
    );
    assert.equal(stopped.code, 130, await stderr);
    assert.match(await stderr, /Interrupted \(SIGINT\): --resume --out .* continues/);
    await assert.rejects(() => Deno.stat(join(dir, ".clvm-lock")), Deno.errors.NotFound);
    // No --backend: the cpu run goes on on cpu (not on auto's pick); another is refused.
    const wasm = await run(["--out", dir, "--resume", "--backend", "wasm", "--epochs", "600"]);
    assert.equal(wasm.code, 1);
    assert.match(wasm.stderr, /backend wasm \(the checkpoint was trained on cpu\)/);
    const resumed = await run(["--out", dir, "--resume", "--epochs", "1", "--no-progress"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /Resuming ".*" at epoch \d+ .* on cpu/);
    const fresh = await run([...args, "--epochs", "1", "--backend", "cpu", "--force"]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stderr, /Moved the earlier run in ".*" aside to ".*\.old-/);
    const file = join(dir, "log.jsonl");
    const bad = await run([...args, "--out", file]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trim(), `Invalid --out "${file}": it is a file; expected a folder`);
  } finally {
    // A failed assertion above must not leave the 500-epoch run behind.
    if (child) {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
      await child.status;
    }
    for await (const e of Deno.readDir(join(dir, ".."))) {
      if (e.name.startsWith(`${dir.split("/").pop()}.old-`)) {
        await Deno.remove(join(dir, "..", e.name), { recursive: true });
      }
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "deno task train: --threads 2 on wasm trains as 1 thread does, to 1e-5",
  sanitizeResources: false,
  async fn() {
    const losses: number[][] = [];
    for (const threads of ["1", "2"]) {
      const dir = await Deno.makeTempDir({ prefix: "clvm_train_threads_" });
      try {
        const r = await run([
          ...["--variant", "CLVM1-seg", "--dataset", "toy-shapes", "--input-size", "16"],
          ...["--epochs", "1", "--batch", "32", "--backend", "wasm", "--threads", threads],
          ...["--no-progress", "--out", dir],
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`on wasm \\(${threads} threads?\\)`));
        const log = (await Deno.readTextFile(join(dir, "log.jsonl"))).trim().split("\n")
          .map((l) => JSON.parse(l));
        assert.equal(log[0].threads, Number(threads), "the start record says the threads");
        const epoch = log.find((e) => e.event === "epoch");
        losses.push([epoch.train.loss, epoch.val.loss, epoch.val.pixelAccuracy]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
    assertAllClose(losses[1]!, losses[0]!, 1e-5, 1e-5, "1 vs 2 threads");
  },
});
