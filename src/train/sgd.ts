/**
 * Stochastic gradient descent with momentum and weight decay (docs/MODEL.md §3), whose state —
 * one velocity per parameter and the step count — can be saved and restored exactly.
 *
 * One step, for each parameter `w` with gradient `g` (λ = weight decay, applied only
 * where `decays(name)` says so; μ = momentum; η = learning rate):
 *
 *     v ← μ·v + g + λ·w
 *     w ← w − η·v
 *
 * With a constant η this is the same trajectory as Caffe's and MatConvNet's
 * `v ← μ·v − η·(g + λ·w); w ← w + v`. Adding `λ·w` to the gradient is the gradient of
 * `λ/2·‖w‖²`, the Frobenius regularizer.
 *
 * @module
 */
import { type Tensor, tf } from "../deps.ts";
import type { StoredTensor } from "../clvm/checkpoint.ts";

/** Hyper-parameters of {@link SGD}. */
export interface SGDOptions {
  /** η. */
  learningRate: number;
  /** μ in [0, 1). */
  momentum: number;
  /** λ ≥ 0. */
  weightDecay: number;
  /** Which parameters weight decay applies to (default: all). */
  decays?: (name: string) => boolean;
}

/** The prefix of velocity names in a saved state. */
export const VELOCITY_PREFIX = "sgd/velocity/";

function checkHyper(what: string, value: number, max = Infinity): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value >= max) {
    throw new Error(
      `Invalid SGD ${what} ${value}: expected a finite number ≥ 0${
        max < Infinity ? ` and < ${max}` : ""
      }`,
    );
  }
}

/**
 * SGD with momentum over a fixed set of named parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../deps.ts";
 * import { initBackend } from "../../mod.ts";
 * import { SGD } from "./sgd.ts";
 * await initBackend("cpu");
 * const w = tf.variable(tf.tensor1d([1, 2]));
 * const sgd = new SGD(new Map([["w", w]]), { learningRate: 0.1, momentum: 0.9, weightDecay: 0 });
 * const g = tf.tensor1d([1, 1]);
 * sgd.step(new Map([["w", g]]));
 * const [a, b] = await w.data();
 * assert.ok(Math.abs(a! - 0.9) < 1e-6 && Math.abs(b! - 1.9) < 1e-6);
 * g.dispose();
 * sgd.dispose();
 * w.dispose();
 * ```
 */
export class SGD {
  /** The learning rate η (may be changed between steps). */
  learningRate: number;
  /** μ. */
  readonly momentum: number;
  /** λ. */
  readonly weightDecay: number;
  readonly #decays: (name: string) => boolean;
  readonly #params: Map<string, tf.Variable>;
  readonly #velocity = new Map<string, tf.Variable>();
  #iterations = 0;

  /** An optimizer for `params` (its velocities start at zero). */
  constructor(params: Map<string, tf.Variable>, options: SGDOptions) {
    checkHyper("learning rate", options.learningRate);
    checkHyper("momentum", options.momentum, 1);
    checkHyper("weight decay", options.weightDecay);
    this.learningRate = options.learningRate;
    this.momentum = options.momentum;
    this.weightDecay = options.weightDecay;
    this.#decays = options.decays ?? (() => true);
    this.#params = params;
    for (const [name, p] of params) {
      const zeros = tf.zerosLike(p);
      this.#velocity.set(name, tf.variable(zeros, false));
      zeros.dispose();
    }
  }

  /** The number of steps taken. */
  get iterations(): number {
    return this.#iterations;
  }

  /**
   * Applies one update. `grads` maps parameter names to gradients; a parameter with no
   * gradient keeps its velocity and only decays along it (as if its gradient were 0).
   */
  step(grads: Map<string, Tensor>): void {
    for (const name of grads.keys()) {
      if (!this.#params.has(name)) {
        throw new Error(
          `Cannot apply a gradient to "${name}": the optimizer has no such parameter`,
        );
      }
    }
    const lr = this.learningRate;
    for (const [name, w] of this.#params) {
      const v = this.#velocity.get(name)!;
      const g = grads.get(name);
      const decay = this.weightDecay > 0 && this.#decays(name) ? this.weightDecay : 0;
      tf.tidy(() => {
        let next: Tensor = tf.mul(v, this.momentum);
        if (g) next = tf.add(next, g);
        if (decay) next = tf.add(next, tf.mul(w, decay));
        v.assign(next);
        w.assign(tf.sub(w, tf.mul(next, lr)));
      });
    }
    this.#iterations++;
  }

  /** The velocities as stored tensors named `sgd/velocity/<param>`, and the step count. */
  async state(): Promise<{ iterations: number; tensors: Map<string, StoredTensor> }> {
    const tensors = new Map<string, StoredTensor>();
    for (const [name, v] of this.#velocity) {
      tensors.set(`${VELOCITY_PREFIX}${name}`, {
        shape: [...v.shape],
        data: Float32Array.from(await v.data() as Float32Array),
      });
    }
    return { iterations: this.#iterations, tensors };
  }

  /**
   * Restores the state saved by {@link state}. Every parameter's velocity must be present
   * with its shape; `source` names the file in errors.
   */
  setState(
    state: { iterations: number; tensors: Map<string, StoredTensor> },
    source = "the saved state",
  ): void {
    const values = new Map<string, Tensor>();
    try {
      for (const [name, v] of this.#velocity) {
        const stored = state.tensors.get(`${VELOCITY_PREFIX}${name}`);
        if (!stored) {
          throw new Error(
            `Cannot restore the optimizer from ${source}: it has no velocity for "${name}"`,
          );
        }
        if (!tf.util.arraysEqual(stored.shape, v.shape)) {
          throw new Error(
            `Cannot restore the optimizer from ${source}: the velocity of "${name}" has shape [${
              stored.shape.join(", ")
            }] there but the parameter has shape [${v.shape.join(", ")}]`,
          );
        }
        values.set(name, tf.tensor(stored.data, stored.shape, "float32"));
      }
      for (const [name, t] of values) this.#velocity.get(name)!.assign(t);
    } finally {
      tf.dispose([...values.values()]);
    }
    if (!Number.isInteger(state.iterations) || state.iterations < 0) {
      throw new Error(
        `Cannot restore the optimizer from ${source}: invalid step count ${state.iterations}`,
      );
    }
    this.#iterations = state.iterations;
  }

  /** Frees the velocities (not the parameters). */
  dispose(): void {
    for (const v of this.#velocity.values()) v.dispose();
    this.#velocity.clear();
  }
}
