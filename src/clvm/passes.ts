/**
 * The order of layer updates (docs/MODEL.md §2): pass 1 bottom-up over 1..L, then alternating
 * top-down passes over L−1..1 and bottom-up passes over 2..L.
 *
 * @module
 */

/** One layer update: which pass it belongs to and which layer (1-based) it updates. */
export interface Update {
  /** The pass (1-based). */
  pass: number;
  /** The layer updated (1-based). */
  layer: number;
}

/** Which layers the heads read, for lazy evaluation of the last pass. */
export interface HeadLayers {
  /** The lowest layer a head reads. */
  lowest: number;
  /** The highest layer a head reads. */
  highest: number;
}

/**
 * The updates of `passes` passes over `layers` layers. With `heads`, the last pass is
 * lazy: a top-down pass stops at the lowest layer a head reads, a bottom-up pass at the
 * highest — the updates it drops cannot change any head's input.
 *
 * @example
 * ```ts
 * import { updateSchedule } from "./passes.ts";
 * updateSchedule(3, 2).map((u) => u.layer); // [1, 2, 3, 2, 1]
 * ```
 */
export function updateSchedule(layers: number, passes: number, heads?: HeadLayers): Update[] {
  const updates: Update[] = [];
  for (let pass = 1; pass <= passes; pass++) {
    const last = pass === passes && heads !== undefined;
    if (pass % 2 === 0) {
      const stop = last ? heads!.lowest : 1;
      for (let layer = layers - 1; layer >= stop; layer--) updates.push({ pass, layer });
    } else {
      const stop = last ? heads!.highest : layers;
      for (let layer = pass === 1 ? 1 : 2; layer <= stop; layer++) updates.push({ pass, layer });
    }
  }
  return updates;
}
