// Fault injection for the run-folder lock: two writers, stale and foreign locks, races,
// and locks freed when their process exits.
import assert from "node:assert/strict";
import { join } from "node:path";
import { acquireLock, LOCK_NAME, LockHeldError, processAlive } from "./lock.ts";

const LOCK = new URL("./lock.ts", import.meta.url).href;

/** A `deno eval` process running `code` (with `acquireLock` imported). */
function spawnEval(code: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", `import { acquireLock } from "${LOCK}";\n${code}`],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads `child`'s stdout until a line matching `re`. */
async function waitForLine(child: Deno.ChildProcess, re: RegExp): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the child ended before printing ${re}: ${text}`);
    text += value;
    const line = text.split("\n").find((l) => re.test(l));
    if (line) {
      reader.releaseLock();
      return line;
    }
  }
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("a second writer is refused, naming the holder's pid, host and start time", async () => {
  const dir = await Deno.makeTempDir();
  const holder = spawnEval(
    `const lock = await acquireLock(${JSON.stringify(dir)}, "train CLVM1-seg");
     console.log("held " + Deno.pid);
     for await (const _ of Deno.stdin.readable) { /* hold until stdin closes */ }
     await lock.release();`,
  );
  try {
    const line = await waitForLine(holder, /^held \d+/);
    const pid = Number(line.split(" ")[1]);
    const stored = JSON.parse(await Deno.readTextFile(join(dir, LOCK_NAME)));
    assert.equal(stored.pid, pid);
    assert.equal(stored.host, Deno.hostname());
    assert.ok(Date.now() - Date.parse(stored.since) < 60_000, stored.since);
    await assert.rejects(
      () => acquireLock(dir, "train"),
      (e: unknown) =>
        e instanceof LockHeldError && e.holder?.pid === pid &&
        e.message.includes(
          `train CLVM1-seg (pid ${pid} on ${Deno.hostname()}, since ${stored.since})`,
        ) &&
        !e.message.includes("\n"),
    );
    // Killed without a chance to clean up: the next writer takes the stale lock over.
    holder.kill("SIGKILL");
    await holder.status;
    const said: string[] = [];
    const lock = await acquireLock(dir, "train", (l) => said.push(l));
    assert.match(said.join("\n"), new RegExp(`stale lock of train CLVM1-seg \\(pid ${pid} .*gone`));
    assert.equal(JSON.parse(await Deno.readTextFile(lock.path)).pid, Deno.pid);
    await lock.release();
    await assert.rejects(() => Deno.stat(lock.path), Deno.errors.NotFound);
  } finally {
    await holder.stdin.close().catch(() => {});
    await holder.status;
    await holder.stdout.cancel().catch(() => {});
    await holder.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stale, foreign and half-written lock files", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, LOCK_NAME);
  const write = (holder: Record<string, unknown>) =>
    Deno.writeTextFile(path, JSON.stringify(holder));
  await t.step("a dead process of this host: taken over with a message", async () => {
    const pid = await deadPid();
    assert.equal(processAlive(pid), false);
    await write({ pid, host: Deno.hostname(), since: "2026-01-01T00:00:00Z", what: "reproduce" });
    const said: string[] = [];
    const lock = await acquireLock(dir, "train", (l) => said.push(l));
    assert.match(said[0]!, new RegExp(`Taking over the stale lock of reproduce \\(pid ${pid}`));
    await lock.release();
  });
  const procReadable = (() => {
    try {
      Deno.readTextFileSync("/proc/self/stat");
      return true;
    } catch {
      return false;
    }
  })();
  await t.step({
    name: "a live pid whose process started at another time (pid reused): stale",
    ignore: !procReadable, // start times come from /proc, which needs --allow-all
    fn: async () => {
      await write({ pid: Deno.pid, host: Deno.hostname(), since: "x", what: "train", started: -1 });
      // Deno.pid is this process: never stale, whatever its start time says.
      await assert.rejects(() => acquireLock(dir, "train"), LockHeldError);
      const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
      try {
        await write({ pid: child.pid, host: Deno.hostname(), since: "x", what: "t", started: -1 });
        const said: string[] = [];
        const lock = await acquireLock(dir, "train", (l) => said.push(l));
        assert.match(said[0]!, /stale lock/);
        await lock.release();
      } finally {
        child.kill("SIGKILL");
        await child.status;
      }
    },
  });
  await t.step("another host's lock is never taken over: the message says what to do", async () => {
    await write({ pid: 1, host: "elsewhere", since: "2026-01-01T00:00:00Z", what: "train" });
    await assert.rejects(
      () => acquireLock(dir, "train"),
      new RegExp(`in use by train \\(pid 1 on elsewhere.*remove "${path.replace(/\//g, "\\/")}"`),
    );
    await Deno.remove(path);
  });
  await t.step("an unreadable lock file: waited for when new, taken over when old", async () => {
    await Deno.writeTextFile(path, "");
    const old = new Date(Date.now() - 60_000);
    await Deno.utime(path, old, old);
    const said: string[] = [];
    const lock = await acquireLock(dir, "train", (l) => said.push(l));
    assert.match(said[0]!, /unreadable lock file/);
    await lock.release();
  });
  await t.step("release never removes a lock taken over by another writer", async () => {
    const lock = await acquireLock(dir, "train");
    await write({ pid: 1, host: "elsewhere", since: "x", what: "other", token: "theirs" });
    await lock.release();
    assert.equal(JSON.parse(await Deno.readTextFile(path)).token, "theirs");
    await Deno.remove(path);
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writers racing for one folder: exactly one wins; Deno.exit frees the lock", async () => {
  const dir = await Deno.makeTempDir();
  const racers = Array.from({ length: 4 }, () =>
    spawnEval(
      `try {
         const lock = await acquireLock(${JSON.stringify(dir)}, "race");
         console.log("won");
         await new Promise((r) => setTimeout(r, 3000));
         await lock.release();
       } catch (e) { console.log("lost: " + e.message); }`,
    ));
  const lines = await Promise.all(racers.map(async (c) => {
    await c.stdin.close();
    const out = await c.output();
    return new TextDecoder().decode(out.stdout).trim();
  }));
  assert.equal(lines.filter((l) => l === "won").length, 1, lines.join("\n"));
  for (const l of lines.filter((l) => l !== "won")) assert.match(l, /^lost: .* is in use by race/);
  // A process that exits through Deno.exit() leaves no lock behind.
  const quitter = spawnEval(
    `await acquireLock(${JSON.stringify(dir)}, "quitter"); Deno.exit(3);`,
  );
  await quitter.stdin.close();
  assert.equal((await quitter.output()).code, 3);
  await assert.rejects(() => Deno.stat(join(dir, LOCK_NAME)), Deno.errors.NotFound);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("without --allow-all (no /proc), liveness is asked of the C library", async () => {
  const dir = await Deno.makeTempDir();
  const script = join(dir, "alive.ts");
  const dead = await deadPid();
  await Deno.writeTextFile(
    script,
    `import { processAlive } from "${LOCK}";
     console.log(JSON.stringify([processAlive(${dead}), processAlive(${Deno.pid})]));`,
  );
  // The permissions of `deno task train`.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      script,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), [false, true]);
  await Deno.remove(dir, { recursive: true });
});
