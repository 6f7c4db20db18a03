// Helpers shared by the test files: tolerance checks, backend loops and the real-data folder.
import { AssertionError } from "node:assert/strict";
import { resolve } from "node:path";
import { type BackendName, initBackend } from "./backend.ts";
import { tf } from "./deps.ts";

/** Asserts that two arrays have the same length and agree elementwise within `atol + rtol·|b|`. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-4,
  rtol = 1e-4,
  what = "values",
): void {
  if (actual.length !== expected.length) {
    throw new AssertionError({
      message: `${what}: length ${actual.length} differs from expected ${expected.length}`,
    });
  }
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    const err = Math.abs(a - b);
    if (!(err <= atol + rtol * Math.abs(b)) && (err > worstErr || Number.isNaN(err))) {
      worst = i;
      worstErr = Number.isNaN(err) ? Infinity : err;
    }
  }
  if (worst >= 0) {
    throw new AssertionError({
      message: `${what}: element ${worst} is ${actual[worst]}, expected ${
        expected[worst]
      } (|diff| ${worstErr} > ${atol} + ${rtol}·|expected|)`,
    });
  }
}

/** The backends every numeric test runs on: cpu always, webgpu whenever an adapter exists. */
export async function testBackends(): Promise<BackendName[]> {
  const names: BackendName[] = ["cpu"];
  if (typeof navigator !== "undefined" && navigator.gpu) {
    const adapter = await navigator.gpu.requestAdapter();
    if (adapter) names.push("webgpu");
  }
  return names;
}

/** Runs `fn` once per test backend as a `t.step` named after it. */
export async function forEachBackend(
  t: Deno.TestContext,
  fn: (backend: BackendName) => Promise<void> | void,
  backends?: BackendName[],
): Promise<void> {
  for (const name of backends ?? await testBackends()) {
    await t.step(name, async () => {
      const report = await initBackend(name);
      if (report.name !== name) throw new Error(`Backend ${name} could not be initialized`);
      await fn(name);
    });
  }
}

/** Reads a tensor's values (async: webgpu in Deno cannot read synchronously). */
export async function values(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data() as ArrayLike<number>);
}

/**
 * The real-data folder of the tests — `$CLVM_DATA`, else `./data` in the checkout — with a
 * trailing `/`, or null (with the reason) when there is none. Tests that need a real file
 * (docs/DATASETS.md lists which) skip with that reason.
 */
export function sharedData(): { dir: string | null; why: string } {
  const env = Deno.env.get("CLVM_DATA");
  const dir = env ? resolve(env) : decodeURIComponent(new URL("../data", import.meta.url).pathname);
  try {
    if (Deno.statSync(dir).isDirectory) return { dir: `${dir.replace(/\/+$/, "")}/`, why: "" };
  } catch { /* absent */ }
  return {
    dir: null,
    why: `skipped: no real data (${
      env ? `CLVM_DATA=${env} is not a directory` : `set CLVM_DATA or fill ${dir}`
    }; see docs/DATASETS.md)`,
  };
}
