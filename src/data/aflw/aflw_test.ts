import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import {
  AFLW_FLIP,
  AFLW_LANDMARKS,
  aflwHeldOutCount,
  checkAflw,
  makeAflwSplit,
  openAflw,
} from "./mod.ts";
import { encodeJpeg } from "../../formats/image.ts";
import type { Dataset, Sample } from "../types.ts";
import { type SyntheticAflw, writeSyntheticAflw } from "../../../fixtures/aflw.ts";

// The names as listed in docs/DATASETS.md §1.3 (and rg-aflw's face_data_info.mat), written out
// again here as the reference.
const NAMES_1_3 =
  "LeftBrowLeftCorner LeftBrowCenter LeftBrowRightCorner RightBrowLeftCorner RightBrowCenter " +
  "RightBrowRightCorner LeftEyeLeftCorner LeftEyeCenter LeftEyeRightCorner RightEyeLeftCorner " +
  "RightEyeCenter RightEyeRightCorner LeftEar NoseLeft NoseCenter NoseRight RightEar " +
  "MouthLeftCorner MouthCenter MouthRightCorner ChinCenter";

async function openAll(
  root: string,
  extra: { seed?: number; splitFile?: string } = {},
): Promise<Record<"train" | "val" | "test", Dataset>> {
  return {
    train: await openAflw({ root, split: "train", ...extra }),
    val: await openAflw({ root, split: "val", ...extra }),
    test: await openAflw({ root, split: "test", ...extra }),
  };
}

async function allSamples(sets: Record<string, Dataset>): Promise<Map<string, Sample>> {
  const out = new Map<string, Sample>();
  for (const ds of Object.values(sets)) {
    for await (const s of ds) out.set(s.id, s);
  }
  return out;
}

Deno.test("AFLW_LANDMARKS lists the 21 names of docs/DATASETS.md §1.3 in feature_id order", () => {
  assert.deepEqual([...AFLW_LANDMARKS], NAMES_1_3.split(" "));
  // Flip pairs of §1.3 (1-based): (1,6) (2,5) (3,4) (7,12) (8,11) (9,10) (13,17) (14,16) (18,20).
  const pairs = [[1, 6], [2, 5], [3, 4], [7, 12], [8, 11], [9, 10], [13, 17], [14, 16], [18, 20]];
  const expected = Array.from({ length: 21 }, (_, i) => i);
  for (const [a, b] of pairs) {
    expected[a! - 1] = b! - 1;
    expected[b! - 1] = a! - 1;
  }
  assert.deepEqual([...AFLW_FLIP], expected);
});

Deno.test("aflwHeldOutCount() is the paper's 1000 on large sets and a sixth below 6000", () => {
  assert.equal(aflwHeldOutCount(24386), 1000);
  assert.equal(aflwHeldOutCount(25993), 1000);
  assert.equal(aflwHeldOutCount(6000), 1000);
  assert.equal(aflwHeldOutCount(3000), 500);
  assert.equal(aflwHeldOutCount(240), 40);
  assert.equal(aflwHeldOutCount(119), 20);
  assert.equal(aflwHeldOutCount(0), 0);
});

Deno.test("makeAflwSplit() partitions the ids and depends only on the set and the seed", () => {
  const ids = Array.from({ length: 600 }, (_, i) => 5 + 3 * i);
  const a = makeAflwSplit(ids, 7);
  assert.deepEqual([a.val.length, a.test.length, a.train.length], [100, 100, 400]);
  assert.deepEqual([...a.train, ...a.val, ...a.test].sort((x, y) => x - y), ids);
  assert.deepEqual(makeAflwSplit([...ids].reverse(), 7), a);
  const b = makeAflwSplit(ids, 8);
  assert.notDeepEqual(b.val, a.val);
  for (const list of [a.train, a.val, a.test]) {
    assert.deepEqual(list, [...list].sort((x, y) => x - y), "each list sorted");
  }
});

/** A fixture built by hand: literal rows, so the expected samples are literal too. */
async function handMadeRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "aflw_hand_" });
  await Deno.mkdir(join(root, "data", "flickr", "3"), { recursive: true });
  await Deno.mkdir(join(root, "data", "flickr", "0"), { recursive: true });
  const red = new Uint8Array(12 * 8 * 3);
  for (let i = 0; i < 12 * 8; i++) red.set([220, 30, 30], 3 * i);
  await Deno.writeFile(
    join(root, "data", "flickr", "3", "image00035.jpg"),
    await encodeJpeg({ data: red, width: 12, height: 8 }),
  );
  await Deno.writeFile(
    join(root, "data", "flickr", "0", "image00002.jpg"),
    await encodeJpeg({ data: new Uint8Array(5 * 6 * 3).fill(90), width: 5, height: 6 }),
  );
  const db = new DatabaseSync(join(root, "data", "aflw.sqlite"));
  db.exec(`
    CREATE TABLE Faces (face_id INTEGER PRIMARY KEY AUTOINCREMENT, file_id TEXT, db_id INTEGER);
    CREATE TABLE FaceImages (image_id INTEGER PRIMARY KEY AUTOINCREMENT, db_id INTEGER,
      file_id TEXT, filepath TEXT, bw INTEGER, width INTEGER, height INTEGER);
    CREATE TABLE FaceRect (face_id INTEGER, x INTEGER, y INTEGER, w INTEGER, h INTEGER,
      annot_type_id INTEGER);
    CREATE TABLE FeatureCoords (face_id INTEGER, feature_id INTEGER, x REAL, y REAL,
      annot_type_id INTEGER);
    CREATE TABLE FeatureCoordTypes (feature_id INTEGER PRIMARY KEY, descr TEXT, code TEXT,
      x REAL, y REAL, z REAL);
    CREATE TABLE FacePose (face_id INTEGER, roll REAL, pitch REAL, yaw REAL, annot_type_id INTEGER);
    -- image_id order differs from the Faces order: the join must go by file_id.
    INSERT INTO FaceImages VALUES (1, 1, 'image00035.jpg', '3/image00035.jpg', 0, 12, 8);
    INSERT INTO FaceImages VALUES (2, 1, 'image00002.jpg', '0/image00002.jpg', 0, 5, 6);
    INSERT INTO Faces VALUES (40, 'image00002.jpg', 1);
    INSERT INTO Faces VALUES (41, 'image00035.jpg', 1);
    INSERT INTO Faces VALUES (42, 'image00035.jpg', 1);
    INSERT INTO FaceRect VALUES (41, -3, 2, 10, 10, 1);
    INSERT INTO FaceRect VALUES (40, 1, 1, 3, 3, 1);
    INSERT INTO FeatureCoords VALUES (41, 21, 5.25, 6.5, 1);
    INSERT INTO FeatureCoords VALUES (41, 1, 2.0, 3.0, 1);
    INSERT INTO FeatureCoords VALUES (41, 30, 1.0, 1.0, 1);
    INSERT INTO FeatureCoords VALUES (41, 99, 1.0, 1.0, 1);
    INSERT INTO FeatureCoords VALUES (40, 8, 0.0, 0.0, 1);
    INSERT INTO FeatureCoords VALUES (42, 8, 3.0, 3.0, 1);
    INSERT INTO FacePose VALUES (41, 0.1, 0.2, 0.3, 1);
  `);
  const type = db.prepare("INSERT INTO FeatureCoordTypes VALUES (?, ?, '', 0, 0, 0)");
  NAMES_1_3.split(" ").forEach((name, i) => type.run(i + 1, name));
  type.run(30, "HeadCenter");
  db.close();
  return root;
}

Deno.test("openAflw() on a hand-made database gives the literal expected samples", async (t) => {
  const root = await handMadeRoot();
  const splitFile = join(root, "split.json");
  const sets = await openAll(root, { splitFile });
  const samples = await allSamples(sets);

  await t.step("faces without a rect are in no split", () => {
    assert.deepEqual([...samples.keys()].sort(), ["face40", "face41"]);
  });

  await t.step("landmarks move by half a pixel, invisible ones are [0, 0, 0]", () => {
    const s = samples.get("face41")!;
    const expected = Array.from({ length: 21 }, () => [0, 0, 0]);
    expected[0] = [2.5, 3.5, 1];
    expected[20] = [5.75, 7, 1];
    assert.deepEqual(s.keypoints, expected);
    const s40 = samples.get("face40")!;
    assert.deepEqual(s40.keypoints![7], [0.5, 0.5, 1]);
  });

  await t.step("the rect is the box as is, negative x included", () => {
    assert.deepEqual(samples.get("face41")!.box, { x: -3, y: 2, width: 10, height: 10 });
    assert.deepEqual(samples.get("face40")!.box, { x: 1, y: 1, width: 3, height: 3 });
  });

  await t.step("images are joined by file_id, not image_id", () => {
    const s41 = samples.get("face41")!;
    assert.deepEqual([s41.image.width, s41.image.height], [12, 8]);
    assert.equal(s41.image.data.length, 12 * 8 * 3);
    assert.ok(s41.image.data[0]! > 180 && s41.image.data[1]! < 80, "the red image");
    const s40 = samples.get("face40")!;
    assert.deepEqual([s40.image.width, s40.image.height], [5, 6]);
  });

  await t.step(
    "checkAflw() notes the rect-less face and reports the dangling feature id",
    async () => {
      const report = await checkAflw(root, { splitFile });
      assert.ok(report.notes.some((n) => /face 42 has no FaceRect/.test(n.message)));
      const dangling = report.problems.filter((p) => /feature_id 99/.test(p.message));
      assert.equal(dangling.length, 1);
      assert.equal(report.problems.length, 1, JSON.stringify(report.problems));
      assert.equal(report.counts.ignoredLandmarks, 2); // ids 30 and 99
      // 2 usable faces × 21 slots, 3 visible (face 41: ids 1, 21; face 40: id 8).
      assert.equal(report.keypoints!.visibleFraction, 3 / 42);
    },
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("openAflw() on the synthetic AFLW matches what the generator wrote", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "aflw_syn_" });
  const written: SyntheticAflw = await writeSyntheticAflw(root, { seed: 3, faces: 120 });
  const sets = await openAll(root);
  const samples = await allSamples(sets);
  const usable = written.faces.filter((f) => f.rect !== null);

  await t.step("every face with a rect is one sample, in exactly one split", () => {
    const ids = [...sets.train.ids, ...sets.val.ids, ...sets.test.ids];
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(new Set(ids), new Set(usable.map((f) => `face${f.faceId}`)));
    assert.equal(usable.length, 119);
    assert.deepEqual(
      [sets.val.ids.length, sets.test.ids.length, sets.train.ids.length],
      [20, 20, 79],
    );
    for (const ds of Object.values(sets)) {
      assert.equal(ds.name, "aflw");
      assert.deepEqual(ds.keypointNames, AFLW_LANDMARKS);
    }
  });

  await t.step("keypoints, boxes and image sizes equal the written rows", () => {
    for (const f of usable) {
      const s = samples.get(`face${f.faceId}`)!;
      assert.deepEqual(s.box, { x: f.rect!.x, y: f.rect!.y, width: f.rect!.w, height: f.rect!.h });
      assert.equal(s.keypoints!.length, 21);
      f.landmarks.forEach((p, k) => {
        const want = p ? [p[0] + 0.5, p[1] + 0.5, 1] : [0, 0, 0];
        assert.deepEqual(s.keypoints![k], want, `face ${f.faceId} landmark ${k + 1}`);
      });
      assert.deepEqual([s.image.width, s.image.height], [f.imageWidth, f.imageHeight]);
      assert.equal(s.image.data.length, f.imageWidth * f.imageHeight * 3);
    }
  });

  await t.step("the negative-x rect stays negative", () => {
    const f = written.faces.find((f) => f.special.includes("negative-x-rect"))!;
    const s = samples.get(`face${f.faceId}`)!;
    assert.ok(s.box!.x < 0, `box x ${s.box!.x}`);
  });

  await t.step("the 5-landmark face has exactly ids 8, 11, 15, 18, 20 visible", () => {
    const f = written.faces.find((f) => f.special.includes("five-landmarks"))!;
    const visible = samples.get(`face${f.faceId}`)!.keypoints!.flatMap((k, i) =>
      k[2] ? [i + 1] : []
    );
    assert.deepEqual(visible, [8, 11, 15, 18, 20]);
  });

  await t.step("the two faces of one image share its pixels and differ in box", () => {
    const pair = written.faces.filter((f) => f.special.includes("two-face-image"));
    assert.equal(pair.length, 2);
    assert.equal(pair[0]!.filepath, pair[1]!.filepath);
    const [a, b] = pair.map((f) => samples.get(`face${f.faceId}`)!);
    assert.deepEqual(a!.image.data, b!.image.data);
    assert.notDeepEqual(a!.box, b!.box);
  });

  await t.step("the feature id above 21 is not a keypoint", () => {
    const f = written.faces.find((f) => f.special.includes("extra-feature-id"))!;
    assert.equal(f.extraLandmarks.length, 1);
    const { x, y } = f.extraLandmarks[0]!;
    const s = samples.get(`face${f.faceId}`)!;
    assert.equal(s.keypoints!.length, 21);
    assert.ok(!s.keypoints!.some(([kx, ky]) => kx === x + 0.5 && ky === y + 0.5));
  });

  await t.step("the split file is written, reused, and the same for the same seed", async () => {
    const file = join(root, "clvm-split-seed1.json");
    const json = JSON.parse(await Deno.readTextFile(file));
    assert.equal(json.seed, 1);
    assert.deepEqual(json.val.map((id: number) => `face${id}`), [...sets.val.ids]);
    // The same seed made afresh elsewhere gives the same split.
    const fresh = await openAflw({ root, split: "val", splitFile: join(root, "again.json") });
    assert.deepEqual(fresh.ids, sets.val.ids);
    // An edited split file is what the loader follows.
    const moved = json.train[0] as number;
    json.train = json.train.slice(1);
    json.val = [...json.val, moved];
    await Deno.writeTextFile(file, JSON.stringify(json));
    const reused = await openAflw({ root, split: "val" });
    assert.ok(reused.ids.includes(`face${moved}`));
    assert.equal(reused.ids.length, 21);
  });

  await t.step("a different seed gives a different split of the same sizes", async () => {
    const other = await openAll(root, { seed: 2 });
    assert.notDeepEqual(other.val.ids, sets.val.ids);
    assert.deepEqual(
      [other.val.ids.length, other.test.ids.length, other.train.ids.length],
      [20, 20, 79],
    );
    await Deno.stat(join(root, "clvm-split-seed2.json"));
  });

  await t.step("a split file of another seed or with unknown faces is refused", async () => {
    const file = join(root, "clvm-split-seed2.json");
    await assert.rejects(
      openAflw({ root, split: "val", seed: 5, splitFile: file }),
      (e: Error) => e.message.includes(file) && /seed 2/.test(e.message),
    );
    const json = JSON.parse(await Deno.readTextFile(file));
    json.test = [...json.test, 1];
    const bad = join(root, "bad-split.json");
    await Deno.writeTextFile(bad, JSON.stringify(json));
    await assert.rejects(
      openAflw({ root, split: "val", splitFile: bad }),
      (e: Error) => e.message.includes(bad) && /face 1 /.test(e.message),
    );
    json.test = json.test.slice(0, -2);
    await Deno.writeTextFile(bad, JSON.stringify(json));
    await assert.rejects(
      openAflw({ root, split: "val", splitFile: bad }),
      (e: Error) => e.message.includes(bad) && /in no split/.test(e.message),
    );
  });

  await t.step("checkAflw() finds no problems and counts the landmarks", async () => {
    const report = await checkAflw(root, { seed: 2 });
    assert.deepEqual(report.problems, []);
    assert.equal(report.dataset, "aflw");
    assert.deepEqual(report.splits, { train: 79, val: 20, test: 20 });
    assert.deepEqual(report.keypoints!.names, NAMES_1_3.split(" "));
    const visible = usable.reduce((n, f) => n + f.landmarks.filter(Boolean).length, 0);
    assert.equal(report.keypoints!.visibleFraction, visible / (21 * usable.length));
    assert.equal(report.counts.faces, 120);
    assert.equal(report.counts.facesWithoutRect, 1);
    assert.equal(report.counts.images, 119);
    assert.equal(report.counts.ignoredLandmarks, 1);
    const noRect = written.faces.find((f) => f.rect === null)!;
    assert.ok(
      report.notes.some((n) => n.message.includes(`face ${noRect.faceId} has no FaceRect`)),
    );
    const quick = await checkAflw(root, { seed: 2, decode: false });
    assert.deepEqual(quick.problems, []);
  });

  await t.step("get() rejects an index out of range", async () => {
    await assert.rejects(sets.val.get(20), RangeError);
    await assert.rejects(sets.val.get(-1), RangeError);
  });
  await Deno.remove(root, { recursive: true });
});

Deno.test("openAflw() and checkAflw() name the file when the input is bad", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "aflw_bad_" });
  const written = await writeSyntheticAflw(root, { seed: 9, faces: 12 });
  const all = await openAflw({ root, split: "train" });
  const faceOf = (id: string) => written.faces.find((f) => `face${f.faceId}` === id)!;

  await t.step("a missing root or database is an error naming the path", async () => {
    const nowhere = join(root, "nowhere");
    await assert.rejects(
      openAflw({ root: nowhere, split: "train" }),
      (e: Error) => e.message.includes(nowhere),
    );
    const empty = await Deno.makeTempDir({ prefix: "aflw_empty_" });
    await assert.rejects(
      openAflw({ root: empty, split: "train" }),
      (e: Error) => e.message.includes(join(empty, "data", "aflw.sqlite")),
    );
    await Deno.mkdir(join(empty, "data"));
    await Deno.writeTextFile(join(empty, "data", "aflw.sqlite"), "not a database at all, sorry");
    await assert.rejects(
      checkAflw(empty),
      (e: Error) => e.message.includes(join(empty, "data", "aflw.sqlite")),
    );
    await Deno.remove(empty, { recursive: true });
  });

  await t.step("a missing table is an error naming the database and the table", async () => {
    const copy = await Deno.makeTempDir({ prefix: "aflw_notable_" });
    await Deno.mkdir(join(copy, "data"));
    await Deno.copyFile(written.sqlitePath, join(copy, "data", "aflw.sqlite"));
    const db = new DatabaseSync(join(copy, "data", "aflw.sqlite"));
    db.exec("DROP TABLE FaceRect");
    db.close();
    await assert.rejects(
      openAflw({ root: copy, split: "train" }),
      (e: Error) => e.message.includes("aflw.sqlite") && /"FaceRect"/.test(e.message),
    );
    await Deno.remove(copy, { recursive: true });
  });

  const [missingId, truncatedId] = [all.ids[0]!, all.ids[1]!];
  const missing = faceOf(missingId);
  const truncated = faceOf(truncatedId);
  const missingPath = join(root, "data", "flickr", missing.filepath);
  const truncatedPath = join(root, "data", "flickr", truncated.filepath);
  assert.notEqual(missingPath, truncatedPath);
  await Deno.remove(missingPath);
  const bytes = await Deno.readFile(truncatedPath);
  await Deno.writeFile(truncatedPath, bytes.subarray(0, Math.floor(bytes.length / 2)));
  // A landmark id with no FeatureCoordTypes row, and one far outside its image.
  const farIndex = all.ids.findIndex((id, i) =>
    i >= 2 && faceOf(id).landmarks[14] !== null &&
    ![missing.filepath, truncated.filepath].includes(faceOf(id).filepath)
  );
  assert.ok(farIndex >= 2);
  const far = faceOf(all.ids[farIndex]!);
  const db = new DatabaseSync(written.sqlitePath);
  db.prepare("INSERT INTO FeatureCoords VALUES (?, 99, 1.0, 1.0, 1)").run(far.faceId);
  db.prepare("UPDATE FeatureCoords SET x = -1000 WHERE face_id = ? AND feature_id = 15").run(
    far.faceId,
  );
  db.close();

  await t.step("a missing image is an error naming the file and the face", async () => {
    await assert.rejects(all.get(0), (e: Error) => {
      assert.ok(e.message.includes(missingPath), e.message);
      assert.ok(e.message.includes(`face ${missing.faceId}`), e.message);
      return true;
    });
  });

  await t.step("a truncated JPEG is an error naming the file", async () => {
    await assert.rejects(all.get(1), (e: Error) => {
      assert.ok(e.message.includes(truncatedPath), e.message);
      assert.match(e.message, /truncated/);
      return true;
    });
  });

  await t.step(
    "a missing image is skipped and listed; a far landmark is dropped and listed",
    async () => {
      const reopened = await openAflw({ root, split: "train" });
      assert.equal(reopened.ids.length, all.ids.length - 1);
      assert.ok(!reopened.ids.includes(missingId));
      const problems = reopened.problems ?? [];
      assert.ok(
        problems.some((p) =>
          p.file === missingPath &&
          p.message === `face ${missing.faceId} skipped: its image does not exist`
        ),
        JSON.stringify(problems),
      );
      const s = await reopened.get(reopened.ids.indexOf(`face${far.faceId}`));
      assert.equal(s.id, `face${far.faceId}`);
      assert.equal(s.keypoints!.length, 21);
      // x = -1000 lies outside the image by more than the rect: taken as invisible, listed.
      assert.deepEqual(s.keypoints![14], [0, 0, 0]);
      assert.ok(problems.some((p) =>
        p.file === written.sqlitePath &&
        p.message.startsWith(`face ${far.faceId} landmark 15 (NoseCenter) at (-1000, `) &&
        p.message.endsWith("; taken as invisible")
      ));
      // The landmark id without a type row (99) is ignored by the loader.
      const visible = s.keypoints!.filter((k) => k[2] === 1).length;
      assert.equal(visible, far.landmarks.filter(Boolean).length - 1);
    },
  );

  await t.step("checkAflw() lists every problem with its file", async () => {
    for (const decode of [true, false]) {
      const report = await checkAflw(root, { decode });
      const about = (file: string) => report.problems.filter((p) => p.file === file);
      assert.equal(about(missingPath).length, 1, JSON.stringify(report.problems));
      assert.match(about(missingPath)[0]!.message, /does not exist/);
      assert.equal(about(truncatedPath).length, 1);
      assert.match(about(truncatedPath)[0]!.message, /truncated/);
      const db = about(written.sqlitePath).map((p) => p.message);
      assert.equal(db.length, 2, JSON.stringify(db));
      assert.ok(db.some((m) => /feature_id 99/.test(m)));
      assert.ok(db.some((m) => m.includes(`face ${far.faceId} landmark 15`)));
    }
  });
  await Deno.remove(root, { recursive: true });
});
