import assert from "node:assert/strict";
import { join } from "node:path";
import { LOCK_NAME } from "./lock.ts";
import {
  createNewRunDir,
  latestRunDir,
  moveContentsAside,
  readRunJson,
  RunDirError,
  runDirState,
} from "./run_dir.ts";

Deno.test("new run folders never reuse a name, even when started together", async () => {
  const root = await Deno.makeTempDir();
  const base = join(root, "results", "2026-12-02-abc1234");
  assert.equal(await latestRunDir(base), null);
  const made = await Promise.all(Array.from({ length: 5 }, () => createNewRunDir(base)));
  assert.deepEqual(
    [...made].sort(),
    [base, `${base}-2`, `${base}-3`, `${base}-4`, `${base}-5`].sort(),
  );
  await Deno.mkdir(`${base}-x`); // not a counter: ignored
  assert.equal(await latestRunDir(base), `${base}-5`);
  await Deno.remove(root, { recursive: true });
});

Deno.test("runDirState tells missing, empty (a lock alone) and used folders, and files", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "run");
  assert.equal(await runDirState(dir), "missing");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(join(dir, LOCK_NAME), "{}");
  assert.equal(await runDirState(dir), "empty");
  await Deno.writeTextFile(join(dir, "report.md"), "x");
  assert.equal(await runDirState(dir), "used");
  await assert.rejects(
    () => runDirState(join(dir, "report.md")),
    (e: unknown) =>
      e instanceof RunDirError &&
      e.message === `Invalid --out "${join(dir, "report.md")}": it is a file; expected a folder`,
  );
  await assert.rejects(() => runDirState(join(dir, "report.md", "sub")), /parent of it is a file/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("moveContentsAside keeps every file and the lock; a second move gets its own name", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "run");
  await Deno.mkdir(join(dir, "runs", "a"), { recursive: true });
  await Deno.writeTextFile(join(dir, "runs", "a", "best.ckpt"), "weights");
  await Deno.writeTextFile(join(dir, LOCK_NAME), "mine");
  const aside = await moveContentsAside(dir);
  assert.match(aside, /run\.old-\d{8}T\d{6}Z$/);
  assert.equal(await Deno.readTextFile(join(aside, "runs", "a", "best.ckpt")), "weights");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [LOCK_NAME]);
  await Deno.writeTextFile(join(dir, "report.md"), "second");
  const again = await moveContentsAside(dir);
  assert.notEqual(again, aside);
  assert.equal(await Deno.readTextFile(join(again, "report.md")), "second");
  await Deno.remove(root, { recursive: true });
});

Deno.test("readRunJson: missing is null, truncated is one line naming the file", async () => {
  const root = await Deno.makeTempDir();
  const path = join(root, "done.json");
  assert.equal(await readRunJson(path), null);
  await Deno.writeTextFile(path, '{"spec": {"variant": "CLV');
  await assert.rejects(
    () => readRunJson(path),
    (e: unknown) =>
      e instanceof RunDirError && e.message.startsWith(`"${path}" is not valid JSON (`) &&
      e.message.endsWith("truncated or edited?") && !e.message.includes("\n"),
  );
  await Deno.remove(root, { recursive: true });
});
