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
 * @module
 */
import * as ort from "onnxruntime-node";
import { type CLVM } from "../mod.ts";
import { tf } from "../src/deps.ts";
import { updateSchedule } from "../src/clvm/mod.ts";
import { encodeModel, type OnnxInitializer, type OnnxNode } from "./_onnx.ts";

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
  /** Runs on an input already in NCHW (what the timing loop calls). */
  runNchw(input: Float32Array): Promise<void>;
  /** `x` as NCHW values. */
  toNchw(x: tf.Tensor4D): Promise<Float32Array>;
  /** onnxruntime's version. */
  version: string;
  release(): Promise<void>;
}

/** Builds the ONNX graph of `clvm` for `[batch, height, width, C]` inputs and opens a session. */
export async function createOnnxPeer(
  clvm: CLVM,
  [batch, height, width]: [number, number, number],
  threads = navigator.hardwareConcurrency,
): Promise<OnnxPeer> {
  const bytes = await clvmOnnxModel(clvm, batch, height, width);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["cpu"],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  });
  const c = clvm.options.architecture.inputChannels;
  const shape = [batch, c, height, width];
  const toNchw = async (x: tf.Tensor4D) => {
    const t = tf.transpose(x, [0, 3, 1, 2]);
    const v = new Float32Array(await t.data() as Float32Array);
    t.dispose();
    return v;
  };
  return {
    version: ort.env.versions.node ?? ort.env.versions.common,
    toNchw,
    async runNchw(input) {
      await session.run({ x: new ort.Tensor("float32", input, shape) });
    },
    async run(x) {
      const result = await session.run({ x: new ort.Tensor("float32", await toNchw(x), shape) });
      const out: PeerOutputs = {};
      for (const task of ["segmentation", "keypoints"] as const) {
        const t = result[task];
        if (!t) continue;
        const [n, ch, h, w] = t.dims as number[];
        const nchw = t.data as Float32Array;
        const values = new Float32Array(nchw.length);
        for (let img = 0; img < n!; img++) {
          for (let cc = 0; cc < ch!; cc++) {
            for (let p = 0; p < h! * w!; p++) {
              values[(img * h! * w! + p) * ch! + cc] = nchw[(img * ch! + cc) * h! * w! + p]!;
            }
          }
        }
        out[task] = { shape: [n!, h!, w!, ch!], values };
      }
      return out;
    },
    release: () => session.release(),
  };
}
