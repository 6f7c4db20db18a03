/**
 * Training throughput (images/s): one SGD step — forward in training mode, gradients,
 * update, batch-norm averages — on 112×112 inputs (the AFLW/Pascal input size), for the
 * `tiny` and `paper` architectures, CLVM₁ and CLVM₂ (segmentation head, 3 classes),
 * batch 8 and 32, on each backend here (cpu, wasm, and webgpu when an adapter exists).
 *
 * `deno bench benchmarks/train_bench.ts` registers one group per backend × architecture
 * × variant (baseline: batch 8). Cases slower than ~20 s a step on a 2-core CPU (`paper`,
 * batch 32 off wasm) run only with `CLVM_BENCH_FULL=1`.
 *
 * `deno run -A benchmarks/train_bench.ts [--paper] [--steps N] [--backends cpu,wasm]
 * [--archs tiny,paper] [--variants CLVM1-seg,CLVM2-seg] [--batches 8,32] [--threads N]
 * [--size 112] [--json FILE]`
 * prints the same cases as a Markdown table: s/step and images/s (median of N steps after
 * one warm-up step), the threads the backend computes with, and the peak resident memory
 * of the process during the case (Linux `VmHWM`, reset before each case). `--threads`
 * (default `CLVM_THREADS`, else every core) starts the wasm backend's threaded SIMD build
 * (src/kernels/wasm_threads.ts) for more than one; the column says how many threads the
 * backend reports (cpu is single-threaded). `--json FILE` also writes every case's figures,
 * `--size` shrinks the input for quick runs (benchmarks/gpu/run.sh's offline test).
 *
 * @module
 */
import { getThreadsCount, tf } from "../src/deps.ts";
import { useWasmThreads } from "../src/kernels/mod.ts";
import { type BackendName, initBackend } from "../src/backend.ts";
import { type CLVM, createCLVM } from "../src/clvm/mod.ts";
import {
  type CommandSpec,
  integerOption,
  runSpec,
  UsageError,
  type Values,
} from "../src/util/mod.ts";
import {
  type Batch,
  isDecayed,
  prepareBackendForTraining,
  RECIPES,
  resolveRecipe,
  SGD,
  trainStep,
} from "../src/train/mod.ts";

/** Input side (112, the AFLW/Pascal input size; `--size` for quick runs). */
let size = 112;
const CLASSES = 3;
const VARIANTS = ["CLVM1-seg", "CLVM2-seg"] as const;
const ARCHS = ["tiny", "paper"] as const;
const BATCHES = [8, 32] as const;

interface Case {
  backend: BackendName;
  arch: (typeof ARCHS)[number];
  variant: (typeof VARIANTS)[number];
  batch: number;
}

interface Fixture {
  key: string;
  clvm: CLVM;
  sgd: SGD;
  batch: Batch;
}

let current: Fixture | null = null;

/** Threads of the run (`--threads`): wasm's pool and the native kernels'. */
let benchThreads = 1;

/** Where wasm's convolutions ran (the backend's sentence), printed once under the table. */
let convolutions: string | undefined;

function release(): void {
  if (!current) return;
  current.sgd.dispose();
  current.clvm.dispose();
  tf.dispose([current.batch.x, current.batch.labels!]);
  current = null;
}

/** The model, optimizer and a random batch of a case, built once and kept while used. */
async function fixture(c: Case): Promise<Fixture> {
  const key = JSON.stringify(c);
  if (current?.key === key) return current;
  release();
  const report = await initBackend(c.backend, undefined, { threads: benchThreads });
  if (report.convolutions) convolutions = report.convolutions;
  if (report.name !== c.backend) throw new Error(`Backend ${c.backend} is not available here`);
  prepareBackendForTraining(c.backend);
  const recipe = RECIPES.paper;
  const clvm = createCLVM({
    variant: c.variant,
    architecture: c.arch,
    batchNorm: recipe.batchNorm,
    heads: { segmentation: { channels: CLASSES } },
  });
  const sgd = new SGD(clvm.trainableVariables(), {
    learningRate: recipe.learningRate,
    momentum: recipe.momentum,
    weightDecay: recipe.weightDecay,
    decays: isDecayed,
  });
  const x = tf.randomUniform([c.batch, size, size, 3], -0.5, 0.5, "float32", 1) as tf.Tensor4D;
  const labels = tf.randomUniform([c.batch, size, size], 0, CLASSES, "int32", 2) as tf.Tensor3D;
  current = { key, clvm, sgd, batch: { count: c.batch, x, labels, lossLabels: labels } };
  return current;
}

let sampledPeak = 0;

/** Notes the resident memory now (the peak where Linux's `VmHWM` cannot be read). */
function sampleMemory(): void {
  sampledPeak = Math.max(sampledPeak, Deno.memoryUsage().rss);
}

/**
 * Peak resident memory of this process since the last {@link resetPeakMemory} (MiB): Linux's
 * `VmHWM`, or else the largest resident size sampled after each step.
 */
function peakMemoryMiB(): number {
  sampleMemory();
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s+(\d+) kB/m);
    if (m) return Number(m[1]) / 1024;
  } catch {
    // Not Linux, or /proc/self not permitted (Deno asks for --allow-all there).
  }
  return sampledPeak / 2 ** 20;
}

/** Starts a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM). */
function resetPeakMemory(): void {
  sampledPeak = 0;
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux, or not permitted: VmHWM then covers the whole process.
  }
}

/** Threads the active backend computes with. */
function backendThreads(backend: BackendName): string {
  if (backend === "webgpu") return "gpu";
  if (backend === "cpu") return "1";
  try {
    return String(getThreadsCount());
  } catch {
    return "?";
  }
}

const recipeFor = (batch: number) => resolveRecipe("paper", { batchSize: batch });

async function availableBackends(): Promise<BackendName[]> {
  const names: BackendName[] = ["cpu", "wasm"];
  if (typeof navigator !== "undefined" && navigator.gpu && await navigator.gpu.requestAdapter()) {
    names.push("webgpu");
  }
  return names;
}

/** Cases of more than ~20 s a step here (2-core CPU): run only with CLVM_BENCH_FULL=1. */
function slow(c: Case): boolean {
  return c.arch === "paper" || (c.batch === 32 && c.backend !== "wasm");
}

function cases(backends: BackendName[], paper: boolean): Case[] {
  const out: Case[] = [];
  for (const backend of backends) {
    for (const arch of ARCHS) {
      if (arch === "paper" && !paper) continue;
      for (const variant of VARIANTS) {
        for (const batch of BATCHES) out.push({ backend, arch, variant, batch });
      }
    }
  }
  return out;
}

if (!import.meta.main) {
  const full = Deno.env.get("CLVM_BENCH_FULL") === "1";
  for (const c of cases(await availableBackends(), true)) {
    Deno.bench({
      name: `${c.backend} ${c.arch} ${c.variant} batch ${c.batch}`,
      group: `train ${c.backend} ${c.arch} ${c.variant}`,
      baseline: c.batch === 8,
      ignore: !full && slow(c),
      n: c.arch === "paper" || c.batch === 32 ? 1 : 3,
      warmup: 1,
      async fn(b) {
        const f = await fixture(c);
        const recipe = recipeFor(c.batch);
        b.start();
        await trainStep(f.clvm, f.sgd, f.batch, recipe);
        b.end();
      },
    });
  }
}

const SPEC = {
  name: "deno run -A benchmarks/train_bench.ts",
  description: "Times one SGD step (forward in training mode, gradients, update, batch-norm\n" +
    "averages) at 112×112 per backend × architecture × variant × batch and prints a Markdown\n" +
    "table: s/step and images/s (median of --steps steps after one warm-up), the backend's\n" +
    "threads, and the process's peak resident memory during the case.",
  options: {
    paper: { type: "boolean", help: "include the paper architecture (as --archs paper does)" },
    steps: { type: "string", arg: "N", help: "timed steps per case (default 3)" },
    backends: { type: "string", arg: "LIST", help: "cpu,wasm,webgpu (default: all here)" },
    archs: { type: "string", arg: "LIST", help: "tiny,paper (default tiny)" },
    variants: { type: "string", arg: "LIST", help: "CLVM1-seg,CLVM2-seg (default both)" },
    batches: { type: "string", arg: "LIST", help: "8,32 (default both)" },
    threads: {
      type: "string",
      arg: "N",
      help: "wasm threads (default CLVM_THREADS, else every core)",
    },
    size: { type: "string", arg: "N", help: "input side, a multiple of 4 (default 112)" },
    json: { type: "string", arg: "FILE", help: "also write every case's figures as JSON" },
  },
} satisfies CommandSpec;

async function main({ values }: { values: Values<typeof SPEC.options> }): Promise<number> {
  size = values.size === undefined ? size : integerOption("size", values.size, 4);
  if (size % 4 !== 0) {
    throw new UsageError(`Invalid --size "${values.size}": expected a positive multiple of 4`);
  }
  const threadsArg = values.threads ?? Deno.env.get("CLVM_THREADS");
  const threads = threadsArg === undefined
    ? navigator.hardwareConcurrency
    : integerOption("threads", threadsArg, 1);
  const steps = values.steps === undefined ? 3 : integerOption("steps", values.steps, 1);
  const backends = values.backends
    ? values.backends.split(",") as BackendName[]
    : await availableBackends();
  if (backends.includes("wasm")) useWasmThreads(threads);
  benchThreads = threads;
  const keep = (list: string | undefined, value: string | number) =>
    list === undefined || list.split(",").includes(String(value));
  const rows: string[] = [
    "| backend | arch | variant | batch | s/step | images/s | threads | peak RSS MiB |",
    "|---|---|---|---:|---:|---:|---:|---:|",
  ];
  const all = cases(
    backends,
    Boolean(values.paper) || keep(values.archs, "paper") && !!values.archs,
  )
    .filter((c) =>
      keep(values.archs, c.arch) && keep(values.variants, c.variant) &&
      keep(values.batches, c.batch)
    );
  const broken = new Set<BackendName>();
  const results: Record<string, unknown>[] = [];
  for (const c of all) {
    const result: Record<string, unknown> = { ...c, size, steps };
    results.push(result);
    const head = `| ${c.backend} | ${c.arch} | ${c.variant} | ${c.batch} |`;
    let row: string;
    if (broken.has(c.backend)) {
      row = `${head} – | skipped (${c.backend} failed earlier) | – | – |`;
      result.error = `skipped (${c.backend} failed earlier)`;
    } else {
      resetPeakMemory();
      try {
        const f = await fixture(c);
        const recipe = recipeFor(c.batch);
        await trainStep(f.clvm, f.sgd, f.batch, recipe); // warm-up (kernel setup, pipelines)
        const times: number[] = [];
        for (let i = 0; i < steps; i++) {
          const t0 = performance.now();
          await trainStep(f.clvm, f.sgd, f.batch, recipe);
          times.push((performance.now() - t0) / 1000);
          sampleMemory();
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)]!;
        const rate = c.batch / median;
        const peak = peakMemoryMiB();
        Object.assign(result, {
          secondsPerStep: median,
          imagesPerSecond: rate,
          stepSeconds: times,
          threads: backendThreads(c.backend),
          peakRssMiB: peak,
        });
        row = `${head} ${median.toFixed(3)} | ${rate.toFixed(rate < 1 ? 3 : 1)} | ${
          backendThreads(c.backend)
        } | ${peak.toFixed(0)} |`;
      } catch (error) {
        // A wasm heap exhausted mid-step leaves the module unusable: skip its other cases.
        if (c.backend === "wasm") broken.add(c.backend);
        current = null;
        const peak = peakMemoryMiB();
        Object.assign(result, { error: (error as Error).message, peakRssMiB: peak });
        row = `${head} – | failed: ${(error as Error).message.split("\n")[0]} | – | ${
          peak.toFixed(0)
        } |`;
      }
    }
    rows.push(row);
    console.error(row);
  }
  release();
  console.log(rows.join("\n"));
  if (convolutions) console.log(`\nwasm kernels: ${convolutions}`);
  if (values.json) {
    const environment = {
      ...(convolutions ? { convolutions } : {}),
      date: new Date().toISOString(),
      deno: Deno.version.deno,
      tfjs: tf.version_core,
      cpus: navigator.hardwareConcurrency,
      load: Deno.loadavg(),
    };
    Deno.writeTextFileSync(values.json, JSON.stringify({ environment, results }, null, 2) + "\n");
  }
  return 0;
}

if (import.meta.main) Deno.exit(await runSpec(SPEC, Deno.args, main));
