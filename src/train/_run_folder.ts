// A run's folder: its file paths, opening it for a new run or a resume, its JSON-lines log,
// and writing its checkpoints (the layout is the trainer's module doc).
import { join } from "node:path";
import type { BackendName } from "../backend.ts";
import type { CLVM } from "../clvm/model.ts";
import {
  type CheckpointContents,
  readCheckpointFile,
  type StoredTensor,
  storeTensors,
  writeCheckpointFile,
} from "../clvm/checkpoint.ts";
import { exists } from "../util/fs.ts";
import { moveContentsAside, timeStamp } from "../util/run_dir.ts";
import type { SGD } from "./sgd.ts";
import { resumeConflicts, ResumeError } from "./resume.ts";
import type { TrainConfig } from "./train_config.ts";
import { readState, type TrainState } from "./_train_state.ts";

/** The files of a run. */
export interface RunPaths {
  last: string;
  best: string;
  log: string;
}

/** The paths of the run in `out`. */
export function runPaths(out: string): RunPaths {
  return {
    last: join(out, "last.ckpt"),
    best: join(out, "best.ckpt"),
    log: join(out, "log.jsonl"),
  };
}

/** The files of a run in `out` that a new run would overwrite. */
async function runFiles(out: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of ["last.ckpt", "best.ckpt", "done.json"]) {
    if (await exists(join(out, name))) found.push(name);
  }
  return found;
}

/**
 * Opens the run folder `out`: with `resume`, reads `last.ckpt` and its training state; else
 * makes room for a new run — refusing a folder that holds one unless `force` (which moves it
 * aside), and keeping a stray log under another name.
 */
export async function openRunFolder(
  out: string,
  paths: RunPaths,
  options: { resume?: boolean; force?: boolean },
  log: (message: string) => void,
): Promise<{ contents: CheckpointContents; state: TrainState } | null> {
  if (options.resume) {
    if (!(await exists(paths.last))) {
      throw new Error(
        `Cannot resume: "${paths.last}" does not exist (start without --resume to begin a run)`,
      );
    }
    let contents: CheckpointContents;
    try {
      contents = await readCheckpointFile(paths.last);
    } catch (error) {
      throw new ResumeError(
        `${(error as Error).message}; start over without --resume and with --force (the old ` +
          "files are moved aside)",
        "corrupt",
      );
    }
    return { contents, state: readState(contents, paths.last) };
  } else {
    const found = await runFiles(out);
    if (found.length > 0) {
      if (!options.force) {
        throw new Error(
          `Cannot start a run in "${out}": it already holds one (${found.join(", ")}); pass ` +
            "--resume to continue it, --force to move it aside, or choose another --out",
        );
      }
      const aside = await moveContentsAside(out);
      log(`Moved the earlier run in "${out}" aside to "${aside}"`);
    } else if (await exists(paths.log)) {
      const old = `${paths.log}.old-${timeStamp()}`;
      await Deno.rename(paths.log, old);
      log(`"${paths.log}" had no checkpoint beside it; kept it as "${old}"`);
    }
  }
  return null;
}

/** Reads the JSON lines of a log, keeping those that belong before the checkpoint. */
export async function pruneLog(path: string, epoch: number): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const kept = text.split("\n").filter((line) => {
    if (!line.trim()) return false;
    try {
      const record = JSON.parse(line) as { event?: string; epoch?: number };
      return !(record.event === "epoch" && (record.epoch ?? 0) > epoch);
    } catch {
      return false;
    }
  });
  await Deno.writeTextFile(path, kept.map((l) => `${l}\n`).join(""));
}

/** Appends one JSON record to the log at `path`. */
export async function appendLog(path: string, record: Record<string, unknown>): Promise<void> {
  await Deno.writeTextFile(path, `${JSON.stringify(record)}\n`, { append: true });
}

/**
 * Writes the model's weights, the optimizer's state and the training state `next` (stamped
 * with `backend`) as a checkpoint to each of `targets`, after checking every weight is
 * finite: a weight that is not is `notFinite(name)`'s error, and nothing is written.
 */
export async function writeTrainCheckpoint(
  clvm: CLVM,
  sgd: SGD,
  next: TrainState,
  backend: BackendName,
  targets: readonly string[],
  notFinite: (weight: string) => Error,
): Promise<void> {
  const tensors = await storeTensors(Object.entries(clvm.getWeights()));
  for (const [name, t] of tensors) {
    if (!t.data.every(Number.isFinite)) throw notFinite(name);
  }
  const opt = await sgd.state();
  const all = new Map<string, StoredTensor>([...tensors, ...opt.tensors]);
  const meta = {
    train: { ...next, optimizer: { iterations: opt.iterations }, backend },
    clvm: clvm.options,
  };
  for (const path of targets) await writeCheckpointFile(path, { meta, tensors: all });
}

/** The identity of a run: what must agree between its checkpoints and its log. */
function identityConflicts(a: TrainConfig, b: TrainConfig): string[] {
  const out: string[] = [];
  const keys = ["variant", "architecture", "dataset", "seed", "heads", "data", "model"] as const;
  for (const key of keys) {
    if (a[key] === undefined || b[key] === undefined) continue;
    const x = JSON.stringify(a[key]);
    const y = JSON.stringify(b[key]);
    if (x !== y) out.push(`${key} ${x} (last.ckpt has ${y})`);
  }
  if (JSON.stringify(a.recipe?.name) !== JSON.stringify(b.recipe?.name)) {
    out.push(`recipe ${JSON.stringify(a.recipe?.name)} (last.ckpt has ${b.recipe?.name})`);
  }
  return out;
}

/**
 * Checks, before a resume, that the folder's log and `best.ckpt` belong to the run of
 * `last.ckpt`, and that `best.ckpt` is readable (rewriting it from `last.ckpt` when they
 * hold the same epoch).
 */
export async function checkFolder(
  paths: RunPaths,
  state: TrainState,
  log: (message: string) => void,
): Promise<void> {
  try {
    const first = (await Deno.readTextFile(paths.log)).split("\n", 1)[0]!;
    const start = JSON.parse(first) as { event?: string; config?: TrainConfig };
    if (start.event === "start" && start.config) {
      const differ = identityConflicts(start.config, state.config);
      if (differ.length) {
        throw new ResumeError(
          `Cannot resume "${paths.last}": "${paths.log}" was started by another run ` +
            `(${differ.join("; ")}); the folder holds two runs`,
          "conflict",
          differ,
        );
      }
    }
  } catch (error) {
    if (error instanceof ResumeError) throw error;
    // No log or an unreadable first line: the log is rewritten from the checkpoint on.
  }
  if (state.best === null) return;
  let problem: string;
  try {
    const best = await readCheckpointFile(paths.best);
    const other = readState(best, paths.best);
    const differ = identityConflicts(other.config, state.config);
    if (differ.length === 0) return;
    throw new ResumeError(
      `Cannot resume "${paths.last}": "${paths.best}" holds another run (${differ.join("; ")})`,
      "conflict",
      differ,
    );
  } catch (error) {
    if (error instanceof ResumeError) throw error;
    problem = (error as Error).message;
  }
  if (state.best.epoch === state.epoch && state.batchInEpoch === 0) {
    const contents = await readCheckpointFile(paths.last);
    await writeCheckpointFile(paths.best, contents);
    log(`${problem}; rewrote it from "${paths.last}" (both hold epoch ${state.epoch})`);
    return;
  }
  throw new ResumeError(
    `${problem}. Its epoch ${state.best.epoch} cannot be rebuilt from "${paths.last}" ` +
      `(epoch ${state.epoch}${state.batchInEpoch ? `, batch ${state.batchInEpoch}` : ""}): ` +
      "start over without --resume and with --force (the old files are moved aside)",
    "corrupt",
  );
}

/**
 * Checks that the run saved as `state` in `paths` may continue with `config`: the settings
 * agree ({@link resumeConflicts}; a difference is a {@link ResumeError} naming them), and so
 * do the folder's log and `best.ckpt` (`checkFolder`).
 */
export async function checkResumable(
  paths: RunPaths,
  state: TrainState,
  config: TrainConfig,
  log: (message: string) => void,
): Promise<void> {
  const conflicts = resumeConflicts(state.config, config);
  if (conflicts.length) {
    throw new ResumeError(
      `Cannot resume "${paths.last}" with different settings: ${conflicts.join("; ")}. ` +
        "Leave them out to use the checkpoint's, or start a new run in another folder",
      "conflict",
      conflicts,
    );
  }
  await checkFolder(paths, state, log);
}
