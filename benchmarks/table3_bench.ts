/**
 * Timing regressions of the CLVM's inference (the paper's Table 3, `paper` architecture,
 * batch 1):
 *
 * - `table3 segmentation 180×180` and `table3 keypoints 180×180`: CLVM₁ (baseline), CLVM₂,
 *   M-CLVM₁, M-CLVM₂ for each task's head;
 * - `size, CLVM2-seg`: 112, 180, 256, 360 pixels square (cost should grow with the pixels);
 * - `passes, heads z1+z8, 180×180`: k = 1..6 passes, with heads on z1 and z8 so that no pass
 *   is cut short (cost should grow linearly in k).
 *
 * Environment: `CLVM_BACKEND` = auto (default) | webgpu | wasm | cpu; `CLVM_KERNELS` =
 * generic (default: the model's own `predict`) | fused (the kernels of src/kernels/ through
 * `fusedPredict` of src/clvm/fused_predict.ts, called by `predictOnce` in `_table3_cases.ts`). Each case warms up outside the timed region (pipeline
 * compilation) and awaits every output inside it; `WEBGPU_CPU_FORWARD` is off.
 *
 * Run: `deno task bench` (all of benchmarks/) or
 * `deno bench -A benchmarks/table3_bench.ts [--filter table3]`. On this 2-core CPU the
 * default (wasm) run takes one to three minutes (the size and passes groups time one run
 * after the warm-up, the Table 3 groups three); webgpu on llvmpipe takes far longer with
 * `CLVM_KERNELS=generic`.
 *
 * @module
 */
import { type BackendChoice, type CLVM, initBackend } from "../mod.ts";
import { tf } from "../src/deps.ts";
import { type Kernels, predictOnce, TABLE3, table3Model } from "./_table3_cases.ts";

const requested = (Deno.env.get("CLVM_BACKEND") ?? "auto") as BackendChoice;
const kernels = (Deno.env.get("CLVM_KERNELS") ?? "generic") as Kernels;
if (kernels !== "generic" && kernels !== "fused") {
  throw new Error(`Unknown CLVM_KERNELS "${kernels}": expected generic or fused`);
}
const report = await initBackend(requested);
tf.env().set("WEBGPU_CPU_FORWARD", false);
const tag = `${report.name}, ${kernels}`;

const models = new Map<string, CLVM>();
const inputs = new Map<number, tf.Tensor4D>();

function model(key: string, make: () => CLVM): CLVM {
  let m = models.get(key);
  if (!m) models.set(key, m = make());
  return m;
}

function input(size: number): tf.Tensor4D {
  let x = inputs.get(size);
  if (!x) inputs.set(size, x = tf.randomUniform([1, size, size, 3], 0, 1, "float32", 7));
  return x;
}

function bench(
  group: string,
  name: string,
  baseline: boolean,
  make: () => CLVM,
  size: number,
  n: number,
): void {
  Deno.bench({
    group: `${group} (${tag})`,
    name,
    baseline,
    n,
    warmup: 1,
    async fn(b) {
      const clvm = model(`${name}@${group}`, make);
      const x = input(size);
      b.start();
      await predictOnce(clvm, x, kernels);
      b.end();
    },
  });
}

for (const task of ["segmentation", "keypoints"] as const) {
  for (const row of TABLE3.filter((r) => r.task === task || r.task === "both")) {
    bench(
      `table3 ${task} 180×180`,
      row.variant,
      row.variant === "CLVM1",
      () => table3Model(row.model),
      180,
      3,
    );
  }
}

for (const size of [112, 180, 256, 360]) {
  bench(
    "size, CLVM2-seg",
    `${size}×${size}`,
    size === 112,
    () => table3Model("CLVM2-seg"),
    size,
    1,
  );
}

for (let passes = 1; passes <= 6; passes++) {
  bench(
    "passes, heads z1+z8, 180×180",
    `k=${passes}`,
    passes === 1,
    () =>
      table3Model("M-CLVM2", {
        passes,
        heads: { segmentation: { layer: 1 }, keypoints: { layer: 8 } },
      }),
    180,
    1,
  );
}
