/**
 * One writer per run folder: an exclusive lock file `DIR/.clvm-lock` holding the owner's
 * pid, host and start time, created atomically (`createNew`, i.e. `O_CREAT | O_EXCL`).
 *
 * A second writer is refused with a {@link LockHeldError} whose message names the holder.
 * A lock left behind by a process that no longer runs on this host (killed with SIGKILL,
 * a power cut) is stale: the next writer takes it over and says so. A lock of another host
 * is never taken over (its process cannot be checked from here): the message says to
 * remove the file by hand once that run is known to be gone.
 *
 * Locks held by this process are removed when it exits through `Deno.exit()` or the end
 * of the program (the `unload` event), so a signal handler that calls `Deno.exit()`
 * leaves no lock behind.
 *
 * @module
 */
import { join } from "node:path";

/** The lock file's name inside the folder it guards. */
export const LOCK_NAME = ".clvm-lock";

/** What a lock file holds. */
export interface LockHolder {
  /** Process id of the owner. */
  pid: number;
  /** Host name of the owner (a pid means nothing on another host). */
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /** What the owner is (`train`, `reproduce`, …). */
  what: string;
  /** The owner's process start time (Linux clock ticks since boot), to tell a reused pid. */
  started: number | null;
  /** A random token: the owner removes the file only while it still holds this one. */
  token: string;
}

/** A lock held by this process. */
export interface RunLock {
  /** The lock file. */
  readonly path: string;
  /** What the file holds. */
  readonly holder: LockHolder;
  /** Removes the lock file (when it is still this lock's); safe to call twice. */
  release(): Promise<void>;
}

/** Thrown when another live process holds the folder. */
export class LockHeldError extends Error {
  /** The lock file. */
  readonly path: string;
  /** Its holder, or null when the file could not be read. */
  readonly holder: LockHolder | null;

  /** See the class doc. */
  constructor(message: string, path: string, holder: LockHolder | null) {
    super(message);
    this.name = "LockHeldError";
    this.path = path;
    this.holder = holder;
  }
}

const held = new Map<string, string>(); // lock path → token, of the locks this process holds
let unloadHooked = false;

function hookUnload(): void {
  if (unloadHooked) return;
  unloadHooked = true;
  globalThis.addEventListener("unload", () => {
    for (const [path, token] of held) {
      try {
        if ((JSON.parse(Deno.readTextFileSync(path)) as LockHolder).token === token) {
          Deno.removeSync(path);
        }
      } catch { /* gone already, or not ours */ }
    }
    held.clear();
  });
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown-host";
  }
}

/** The start time of process `pid` (clock ticks since boot; Linux), or null. */
function processStart(pid: number): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Field 22, counted after the command name (which may hold spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` exists, asked of the C library (`getpgid`, which fails only for a
 * process that does not exist) through FFI; null when that cannot be asked.
 */
function pidExistsFfi(pid: number): boolean | null {
  const lib = Deno.build.os === "linux"
    ? "libc.so.6"
    : Deno.build.os === "darwin"
    ? "/usr/lib/libSystem.B.dylib"
    : null;
  if (!lib) return null;
  try {
    const libc = Deno.dlopen(lib, { getpgid: { parameters: ["i32"], result: "i32" } });
    try {
      return libc.symbols.getpgid(pid) !== -1;
    } finally {
      libc.close();
    }
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` of this host still runs (and, where `/proc` can be read, is the
 * process that started at `started`, not a reused pid). Asks `/proc` (Linux, needs
 * `--allow-all`), else the C library (`--allow-ffi`), else `kill -0` (`--allow-run`);
 * when none can tell, says true: a lock that may be live is never taken over.
 */
export function processAlive(pid: number, started: number | null = null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === Deno.pid) return true;
  if (Deno.build.os === "linux") {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[19]);
      return started === null || !Number.isFinite(ticks) || ticks === started;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      // NotCapable (no --allow-all): ask another way.
    }
  }
  const ffi = pidExistsFfi(pid);
  if (ffi !== null) return ffi;
  if (Deno.build.os === "windows") return true;
  try {
    return new Deno.Command("kill", { args: ["-0", String(pid)], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return true;
  }
}

/** "pid 123 on host h since 2026-…" */
export function describeHolder(holder: LockHolder): string {
  return `${holder.what} (pid ${holder.pid} on ${holder.host}, since ${holder.since})`;
}

function readHolder(path: string): LockHolder | null {
  try {
    const value = JSON.parse(Deno.readTextFileSync(path)) as LockHolder;
    return typeof value?.pid === "number" && typeof value.host === "string" ? value : null;
  } catch {
    return null;
  }
}

async function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
  try {
    const bytes = new TextEncoder().encode(`${JSON.stringify(holder)}\n`);
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
  } finally {
    file.close();
  }
  return true;
}

/**
 * Takes the lock of folder `dir` (which must exist) for `what`, taking over a stale one
 * (its process is gone) with a message on `log`; throws a {@link LockHeldError} naming
 * the holder when a live process holds it.
 */
export async function acquireLock(
  dir: string,
  what: string,
  log: (line: string) => void = () => {},
): Promise<RunLock> {
  const path = join(dir, LOCK_NAME);
  const holder: LockHolder = {
    pid: Deno.pid,
    host: hostname(),
    since: new Date().toISOString(),
    what,
    started: processStart(Deno.pid),
    token: crypto.randomUUID(),
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    if (await tryCreate(path, holder)) {
      held.set(path, holder.token);
      hookUnload();
      let released = false;
      return {
        path,
        holder,
        release: async () => {
          if (released) return;
          released = true;
          held.delete(path);
          if (readHolder(path)?.token === holder.token) await Deno.remove(path).catch(() => {});
        },
      };
    }
    const other = readHolder(path);
    if (other === null) {
      // Being written this instant (created, not yet filled), or garbage left by a crash.
      const age = await Deno.stat(path).then(
        (s) => Date.now() - (s.mtime?.getTime() ?? 0),
        () => 0,
      );
      if (age < 2000) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      log(`Taking over the unreadable lock file "${path}" (${Math.round(age / 1000)} s old)`);
    } else if (other.host !== holder.host) {
      throw new LockHeldError(
        `"${dir}" is in use by ${describeHolder(other)}; if that run is gone, remove "${path}"`,
        path,
        other,
      );
    } else if (other.token === holder.token || processAlive(other.pid, other.started)) {
      throw new LockHeldError(`"${dir}" is in use by ${describeHolder(other)}`, path, other);
    } else {
      log(`Taking over the stale lock of ${describeHolder(other)}: that process is gone`);
    }
    // Take over: move the stale file away under a unique name, check that it is the one
    // judged stale (another writer may have taken over first), and try again.
    const aside = `${path}.stale-${crypto.randomUUID()}`;
    try {
      await Deno.rename(path, aside);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    const moved = readHolder(aside);
    if (moved && other && moved.token !== other.token) {
      // A live lock taken between our read and the rename: put it back (a hard link
      // fails rather than replace a lock taken meanwhile).
      await Deno.link(aside, path).catch(() => {});
      await Deno.remove(aside).catch(() => {});
      continue;
    }
    await Deno.remove(aside).catch(() => {});
  }
  throw new LockHeldError(`Cannot take the lock "${path}": it keeps changing hands`, path, null);
}
