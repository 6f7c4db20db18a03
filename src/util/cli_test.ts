import assert from "node:assert/strict";
import {
  choiceOption,
  type CliIo,
  formatHelp,
  integerOption,
  numberOption,
  parseCommand,
  runCommand,
  splitSubcommand,
  UsageError,
} from "./cli.ts";

const SPEC = {
  name: "demo",
  usage: "<thing>",
  positionals: true,
  description: "Does a thing.",
  options: {
    count: { type: "string", arg: "N", help: "how many" },
    mode: { type: "string", choices: ["fast", "slow"], help: "how" },
    dry: { type: "boolean", help: "do nothing" },
  },
} as const;

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

Deno.test("parseCommand: values, help, and one-line usage errors naming the valid flags", () => {
  const p = parseCommand(SPEC, ["x", "--count", "3", "--mode", "fast", "--dry", "--verbose"]);
  assert.ok(p.help === null);
  assert.deepEqual(p.values, { count: "3", mode: "fast", dry: true });
  assert.deepEqual(p.positionals, ["x"]);
  assert.equal(p.verbose, true);
  for (const h of ["-h", "--help"]) {
    const help = parseCommand(SPEC, [h]).help;
    assert.ok(help?.startsWith("Usage: demo <thing> [options]\n\nDoes a thing.\n"));
    assert.match(help!, /--count N +how many\n/);
    assert.match(help!, /--mode fast\|slow +how \(fast, slow\)\n/);
    assert.match(help!, /-h, --help +this text\n/);
  }
  const cases: [string[], string][] = [
    [
      ["--bogus"],
      "Unknown option --bogus for demo: expected one of --count, --mode, --dry, --help, --verbose",
    ],
    [["--mode", "medium"], 'Invalid --mode "medium": expected one of fast, slow'],
    [["--count"], "Option --count needs a value"],
    [["--dry=yes"], "Option --dry is a flag and takes no value"],
    [
      ["--count", "--dry"],
      "Option --count needs a value (to pass one starting with -, write --count=VALUE)",
    ],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseCommand(SPEC, args), (e: Error) => {
      assert.ok(e instanceof UsageError, args.join(" "));
      assert.equal(e.message, message);
      return true;
    });
  }
  assert.throws(
    () => parseCommand({ ...SPEC, positionals: false }, ["stray"]),
    /^UsageError: Unexpected argument "stray" for demo/,
  );
});

Deno.test("value helpers: integers, numbers and choices with the valid range in the message", () => {
  assert.equal(integerOption("n", "4", 1), 4);
  assert.throws(
    () => integerOption("n", "1.5", 1),
    /^UsageError: Invalid --n "1.5": expected an integer ≥ 1$/,
  );
  assert.throws(() => integerOption("n", "9", 0, 5), /expected an integer from 0 to 5$/);
  assert.throws(() => integerOption("n", "", 0), UsageError);
  assert.equal(numberOption("lr", "1e-3", 0), 0.001);
  assert.throws(() => numberOption("lr", "NaN", 0), /Invalid --lr "NaN": expected a number > 0/);
  assert.throws(() => numberOption("lr", "Infinity"), /expected a number$/);
  assert.equal(choiceOption("a", "x", ["x", "y"]), "x");
  assert.throws(() => choiceOption("a", "z", ["x", "y"]), /Invalid --a "z": expected one of x, y/);
  assert.deepEqual(splitSubcommand(["--verbose", "check", "d", "--root", "r"]), {
    name: "check",
    before: ["--verbose"],
    rest: ["d", "--root", "r"],
  });
  assert.deepEqual(splitSubcommand(["-h"]), { name: null, before: ["-h"], rest: [] });
  assert.match(
    formatHelp({ name: "x", description: "d", options: {}, epilog: "Exit 0." }),
    /\n\nExit 0\.\n$/,
  );
});

Deno.test("runCommand: usage errors exit 2, failures exit 1 with one line, the stack only with --verbose", async () => {
  const usage = capture();
  assert.equal(
    await runCommand([], () => {
      throw new UsageError("Bad --x");
    }, usage),
    2,
  );
  assert.equal(usage.err, "Bad --x\n");
  const fail = capture();
  const boom = () => Promise.reject(new Error("Cannot read data/a.txt: not found"));
  assert.equal(await runCommand([], boom, fail), 1);
  assert.equal(fail.err, "Cannot read data/a.txt: not found\n");
  const verbose = capture();
  assert.equal(await runCommand(["--verbose"], boom, verbose), 1);
  assert.match(verbose.err, /^Error: Cannot read data\/a.txt: not found\n\s+at /);
  const ok = capture();
  assert.equal(await runCommand([], () => 0, ok), 0);
  assert.equal(ok.err, "");
});

// The commands, run as the tasks run them (permissions of deno.json's tasks).
const ROOT = new URL("../../", import.meta.url);
const COMMANDS: Record<string, { file: string; perms: string[] }> = {
  reproduce: { file: "reproduce/main.ts", perms: ["--allow-run"] },
  train: { file: "src/train/cli.ts", perms: [] },
  data: { file: "src/data/cli.ts", perms: [] },
  table3: { file: "benchmarks/table3.ts", perms: ["--allow-run"] },
  report: { file: "reproduce/report_cli.ts", perms: [] },
  "lint:layers": { file: "scripts/check_layers.ts", perms: ["--allow-run"] },
};

async function command(name: string, args: string[]) {
  const { file, perms } = COMMANDS[name]!;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...["--allow-read", "--allow-write", "--allow-env", "--allow-sys", "--allow-ffi", ...perms],
      new URL(file, ROOT).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("every command: -h exits 0 with its usage; an unknown flag exits 2 with one line", async () => {
  for (const name of Object.keys(COMMANDS)) {
    const help = await command(name, ["-h"]);
    assert.equal(help.code, 0, `${name} -h: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^Usage: deno task ${name}`), name);
    assert.match(help.stdout, /--verbose/, name);
    const bad = await command(name, ["--no-such-flag"]);
    assert.equal(bad.code, 2, name);
    assert.equal(bad.stderr.trimEnd().split("\n").length, 1, `${name}: ${bad.stderr}`);
    assert.match(
      bad.stderr,
      /^Unknown option --no-such-flag for deno task \S+: expected one of --/,
    );
  }
  const sub = await command("data", ["check", "--help"]);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /^Usage: deno task data check <dataset>/);
});

Deno.test("a runtime failure is one line without a stack, and the stack comes with --verbose", async () => {
  const missing = "/nonexistent/clvm-data";
  const args = ["time", "aflw", "--root", missing];
  const plain = await command("data", args);
  assert.equal(plain.code, 1);
  assert.equal(plain.stderr.trimEnd().split("\n").length, 1, plain.stderr);
  assert.ok(plain.stderr.includes(missing), plain.stderr);
  assert.doesNotMatch(plain.stderr, /\n\s+at /);
  const verbose = await command("data", [...args, "--verbose"]);
  assert.equal(verbose.code, 1);
  assert.match(verbose.stderr, /\n\s+at /);
  const train = await command("train", [
    ...["--variant", "CLVM1-seg", "--dataset", "lfw-parts", "--root", missing, "--out"],
    await Deno.makeTempDir(),
  ]);
  assert.equal(train.code, 1);
  assert.doesNotMatch(train.stderr, /\n\s+at /);
  const twice = await command("reproduce", ["--seeds", "1,2,1"]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^Seed 1 is given twice in --seeds 1,2,1/);
  const nothing = await command("reproduce", ["aflw", "--variants", "CLVM1-seg"]);
  assert.equal(nothing.code, 2);
  assert.equal(
    nothing.stderr,
    "No variant of --variants CLVM1-seg is trained on aflw: expected one of CLVM1-kp, CLVM2-kp\n",
  );
});
