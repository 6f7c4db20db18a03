/**
 * A small seeded pseudo-random generator (mulberry32) whose whole state is one 32-bit
 * integer, so it can be saved in a checkpoint and resumed exactly. `Math.random` and
 * `tf.util.shuffle` are not seedable; everything random on the data side uses this.
 *
 * @module
 */

/**
 * The mulberry32 generator: 32 bits of state, period 2³², fast, good enough for
 * shuffles and augmentation (not for cryptography).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rng = new Mulberry32(42);
 * const a = rng.next();
 * const saved = rng.state;
 * const b = rng.next();
 * const again = Mulberry32.fromState(saved);
 * assert.ok(again.next() === b && a >= 0 && a < 1);
 * ```
 */
export class Mulberry32 {
  #state: number;

  /** Starts the generator from `seed` (any number; only its low 32 bits count). */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new Error(`Cannot seed Mulberry32 with ${seed}: expected a finite number`);
    }
    this.#state = seed >>> 0;
  }

  /** The current state (an unsigned 32-bit integer); `fromState` resumes from it. */
  get state(): number {
    return this.#state;
  }

  /** A generator that continues exactly where the one whose `state` was saved stood. */
  static fromState(state: number): Mulberry32 {
    return new Mulberry32(state);
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** The next number, uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** The next integer, uniform in [0, n) (n ≥ 1). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n >= 1)) {
      throw new Error(`Cannot draw an integer below ${n}: expected a positive integer`);
    }
    return Math.floor(this.next() * n);
  }
}

/**
 * Mixes several integers into one 32-bit seed (a murmur3-style finalizer after each
 * part), so derived streams (seed, epoch, position) are independent of each other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(mixSeed(1, 0, 5) !== mixSeed(1, 0, 6));
 * ```
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * Shuffles `items` in place (Fisher–Yates) with `rng`; returns the same array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const order = shuffleInPlace([0, 1, 2, 3], new Mulberry32(7));
 * assert.ok(order.length === 4);
 * ```
 */
export function shuffleInPlace<T>(items: T[], rng: Mulberry32): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}
