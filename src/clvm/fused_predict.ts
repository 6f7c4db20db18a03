// The CLVM's inference sweep (docs/MODEL.md §1–§2: replicate feedback, lazy last pass) on the
// fused kernels of src/kernels/: what `CLVM.predict()` runs when the model allows it.
// `CLVM.forward()` keeps the generic, differentiable path. Batch norm in inference mode is a
// per-channel affine map of each signal, so it is folded into the filters and biases once
// per call: the kernels never see it.
import { type Tensor, type Tensor4D, tf } from "../deps.ts";
import { BN_EPSILON, type Feedback, type ResolvedOptions } from "./config.ts";
import { unknownFeedback } from "../ops/feedback.ts";
import type { HeadOutputs } from "./heads.ts";
import { updateSchedule } from "./passes.ts";
import { conv2dAdd, convTransposeAdd } from "../kernels/fused_topdown.ts";
import { fusedUpdate, fusedUpdatePooled } from "../kernels/fused_update.ts";

type T4 = tf.Tensor4D;

/**
 * Whether the fused kernels compute a feedback mode: they replicate the top-down signal over
 * each 2×2 group (`topPooled`), so only `replicate`; the other modes take the generic path.
 */
function fusesFeedback(feedback: Feedback): boolean {
  switch (feedback) {
    case "replicate":
      return true;
    case "switches":
    case "zero-interlace":
      return false;
    default:
      return unknownFeedback(feedback);
  }
}

/**
 * True when the fused inference sweep computes the inference-mode `forward()` of a model
 * with these options (to rounding): replicate feedback and at least one head. Tied or
 * untied filters, with or without batch norm.
 */
export function isFusable(options: ResolvedOptions): boolean {
  return fusesFeedback(options.feedback) && Object.keys(options.heads).length > 0;
}

/** Throws unless the fused inference sweep applies to a model with `options`. */
export function checkFusable(options: ResolvedOptions): void {
  const { feedback } = options;
  if (!fusesFeedback(feedback)) {
    throw new Error(
      `Cannot run the fused forward for a CLVM with feedback "${feedback}": expected ` +
        "replicate feedback",
    );
  }
  if (Object.keys(options.heads).length === 0) {
    throw new Error("Cannot run the fused forward for a CLVM without heads");
  }
}

/**
 * The heads' logits for `x` (`[N, H, W, C_in]`) of the model with resolved `options` and
 * `weights` (its parameters by name, as `CLVM.getWeights()` returns them), computed with the
 * fused kernels: the same values as `CLVM.forward(x)` up to rounding. Inference only; the
 * caller disposes the outputs, and `x` and `weights` stay the caller's.
 */
export function fusedPredict(
  options: ResolvedOptions,
  weights: Readonly<Record<string, Tensor>>,
  x: Tensor4D,
  passes: number = options.passes,
): HeadOutputs {
  checkFusable(options);
  const { layers, inputChannels } = options.architecture;
  const multiple = 2 ** layers.filter((l) => l.nms).length;
  const [n, h, w, c] = x.shape;
  if (x.rank !== 4 || c !== inputChannels || !n || !h || !w || h % multiple || w % multiple) {
    throw new Error(
      `Cannot run the fused forward on x [${x.shape}]: expected [N, H, W, ${inputChannels}] ` +
        `with H and W multiples of ${multiple}`,
    );
  }
  const weight = <T extends tf.Tensor>(name: string): T => {
    const t = weights[name];
    if (!t) throw new Error(`Cannot run the fused forward: the weights have no "${name}"`);
    return t as T;
  };
  const L = layers.length;
  const heads = Object.values(options.heads).map((head) => head.layer);
  const schedule = updateSchedule(L, passes, {
    lowest: Math.min(...heads),
    highest: Math.max(...heads),
  });
  const zerosAt = (layer: number): T4 => {
    let s = 1;
    for (let i = 1; i < layer; i++) if (layers[i - 1]!.nms) s *= 2;
    return tf.zeros([n, h / s, w / s, layers[layer - 1]!.channels]);
  };
  return tf.tidy(() => {
    const { kernel, topKernel, bias } = layerWeights(options, weight);
    // z[i] and, for NMS layers, pooled[i] = P(z[i]); index 0 unused.
    const z: (T4 | null)[] = new Array(L + 1).fill(null);
    const pooled: (T4 | null)[] = new Array(L + 1).fill(null);
    // bot_i depends on z_{i-1} only: a top-down pass reuses the value its bottom-up pass
    // computed (docs/MODEL.md §2's cost: CLVM₂ ≈ one bottom-up and one top-down convolution per layer).
    const version: number[] = new Array(L + 1).fill(0);
    const bots: ({ t: T4; version: number } | null)[] = new Array(L + 1).fill(null);
    // Whether update u's bot_i is needed again: layer i is updated once more before z_{i-1}.
    const keepBot = schedule.map(({ layer: i }, u) => {
      for (const later of schedule.slice(u + 1)) {
        if (later.layer === i - 1) return false;
        if (later.layer === i) return true;
      }
      return false;
    });
    /** bot_i, from the cache when z_{i-1} has not changed since; `owned` tensors are ours. */
    const botOf = (i: number, below: T4, keep: boolean): { t: T4; owned: boolean } => {
      const cached = bots[i];
      const v = i === 1 ? 0 : version[i - 1]!;
      if (cached && cached.version === v) return { t: cached.t, owned: false };
      cached?.t.dispose();
      bots[i] = null;
      const t = conv2dAdd(below, kernel(i), null);
      if (keep) bots[i] = { t, version: v };
      return { t, owned: !keep };
    };
    schedule.forEach(({ layer: i }, u) => {
      const below = i === 1 ? x : layers[i - 2]!.nms ? pooled[i - 1]! : z[i - 1];
      const above = i < L ? z[i + 1] : null;
      const nms = layers[i - 1]!.nms;
      const cachedOrKept = bots[i]?.version === (i === 1 ? 0 : version[i - 1]) || keepBot[u]!;
      let next: T4;
      let nextPooled: T4 | null = null;
      if (below && !nms && !cachedOrKept) {
        // bot_i is used once: fuse the whole update into the convolution that computes it.
        const top = above ? convTransposeAdd(above, topKernel(i), null) : null;
        next = conv2dAdd(below, kernel(i), top, { bias: bias(i, top !== null), relu: true });
        top?.dispose();
      } else if (below && !nms && above) {
        const bot = botOf(i, below, keepBot[u]!);
        next = convTransposeAdd(above, topKernel(i), bot.t, { bias: bias(i, true), relu: true });
        if (bot.owned) bot.t.dispose();
      } else {
        const bot = below ? botOf(i, below, keepBot[u]!) : { t: zerosAt(i), owned: true };
        // Without z_{i-1} there is no bottom-up signal, so no bottom batch-norm shift either.
        const b = bias(i, above !== null, below !== null);
        const top = above ? convTransposeAdd(above, topKernel(i), null) : null;
        if (nms) {
          ({ z: next, pooled: nextPooled } = fusedUpdatePooled(bot.t, top, b, true, {
            topPooled: true,
          }));
        } else {
          next = fusedUpdate(bot.t, top, b, false);
        }
        if (bot.owned) bot.t.dispose();
        top?.dispose();
      }
      z[i]?.dispose();
      pooled[i]?.dispose();
      z[i] = next;
      pooled[i] = nextPooled;
      version[i] = version[i]! + 1;
    });
    const out: HeadOutputs = {};
    for (const task of ["segmentation", "keypoints"] as const) {
      const head = options.heads[task];
      if (!head) continue;
      const input = z[head.layer] ?? zerosAt(head.layer);
      out[task] = conv2dAdd(input, weight<T4>(`head/${task}/kernel`), null, {
        bias: weight<tf.Tensor1D>(`head/${task}/bias`),
      });
    }
    return out as Record<string, T4>;
  }) as HeadOutputs;
}

/** The filters and biases of the sweep's layers, batch norm (inference mode) folded in. */
interface LayerWeights {
  /** The bottom-up filter of layer i. */
  kernel(i: number): T4;
  /** The filter whose transposed convolution of z_{i+1} is layer i's top-down signal. */
  topKernel(i: number): T4;
  /** Layer i's bias, with the shifts of the signals present. */
  bias(i: number, withTop: boolean, withBottom?: boolean): tf.Tensor1D;
}

/**
 * Folds batch norm into the filters: BN(conv(z, w)) = conv(z, w·s) + (β − μ·s) with
 * s = γ/√(σ² + ε) per output channel. The top-down signal into layer i has layer i's
 * channels, which are the input channels (axis 2) of the filter w_{i+1} it transposes,
 * so its scale goes on that axis, and replicating it over an NMS layer's 2×2 groups
 * commutes with the per-channel map. Its shift joins the bias only when the signal is
 * there. Call inside a `tidy`: the tensors made here are the caller's scope's.
 */
function layerWeights(
  options: ResolvedOptions,
  weight: <T extends tf.Tensor>(name: string) => T,
): LayerWeights {
  const memo = new Map<string, tf.Tensor>();
  const once = <T extends tf.Tensor>(key: string, make: () => T): T => {
    let t = memo.get(key) as T | undefined;
    if (!t) memo.set(key, t = make());
    return t;
  };
  const bn = (name: string) => {
    const scale = once(`${name}/scale`, () =>
      tf.mul(
        weight<tf.Tensor1D>(`${name}/gamma`),
        tf.rsqrt(tf.add(weight<tf.Tensor1D>(`${name}/variance`), BN_EPSILON)),
      ) as tf.Tensor1D);
    const shift = once(`${name}/shift`, () =>
      tf.sub(
        weight<tf.Tensor1D>(`${name}/beta`),
        tf.mul(weight<tf.Tensor1D>(`${name}/mean`), scale),
      ) as tf.Tensor1D);
    return { scale, shift };
  };
  const raw = (i: number) => weight<T4>(`conv${i}/kernel`);
  const rawTop = (i: number) =>
    weight<T4>(options.tied ? `conv${i + 1}/kernel` : `topdown${i + 1}/kernel`);
  if (!options.batchNorm) {
    return {
      kernel: raw,
      topKernel: rawTop,
      bias: (i) => weight<tf.Tensor1D>(`conv${i}/bias`),
    };
  }
  return {
    kernel: (i) => once(`k${i}`, () => tf.mul(raw(i), bn(`bn${i}/bottom`).scale) as T4),
    topKernel: (i) =>
      once(`t${i}`, () => {
        const { scale } = bn(`bn${i}/top`);
        return tf.mul(rawTop(i), tf.reshape(scale, [1, 1, scale.shape[0], 1])) as T4;
      }),
    bias: (i, withTop, withBottom = true) =>
      once(`b${i}/${withTop}/${withBottom}`, () => {
        let b = weight<tf.Tensor1D>(`conv${i}/bias`);
        if (withBottom) b = tf.add(b, bn(`bn${i}/bottom`).shift);
        if (withTop) b = tf.add(b, bn(`bn${i}/top`).shift);
        return b;
      }),
  };
}
