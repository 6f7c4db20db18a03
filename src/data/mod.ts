/**
 * The datasets in their real on-disk formats (LFW-Parts, AFLW, Pascal Person), opened by name
 * through `openDataset`, the image, MAT and tar codecs they need, preprocessing for the
 * network and seeded batches.
 *
 * @module
 */
export * from "./aflw/mod.ts";
export * from "./batches.ts";
export * from "./lfw_parts/mod.ts";
// The codecs live below the datasets; their names stay reachable here as before.
export * from "../formats/mod.ts";
export * from "./open_dataset.ts";
export * from "./pascal_person/mod.ts";
export * from "./preprocess.ts";
export * from "./types.ts";
export * from "./views.ts";
