// Fault injection for Pascal Person (issue 13 §6, §8): an unreadable file skips its
// instances (listed with the file) instead of failing the dataset; more than 1% is one
// error; split files of read-only roots go to the split cache.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openPascalPerson } from "./mod.ts";
import { writeSyntheticPascalPerson } from "../../../fixtures/pascal_person.ts";

async function synthetic(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await Deno.makeTempDir({ prefix: "pascal_faults_" });
  await writeSyntheticPascalPerson(root, { seed: 2, images: 24, size: 64 });
  return { root, cleanup: () => Deno.remove(root, { recursive: true }) };
}

const kpDir = (root: string) => join(root, "annotations", "person");

Deno.test("one malformed keypoint file skips its person and is listed, not fatal", async () => {
  const { root, cleanup } = await synthetic();
  const clean = await openPascalPerson({ root, split: "train", splitFile: join(root, "x.json") });
  const files = [...Deno.readDirSync(kpDir(root))].map((e) => e.name).sort();
  const bad = join(kpDir(root), files[0]!);
  await Deno.writeTextFile(bad, "<annotation><image>");
  const opened = await Promise.all(
    (["train", "val", "test"] as const).map((split) => openPascalPerson({ root, split })),
  );
  const total = opened.reduce((n, d) => n + d.ids.length, 0);
  const cleanTotal = (await Promise.all(
    (["train", "val", "test"] as const).map((split) =>
      openPascalPerson({ root, split, splitFile: join(root, "x.json") })
    ),
  )).reduce((n, d) => n + d.ids.length, 0);
  assert.equal(total, cleanTotal - 1);
  assert.ok(clean.ids.length > 0);
  for (const d of opened) {
    assert.equal(d.problems?.length, 1);
    assert.equal(d.problems![0]!.file, bad);
    assert.match(d.problems![0]!.message, /expected well-formed XML/);
  }
  // The problem is kept in the split file, so later opens still list it.
  const again = await openPascalPerson({ root, split: "val" });
  assert.equal(again.problems?.[0]?.file, bad);
  await cleanup();
});

Deno.test("an image gone after the split was made skips its sample; too many is one error", async () => {
  const { root, cleanup } = await synthetic();
  const first = await openPascalPerson({ root, split: "train" });
  const image = first.ids[0]!.replace(/_p\d+$/, "");
  const jpg = join(root, "VOCdevkit", "VOC2011", "JPEGImages", `${image}.jpg`);
  await Deno.remove(jpg);
  const gone = first.ids.filter((id) => id.startsWith(`${image}_`));
  const train = await openPascalPerson({ root, split: "train", maxSkipFraction: 0.5 });
  assert.deepEqual(train.ids, first.ids.filter((id) => !gone.includes(id)));
  assert.deepEqual(
    train.problems,
    gone.map((id) => ({ file: jpg, message: `sample ${id} skipped: the file does not exist` })),
  );
  await assert.rejects(
    openPascalPerson({ root, split: "train", maxSkipFraction: 0 }),
    new RegExp(
      `^Error: Cannot open the Pascal Person train split of "${root}": ${gone.length} of ${first.ids.length} samples cannot be used \\(more than 0%, 0 allowed\\); first: "${jpg}": sample`,
    ),
  );
  await cleanup();
});

Deno.test("a read-only Pascal Person root keeps its split file in the cache", async () => {
  const { root, cleanup } = await synthetic();
  const cache = await Deno.makeTempDir({ prefix: "pascal_cache_" });
  const script = join(cache, "open.ts");
  await Deno.writeTextFile(
    script,
    `import { openPascalPerson } from ${JSON.stringify(new URL("./mod.ts", import.meta.url).href)};
const a = await openPascalPerson({ root: ${JSON.stringify(root)}, split: "train" });
console.log(a.ids.length);`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-read", `--allow-write=${cache}`, "--allow-env", script],
    env: { CLVM_SPLIT_CACHE: join(cache, "splits") },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const expected =
    (await openPascalPerson({ root, split: "train", splitFile: join(cache, "o.json") }))
      .ids.length;
  assert.equal(Number(new TextDecoder().decode(out.stdout).trim()), expected);
  const cached = [...Deno.readDirSync(join(cache, "splits"))].map((e) => e.name);
  assert.equal(cached.length, 1);
  assert.match(cached[0]!, /^pascal-person-[0-9a-f]{16}-seed0\.json$/);
  assert.ok(![...Deno.readDirSync(root)].some((e) => e.name.startsWith("clvm-splits")));
  await Deno.remove(cache, { recursive: true });
  await cleanup();
});
