/**
 * The run folder of `reproduce`: which folder a command writes (a new one, `--out`, or the
 * newest with `--resume`), the backend it was started with (`run.json`), and the signal
 * handling that frees it. Run folders are never overwritten and have one writer.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { BACKEND_CHOICES, type BackendChoice } from "../mod.ts";
import {
  acquireLock,
  createNewRunDir,
  latestRunDir,
  LockHeldError,
  makeRunDir,
  moveContentsAside,
  readRunJson,
  RunDirError,
  runDirState,
  type RunLock,
} from "../src/util/mod.ts";
import { runningJobs, stopJobs } from "./jobs.ts";

/** Prints one line and exits (2: the request is wrong, 1: the folder is unusable). */
export function fail(message: string, code = 2): never {
  console.error(message);
  Deno.exit(code);
}

/**
 * The run folder and how to enter it: `--out` or, by default, a new
 * `results/<date>-<commit>[-N]` (with `--resume`: the newest of those). An `--out` that
 * holds a run is refused unless `--resume` (continue it) or `--force` (move it aside).
 */
export async function chooseRunDir(
  opt: { out?: string; resume?: boolean; force?: boolean },
  base: string,
  log: (line: string) => void,
): Promise<{ out: string; moveAside: boolean }> {
  if (opt.resume && opt.force) {
    fail(
      "--force and --resume contradict: --resume continues the run in --out, --force moves " +
        "it aside to start anew",
    );
  }
  if (opt.out === undefined) {
    if (opt.resume) {
      const latest = await latestRunDir(base);
      if (latest) return { out: latest, moveAside: false };
      log(`Nothing to resume under "${base}[-N]": starting a new run`);
    }
    return { out: await createNewRunDir(base), moveAside: false };
  }
  const out = resolve(opt.out);
  const state = await runDirState(out);
  if (state === "used" && !opt.resume && !opt.force) {
    fail(
      `Cannot write into --out "${out}": it holds an earlier run; pass --resume to continue ` +
        "it, --force to move it aside, or choose another --out",
    );
  }
  if (state === "missing") await makeRunDir(out);
  return { out, moveAside: state === "used" && Boolean(opt.force) };
}

/** What `run.json` holds: written when a run folder is first used. */
export interface RunRecordFile {
  format: "clvm-run/1";
  created: string;
  commit: string;
  backend: BackendChoice;
  command: string;
}

/**
 * The backend a run folder was started with (`run.json`), for `--resume` without
 * `--backend`; null (and a line saying so) when it is not recorded or unreadable.
 */
export async function storedBackend(
  out: string,
  log: (line: string) => void,
): Promise<BackendChoice | null> {
  try {
    const run = await readRunJson<RunRecordFile>(join(out, "run.json"));
    if (run && BACKEND_CHOICES.includes(run.backend)) {
      if (run.backend !== "auto") {
        log(`Continuing on the run's backend ${run.backend} (give --backend to change it)`);
      }
      return run.backend;
    }
  } catch (error) {
    log(`${(error as Error).message}: using --backend auto`);
  }
  return null;
}

/** Writes `run.json` (the folder's backend, commit and command) unless it is there. */
export async function recordRun(
  out: string,
  backend: BackendChoice,
  commit: string,
): Promise<void> {
  const path = join(out, "run.json");
  try {
    if (await readRunJson(path)) return;
  } catch { /* unreadable: rewrite it */ }
  const record: RunRecordFile = {
    format: "clvm-run/1",
    created: new Date().toISOString(),
    commit,
    backend,
    command: ["deno task reproduce", ...Deno.args].join(" "),
  };
  await Deno.writeTextFile(`${path}.tmp`, JSON.stringify(record, null, 2));
  await Deno.rename(`${path}.tmp`, path);
}

/**
 * SIGINT/SIGTERM: forward to the trainers, wait for them, free the run folder, exit.
 */
export function forwardSignals(lock: RunLock, log: (line: string) => void): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let stopping = false;
  for (const signal of signals) {
    Deno.addSignalListener(signal, async () => {
      if (stopping) return;
      stopping = true;
      const pids = runningJobs();
      log(
        `\nInterrupted (${signal}): stopping ${pids.length} trainer(s)` +
          (pids.length ? ` (pid ${pids.join(", ")})` : "") +
          "; --resume continues from their checkpoints",
      );
      await stopJobs(signal);
      await lock.release();
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

/** The folder a command writes, its lock, and the backend it runs on. */
export interface OpenRunFolder {
  out: string;
  lock: RunLock;
  backend: BackendChoice;
}

/**
 * Chooses and locks the run folder of a command (see {@link chooseRunDir}), moves an
 * earlier run aside under `--force`, forwards signals to the trainers, takes the recorded
 * backend under `--resume` without `--backend`, and records `run.json`. Exits with one line
 * (status 1) when the folder cannot be used.
 */
export async function openRunFolder(
  opt: { out?: string; resume?: boolean; force?: boolean; backend?: string },
  backend: BackendChoice,
  base: string,
  commit: string,
  log: (line: string) => void,
): Promise<OpenRunFolder> {
  let out: string;
  let lock: RunLock;
  try {
    const chosen = await chooseRunDir(opt, base, log);
    out = chosen.out;
    lock = await acquireLock(out, "reproduce", log);
    if (chosen.moveAside) {
      log(`Moved the earlier run in "${out}" aside to "${await moveContentsAside(out)}"`);
    }
  } catch (error) {
    if (error instanceof RunDirError || error instanceof LockHeldError) fail(error.message, 1);
    throw error;
  }
  forwardSignals(lock, log);
  if (opt.resume && opt.backend === undefined) {
    backend = (await storedBackend(out, log)) ?? backend;
  }
  await recordRun(out, backend, commit);
  return { out, lock, backend };
}
