/**
 * The paper's variants as option presets (docs/MODEL.md §4). Head layers are the `paper`
 * architecture's (z8 top, z5 keypoints, z1 segmentation); head channel counts are the
 * dataset's and are given when a model is created (defaults 3 classes, 21 keypoints).
 *
 * @module
 */
import type { CLVMOptions } from "./config.ts";

/** The variant names. */
export type VariantName =
  | "CLVM1-seg"
  | "CLVM1-kp"
  | "CLVM2-seg"
  | "CLVM2-kp"
  | "M-CLVM1"
  | "M-CLVM2"
  | "M-CLVM2-untied";

/**
 * The seven presets. Use with `createCLVM({ variant: "CLVM2-seg", heads: { segmentation:
 * { channels: 2 } } })` or spread one into the options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VARIANTS } from "./variants.ts";
 * assert.equal(VARIANTS["CLVM2-kp"].passes, 2);
 * ```
 */
export const VARIANTS: Readonly<Record<VariantName, Readonly<CLVMOptions>>> = {
  "CLVM1-seg": { passes: 1, tied: true, heads: { segmentation: { layer: 8 } } },
  "CLVM1-kp": { passes: 1, tied: true, heads: { keypoints: { layer: 8 } } },
  "CLVM2-seg": { passes: 2, tied: true, heads: { segmentation: { layer: 1 } } },
  "CLVM2-kp": { passes: 2, tied: true, heads: { keypoints: { layer: 5 } } },
  "M-CLVM1": {
    passes: 1,
    tied: true,
    heads: { segmentation: { layer: 8 }, keypoints: { layer: 8 } },
  },
  "M-CLVM2": {
    passes: 2,
    tied: true,
    heads: { segmentation: { layer: 1 }, keypoints: { layer: 5 } },
  },
  "M-CLVM2-untied": {
    passes: 2,
    tied: false,
    heads: { segmentation: { layer: 1 }, keypoints: { layer: 5 } },
  },
};

/** The variant names, in the paper's order. */
export const VARIANT_NAMES: readonly VariantName[] = Object.keys(VARIANTS) as VariantName[];
