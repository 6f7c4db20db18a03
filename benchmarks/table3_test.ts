import assert from "node:assert/strict";
import { onnxPeerAvailable } from "./onnx_peer.ts";

// The ONNX peer is timed where onnxruntime-node is already cached; the default install
// never fetches it (tools/onnx_peer/), so elsewhere the table runs without it.
const onnx = (await onnxPeerAvailable()).ok;

Deno.test("deno task table3 writes the table and the JSON the issue asks for (cpu, 8×8)", async () => {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-run",
        "--allow-sys",
        "--allow-ffi",
        new URL("./table3.ts", import.meta.url).pathname,
        "--backend=cpu",
        "--size=8",
        "--runs=1",
        "--models=CLVM1-seg,CLVM2-seg",
        `--json=${json}`,
        ...(onnx ? [] : ["--onnx-runs=0"]),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.match(stdout, /\| CLVM2 \| segmentation \| 31\.0 \|/);
    assert.match(stdout, /CLVM₂ \/ CLVM₁ \(segmentation\) \| 2\.00 \|/);
    const result = JSON.parse(await Deno.readTextFile(json));
    assert.equal(result.environment.backend, "cpu");
    assert.ok(result.environment.tfjs && result.environment.date && result.environment.cpu);
    assert.deepEqual(Object.keys(result.ratios).sort(), [
      "clvm2KpOverClvm2Seg",
      "clvm2OverClvm1Seg",
      "mclvm1OverClvm1",
      "mclvm2OverClvm2",
    ]);
    // Two models × (generic, fused, and onnx where the peer is here).
    assert.equal(result.rows.length, onnx ? 6 : 4);
    for (const row of result.rows) {
      for (const key of ["variant", "task", "backend", "medianMs", "minMs", "runs"]) {
        assert.ok(key in row, key);
      }
      assert.ok(row.medianMs > 0 && row.minMs <= row.medianMs);
    }
    assert.ok(result.fusedSpeedup["CLVM2-seg"] > 0);
    // The three paths compute the same outputs.
    for (
      const check of Object.values(result.outputChecks) as {
        fusedVsGeneric: number;
        onnxVsTfjs: number;
      }[]
    ) {
      assert.ok(check.fusedVsGeneric < 1e-4, JSON.stringify(check));
      if (onnx) assert.ok(check.onnxVsTfjs < 1e-3, JSON.stringify(check));
    }
  } finally {
    await Deno.remove(json);
  }
});

Deno.test("deno task table3 --help and a bad option", async () => {
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./table3.ts", import.meta.url).pathname, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const help = await run(["--help"]);
  assert.ok(help.success);
  assert.match(new TextDecoder().decode(help.stdout), /--kernels PATH/);
  const bad = await run(["--kernels", "fast"]);
  assert.equal(bad.code, 2);
  assert.match(
    new TextDecoder().decode(bad.stderr),
    /^Invalid --kernels "fast": expected one of generic, fused, both\n$/,
  );
  const short = await run(["-h"]);
  assert.equal(short.code, 0);
  const unknown = await run(["--bogus"]);
  assert.equal(unknown.code, 2);
  assert.match(
    new TextDecoder().decode(unknown.stderr),
    /^Unknown option --bogus for deno task table3: expected one of --backend, [^\n]*\n$/,
  );
});
