// Fault injection for AFLW (issue 13 §5, §6, §8): faults are written into a generated
// aflw.sqlite with node:sqlite; each is handled per sample (skipped or a landmark taken
// as invisible, and listed with the face id and file) or is one line naming the file.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { checkAflw, openAflw, readAflwIndex, readAflwSample } from "./mod.ts";
import { type SyntheticAflw, writeSyntheticAflw } from "../../../fixtures/aflw.ts";
import type { Split } from "../types.ts";

const SPLITS: Split[] = ["train", "val", "test"];

/** A fresh synthetic AFLW root, with `edit` run on its database. */
async function faulty(
  edit: (db: DatabaseSync, w: SyntheticAflw) => void,
): Promise<{ w: SyntheticAflw; cleanup: () => Promise<void> }> {
  const root = await Deno.makeTempDir({ prefix: "aflw_faults_" });
  const w = await writeSyntheticAflw(root, { seed: 4, faces: 120 });
  const db = new DatabaseSync(w.sqlitePath);
  edit(db, w);
  db.close();
  return { w, cleanup: () => Deno.remove(root, { recursive: true }) };
}

/** A face with a rect and landmark `k` present, skipping the first `skip` such faces. */
const faceWith = (w: SyntheticAflw, k: number, skip = 0) =>
  w.faces.filter((f) => f.rect && f.landmarks[k] && f.special.length === 0)[skip]!;

/** The split of every face id, from a clean open of the three splits. */
async function splitsOf(root: string): Promise<Map<string, Split>> {
  const out = new Map<string, Split>();
  for (const s of SPLITS) for (const id of (await openAflw({ root, split: s })).ids) out.set(id, s);
  return out;
}

Deno.test("one NULL AFLW coordinate leaves every split openable and that landmark invisible", async () => {
  let face!: SyntheticAflw["faces"][number];
  const { w, cleanup } = await faulty((db, w) => {
    face = faceWith(w, 7);
    db.prepare("UPDATE FeatureCoords SET x = NULL WHERE face_id = ? AND feature_id = 8")
      .run(face.faceId);
  });
  const splits = await splitsOf(w.root);
  const where = splits.get(`face${face.faceId}`)!;
  assert.ok(where, "the face keeps its place in a split");
  const ds = await openAflw({ root: w.root, split: where });
  const sample = await ds.get(ds.ids.indexOf(`face${face.faceId}`));
  assert.deepEqual(sample.keypoints![7], [0, 0, 0]);
  assert.deepEqual(sample.keypoints![8]![2], face.landmarks[8] ? 1 : 0);
  const listed = (ds.problems ?? []).filter((p) => p.message.includes(`face ${face.faceId} `));
  assert.deepEqual(listed.map((p) => [p.file, p.message]), [[
    w.sqlitePath,
    `expected a number for FeatureCoords.x of face ${face.faceId} landmark 8 (LeftEyeCenter), ` +
    "found null; the landmark is taken as invisible",
  ]]);
  const report = await checkAflw(w.root, { decode: false });
  assert.ok(report.problems.some((p) => p.message === listed[0]!.message));
  await cleanup();
});

Deno.test("a zero-size FaceRect skips that face, naming it and its image, and keeps the splits", async () => {
  const clean = await faulty(() => {});
  const before = await splitsOf(clean.w.root);
  await clean.cleanup();
  let face!: SyntheticAflw["faces"][number];
  const { w, cleanup } = await faulty((db, w) => {
    face = faceWith(w, 0);
    db.prepare("UPDATE FaceRect SET w = 0 WHERE face_id = ?").run(face.faceId);
  });
  const after = await splitsOf(w.root);
  const id = `face${face.faceId}`;
  assert.ok(!after.has(id));
  assert.deepEqual([...after].sort(), [...before].filter(([k]) => k !== id).sort());
  const where = before.get(id)!;
  const ds = await openAflw({ root: w.root, split: where });
  assert.deepEqual(ds.problems, [{
    file: join(w.root, "data", "flickr", face.filepath),
    message:
      `face ${face.faceId} skipped: its FaceRect is 0×${face.rect!.h} (image "${face.fileId}"), ` +
      "expected a positive size",
  }]);
  // Reading the face directly is one error naming it and its image, not a crop error.
  const indexed = readAflwIndex(w.root).faces.find((f) => f.faceId === face.faceId)!;
  await assert.rejects(
    readAflwSample(w.root, indexed),
    new RegExp(
      `^Error: Cannot read AFLW face ${face.faceId}: its FaceRect is 0×${
        face.rect!.h
      } \\(image "${face.fileId}"\\)`,
    ),
  );
  await cleanup();
});

Deno.test("more than 1% of a split unusable is one error naming the count and the first faces", async () => {
  const { w, cleanup } = await faulty((db, w) => {
    for (const f of w.faces.filter((f) => f.rect).slice(0, 40)) {
      db.prepare("UPDATE FaceRect SET h = 0 WHERE face_id = ?").run(f.faceId);
    }
  });
  const train = await openAflw({ root: w.root, split: "train", maxSkipFraction: 1 });
  const skipped = (train.problems ?? []).filter((p) => p.message.includes("skipped")).length;
  assert.ok(skipped >= 2, `${skipped} skipped`);
  await assert.rejects(
    openAflw({ root: w.root, split: "train" }),
    new RegExp(
      `^Error: Cannot open the AFLW train split of "${w.root}": ${skipped} of ${
        train.ids.length + skipped
      } samples cannot be used \\(more than 1%, 1 allowed\\); first: ".*": face \\d+ skipped: its FaceRect is .*; run \`deno task data check aflw --root ${w.root}\` for the full list$`,
    ),
  );
  await cleanup();
});

Deno.test("a directory in place of aflw.sqlite is one line naming it", async () => {
  const root = await Deno.makeTempDir({ prefix: "aflw_dir_" });
  await Deno.mkdir(join(root, "data", "aflw.sqlite"), { recursive: true });
  const expected =
    `Cannot open AFLW database "${root}/data/aflw.sqlite": expected a SQLite file, found a directory`;
  await assert.rejects(openAflw({ root, split: "train" }), { message: expected });
  await assert.rejects(checkAflw(root), { message: expected });
  await Deno.remove(root, { recursive: true });
});

Deno.test("a landmark at x = 1e9 that data check flags is dropped (invisible) and listed", async () => {
  let face!: SyntheticAflw["faces"][number];
  const { w, cleanup } = await faulty((db, w) => {
    face = faceWith(w, 14, 1);
    db.prepare("UPDATE FeatureCoords SET x = 1e9 WHERE face_id = ? AND feature_id = 15")
      .run(face.faceId);
  });
  const report = await checkAflw(w.root, { decode: false });
  const flagged = report.problems.filter((p) =>
    p.message.startsWith(`face ${face.faceId} landmark 15`)
  );
  assert.equal(flagged.length, 1, JSON.stringify(report.problems));
  const where = (await splitsOf(w.root)).get(`face${face.faceId}`)!;
  const ds = await openAflw({ root: w.root, split: where });
  const s = await ds.get(ds.ids.indexOf(`face${face.faceId}`));
  assert.deepEqual(s.keypoints![14], [0, 0, 0]);
  assert.deepEqual(
    (ds.problems ?? []).map((p) => p.message),
    [
      `face ${face.faceId} landmark 15 (NoseCenter) at (1000000000, ${face.landmarks[14]![1]}) ` +
      `lies far outside the ${face.imageWidth}×${face.imageHeight} image; taken as invisible`,
    ],
  );
  await cleanup();
});

Deno.test("a read-only AFLW root keeps its split file in the cache, not the root", async () => {
  const { w, cleanup } = await faulty(() => {});
  const cache = await Deno.makeTempDir({ prefix: "aflw_cache_" });
  const mod = new URL("./mod.ts", import.meta.url).href;
  const code = `import { openAflw } from ${JSON.stringify(mod)};
const a = await openAflw({ root: ${JSON.stringify(w.root)}, split: "val" });
const b = await openAflw({ root: ${JSON.stringify(w.root)}, split: "val" });
console.log(JSON.stringify([a.ids.length, b.ids.join() === a.ids.join()]));`;
  // Writes outside the cache are refused, as on a read-only mount (`deno eval` would
  // grant every permission, so the script runs from a file).
  const script = join(cache, "open.ts");
  await Deno.writeTextFile(script, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      `--allow-write=${cache}`,
      "--allow-env",
      "--allow-ffi",
      script,
    ],
    env: { CLVM_SPLIT_CACHE: join(cache, "splits") },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), [20, true]);
  const cached = [...Deno.readDirSync(join(cache, "splits"))].map((e) => e.name);
  assert.equal(cached.length, 1);
  assert.match(cached[0]!, /^aflw-[0-9a-f]{16}-seed1\.json$/);
  assert.ok(![...Deno.readDirSync(w.root)].some((e) => e.name.startsWith("clvm-split")));
  // A given splitFile is used as is.
  const elsewhere = join(cache, "mine.json");
  await openAflw({ root: w.root, split: "test", splitFile: elsewhere });
  assert.ok((await Deno.stat(elsewhere)).isFile);
  await Deno.remove(cache, { recursive: true });
  await cleanup();
});

Deno.test("opening the three splits of a fresh root at once writes one split file, no race", async () => {
  const { w, cleanup } = await faulty(() => {});
  const sizes = [];
  for (const split of SPLITS) sizes.push((await openAflw({ root: w.root, split })).ids.length);
  for (let round = 0; round < 3; round++) {
    await Deno.remove(join(w.root, "clvm-split-seed1.json")).catch(() => {});
    const opened = await Promise.all(SPLITS.map((split) => openAflw({ root: w.root, split })));
    assert.deepEqual(opened.map((d) => d.ids.length), sizes);
  }
  assert.deepEqual(
    [...Deno.readDirSync(w.root)].map((e) => e.name).filter((n) => n.startsWith("clvm")),
    ["clvm-split-seed1.json"],
  );
  await cleanup();
});
