import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { CONV_SAME, FUSED_UPDATE, SUM_POOL } from "./_names.ts";
import { registerFusedKernels } from "./register.ts";

Deno.test("registerFusedKernels() registers each kernel once per backend, idempotently", () => {
  registerFusedKernels();
  const funcs = new Map<string, tf.KernelFunc>();
  for (const backend of ["webgpu", "cpu", "wasm"]) {
    for (const name of [FUSED_UPDATE, SUM_POOL]) {
      const kernel = tf.getKernel(name, backend);
      assert.ok(kernel, `${name} on ${backend}`);
      funcs.set(`${name}/${backend}`, kernel.kernelFunc);
    }
  }
  assert.ok(tf.getKernel(CONV_SAME, "webgpu"));
  assert.ok(tf.getKernel(CONV_SAME, "cpu"));
  // wasm keeps its own (XNNPACK) convolutions.
  assert.equal(tf.getKernel(CONV_SAME, "wasm"), undefined);
  registerFusedKernels();
  for (const [key, func] of funcs) {
    const [name, backend] = key.split("/") as [string, string];
    assert.equal(tf.getKernel(name, backend)?.kernelFunc, func, key);
  }
  assert.equal(
    tf.getKernelsForBackend("cpu").filter((k) => k.kernelName === FUSED_UPDATE).length,
    1,
  );
});
