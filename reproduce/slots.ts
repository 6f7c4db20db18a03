/**
 * A fixed number of slots for heavy work (a training process, a scoring pass), handed out
 * by priority — the lowest number first, then in the order asked — so that protocols run
 * side by side keep every core busy without running more than `--jobs` things at once.
 *
 * @module
 */

/** Slots handed out by priority. */
export class Slots {
  #free: number;
  #seq = 0;
  readonly #waiting: { priority: number; seq: number; grant: () => void }[] = [];

  /** `size` slots (at least one). */
  constructor(readonly size: number) {
    this.#free = Math.max(1, Math.floor(size));
  }

  /**
   * Runs `work` once a slot is free and no waiter of a lower priority number (or of the
   * same, asked earlier) is ahead; frees the slot when it settles.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Slots } from "./slots.ts";
   * const slots = new Slots(1);
   * const order: string[] = [];
   * const first = slots.use(5, async () => { await new Promise((r) => setTimeout(r, 5)); order.push("a"); });
   * const late = slots.use(5, async () => { order.push("c"); });
   * const urgent = slots.use(0, async () => { order.push("b"); });
   * await Promise.all([first, late, urgent]);
   * assert.deepEqual(order, ["a", "b", "c"]);
   * ```
   */
  async use<T>(priority: number, work: () => Promise<T>): Promise<T> {
    await this.#acquire(priority);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  /** How many are waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #acquire(priority: number): Promise<void> {
    if (this.#free > 0 && this.#waiting.length === 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((grant) => {
      const entry = { priority, seq: this.#seq++, grant };
      const at = this.#waiting.findIndex((w) =>
        w.priority > priority || (w.priority === priority && w.seq > entry.seq)
      );
      this.#waiting.splice(at === -1 ? this.#waiting.length : at, 0, entry);
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next.grant(); // the slot passes straight on
    else this.#free++;
  }
}
