import assert from "node:assert/strict";
import { backendReport, initBackend } from "./backend.ts";
import { tf } from "./deps.ts";

Deno.test("initBackend() activates each named backend and reports the adapter", async () => {
  for (const name of ["cpu", "wasm"] as const) {
    const report = await initBackend(name);
    assert.equal(report.name, name);
    assert.equal(tf.getBackend(), name);
    assert.deepEqual(Array.from(await tf.add(tf.ones([2]), tf.ones([2])).data()), [2, 2]);
    assert.equal(report.threads, 1, "one thread unless asked for more");
  }
  // Threads asked for once wasm has started are not applied, and the log says so.
  const said: string[] = [];
  const late = await initBackend("wasm", (m) => said.push(m), { threads: 2 });
  assert.equal(late.threads, 1);
  assert.match(
    said.join("\n"),
    /without the 2 threads asked for: the wasm backend already started/,
  );
  const gpu = await initBackend("webgpu");
  if (gpu.adapter) {
    assert.equal(gpu.name, "webgpu");
    assert.ok(gpu.adapter.description.length > 0, "adapter has a description");
  } else {
    assert.equal(gpu.name, "cpu", "no adapter falls back to cpu");
  }
  assert.equal(backendReport(), gpu);
});

Deno.test("initBackend('auto') takes webgpu only on a hardware adapter", async () => {
  const report = await initBackend("auto");
  if (report.adapter && !report.adapter.isSoftware) assert.equal(report.name, "webgpu");
  else assert.equal(report.name, "wasm");
  assert.match(report.reason, /\w/);
});

Deno.test("initBackend() rejects an unknown backend naming the valid ones", async () => {
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => initBackend("tpu" as any),
    /Unknown backend "tpu": expected one of webgpu, wasm, cpu, auto/,
  );
  await assert.rejects(
    () => initBackend("cpu", undefined, { threads: 0 }),
    /Invalid wasm thread count 0: expected an integer ≥ 1/,
  );
});
