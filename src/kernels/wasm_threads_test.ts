import assert from "node:assert/strict";
import { assertAllClose } from "../testing.ts";

interface Probe {
  threaded: boolean;
  threads: number;
  conv: number[];
  matMul: number[];
  dx: number[];
  dw: number[];
}

async function probe(threads: number): Promise<Probe> {
  const script = new URL("../../scripts/wasm_threads_probe.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, String(threads)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(
    code,
    0,
    `probe with ${threads} threads failed: ${new TextDecoder().decode(stderr)}`,
  );
  return JSON.parse(text.trim().split("\n").at(-1)!) as Probe;
}

Deno.test({
  name: "useWasmThreads(2) starts the threaded build, whose results equal one thread's to 1e-5",
  sanitizeResources: false,
  async fn() {
    const one = await probe(1);
    const two = await probe(2);
    assert.equal(one.threaded, false);
    assert.equal(one.threads, 1);
    assert.equal(two.threaded, true);
    assert.equal(two.threads, 2);
    for (const key of ["conv", "matMul", "dx", "dw"] as const) {
      assertAllClose(two[key], one[key], 1e-5, 1e-5, key);
    }
  },
});
