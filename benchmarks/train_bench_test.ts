import assert from "node:assert/strict";

const run = (args: string[], env: Record<string, string> = {}) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./train_bench.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    env,
  }).output();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("train_bench --help, bad values exit 2 naming the flag", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(text(help.stdout), /--threads N +wasm threads/);
  const steps = await run(["--steps", "0"]);
  assert.equal(steps.code, 2);
  assert.equal(text(steps.stderr), 'Invalid --steps "0": expected an integer ≥ 1\n');
  const size = await run(["--size", "18"]);
  assert.equal(size.code, 2);
  assert.match(text(size.stderr), /^Invalid --size "18": expected a positive multiple of 4\n$/);
  const threads = await run([], { CLVM_THREADS: "two" });
  assert.equal(threads.code, 2);
  assert.match(text(threads.stderr), /^Invalid --threads "two"/);
});

Deno.test("train_bench: one tiny case prints its row and writes its JSON", async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const out = await run([
      ..."--backends cpu --variants CLVM1-seg --batches 8 --steps 2 --size 16".split(" "),
      ...["--json", json],
    ]);
    assert.equal(out.code, 0, text(out.stderr));
    assert.match(
      text(out.stdout),
      /^\| cpu \| tiny \| CLVM1-seg \| 8 \| [\d.]+ \| [\d.]+ \| 1 \| \d+ \|$/m,
    );
    const { results } = JSON.parse(await Deno.readTextFile(json));
    assert.equal(results.length, 1);
    assert.equal(results[0].stepSeconds.length, 2);
    assert.ok(results[0].peakRssMiB > 0);
  } finally {
    await Deno.remove(json);
  }
});
