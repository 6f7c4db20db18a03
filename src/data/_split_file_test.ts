import assert from "node:assert/strict";
import { join } from "node:path";
import {
  formatSplitFile,
  loadOrMakeSplit,
  readSplitFile,
  type SplitFileContent,
  SplitFileError,
  type SplitFileKind,
} from "./_split_file.ts";

const IDS: SplitFileKind<number> = {
  dataset: "toy",
  label: "Toy",
  fileName: (seed) => `toy-seed${seed}.json`,
  entries: "numbers",
  isEntry: (v): v is number => Number.isInteger(v),
  name: (id) => `item ${id}`,
};

const CONTENT: SplitFileContent<number> = {
  seed: 4,
  splits: { train: [1, 2], val: [3], test: [] },
};

async function withTmp(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "split_file_test_" });
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("formatSplitFile() writes what readSplitFile() reads, with the counts", async () => {
  await withTmp(async (dir) => {
    const path = join(dir, "s.json");
    const problems = [{ file: "a.xml", message: "bad" }];
    await Deno.writeTextFile(path, formatSplitFile(IDS, { ...CONTENT, problems }));
    const json = JSON.parse(await Deno.readTextFile(path));
    assert.equal(json.format, "clvm-toy-split");
    assert.equal(json.version, 1);
    assert.equal(json.dataset, "toy");
    assert.deepEqual(json.counts, { train: 2, val: 1, test: 0 });
    assert.deepEqual([json.train, json.val, json.test], [[1, 2], [3], []]);
    assert.deepEqual(await readSplitFile(IDS, path, 4), { ...CONTENT, problems });
    assert.equal(await readSplitFile(IDS, join(dir, "none.json"), 4), null);
  });
});

Deno.test("readSplitFile() reads Pascal Person's earlier format", async () => {
  await withTmp(async (dir) => {
    const path = join(dir, "old.json");
    const old = {
      dataset: "toy",
      format: 1,
      seed: 4,
      fractions: { train: 0.7, val: 0.1, test: 0.2 },
      splits: { train: [1, 2], val: [3], test: [] },
    };
    await Deno.writeTextFile(path, JSON.stringify(old));
    assert.deepEqual(await readSplitFile(IDS, path, 4), CONTENT);
  });
});

Deno.test("readSplitFile() refuses a bad file with an error naming it", async () => {
  await withTmp(async (dir) => {
    const path = join(dir, "bad.json");
    const good = JSON.parse(formatSplitFile(IDS, CONTENT));
    const cases: [unknown, RegExp][] = [
      ["{", /expected JSON/],
      [
        { ...good, format: "clvm-other-split" },
        /expected an object with "format": "clvm-toy-split"/,
      ],
      [{ ...good, version: 2 }, /expected "version": 1, found 2/],
      [{ ...good, seed: "4" }, /expected a numeric "seed"/],
      [{ ...good, seed: 5 }, /expected seed 4, found 5 \(the file was made with seed 5/],
      [{ ...good, val: "3" }, /expected "val" to be a list of numbers$/],
      [{ ...good, val: [3.5] }, /expected "val" to be a list of numbers, found 3\.5/],
      [{ ...good, test: [2] }, /item 2 is in both "train" and "test"/],
      [
        { ...good, problems: [{ file: 1 }] },
        /expected "problems" to be a list of \{file, message\}/,
      ],
    ];
    for (const [body, message] of cases) {
      await Deno.writeTextFile(path, typeof body === "string" ? body : JSON.stringify(body));
      await assert.rejects(
        readSplitFile(IDS, path, 4),
        (e: unknown) =>
          e instanceof SplitFileError && e.file === path &&
          e.message.startsWith(`Cannot read Toy split file "${path}": `) && message.test(e.message),
        String(message),
      );
    }
    // Without a seed to check, a file of any seed is taken.
    await Deno.writeTextFile(path, JSON.stringify({ ...good, seed: 9 }));
    assert.equal((await readSplitFile(IDS, path, undefined))?.seed, 9);
  });
});

Deno.test("loadOrMakeSplit() makes once, writes to the root, then reads the file", async () => {
  await withTmp(async (root) => {
    let made = 0;
    const make = () => {
      made++;
      return CONTENT;
    };
    const first = await loadOrMakeSplit(IDS, { root, seed: 4, make });
    assert.deepEqual([first.fromFile, first.path, made], [false, join(root, "toy-seed4.json"), 1]);
    const again = await loadOrMakeSplit(IDS, { root, seed: 4, make });
    assert.deepEqual([again.fromFile, again.path, made], [true, join(root, "toy-seed4.json"), 1]);
    assert.deepEqual(again.content, CONTENT);
    // Checking only: nothing is written.
    const dry = await loadOrMakeSplit(IDS, { root, seed: 5, make, write: false });
    assert.deepEqual([dry.fromFile, dry.path, made], [false, null, 2]);
    await assert.rejects(Deno.stat(join(root, "toy-seed5.json")), Deno.errors.NotFound);
    // A named file that cannot be written is an error naming it.
    const named = join(root, "no", "such", "folder", "s.json");
    await assert.rejects(
      loadOrMakeSplit(IDS, { root, seed: 4, make, splitFile: named }),
      (e: unknown) =>
        e instanceof SplitFileError && e.file === named && /Cannot write Toy/.test(e.message),
    );
  });
});
