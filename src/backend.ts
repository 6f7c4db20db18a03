/**
 * Backend setup: the one place that chooses and initializes the tfjs backend.
 *
 * WebGPU's adapter and device are requested here rather than by tfjs: tfjs 4.22 asks
 * for its features in a form Deno rejects on adapters with timestamp queries, and
 * asks for limits without clamping them to what the adapter offers.
 *
 * @module
 */
import { getThreadsCount, tf, WebGPUBackend } from "./deps.ts";
import { registerWasmConvKernels } from "./kernels/wasm_conv.ts";
import { registerWasmSumKernel } from "./kernels/wasm_sum.ts";
import { registerWasmMatMulKernel } from "./kernels/wasm_matmul.ts";
import { registerWasmIdentityKernel } from "./kernels/wasm_identity.ts";
import { useWasmThreads } from "./kernels/wasm_threads.ts";
import { buildNativeKernels } from "./kernels/native_build.ts";
import { loadNative, setNativeThreads, unloadNative } from "./kernels/native.ts";

/** A backend to ask for; `auto` picks the fastest one measured for this model here. */
export type BackendChoice = "webgpu" | "wasm" | "cpu" | "auto";
/** The backends `auto` can resolve to. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/** The backend choices, for validating user input. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["webgpu", "wasm", "cpu", "auto"];

/** What the WebGPU adapter says about itself. */
export interface AdapterReport {
  /** The driver's description, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`. */
  description: string;
  /** Vendor string or id. */
  vendor: string;
  /** Architecture string (often empty). */
  architecture: string;
  /** True when the adapter is a software rasterizer (llvmpipe, SwiftShader, WARP). */
  isSoftware: boolean;
}

/** The outcome of {@link initBackend}. */
export interface BackendReport {
  /** The backend now active in tfjs. */
  name: BackendName;
  /** What was asked for. */
  requested: BackendChoice;
  /** The WebGPU adapter, when one exists (also when another backend was chosen). */
  adapter: AdapterReport | null;
  /** One sentence on why this backend was taken. */
  reason: string;
  /** Threads the backend computes with (wasm: its thread pool; cpu: 1; absent for webgpu). */
  threads?: number;
  /**
   * wasm only: where its stride-1 convolutions (and batch norm, the NMS mask and the fused
   * update) run, as one sentence — the native kernels' library (`kernels/native_build.ts`), or
   * why they run on wasm's own.
   */
  convolutions?: string;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Threads for the `wasm` backend (default 1): more than 1 loads tfjs's threaded SIMD
   * build (`kernels/wasm_threads.ts`), whose results equal one thread's to 1e-5. It takes
   * effect only where wasm starts for the first time in the process (a later call says so
   * through `log`); other backends ignore it.
   */
  threads?: number;
  /**
   * Whether the `wasm` backend's stride-1 convolutions may run on native kernels compiled for
   * this machine (default true, unless the environment sets `CLVM_NATIVE=0`): built once with
   * the C compiler into `.cache/native/` and called through FFI on wasm's heap, 2.5–3× faster
   * than wasm's own on the `paper` layers. Without a compiler or the permissions (run, write,
   * FFI) the wasm kernels compute the same functions, and the report says why.
   */
  native?: boolean;
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|warp|basic render/i;

let gpu: { adapter: GPUAdapter; device: GPUDevice; report: AdapterReport } | null | undefined;
let webgpuRegistered = false;
let lastReport: BackendReport | null = null;

/** Requests (once per process) a WebGPU adapter and device, or returns null when there is none. */
async function openWebGPU(): Promise<typeof gpu> {
  if (gpu !== undefined) return gpu;
  gpu = null;
  if (typeof navigator === "undefined" || !("gpu" in navigator) || !navigator.gpu) return gpu;
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch {
    adapter = null;
  }
  if (!adapter) return gpu;
  const info = adapter.info;
  const description = info.description || info.device || "";
  const report: AdapterReport = {
    description,
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    isSoftware: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
      SOFTWARE_ADAPTER.test(`${description} ${info.vendor} ${info.architecture}`),
  };
  const limits = adapter.limits;
  // Ask for the adapter's own maxima (never more): tfjs sizes its dispatches by them.
  const requiredLimits: Record<string, number> = {
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxBufferSize: limits.maxBufferSize,
    maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
  };
  const device = await adapter.requestDevice({ requiredLimits });
  gpu = { adapter, device, report };
  return gpu;
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === "webgpu") {
    const opened = await openWebGPU();
    if (!opened) return false;
    if (!webgpuRegistered) {
      if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
      const { device, adapter } = opened;
      tf.registerBackend(
        "webgpu",
        // deno-lint-ignore no-explicit-any
        () => new WebGPUBackend(device, adapter.info as any),
        3,
      );
      webgpuRegistered = true;
    }
  }
  // wasm's own transposed convolution is ~10× slower than a flipped-filter convolution,
  // and it has no filter gradient at all: replace and add both before first use.
  if (name === "wasm") {
    registerWasmConvKernels();
    registerWasmSumKernel(); // bias gradients without wasm's transpose (native kernels)
    registerWasmMatMulKernel(); // single products (the loss's upsampling) on native kernels
    registerWasmIdentityKernel(); // clones share their data: saved activations are not copied
  }
  const ok = await tf.setBackend(name);
  if (ok && name === "cpu") {
    // The cpu backend greets Node users once with advice that does not apply to Deno.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  }
  if (ok && name === "webgpu") {
    // Small ops would otherwise run on the CPU and read back from the GPU.
    tf.env().set("WEBGPU_CPU_FORWARD", false);
  }
  return ok;
}

/**
 * Chooses and initializes the tfjs backend.
 *
 * `auto` takes WebGPU on a hardware adapter. On a software adapter (llvmpipe) or with
 * no WebGPU at all it takes `wasm`, measured fastest for the CLVM on these CPUs
 * (CLVM₁ at 180×180: wasm 0.46 s, webgpu/llvmpipe 3.4 s, cpu 8.7 s). Asking for
 * `webgpu` where there is none falls back to `cpu` with a message, never a crash.
 * `options.threads` sets the wasm backend's threads ({@link InitBackendOptions}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "./backend.ts";
 * const report = await initBackend("cpu");
 * assert.equal(report.name, "cpu");
 * ```
 */
export async function initBackend(
  requested: BackendChoice = "auto",
  log: (message: string) => void = () => {},
  options: InitBackendOptions = {},
): Promise<BackendReport> {
  if (!BACKEND_CHOICES.includes(requested)) {
    throw new Error(
      `Unknown backend "${requested}": expected one of ${BACKEND_CHOICES.join(", ")}`,
    );
  }
  const { threads } = options;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new Error(`Invalid wasm thread count ${threads}: expected an integer ≥ 1`);
  }
  const opened = await openWebGPU();
  const adapter = opened?.report ?? null;
  let name: BackendName;
  let reason: string;
  if (requested === "auto") {
    if (adapter && !adapter.isSoftware) {
      name = "webgpu";
      reason = `hardware WebGPU adapter "${adapter.description}"`;
    } else {
      name = "wasm";
      reason = adapter
        ? `WebGPU adapter "${adapter.description}" is a software fallback; wasm is ` +
          "the fastest backend measured for the CLVM on this kind of CPU"
        : "no WebGPU adapter; wasm is the fastest CPU backend measured for the CLVM";
    }
  } else {
    name = requested;
    reason = "requested";
  }
  if (name === "webgpu" && !adapter) {
    log("WebGPU is not available here (no adapter); falling back to the cpu backend.");
    name = "cpu";
    reason = "webgpu requested but no WebGPU adapter exists; cpu fallback";
  }
  if (name === "wasm" && threads !== undefined) {
    const wasm = useWasmThreads(threads);
    if (threads > 1 && !wasm.threaded) {
      log(`The wasm backend runs without the ${threads} threads asked for: ${wasm.reason}.`);
    }
  }
  if (!(await activate(name))) {
    if (name === "cpu") throw new Error("Cannot initialize the tfjs cpu backend");
    log(`Cannot initialize the tfjs ${name} backend; falling back to the cpu backend.`);
    reason = `${name} failed to initialize; cpu fallback`;
    name = "cpu";
    await activate("cpu");
  }
  lastReport = { name, requested, adapter, reason };
  if (name === "cpu") lastReport.threads = 1;
  if (name === "wasm") {
    lastReport.threads = getThreadsCount();
    lastReport.convolutions = await nativeConvolutions(options.native, threads ?? 1);
  }
  return lastReport;
}

/** Loads (building once) the native convolution kernels for wasm, or says why not. */
async function nativeConvolutions(wanted: boolean | undefined, threads: number): Promise<string> {
  let env: string | undefined;
  try {
    env = Deno.env.get("CLVM_NATIVE");
  } catch {
    env = undefined; // no env permission: the default holds
  }
  if (wanted === false || (wanted === undefined && env === "0")) {
    unloadNative();
    return "wasm kernels (native kernels switched off)";
  }
  const build = await buildNativeKernels();
  if (build.path === null) {
    unloadNative();
    return `wasm kernels (no native kernels: ${build.reason})`;
  }
  const problem = loadNative(build.path);
  if (problem !== null) return `wasm kernels (${problem})`;
  setNativeThreads(Math.min(64, threads));
  return `native kernels ${build.path}, ${threads} thread${threads === 1 ? "" : "s"}`;
}

/**
 * Throws one sentence telling the caller to `await initBackend()` when no tfjs backend
 * has been initialized yet (neither {@link initBackend} nor `tf.setBackend` has run).
 * Without it, the first tensor would make tfjs try its highest-priority backend
 * (`webgpu`, which needs an asynchronous start) and fail with an error about tfjs's
 * internals.
 *
 * @example
 * ```ts
 * import { requireBackend, initBackend } from "./backend.ts";
 * await initBackend("cpu");
 * requireBackend("createCLVM()"); // passes: a backend is ready
 * ```
 */
export function requireBackend(what: string): void {
  const engine = tf.engine() as unknown as { backendInstance?: unknown };
  if (engine.backendInstance == null) {
    throw new Error(
      `Cannot run ${what} before a tfjs backend is initialized: ` +
        'call `await initBackend()` (or `await initBackend("cpu")`) first',
    );
  }
}

/** The report of the last {@link initBackend} call, or null before the first. */
export function backendReport(): BackendReport | null {
  return lastReport;
}
