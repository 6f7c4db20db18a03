/**
 * The paper's metrics as pure functions over arrays (no model, no tfjs): keypoint errors and
 * their curves, pixel and superpixel accuracies, SLIC superpixels; and the paper's Table 3
 * timings, the one copy the benchmarks and the reproduction compare against.
 *
 * @module
 */
export * from "./curves.ts";
export * from "./landmarks.ts";
export * from "./segmentation.ts";
export * from "./superpixels.ts";
export type { Box, RgbImage } from "../data/types.ts";
export * from "./baselines.ts";
export * from "./bootstrap.ts";
export * from "./paper_table3.ts";
