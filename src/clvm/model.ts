/**
 * The CLVM: coordinate ascent over the latent layers (docs/MODEL.md §1–§2), its heads, and
 * its weights.
 *
 * @module
 */
import {
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  type Tensor4D,
  tf,
  type Variable,
} from "../deps.ts";
import { BN_EPSILON, type CLVMOptions, type ResolvedOptions, resolveOptions } from "./config.ts";
import { VARIANTS } from "./variants.ts";
import { initParams, paramSpecs } from "./params.ts";
import { type HeadLayers, type Update, updateSchedule } from "./passes.ts";
import { checkGroupable, nmsWinners } from "../ops/nms.ts";
import { nmsReluFused } from "../kernels/nms_pass.ts";
import { addSignals, reluKeepingOutput } from "../ops/lean_grad.ts";
import { sumPool2x2, topDownThroughNms } from "../ops/pooling.ts";
import { type Feedback, unknownFeedback } from "../ops/feedback.ts";
import { convSame, convTransposeSame } from "../ops/conv.ts";
import { fusedPredict, isFusable } from "./fused_predict.ts";
import type { HeadOutputs } from "./heads.ts";
import { requireBackend } from "../backend.ts";
import { batchNormTraining } from "../kernels/batch_norm.ts";
import { hasLayerUpdateKernel, layerUpdate } from "../kernels/layer_update.ts";

type T4 = tf.Tensor4D;

/** Whether a feedback mode needs the winner mask of each NMS layer's last update. */
function keepsWinners(feedback: Feedback): boolean {
  switch (feedback) {
    case "switches":
      return true;
    case "replicate":
    case "zero-interlace":
      return false;
    default:
      return unknownFeedback(feedback);
  }
}

/** Batch statistics of one forward pass in training mode, by batch-norm name. */
export type BatchStats = Map<string, { mean: Tensor1D; variance: Tensor1D }>;

/** Options of {@link CLVM.forward}. */
export interface ForwardOptions {
  /** Number of passes (default: the model's). */
  passes?: number;
  /** Batch norm from batch statistics instead of running averages. */
  training?: boolean;
  /** Skip the last pass's updates that cannot reach a head (default true). */
  lazy?: boolean;
  /** Receives the batch statistics of each batch norm (training mode); caller disposes. */
  batchStats?: BatchStats;
}

/** A weight map: names of docs/MODEL.md §6 to tensors. */
export type WeightMap = Record<string, Tensor>;

/**
 * A convolutional latent-variable model. Create one with {@link createCLVM}.
 */
export class CLVM {
  /** The options with every default filled in. */
  readonly options: ResolvedOptions;
  readonly #params: Map<string, tf.Variable>;
  #disposed = false;

  /** Use {@link createCLVM}. */
  constructor(options: ResolvedOptions) {
    this.options = options;
    this.#params = initParams(options);
  }

  /** Number of layers L. */
  get layerCount(): number {
    return this.options.architecture.layers.length;
  }

  /** The factor by which layer `layer`'s maps are smaller than the input. */
  stride(layer: number): number {
    const layers = this.options.architecture.layers;
    let s = 1;
    for (let i = 1; i < layer; i++) if (layers[i - 1]!.nms) s *= 2;
    return s;
  }

  #param(name: string): tf.Variable {
    const p = this.#params.get(name);
    if (!p) throw new Error(`The model has no parameter "${name}"`);
    return p;
  }

  #checkAlive(): void {
    if (this.#disposed) throw new Error("This CLVM has been disposed");
  }

  /**
   * Throws one sentence unless `x` is a live float32 tensor of a shape the model takes,
   * naming the expected and the received shape. (Non-finite values are not an error:
   * see {@link CLVM.predict}.)
   */
  checkInput(x: Tensor): asserts x is Tensor4D {
    this.#checkAlive();
    const { inputChannels, layers } = this.options.architecture;
    const nmsCount = layers.filter((l) => l.nms).length;
    const multiple = 2 ** nmsCount;
    const expected = `[N, H, W, ${inputChannels}] with H and W multiples of ${multiple}` +
      ` (the ${nmsCount} NMS layers each halve them)`;
    if (!(x instanceof tf.Tensor)) {
      const v = x as unknown;
      const found = v === null || v === undefined
        ? String(v)
        : Array.isArray(v)
        ? "an array"
        : ArrayBuffer.isView(v)
        ? `a ${v.constructor.name}`
        : typeof v === "object"
        ? "an object"
        : `a ${typeof v}`;
      throw new Error(
        `Cannot run the CLVM on ${found}: expected a tf.Tensor of shape ${expected}`,
      );
    }
    if (x.isDisposed) {
      throw new Error(
        `Cannot run the CLVM on a disposed tensor of shape [${
          x.shape.join(", ")
        }]: it was disposed before the call (keep it alive until the call returns)`,
      );
    }
    const [n, h, w, c] = x.shape;
    if (
      x.rank !== 4 || c !== inputChannels || h! % multiple !== 0 || w! % multiple !== 0 ||
      h === 0 || w === 0 || n === 0
    ) {
      throw new Error(
        `Cannot run the CLVM on an input of shape [${x.shape.join(", ")}]: expected ${expected}`,
      );
    }
    if (x.dtype !== "float32") {
      throw new Error(`Cannot run the CLVM on a ${x.dtype} input: expected float32`);
    }
  }

  /**
   * `[N, 1, 1, 1]`: true where image n of `x` is all finite. Costs one `isFinite` and
   * one `all` reduction over the input (no read-back, so it works on every backend).
   */
  #finiteImages(x: T4): tf.Tensor4D {
    return tf.tidy(() =>
      tf.reshape(tf.all(tf.isFinite(x), [1, 2, 3]), [x.shape[0], 1, 1, 1]) as tf.Tensor4D
    );
  }

  /** `t` where its image's input was finite, NaN elsewhere (one `where` per output). */
  #poison(t: T4, finite: tf.Tensor4D): T4 {
    // t + (0 / finite): adds 0 or NaN per image. A broadcast `add` of [N, 1, 1, 1] costs
    // nothing, while `where` tiles the condition to t's full size (wasm: most of a tiny
    // model's predict at 180×180).
    return tf.tidy(() => tf.add(t, tf.div(0, tf.cast(finite, "float32")))) as T4;
  }

  #batchNorm(
    v: T4,
    name: string,
    training: boolean,
    stats: BatchStats | undefined,
  ): T4 {
    const gamma = this.#param(`${name}/gamma`);
    const beta = this.#param(`${name}/beta`);
    if (training) {
      // Kept statistics: stored for the caller, or freed here.
      const { y, mean, variance } = batchNormTraining(
        v,
        gamma as tf.Tensor1D,
        beta as tf.Tensor1D,
        BN_EPSILON,
      );
      if (stats) {
        stats.get(name)?.mean.dispose();
        stats.get(name)?.variance.dispose();
        stats.set(name, { mean, variance });
      } else tf.dispose([mean, variance]);
      return y;
    }
    return tf.batchNorm(
      v,
      this.#param(`${name}/mean`),
      this.#param(`${name}/variance`),
      beta,
      gamma,
      BN_EPSILON,
    ) as T4;
  }

  /**
   * Runs the layer updates of `schedule` from z = 0 and returns z₁..z_L (null for a
   * layer never updated). `afterEach` sees the state after every update.
   */
  #sweep(
    x: T4,
    schedule: Update[],
    training: boolean,
    stats: BatchStats | undefined,
    afterEach?: (z: (T4 | null)[]) => void,
    onSignals?: (layer: number, bottom: T4 | null, top: T4 | null) => void,
  ): (T4 | null)[] {
    const { layers } = this.options.architecture;
    const { tied, feedback, batchNorm } = this.options;
    const L = layers.length;
    // z[i] for i = 1..L (index 0 unused); null means "still all zero".
    const z: (T4 | null)[] = new Array(L + 1).fill(null);
    const winners: (T4 | null)[] = new Array(L + 1).fill(null);
    // Layer 1's bottom-up signal conv(x, w₁) is the same at each of its updates: computed once.
    let imageConv: T4 | null = null;
    for (const { layer: i } of schedule) {
      const { next, won } = tf.tidy((): { next: T4; won?: T4 } => {
        const below = i === 1 ? x : z[i - 1];
        const isNms = layers[i - 1]!.nms;
        const parts: T4[] = [];
        let bottom: T4 | null = null, topDown: T4 | null = null;
        if (below) {
          const input = i > 1 && layers[i - 2]!.nms ? sumPool2x2(below) : below;
          const kernel = this.#param(`conv${i}/kernel`) as tf.Tensor4D;
          // Layer 1 reads the image: tfjs's own conv2d computes no gradient for an input that
          // needs none (convSame's gradient always computes both, a full transposed conv here).
          if (i === 1) imageConv ??= tf.keep(tf.conv2d(input, kernel, 1, "same"));
          let bot = i === 1 ? imageConv! : convSame(input, kernel);
          if (batchNorm) bot = this.#batchNorm(bot, `bn${i}/bottom`, training, stats);
          parts.push(bot);
          bottom = bot;
        }
        const above = i < L ? z[i + 1] : null;
        if (above) {
          const filter = this.#param(
            tied ? `conv${i + 1}/kernel` : `topdown${i + 1}/kernel`,
          ) as tf.Tensor4D;
          const [n, h, w] = above.shape;
          let top = isNms
            ? topDownThroughNms(above, filter, feedback, winners[i] ?? undefined)
            : convTransposeSame(above, filter, [n, h, w, layers[i - 1]!.channels]);
          if (batchNorm) top = this.#batchNorm(top, `bn${i}/top`, training, stats);
          parts.push(top);
          topDown = top;
        }
        onSignals?.(i, bottom, topDown);
        const bias = this.#param(`conv${i}/bias`);
        if (isNms) checkGroupable(parts[0] ?? x, i);
        // One kernel where the backend has it (`kernels/layer_update.ts`); the switches
        // feedback also needs the winners of a.
        if (parts.length > 0 && !(isNms && keepsWinners(feedback)) && hasLayerUpdateKernel()) {
          return { next: layerUpdate(parts, bias as tf.Tensor1D, isNms) };
        }
        // The sum and relu keep no activation for the gradient (`ops/lean_grad.ts`).
        const a = parts.length === 0
          ? tf.add(tf.zeros([x.shape[0], 1, 1, layers[i - 1]!.channels]), bias) as T4
          : addSignals(parts, bias as tf.Tensor1D);
        if (!isNms) return { next: reluKeepingOutput(a) };
        checkGroupable(a, i);
        return { next: nmsReluFused(a), ...(keepsWinners(feedback) ? { won: nmsWinners(a) } : {}) };
      });
      z[i]?.dispose();
      z[i] = next;
      if (won) {
        winners[i]?.dispose();
        winners[i] = won;
      }
      afterEach?.(z);
    }
    for (const w of winners) w?.dispose();
    (imageConv as T4 | null)?.dispose();
    return z;
  }

  /**
   * The bottom-up and top-down signals into `layer` at its last update within `passes`
   * passes, after batch norm and before the bias (null where a signal is absent), as new
   * tensors the caller disposes: the parts of z_i that Fig. 12 takes apart.
   */
  signals(
    x: Tensor,
    layer: number,
    passes: number = this.options.passes,
  ): { bottom: Tensor4D | null; top: Tensor4D | null } {
    this.checkInput(x);
    checkPasses(passes);
    if (!Number.isInteger(layer) || layer < 1 || layer > this.layerCount) {
      throw new Error(`Invalid layer ${layer}: this model has layers 1..${this.layerCount}`);
    }
    let found: { bottom: T4 | null; top: T4 | null } = { bottom: null, top: null };
    const schedule = updateSchedule(this.layerCount, passes);
    const z = this.#sweep(x, schedule, false, undefined, undefined, (i, bottom, top) => {
      if (i !== layer) return;
      tf.dispose([found.bottom, found.top].filter((t): t is T4 => t !== null));
      found = { bottom: bottom && tf.keep(tf.clone(bottom)), top: top && tf.keep(tf.clone(top)) };
    });
    z.forEach((t) => t?.dispose());
    return tf.tidy(() => {
      const finite = this.#finiteImages(x);
      const out = {
        bottom: found.bottom && this.#poison(found.bottom, finite),
        top: found.top && this.#poison(found.top, finite),
      };
      tf.dispose([found.bottom, found.top].filter((t): t is T4 => t !== null));
      return out as unknown as tf.TensorContainer;
    }) as unknown as { bottom: T4 | null; top: T4 | null };
  }

  /**
   * z_i from given signals: `relu(b_i + Σ signals)`, or its NMS (layer `layer`'s update
   * rule applied to a chosen part of its input).
   */
  activate(layer: number, signals: readonly Tensor[]): Tensor4D {
    if (signals.length === 0) throw new Error("activate() needs at least one signal");
    return tf.tidy(() => {
      const bias = this.#param(`conv${layer}/bias`);
      const a = tf.add(tf.addN([...signals]), bias) as T4;
      return this.options.architecture.layers[layer - 1]!.nms ? nmsReluFused(a) : tf.relu(a);
    });
  }

  /** A head's logits read from `input` (a map of the layer the head reads). */
  head(task: "segmentation" | "keypoints", input: Tensor): Tensor4D {
    if (!this.options.heads[task]) throw new Error(`This CLVM has no ${task} head`);
    return tf.tidy(() =>
      tf.add(
        tf.conv2d(input as T4, this.#param(`head/${task}/kernel`) as tf.Tensor4D, 1, "same"),
        this.#param(`head/${task}/bias`),
      ) as T4
    );
  }

  #headLayers(): HeadLayers | undefined {
    const layers = Object.values(this.options.heads).map((h) => h.layer);
    if (layers.length === 0) return undefined;
    return { lowest: Math.min(...layers), highest: Math.max(...layers) };
  }

  #zeroLike(x: T4, layer: number): T4 {
    const c = this.options.architecture.layers[layer - 1]!.channels;
    const s = this.stride(layer);
    return tf.zeros([x.shape[0], x.shape[1] / s, x.shape[2] / s, c]);
  }

  /**
   * z₁..z_L after `passes` passes (default: the model's), as new tensors the caller
   * disposes. Index 0 holds z₁.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { tf } from "../deps.ts";
   * import { createCLVM, initBackend } from "../../mod.ts";
   * await initBackend("cpu");
   * const clvm = createCLVM({ architecture: "tiny", passes: 2 });
   * const z = clvm.latents(tf.zeros([1, 8, 8, 3]));
   * assert.equal(z.length, 8);
   * z.forEach((t) => t.dispose());
   * clvm.dispose();
   * ```
   */
  latents(x: Tensor, passes: number = this.options.passes): Tensor4D[] {
    this.checkInput(x);
    checkPasses(passes);
    const schedule = updateSchedule(this.layerCount, passes);
    const z = this.#sweep(x, schedule, false, undefined);
    const layers = z.slice(1).map((t, i) => t ?? this.#zeroLike(x, i + 1));
    const finite = this.#finiteImages(x);
    const out = layers.map((t) => this.#poison(t, finite));
    tf.dispose([...layers, finite]);
    return out;
  }

  /**
   * The global score S(z) of docs/MODEL.md §2 for each image, `[N]`. Uses the filters and
   * biases only (S is defined without batch norm). `z` holds z₁..z_L.
   */
  score(x: Tensor, z: readonly Tensor[]): Tensor1D {
    this.checkInput(x);
    if (z.length !== this.layerCount) {
      throw new Error(
        `Cannot score ${z.length} latent layers: this model has ${this.layerCount}`,
      );
    }
    z.forEach((zi, k) => {
      const expected = this.#zeroLike(x, k + 1);
      const ok = expected.shape.every((d, j) => zi.shape[j] === d) && zi.rank === 4;
      const want = expected.shape.join(", ");
      expected.dispose();
      if (!ok) {
        throw new Error(
          `Cannot score z${k + 1} of shape [${zi.shape.join(", ")}]: expected [${want}]`,
        );
      }
    });
    return tf.tidy(() =>
      tf.where(tf.reshape(this.#finiteImages(x), [-1]), this.#score(x, z as T4[]), NaN)
    );
  }

  #score(x: T4, z: readonly (T4 | null)[]): tf.Tensor1D {
    const { layers } = this.options.architecture;
    let total: tf.Tensor1D = tf.zeros([x.shape[0]]);
    for (let i = 1; i <= layers.length; i++) {
      const zi = z[i - 1];
      if (!zi) continue;
      const below = i === 1 ? x : z[i - 2];
      const perImage = (t: tf.Tensor) => tf.sum(t, [1, 2, 3]) as tf.Tensor1D;
      let term = tf.add(
        tf.mul(-0.5, perImage(tf.square(zi))),
        perImage(tf.mul(zi, this.#param(`conv${i}/bias`))),
      ) as tf.Tensor1D;
      if (below) {
        const input = i > 1 && layers[i - 2]!.nms ? sumPool2x2(below) : below;
        const bot = tf.conv2d(input, this.#param(`conv${i}/kernel`) as tf.Tensor4D, 1, "same");
        term = tf.add(term, perImage(tf.mul(zi, bot)));
      }
      total = tf.add(total, term);
    }
    return total;
  }

  /**
   * S after every layer update of `passes` passes, starting from z = 0: `[updates + 1, N]`
   * (row 0 is S(0) = 0). The convergence study of Fig. 15.
   */
  scoreTrace(x: Tensor, passes: number = this.options.passes): Tensor2D {
    this.checkInput(x);
    checkPasses(passes);
    const rows: tf.Tensor1D[] = [tf.zeros([x.shape[0]])];
    const schedule = updateSchedule(this.layerCount, passes);
    const z = this.#sweep(x, schedule, false, undefined, (state) => {
      rows.push(tf.tidy(() => this.#score(x, state.slice(1))));
    });
    z.forEach((t) => t?.dispose());
    const out = tf.tidy(() =>
      tf.where(tf.reshape(this.#finiteImages(x), [1, -1]), tf.stack(rows), NaN) as tf.Tensor2D
    );
    rows.forEach((r) => r.dispose());
    return out;
  }

  /**
   * The heads' logits (the graph the trainer differentiates). Lazy by default: the
   * last pass skips updates no head can see.
   */
  forward(x: Tensor, options: ForwardOptions = {}): HeadOutputs {
    this.checkInput(x);
    checkForwardOptions(options);
    const passes = options.passes ?? this.options.passes;
    checkPasses(passes);
    const heads = this.#headLayers();
    if (!heads) throw new Error("This CLVM has no heads: give options.heads to predict");
    const schedule = updateSchedule(
      this.layerCount,
      passes,
      options.lazy === false ? undefined : heads,
    );
    return tf.tidy(() => {
      const z = this.#sweep(x, schedule, options.training ?? false, options.batchStats);
      const finite = this.#finiteImages(x);
      const out: HeadOutputs = {};
      for (const task of ["segmentation", "keypoints"] as const) {
        const head = this.options.heads[task];
        if (!head) continue;
        const input = z[head.layer] ?? this.#zeroLike(x, head.layer);
        out[task] = this.#poison(
          tf.add(
            tf.conv2d(input, this.#param(`head/${task}/kernel`) as tf.Tensor4D, 1, "same"),
            this.#param(`head/${task}/bias`),
          ) as T4,
          finite,
        );
      }
      return out as Record<string, T4>;
    }) as HeadOutputs;
  }

  /**
   * The heads' logits in inference mode: `{ segmentation?, keypoints? }`, each
   * `[N, h, w, channels]` at the resolution of the layer the head reads. Models with
   * replicate feedback run on the fused kernels, batch norm folded into the filters
   * (src/kernels/; equal to `forward()` to 1e-4 and several times faster), unless
   * {@link setInferenceKernels} says `"generic"`. Not differentiable: train through
   * `forward()`.
   *
   * Non-finite input: an image holding any NaN or ±Infinity gets all-NaN outputs, the
   * same on every backend (wasm's kernels would otherwise turn it into finite numbers),
   * and leaves the other images of the batch untouched; `forward`, `latents`, `score`,
   * `scoreTrace` and `signals` do the same. It is a documented result rather than an
   * error because an error would need a synchronous read-back, which WebGPU in Deno
   * cannot do. Cost: one `isFinite` + `all` reduction over the input and one `where`
   * per output (under 2% of a paper-size CLVM₂ predict at 180×180 on wasm).
   */
  predict(x: Tensor): HeadOutputs {
    if (inferenceKernels === "fused" && isFusable(this.options)) {
      this.checkInput(x);
      // Non-finite values are zeroed before the fused kernels (whose WebGPU version lets
      // an image's Infinity/NaN shift its batch neighbours' outputs by ~1e-2) and the
      // outputs of their images set to NaN after.
      const finite = this.#finiteImages(x);
      const clean = tf.tidy(() => tf.where(tf.isFinite(x), x, tf.zerosLike(x))) as T4;
      const raw = fusedPredict(this.options, this.getWeights(), clean);
      clean.dispose();
      return tf.tidy(() => {
        const out: Record<string, T4> = {};
        for (const [task, t] of Object.entries(raw)) out[task] = this.#poison(t as T4, finite);
        tf.dispose([...Object.values(raw), finite]);
        return out;
      }) as HeadOutputs;
    }
    return this.forward(x);
  }

  /**
   * Moves the batch-norm running averages toward `stats` (momentum as in Keras: the
   * weight of the old value; 0 sets them to `stats`).
   */
  updateBatchNormAverages(stats: BatchStats, momentum = 0.9): void {
    for (const [name, { mean, variance }] of stats) {
      for (const [key, value] of [["mean", mean], ["variance", variance]] as const) {
        const v = this.#param(`${name}/${key}`);
        tf.tidy(() =>
          v.assign(
            momentum === 0 ? value : tf.add(tf.mul(v, momentum), tf.mul(value, 1 - momentum)),
          )
        );
      }
    }
  }

  /**
   * The model's parameters by name (docs/MODEL.md §6): `conv{i}/kernel`, `conv{i}/bias`,
   * `topdown{i}/kernel` (untied), `bn{i}/{bottom,top}/{gamma,beta,mean,variance}`,
   * `head/{segmentation,keypoints}/{kernel,bias}`. These are the model's own tensors:
   * read them, do not dispose them.
   */
  getWeights(): WeightMap {
    this.#checkAlive();
    return Object.fromEntries(this.#params);
  }

  /** The trainable parameters, for an optimizer. */
  trainableVariables(): Map<string, Variable> {
    this.#checkAlive();
    return new Map([...this.#params].filter(([, v]) => v.trainable));
  }

  /**
   * Copies values into the named parameters. Every name must exist and every shape
   * match; names left out keep their values.
   */
  setWeights(weights: WeightMap | Map<string, Tensor>): void {
    this.#checkAlive();
    const entries = weights instanceof Map ? [...weights] : Object.entries(weights);
    for (const [name, value] of entries) {
      const p = this.#params.get(name);
      if (!p) {
        throw new Error(
          `Unknown weight "${name}": this model has ${[...this.#params.keys()].join(", ")}`,
        );
      }
      if (!tf.util.arraysEqual(p.shape, value.shape)) {
        throw new Error(
          `Cannot set weight "${name}": expected shape [${p.shape.join(", ")}], received [${
            value.shape.join(", ")
          }]`,
        );
      }
    }
    for (const [name, value] of entries) {
      this.#params.get(name)!.assign(value.dtype === "float32" ? value : tf.cast(value, "float32"));
    }
  }

  /** Frees every parameter. */
  dispose(): void {
    if (this.#disposed) return;
    for (const v of this.#params.values()) v.dispose();
    this.#params.clear();
    this.#disposed = true;
  }
}

let inferenceKernels: "fused" | "generic" = "fused";

/**
 * Chooses the kernels `CLVM.predict()` uses where a model allows the fused path:
 * `"fused"` (default, the fastest measured on every backend here) or `"generic"`
 * (tfjs's own ops, as `forward()`). Returns the previous choice.
 */
export function setInferenceKernels(kernels: "fused" | "generic"): "fused" | "generic" {
  if (kernels !== "fused" && kernels !== "generic") {
    throw new Error(`Unknown inference kernels "${kernels}": expected fused or generic`);
  }
  const previous = inferenceKernels;
  inferenceKernels = kernels;
  return previous;
}

function checkForwardOptions(options: ForwardOptions): void {
  if (options === null || typeof options !== "object") {
    throw new Error(`Invalid forward options ${String(options)}: expected an object`);
  }
  const valid = ["passes", "training", "lazy", "batchStats"];
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) {
      throw new Error(`Unknown forward option "${key}": expected one of ${valid.join(", ")}`);
    }
  }
  for (const key of ["training", "lazy"] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== "boolean") {
      throw new Error(
        `Invalid forward option ${key} ${
          typeof v === "string" ? JSON.stringify(v) : String(v)
        }: expected a boolean (true or false)`,
      );
    }
  }
}

function checkPasses(passes: number): void {
  if (!Number.isInteger(passes) || passes < 1) {
    throw new Error(`Invalid passes ${passes}: expected an integer ≥ 1`);
  }
}

/**
 * Creates a CLVM. Options are checked strictly (booleans must be booleans, numbers
 * finite, unknown keys are errors naming the valid ones). A tfjs backend must be
 * initialized first: before `await initBackend()` this throws one sentence saying so
 * (the backend choice is asynchronous, so it cannot be made here).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { createCLVM, initBackend } from "../../mod.ts";
 * await initBackend("cpu");
 * const clvm = createCLVM({ variant: "CLVM2-seg", architecture: "tiny", seed: 3 });
 * const { segmentation } = clvm.predict(tf.zeros([1, 16, 16, 3]));
 * assert.deepEqual(segmentation?.shape, [1, 16, 16, 3]);
 * segmentation?.dispose();
 * clvm.dispose();
 * ```
 */
export function createCLVM(options: CLVMOptions = {}): CLVM {
  const resolved = resolveOptions(options, VARIANTS);
  requireBackend("createCLVM()");
  return new CLVM(resolved);
}

/** The parameter names a model with `options` has, without creating it. */
export function weightNames(options: CLVMOptions = {}): string[] {
  return paramSpecs(resolveOptions(options, VARIANTS)).map((s) => s.name);
}
