/**
 * `deno task table3`: the paper's Table 3 (ms per 180×180 image on a Tesla K40c) beside this
 * machine's medians, the hardware-free ratios, and onnxruntime-node (CPU) running the same
 * graph from the same weights in the same run. `--help` lists the options.
 *
 * @module
 */
import { BACKEND_CHOICES, type BackendChoice, type HeadOutputs, initBackend } from "../mod.ts";
import { tf } from "../src/deps.ts";
import { fusedPredict } from "../src/clvm/mod.ts";
import { createOnnxPeer, type PeerOutputs } from "./onnx_peer.ts";
import {
  type CommandSpec,
  integerOption,
  runSpec,
  UsageError,
  type Values,
} from "../src/util/mod.ts";
import {
  type Kernels,
  PAPER_RATIOS,
  type Ratios,
  ratiosOf,
  structureChecks,
  summarize,
  TABLE3,
  table3Model,
  type Table3Row,
} from "./_table3_cases.ts";

const SPEC = {
  name: "deno task table3",
  description: `The paper's Table 3 (Tesla K40c, ms per 180×180 image, batch 1, paper architecture)
beside this machine's medians, the hardware-free ratios, and onnxruntime-node (CPU) on
the same graph (the ONNX peer in tools/onnx_peer/, fetched on first use; --onnx-runs 0
skips it).`,
  options: {
    backend: { type: "string", choices: BACKEND_CHOICES, help: "tfjs backend (default auto)" },
    kernels: {
      type: "string",
      arg: "PATH",
      choices: ["generic", "fused", "both"],
      help: "generic (the model's tfjs ops), fused (src/kernels/), or both (default both)",
    },
    runs: {
      type: "string",
      arg: "N",
      help: "timed runs per row after one warm-up run (default 5)",
    },
    size: {
      type: "string",
      arg: "N",
      help: "input height and width, a multiple of 4 (default 180)",
    },
    models: {
      type: "string",
      arg: "LIST",
      help: `comma-separated rows to time (default all: ${TABLE3.map((r) => r.model).join(",")})`,
    },
    "onnx-runs": {
      type: "string",
      arg: "N",
      help: "timed onnxruntime runs per row (default: --runs); 0 skips the peer",
    },
    threads: {
      type: "string",
      arg: "N",
      help: "the wasm backend's threads (its pool and the native kernels'; default: the CPU count)",
    },
    "onnx-threads": {
      type: "string",
      arg: "N",
      help: "onnxruntime intra-op threads (default: --threads, so both peers get the same cores)",
    },
    json: {
      type: "string",
      arg: "FILE",
      help: "also write { environment, rows, ratios, ... } as JSON",
    },
  },
} as const satisfies CommandSpec;

/** One timed row of the output JSON. */
interface Row {
  variant: string;
  task: string;
  model: string;
  backend: string;
  kernels: Kernels | "onnx";
  medianMs: number;
  minMs: number;
  runs: number;
  paperMs: number;
}

function positive(name: string, value: string | undefined, fallback: number, zero = false): number {
  return value === undefined ? fallback : integerOption(name, value, zero ? 0 : 1);
}

async function cpuModel(): Promise<string> {
  const pick = (info: string) => /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
  try {
    return pick(await Deno.readTextFile("/proc/cpuinfo")) ?? "unknown";
  } catch {
    // Deno grants /proc/cpuinfo to --allow-all only; `cat` needs --allow-run.
    try {
      const out = await new Deno.Command("cat", { args: ["/proc/cpuinfo"], stdout: "piped" })
        .output();
      return pick(new TextDecoder().decode(out.stdout)) ?? "unknown";
    } catch {
      return "unknown";
    }
  }
}

async function gitCommit(): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      cwd: new URL("..", import.meta.url),
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

/** Head outputs as NHWC arrays. */
async function arraysOf(out: HeadOutputs): Promise<PeerOutputs> {
  const result: PeerOutputs = {};
  for (const task of ["segmentation", "keypoints"] as const) {
    const t = out[task];
    if (t) {
      result[task] = { shape: t.shape, values: new Float32Array(await t.data() as Float32Array) };
    }
  }
  tf.dispose(Object.values(out));
  return result;
}

/** Largest |a − b| over the heads, and the largest |b| (for scale). */
function maxDiff(a: PeerOutputs, b: PeerOutputs): { diff: number; scale: number } {
  let diff = 0, scale = 0;
  for (const task of ["segmentation", "keypoints"] as const) {
    const x = a[task], y = b[task];
    if (!x || !y) continue;
    if (x.values.length !== y.values.length) return { diff: Infinity, scale };
    for (let i = 0; i < x.values.length; i++) {
      diff = Math.max(diff, Math.abs(x.values[i]! - y.values[i]!));
      scale = Math.max(scale, Math.abs(y.values[i]!));
    }
  }
  return { diff, scale };
}

const fmt = (v: number | undefined, digits = 1) =>
  v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);

function usage(message: string): never {
  throw new UsageError(message);
}

async function main({ values: args }: { values: Values<typeof SPEC.options> }): Promise<number> {
  const backend = (args.backend ?? "auto") as BackendChoice;
  const kernels = args.kernels ?? "both";
  const paths: Kernels[] = kernels === "both" ? ["generic", "fused"] : [kernels as Kernels];
  const runs = positive("runs", args.runs, 5);
  const size = positive("size", args.size, 180);
  if (size % 4 !== 0) {
    throw new UsageError(`Invalid --size ${size}: expected a multiple of 4 (two NMS layers)`);
  }
  const onnxRuns = positive("onnx-runs", args["onnx-runs"], runs, true);
  const wasmThreads = positive("threads", args.threads, navigator.hardwareConcurrency);
  const threads = positive("onnx-threads", args["onnx-threads"], wasmThreads);
  const wanted = args.models?.split(",").map((s) => s.trim()).filter(Boolean);
  const rows: Table3Row[] = wanted
    ? wanted.map((m) =>
      TABLE3.find((r) => r.model === m) ??
        usage(`Unknown model "${m}" in --models: expected some of ${
          TABLE3.map((r) => r.model).join(", ")
        }`)
    )
    : [...TABLE3];

  const report = await initBackend(backend, (m) => console.error(m), { threads: wasmThreads });
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  const environment = {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    tfjs: tf.version_core,
    backend: report.name,
    requestedBackend: report.requested,
    backendReason: report.reason,
    adapter: report.adapter,
    cpu: await cpuModel(),
    cpus: navigator.hardwareConcurrency,
    loadAverage: Deno.loadavg(),
    onnxruntime: null as string | null,
    threads: report.threads,
    convolutions: report.convolutions ?? null,
    onnxThreads: threads,
    date: new Date().toISOString(),
    commit: await gitCommit(),
    size,
    batch: 1,
  };
  const adapter = report.name === "webgpu" && report.adapter
    ? ` (${report.adapter.description})`
    : "";
  console.error(
    `tfjs ${tf.version_core} on ${report.name}${adapter}, ${environment.cpu}; ${runs} runs per ` +
      `row after one warm-up, paths: ${paths.join(", ")}${onnxRuns ? ", onnxruntime-node" : ""}`,
  );

  // Set-up and one warm-up run per row and path (pipelines, caches); the warm-up outputs
  // serve the equality checks. Timed runs then go round-robin over the rows, so that a
  // change of load on this shared machine falls on every row alike.
  const checks: Record<string, { fusedVsGeneric?: number; onnxVsTfjs?: number; scale: number }> =
    {};
  const x = tf.randomUniform([1, size, size, 3], 0, 1, "float32", 11) as tf.Tensor4D;
  const predict = (clvm: ReturnType<typeof table3Model>, kernels: Kernels) =>
    kernels === "fused" ? fusedPredict(clvm.options, clvm.getWeights(), x) : clvm.forward(x);
  const cases = [];
  for (const row of rows) {
    const clvm = table3Model(row.model);
    const outputs: Partial<Record<Kernels, PeerOutputs>> = {};
    for (const kernels of paths) outputs[kernels] = await arraysOf(predict(clvm, kernels));
    const reference = outputs.generic ?? outputs.fused!;
    const check: (typeof checks)[string] = { scale: maxDiff(reference, reference).scale };
    if (outputs.generic && outputs.fused) {
      check.fusedVsGeneric = maxDiff(outputs.fused, outputs.generic).diff;
    }
    let onnx = null;
    if (onnxRuns > 0) {
      const peer = await createOnnxPeer(clvm, [1, size, size], threads);
      environment.onnxruntime = peer.version;
      check.onnxVsTfjs = maxDiff(await peer.run(x), reference).diff;
      onnx = { peer, input: await peer.toNchw(x) };
    }
    checks[row.model] = check;
    cases.push({ row, clvm, onnx });
    console.error(`  ${row.model}: warmed up`);
  }
  const samples = new Map<string, number[]>();
  const timeOnce = async (key: string, f: () => Promise<void>) => {
    const t0 = performance.now();
    await f();
    const ms = performance.now() - t0;
    samples.set(key, [...(samples.get(key) ?? []), ms]);
  };
  for (let r = 0; r < Math.max(runs, onnxRuns); r++) {
    for (const { row, clvm, onnx } of cases) {
      for (const kernels of r < runs ? paths : []) {
        await timeOnce(`${row.model}/${kernels}`, async () => {
          const tensors = Object.values(predict(clvm, kernels)) as tf.Tensor[];
          for (const t of tensors) await t.data();
          tf.dispose(tensors);
        });
      }
      if (onnx && r < onnxRuns) {
        // The peer's own clock: the time of onnxruntime's run, without the pipe to it.
        const key = `${row.model}/onnx`;
        samples.set(key, [...(samples.get(key) ?? []), await onnx.peer.runNchw(onnx.input)]);
      }
    }
    console.error(`  round ${r + 1} of ${Math.max(runs, onnxRuns)} done`);
  }
  const results: Row[] = [];
  for (const { row, clvm, onnx } of cases) {
    for (const kernels of paths) {
      results.push({
        ...rowKeys(row),
        backend: report.name,
        kernels,
        ...summarize(samples.get(`${row.model}/${kernels}`)!),
      });
    }
    if (onnx) {
      results.push({
        ...rowKeys(row),
        backend: "onnxruntime-node (cpu)",
        kernels: "onnx",
        ...summarize(samples.get(`${row.model}/onnx`)!),
      });
      await onnx.peer.release();
    }
    clvm.dispose();
  }
  x.dispose();

  const msBy = (kernels: Row["kernels"]) =>
    Object.fromEntries(
      results.filter((r) => r.kernels === kernels).map((r) => [r.model, r.medianMs]),
    );
  const ratiosByPath: Partial<Record<Row["kernels"], Ratios>> = {};
  for (const k of [...paths, ...(onnxRuns > 0 ? ["onnx" as const] : [])]) {
    ratiosByPath[k] = ratiosOf(msBy(k));
  }
  const primary: Kernels = paths.includes("fused") ? "fused" : "generic";
  const ratios = ratiosByPath[primary]!;
  const fusedSpeedup = paths.length === 2
    ? Object.fromEntries(
      rows.map((r) => [r.model, msBy("generic")[r.model]! / msBy("fused")[r.model]!]),
    )
    : undefined;
  const overOnnx = onnxRuns > 0
    ? Object.fromEntries(
      rows.map((r) => [r.model, msBy(primary)[r.model]! / msBy("onnx")[r.model]!]),
    )
    : undefined;

  // Markdown: the table, the ratios, the checks.
  const ours = report.name === "wasm"
    ? `wasm, ${report.threads} thread${report.threads === 1 ? "" : "s"}`
    : report.name;
  const cols = paths.map((k) => `${ours} ${k} (ms)`);
  const lines = [
    `## Table 3 at ${size}×${size}, batch 1: paper (Tesla K40c) vs this machine`,
    "",
    `tfjs ${tf.version_core}, ${report.name}${adapter}; ${environment.cpu} (${environment.cpus} cores, ` +
    `load ${
      environment.loadAverage.map((v) => v.toFixed(1)).join(" ")
    }); medians of ${runs} runs after ` +
    `a warm-up, round-robin over the rows; ${environment.date}, commit ${
      environment.commit?.slice(0, 10) ?? "unknown"
    }.`,
    "",
    `| variant | task | paper K40c (ms) | ${cols.join(" | ")} |` +
    (fusedSpeedup ? " fused speed-up |" : "") +
    (onnxRuns > 0
      ? ` onnxruntime-node ${environment.onnxruntime} cpu, ${threads} threads (ms) | ${primary} / onnxruntime |`
      : ""),
    `|---|---|---:|${paths.map(() => "---:").join("|")}|` + (fusedSpeedup ? "---:|" : "") +
    (onnxRuns > 0 ? "---:|---:|" : ""),
  ];
  for (const row of rows) {
    const cell = (k: Row["kernels"]) => fmt(msBy(k)[row.model]);
    lines.push(
      `| ${row.variant} | ${row.task} | ${fmt(row.paperMs)} | ${paths.map(cell).join(" | ")} |` +
        (fusedSpeedup ? ` ${fmt(fusedSpeedup[row.model], 2)}× |` : "") +
        (onnxRuns > 0 ? ` ${cell("onnx")} | ${fmt(overOnnx![row.model], 2)}× |` : ""),
    );
  }
  const ratioNames: [keyof Ratios, string][] = [
    ["clvm2OverClvm1Seg", "CLVM₂ / CLVM₁ (segmentation)"],
    ["clvm2KpOverClvm2Seg", "CLVM₂ keypoints / CLVM₂ segmentation"],
    ["mclvm1OverClvm1", "M-CLVM₁ / CLVM₁"],
    ["mclvm2OverClvm2", "M-CLVM₂ / CLVM₂"],
  ];
  const ratioCols = Object.keys(ratiosByPath) as Row["kernels"][];
  lines.push(
    "",
    "## Hardware-free ratios",
    "",
    `| ratio | paper | ${
      ratioCols.map((k) => (k === "onnx" ? "onnxruntime" : `${report.name} ${k}`)).join(" | ")
    } |`,
    `|---|---:|${ratioCols.map(() => "---:").join("|")}|`,
    ...ratioNames.map(([key, name]) =>
      `| ${name} | ${fmt(PAPER_RATIOS[key], 2)} | ${
        ratioCols.map((k) => fmt(ratiosByPath[k]![key], 2)).join(" | ")
      } |`
    ),
    "",
    `Structure of the paper's ratios (${report.name} ${primary}):`,
    ...Object.entries(structureChecks(ratios)).map(([name, ok]) => `- ${ok ? "✓" : "✗"} ${name}`),
    "",
    "Outputs: " + rows.map((r) => {
      const c = checks[r.model]!;
      const parts = [];
      if (c.fusedVsGeneric !== undefined) {
        parts.push(`fused−generic ${c.fusedVsGeneric.toExponential(1)}`);
      }
      if (c.onnxVsTfjs !== undefined) parts.push(`onnx−tfjs ${c.onnxVsTfjs.toExponential(1)}`);
      return `${r.model}: max |Δ| ${parts.join(", ")} (max |y| ${c.scale.toExponential(1)})`;
    }).join("; "),
  );
  console.log(lines.join("\n"));

  if (args.json) {
    const json = {
      environment,
      rows: results,
      ratios,
      paperRatios: PAPER_RATIOS,
      ratiosByPath,
      ...(fusedSpeedup ? { fusedSpeedup } : {}),
      ...(overOnnx ? { overOnnxruntime: overOnnx } : {}),
      outputChecks: checks,
    };
    await Deno.writeTextFile(args.json, JSON.stringify(json, null, 2) + "\n");
    console.error(`Wrote ${args.json}`);
  }
  return 0;
}

function rowKeys(row: Table3Row): Pick<Row, "variant" | "task" | "model" | "paperMs"> {
  return { variant: row.variant, task: row.task, model: row.model, paperMs: row.paperMs };
}

if (import.meta.main) Deno.exit(await runSpec(SPEC, Deno.args, main));
