import assert from "node:assert/strict";
import { join } from "node:path";
import { errorMessage, exists, isDir, writeFileAtomic } from "./fs.ts";

Deno.test("exists() and isDir() tell files, folders and missing paths apart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "f.txt");
    await Deno.writeTextFile(file, "x");
    assert.equal(await exists(file), true);
    assert.equal(await isDir(file), false);
    assert.equal(await exists(dir), true);
    assert.equal(await isDir(dir), true);
    assert.equal(await exists(join(dir, "missing")), false);
    assert.equal(await isDir(join(dir, "missing")), false);
    assert.equal(await exists(join(file, "below-a-file")), false, "a file as a parent");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("errorMessage() reads an Error's message and stringifies anything else", () => {
  assert.equal(errorMessage(new TypeError("bad")), "bad");
  assert.equal(errorMessage(42), "42");
  assert.equal(errorMessage(undefined), "undefined");
});

Deno.test("writeFileAtomic() writes text, bytes and chunks and replaces an existing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "out.bin");
    await writeFileAtomic(path, "old");
    await writeFileAtomic(path, [new Uint8Array([1, 2]), new Uint8Array([3])], { sync: false });
    assert.deepEqual(await Deno.readFile(path), new Uint8Array([1, 2, 3]));
    await writeFileAtomic(path, new Uint8Array(70_000).fill(7));
    const back = await Deno.readFile(path);
    assert.equal(back.length, 70_000);
    assert.ok(back.every((b) => b === 7));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.bin"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() into a missing folder throws and leaves nothing behind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => writeFileAtomic(join(dir, "no", "such", "x.json"), "{}"),
      Deno.errors.NotFound,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() keeps the old file when the target cannot be replaced", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "target");
    await Deno.mkdir(target);
    await Deno.writeTextFile(join(target, "inside"), "keep");
    await assert.rejects(() => writeFileAtomic(target, "x"));
    assert.equal(await Deno.readTextFile(join(target, "inside")), "keep");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["target"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
