// The CLVM's inference sweep (docs/MODEL.md §1–§2: replicate feedback, tied weights, no batch norm,
// lazy last pass) on the fused kernels of src/kernels/: what `CLVM.predict()` runs when the
// model allows it. `CLVM.forward()` keeps the generic, differentiable path.
import { tf } from "../deps.ts";
import type { CLVM, HeadOutputs } from "./model.ts";
import type { ResolvedOptions } from "./config.ts";
import { updateSchedule } from "./passes.ts";
import { conv2dAdd, convTransposeAdd } from "../kernels/fused_topdown.ts";
import { fusedUpdate, fusedUpdatePooled } from "../kernels/fused_update.ts";

type T4 = tf.Tensor4D;

/** Throws unless the fused sweep computes exactly what `clvm.predict` does for this model. */
/** True when the fused inference sweep computes exactly this model's `forward()`. */
export function isFusable(options: ResolvedOptions): boolean {
  return options.feedback === "replicate" && options.tied && !options.batchNorm &&
    Object.keys(options.heads).length > 0;
}

/** Throws unless the fused inference sweep applies to `clvm`. */
export function checkFusable(clvm: CLVM): void {
  const { feedback, tied, batchNorm } = clvm.options;
  if (feedback !== "replicate" || !tied || batchNorm) {
    throw new Error(
      `Cannot run the fused forward for a CLVM with feedback "${feedback}", tied ${tied}, ` +
        `batch norm ${batchNorm}: expected replicate feedback, tied weights, no batch norm`,
    );
  }
  if (Object.keys(clvm.options.heads).length === 0) {
    throw new Error("Cannot run the fused forward for a CLVM without heads");
  }
}

/**
 * The heads' logits of `clvm` for `x` (`[N, H, W, C_in]`), computed with the fused kernels:
 * the same values as `clvm.predict(x)` up to rounding. Inference only. The caller disposes
 * the outputs.
 */
export function fusedPredict(clvm: CLVM, x: T4, passes: number = clvm.options.passes): HeadOutputs {
  checkFusable(clvm);
  clvm.checkInput(x);
  const weights = clvm.getWeights();
  const { layers } = clvm.options.architecture;
  const L = layers.length;
  const heads = Object.values(clvm.options.heads).map((h) => h.layer);
  const schedule = updateSchedule(L, passes, {
    lowest: Math.min(...heads),
    highest: Math.max(...heads),
  });
  const kernel = (i: number) => weights[`conv${i}/kernel`] as T4;
  const bias = (i: number) => weights[`conv${i}/bias`] as tf.Tensor1D;
  return tf.tidy(() => {
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
        const top = above ? convTransposeAdd(above, kernel(i + 1), null) : null;
        next = conv2dAdd(below, kernel(i), top, { bias: bias(i), relu: true });
        top?.dispose();
      } else if (below && !nms && above) {
        const bot = botOf(i, below, keepBot[u]!);
        next = convTransposeAdd(above, kernel(i + 1), bot.t, { bias: bias(i), relu: true });
        if (bot.owned) bot.t.dispose();
      } else {
        const bot = below ? botOf(i, below, keepBot[u]!) : { t: zerosAt(clvm, x, i), owned: true };
        const top = above ? convTransposeAdd(above, kernel(i + 1), null) : null;
        if (nms) {
          ({ z: next, pooled: nextPooled } = fusedUpdatePooled(bot.t, top, bias(i), true, {
            topPooled: true,
          }));
        } else {
          next = fusedUpdate(bot.t, top, bias(i), false);
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
      const head = clvm.options.heads[task];
      if (!head) continue;
      const input = z[head.layer] ?? zerosAt(clvm, x, head.layer);
      out[task] = conv2dAdd(input, weights[`head/${task}/kernel`] as T4, null, {
        bias: weights[`head/${task}/bias`] as tf.Tensor1D,
      });
    }
    return out as Record<string, T4>;
  }) as HeadOutputs;
}

function zerosAt(clvm: CLVM, x: T4, layer: number): T4 {
  const s = clvm.stride(layer);
  const c = clvm.options.architecture.layers[layer - 1]!.channels;
  return tf.zeros([x.shape[0], x.shape[1] / s, x.shape[2] / s, c]);
}
