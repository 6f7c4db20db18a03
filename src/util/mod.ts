/**
 * The ground floor: a seeded generator (mulberry32) whose state fits in a checkpoint, one
 * progress bar for long jobs, and small file-system helpers (atomic writes, `exists`). Imports
 * nothing of the project.
 *
 * @module
 */
export * from "./fs.ts";
export * from "./progress.ts";
export * from "./prng.ts";
export * from "./cli.ts";
export * from "./lock.ts";
export * from "./run_dir.ts";
