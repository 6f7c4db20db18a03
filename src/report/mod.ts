/**
 * Reports as pure functions over results: Markdown tables, SVG plots and image grids, and
 * SVG to PNG with a bundled font.
 *
 * @module
 */
export * from "./markdown.ts";
export * from "./png.ts";
export * from "./svg_images.ts";
export * from "./svg_plot.ts";
