/**
 * The CLVM's inference graph as an ONNX model run by onnxruntime-node (CPU): the reference
 * peer of `deno task table3`. The graph is built from a model's own weights and follows the
 * same schedule as `clvm.predict` (replicate feedback, tied weights, no batch norm, lazy
 * last pass): `Conv` (bias inside) for `bot_i`, `ConvTranspose` with the very same filter
 * for `top_i` (`Resize` nearest ×2 across an NMS layer), `Add`, `Relu`, and for an NMS layer
 * `MaxPool` with indices, whose maxima after `Relu` are `P(z_i)` and which `ScatterElements`
 * puts back at the winning cells for `z_i` itself. A static graph computes each `bot_i` once
 * per value of `z_{i−1}`, as the fused forward does.
 *
 * onnxruntime-node itself (288 MB) is not a dependency of the suite: it runs in a separate
 * process, `tools/onnx_peer/server.ts`, with that folder's own `deno.json` and lock, started
 * on first use (which fetches the runtime once) so that the default install never has it.
 *
 * @module
 */
import { type CLVM } from "../mod.ts";
import { tf } from "../src/deps.ts";
import { updateSchedule } from "../src/clvm/mod.ts";
import { encodeModel, type OnnxInitializer, type OnnxNode } from "./_onnx.ts";
import { encodeFrame } from "./onnx_frame.ts";

/** Head outputs of the peer: NHWC values like `clvm.predict`'s tensors. */
export interface PeerOutputs {
  segmentation?: { shape: number[]; values: Float32Array };
  keypoints?: { shape: number[]; values: Float32Array };
}

/** `[k, k, C_in, C_out]` (tfjs) → `[C_out, C_in, k, k]` (ONNX `Conv`; also `ConvTranspose`'s). */
async function onnxFilter(w: tf.Tensor): Promise<Float32Array> {
  const t = tf.transpose(w, [3, 2, 0, 1]);
  const v = new Float32Array(await t.data() as Float32Array);
  t.dispose();
  return v;
}

/**
 * The ONNX model (bytes) of `clvm`'s inference for inputs of `[batch, height, width, C]`
 * (fed as NCHW): outputs `segmentation` and/or `keypoints` in NCHW.
 */
export async function clvmOnnxModel(
  clvm: CLVM,
  batch: number,
  height: number,
  width: number,
): Promise<Uint8Array> {
  const { feedback, tied, batchNorm, architecture, heads, passes } = clvm.options;
  if (feedback !== "replicate" || !tied || batchNorm) {
    throw new Error(
      `Cannot export a CLVM with feedback "${feedback}", tied ${tied}, batch norm ${batchNorm} ` +
        "to ONNX: expected replicate feedback, tied weights, no batch norm",
    );
  }
  const { layers, inputChannels, kernelSize: k } = architecture;
  const L = layers.length;
  const weights = clvm.getWeights();
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  for (let i = 1; i <= L; i++) {
    const w = weights[`conv${i}/kernel`]!;
    initializers.push({
      name: `W${i}`,
      dims: [w.shape[3]!, w.shape[2]!, k, k],
      data: await onnxFilter(w),
    });
    const b = weights[`conv${i}/bias`]!;
    initializers.push({
      name: `B${i}`,
      dims: [b.shape[0]!],
      data: new Float32Array(await b.data() as Float32Array),
    });
  }
  initializers.push({ name: "scales2", dims: [4], data: new Float32Array([1, 1, 2, 2]) });
  initializers.push({ name: "flat", dims: [1], data: [-1], int64: true });
  const pad = (k - 1) / 2;
  const convAttrs = { kernel_shape: [k, k], pads: [pad, pad, pad, pad], strides: [1, 1] };
  let counter = 0;
  const fresh = (base: string) => `${base}_${counter++}`;
  const node = (op: string, inputs: string[], attributes?: OnnxNode["attributes"]): string => {
    const out = fresh(op.toLowerCase());
    nodes.push({ op, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  };
  const dims = (layer: number) => {
    let s = 1;
    for (let j = 1; j < layer; j++) if (layers[j - 1]!.nms) s *= 2;
    return [batch, layers[layer - 1]!.channels, height / s, width / s];
  };
  // State: the value names of z_i (full resolution, made on demand for NMS layers) and P(z_i).
  type State = { full: () => string; pooled: string | null };
  const z: (State | null)[] = new Array(L + 1).fill(null);
  const bots = new Map<string, string>();
  const headLayers = Object.values(heads).map((h) => h.layer);
  const schedule = updateSchedule(L, passes, {
    lowest: Math.min(...headLayers),
    highest: Math.max(...headLayers),
  });
  for (const { layer: i } of schedule) {
    const belowState = i === 1 ? null : z[i - 1];
    const below = i === 1
      ? "x"
      : layers[i - 2]!.nms
      ? belowState?.pooled ?? null
      : belowState?.full() ?? null;
    if (below === null) throw new Error(`Cannot export layer ${i}: the layer below is unset`);
    let bot = bots.get(`${i}:${below}`);
    if (!bot) {
      bot = node("Conv", [below, `W${i}`, `B${i}`], convAttrs);
      bots.set(`${i}:${below}`, bot);
    }
    const above = i < L ? z[i + 1] : null;
    let a = bot;
    if (above) {
      let top = node("ConvTranspose", [above.full(), `W${i + 1}`], convAttrs);
      if (layers[i - 1]!.nms) {
        top = node("Resize", [top, "", "scales2"], {
          mode: "nearest",
          coordinate_transformation_mode: "asymmetric",
          nearest_mode: "floor",
        });
      }
      a = node("Add", [bot, top]);
    }
    if (!layers[i - 1]!.nms) {
      const zi = node("Relu", [a]);
      z[i] = { full: () => zi, pooled: null };
      continue;
    }
    const max = fresh("max"), indices = fresh("indices");
    nodes.push({
      op: "MaxPool",
      inputs: [a],
      outputs: [max, indices],
      attributes: { kernel_shape: [2, 2], strides: [2, 2] },
    });
    const pooled = node("Relu", [max]);
    let full: string | null = null;
    z[i] = {
      pooled,
      full: () => {
        if (full === null) {
          if (!initializers.some((t) => t.name === `shape${i}`)) {
            initializers.push({ name: `shape${i}`, dims: [4], data: dims(i), int64: true });
          }
          const zeros = node("Reshape", [node("ConstantOfShape", [`shape${i}`]), "flat"]);
          const flatIndices = node("Reshape", [indices, "flat"]);
          const flatValues = node("Reshape", [pooled, "flat"]);
          const scattered = node("ScatterElements", [zeros, flatIndices, flatValues], { axis: 0 });
          full = node("Reshape", [scattered, `shape${i}`]);
        }
        return full;
      },
    };
  }
  const outputs = [];
  for (const task of ["segmentation", "keypoints"] as const) {
    const head = heads[task];
    if (!head) continue;
    const w = weights[`head/${task}/kernel`]!;
    const b = weights[`head/${task}/bias`]!;
    const hk = w.shape[0]!;
    initializers.push({
      name: `H${task}`,
      dims: [w.shape[3]!, w.shape[2]!, hk, hk],
      data: await onnxFilter(w),
    });
    initializers.push({
      name: `HB${task}`,
      dims: [b.shape[0]!],
      data: new Float32Array(await b.data() as Float32Array),
    });
    const input = z[head.layer]?.full();
    if (!input) throw new Error(`Cannot export the ${task} head: layer ${head.layer} is unset`);
    const p = (hk - 1) / 2;
    nodes.push({
      op: "Conv",
      inputs: [input, `H${task}`, `HB${task}`],
      outputs: [task],
      attributes: { kernel_shape: [hk, hk], pads: [p, p, p, p], strides: [1, 1] },
    });
    const [n, , h, wd] = dims(head.layer);
    outputs.push({ name: task, dims: [n!, w.shape[3]!, h!, wd!] });
  }
  return encodeModel({
    name: "clvm",
    nodes,
    initializers,
    inputs: [{ name: "x", dims: [batch, inputChannels, height, width] }],
    outputs,
  });
}

/** An onnxruntime-node session of a CLVM's graph for one input shape. */
export interface OnnxPeer {
  /** The heads' logits for `x` (NHWC values). */
  run(x: tf.Tensor4D): Promise<PeerOutputs>;
  /**
   * Runs on an input already in NCHW (what the timing loop calls); resolves to the
   * milliseconds of onnxruntime's `run` alone, measured in the peer's process.
   */
  runNchw(input: Float32Array): Promise<number>;
  /** `x` as NCHW values. */
  toNchw(x: tf.Tensor4D): Promise<Float32Array>;
  /** onnxruntime's version. */
  version: string;
  release(): Promise<void>;
}

const PEER_DIR = new URL("../tools/onnx_peer/", import.meta.url);

/** Options of {@link createOnnxPeer} and {@link onnxPeerAvailable}. */
export interface OnnxPeerOptions {
  /** Never download: fail unless onnxruntime-node is already in Deno's cache. */
  cachedOnly?: boolean;
}

interface Reply {
  header: Record<string, unknown>;
  payload: Uint8Array;
}

/** One peer process, shared by the sessions open at a time. */
class PeerProcess {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffered = new Uint8Array(0);
  #queue: Promise<unknown> = Promise.resolve();
  #stderr = "";
  #stderrDone: Promise<void>;
  users = 0;

  constructor(options: OnnxPeerOptions) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        ...(options.cachedOnly ? ["--cached-only"] : []),
        "--config",
        new URL("deno.json", PEER_DIR).pathname,
        ...["--allow-read", "--allow-env", "--allow-sys", "--allow-ffi"],
        new URL("server.ts", PEER_DIR).pathname,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.getReader();
    const stderr = this.#child.stderr;
    this.#stderrDone = (async () => {
      for await (const chunk of stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderr = (this.#stderr + chunk).slice(-4000);
      }
    })();
  }

  /** The error for a peer that exited: its own first error line, and what to do. */
  async #exited(): Promise<Error> {
    await this.#stderrDone;
    const lines = this.#stderr.trim().split("\n").filter(Boolean);
    const last = lines.find((l) => /^error/i.test(l.trim())) ?? lines.pop() ??
      "the process exited";
    return new Error(
      `The ONNX peer (onnxruntime-node in tools/onnx_peer/) did not answer: ${last}. ` +
        "It is fetched once on first use (about 290 MB, needs the npm registry); " +
        "pass --onnx-runs 0 to skip it",
    );
  }

  async #read(n: number): Promise<Uint8Array> {
    while (this.#buffered.length < n) {
      const { value, done } = await this.#reader.read();
      if (done) throw await this.#exited();
      const next = new Uint8Array(this.#buffered.length + value.length);
      next.set(this.#buffered);
      next.set(value, this.#buffered.length);
      this.#buffered = next;
    }
    const out = this.#buffered.slice(0, n);
    this.#buffered = this.#buffered.subarray(n);
    return out;
  }

  /** Sends one request and waits for its reply (requests are answered in order). */
  request(
    header: Record<string, unknown>,
    payload: Uint8Array = new Uint8Array(0),
  ): Promise<Reply> {
    const task = this.#queue.then(async () => {
      // A peer that exited before reading (say, onnxruntime missing offline) breaks the pipe.
      await this.#writer.write(encodeFrame(header, payload)).catch(async () => {
        throw await this.#exited();
      });
      const u32 = async () => new DataView((await this.#read(4)).buffer).getUint32(0, true);
      const reply = JSON.parse(new TextDecoder().decode(await this.#read(await u32())));
      const data = await this.#read(await u32());
      if (typeof reply.error === "string") throw new Error(`onnxruntime: ${reply.error}`);
      return { header: reply, payload: data };
    });
    this.#queue = task.catch(() => {});
    return task;
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#child.status;
    await this.#stderrDone;
    this.#reader.releaseLock();
  }
}

let shared: PeerProcess | null = null;

function peerProcess(options: OnnxPeerOptions): PeerProcess {
  shared ??= new PeerProcess(options);
  shared.users++;
  return shared;
}

async function leave(p: PeerProcess): Promise<void> {
  if (--p.users > 0) return;
  if (shared === p) shared = null;
  await p.close();
}

/**
 * Whether the ONNX peer can run here without downloading anything (onnxruntime-node is in
 * Deno's cache); the reason when not.
 *
 * @example
 * ```ts ignore
 * const { ok, why } = await onnxPeerAvailable();
 * ```
 */
export async function onnxPeerAvailable(): Promise<{ ok: boolean; why: string }> {
  const p = new PeerProcess({ cachedOnly: true });
  try {
    await p.request({ op: "version" });
    return { ok: true, why: "" };
  } catch (error) {
    return { ok: false, why: (error as Error).message };
  } finally {
    await p.close();
  }
}

/**
 * Builds the ONNX graph of `clvm` for `[batch, height, width, C]` inputs and opens a
 * session in the peer process (started, and on its first use fetched, as needed).
 */
export async function createOnnxPeer(
  clvm: CLVM,
  [batch, height, width]: [number, number, number],
  threads = navigator.hardwareConcurrency,
  options: OnnxPeerOptions = {},
): Promise<OnnxPeer> {
  const bytes = await clvmOnnxModel(clvm, batch, height, width);
  const proc = peerProcess(options);
  let opened: Reply;
  try {
    opened = await proc.request({ op: "open", threads }, bytes);
  } catch (error) {
    await leave(proc);
    throw error;
  }
  const session = opened.header.session as number;
  const c = clvm.options.architecture.inputChannels;
  const shape = [batch, c, height, width];
  const toNchw = async (x: tf.Tensor4D) => {
    const t = tf.transpose(x, [0, 3, 1, 2]);
    const v = new Float32Array(await t.data() as Float32Array);
    t.dispose();
    return v;
  };
  const asBytes = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let released = false;
  return {
    version: String(opened.header.version),
    toNchw,
    async runNchw(input) {
      const reply = await proc.request({ op: "run", session, shape, time: true }, asBytes(input));
      return reply.header.ms as number;
    },
    async run(x) {
      const reply = await proc.request({ op: "run", session, shape }, asBytes(await toNchw(x)));
      const outputs = reply.header.outputs as { name: string; dims: number[] }[];
      const all = new Float32Array(
        reply.payload.buffer,
        reply.payload.byteOffset,
        reply.payload.byteLength / 4,
      );
      const out: PeerOutputs = {};
      let offset = 0;
      for (const { name, dims } of outputs) {
        const [n, ch, h, w] = dims as [number, number, number, number];
        const nchw = all.subarray(offset, offset + n * ch * h * w);
        offset += nchw.length;
        if (name !== "segmentation" && name !== "keypoints") continue;
        // NCHW → NHWC as one tfjs transpose (no per-pixel loop).
        const t = tf.tidy(() => tf.transpose(tf.tensor4d(nchw, [n, ch, h, w]), [0, 2, 3, 1]));
        const values = new Float32Array(await t.data() as Float32Array);
        t.dispose();
        out[name] = { shape: [n, h, w, ch], values };
      }
      return out;
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await proc.request({ op: "release", session });
      } finally {
        await leave(proc);
      }
    },
  };
}
