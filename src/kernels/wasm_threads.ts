/**
 * tfjs-backend-wasm's threaded SIMD build, in Deno.
 *
 * tfjs 4.22 never starts it in Deno: `WASM_HAS_MULTITHREAD_SUPPORT` is false under Node
 * compatibility, and forcing the flag fails three ways, each fixed here:
 *
 * 1. Emscripten's Node path creates its pthread workers with `node:worker_threads` from a
 *    `blob:` URL, which Deno's `Worker` rejects (ERR_WORKER_PATH). A `Worker` shim starts
 *    them from a small boot module instead, which gives the worker the CommonJS globals
 *    (`require`, `process`, `global`, the bundle's `require$$N` aliases) and writable
 *    `self`/`location` that Emscripten's worker script expects, then runs that script (from
 *    the package's own `wasm-out/…worker.js`). The main script, which tfjs hands over as a
 *    `Blob`, is written once to a temporary file the workers import.
 * 2. Messages to a worker must go out synchronously once it is loaded: the main thread
 *    blocks in `pthread_create` until the new thread answers.
 * 3. tfjs caps its XNNPACK pool at `os.cpus().length / 2` ("2 threads per core"), so a
 *    2-core machine gets 1 thread; while the module is created `os.cpus()` reports twice
 *    the threads asked for.
 *
 * The shims are in place only while the backend starts (the pool of 8 workers is created
 * then). Call {@link useWasmThreads} before the `wasm` backend is first initialized.
 *
 * @module
 */
import { Worker as NodeWorker } from "node:worker_threads";
import os from "node:os";
import { setThreadsCount, tf } from "../deps.ts";

/** What {@link useWasmThreads} did. */
export interface WasmThreadsReport {
  /** Threads asked for. */
  requested: number;
  /** Whether the threaded build will be loaded (false for 1 thread or when too late). */
  threaded: boolean;
  /** Why not, when not. */
  reason: string;
}

const WORKER_SCRIPT = "npm:@tensorflow/tfjs-backend-wasm@4.22.0/wasm-out/" +
  "tfjs-backend-wasm-threaded-simd.worker.js";

let temporaryFiles: string[] = [];
let bootFile: string | null = null;
let mainScript: Promise<string> | null = null;
let installed = false;
let requestedThreads = 1;

function cleanUp(): void {
  for (const f of temporaryFiles) {
    try {
      Deno.removeSync(f);
    } catch {
      // Already gone.
    }
  }
  temporaryFiles = [];
}

function boot(): string {
  if (bootFile) return bootFile;
  const workerPath = decodeURIComponent(new URL(import.meta.resolve(WORKER_SCRIPT)).pathname);
  const code = Deno.readTextFileSync(workerPath);
  bootFile = Deno.makeTempFileSync({ prefix: "clvm_wasm_worker_", suffix: ".mjs" });
  temporaryFiles.push(bootFile);
  Deno.writeTextFileSync(
    bootFile,
    `import process from "node:process";
import { createRequire } from "node:module";
const g = globalThis;
g.process = process;
g.global = g;
g.require = createRequire(import.meta.url);
g.__filename = ${JSON.stringify(workerPath)};
g.__dirname = ${JSON.stringify(workerPath.replace(/\/[^/]*$/, ""))};
g.commonjsGlobal = g;
g.require$$0 = g.require("fs");
g.require$$1 = g.require("path");
g.require$$3 = g.require("perf_hooks");
g.require$$4 = g.require("os");
g.module = { exports: {} };
for (const k of ["self", "location", "Worker", "importScripts", "postMessage", "performance"]) {
  Object.defineProperty(g, k, { value: g[k], writable: true, configurable: true });
}
(0, eval)(${JSON.stringify(code)});
(0, eval)(g.module.exports.wasmWorkerContents.replace(/\\n/g, "\\\\n"));
`,
  );
  return bootFile;
}

type Message = { cmd?: string; urlOrBlob?: unknown } | null;

/** The `Worker` Emscripten's Node path constructs, backed by `node:worker_threads`. */
class PthreadWorker {
  readonly #worker: NodeWorker;
  #queue: Promise<void> = Promise.resolve();
  #pending = 0;
  onmessage: unknown = null;
  onerror: unknown = null;

  constructor(_url: unknown) {
    this.#worker = new NodeWorker(boot());
    // Idle pthreads must not keep the process alive.
    this.#worker.unref();
  }

  postMessage(message: Message, transfer?: readonly unknown[]): void {
    const load = message?.cmd === "load" && message.urlOrBlob instanceof Blob;
    if (!load && this.#pending === 0) {
      // deno-lint-ignore no-explicit-any
      this.#worker.postMessage(message, transfer as any);
      return;
    }
    this.#pending++;
    this.#queue = this.#queue.then(async () => {
      let m = message;
      if (load) {
        const blob = message!.urlOrBlob as Blob;
        mainScript ??= (async () => {
          const path = await Deno.makeTempFile({ prefix: "clvm_wasm_main_", suffix: ".js" });
          temporaryFiles.push(path);
          await Deno.writeTextFile(path, await blob.text());
          return path;
        })();
        m = { ...message, urlOrBlob: await mainScript };
      }
      // deno-lint-ignore no-explicit-any
      this.#worker.postMessage(m, transfer as any);
      this.#pending--;
    });
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.#worker.on(event, listener);
    return this;
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }

  ref(): void {
    // Emscripten refs busy workers; an idle pool must still let the process end.
  }

  unref(): void {
    this.#worker.unref();
  }
}

function wasmInitialized(): boolean {
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  return "wasm" in registry;
}

/**
 * Makes the `wasm` backend compute with `threads` threads (tfjs's threaded SIMD build;
 * 1 keeps the single-threaded build). Must run before the `wasm` backend is initialized;
 * afterwards it changes nothing and says so.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { useWasmThreads } from "./wasm_threads.ts";
 * assert.deepEqual(useWasmThreads(1).threaded, false);
 * ```
 */
export function useWasmThreads(threads: number): WasmThreadsReport {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`Invalid wasm thread count ${threads}: expected an integer ≥ 1`);
  }
  if (wasmInitialized()) {
    return { requested: threads, threaded: false, reason: "the wasm backend already started" };
  }
  setThreadsCount(threads);
  requestedThreads = threads;
  if (threads === 1) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    return { requested: 1, threaded: false, reason: "one thread asked for" };
  }
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  if (!installed) {
    installed = true;
    globalThis.addEventListener("unload", cleanUp);
    const factory = tf.findBackendFactory("wasm");
    if (!factory) throw new Error("Cannot find the wasm backend: is tfjs-backend-wasm loaded?");
    tf.removeBackend("wasm");
    tf.registerBackend("wasm", async () => {
      const cpus = os.cpus;
      const wanted = () => {
        const real = cpus();
        return Array.from({ length: 2 * requestedThreads }, (_, i) => real[i % real.length]!);
      };
      const worker = Object.getOwnPropertyDescriptor(globalThis, "Worker");
      (os as { cpus: () => os.CpuInfo[] }).cpus = wanted;
      // Emscripten assigns node's Worker to the global while it starts: the shim stays.
      Object.defineProperty(globalThis, "Worker", {
        get: () => PthreadWorker,
        set: () => {},
        configurable: true,
      });
      try {
        return await factory();
      } finally {
        (os as { cpus: () => os.CpuInfo[] }).cpus = cpus;
        if (worker) Object.defineProperty(globalThis, "Worker", worker);
      }
    }, 2);
  }
  return { requested: threads, threaded: true, reason: "threaded SIMD build" };
}
