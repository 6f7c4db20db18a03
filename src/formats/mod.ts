/**
 * The file formats the datasets come in, each read (and where tests or fixtures need it,
 * written) by code of our own: MATLAB MAT-files (levels 4 and 5), tar and gzip-compressed
 * tar archives, and JPEG, PNG and PPM images as {@link RgbImage}s. Nothing here knows a
 * dataset; every failure names the file and what was expected.
 *
 * @module
 */
export * from "./image.ts";
export * from "./mat_writer.ts";
export * from "./matfile.ts";
export * from "./rgb_image.ts";
export * from "./tar.ts";
