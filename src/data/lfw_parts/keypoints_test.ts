import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticLfwParts } from "../../../fixtures/lfw_parts.ts";
import {
  checkLfwKeypoints,
  FACEMESH_KEYPOINT_INDICES,
  formatLfwKeypoints,
  KeypointFileError,
  keypointsFromMesh,
  keypointsInFace,
  LFW_PARTS_KEYPOINT_NAMES,
  LFW_PARTS_KEYPOINTS_FILE,
  parseLfwKeypoints,
  readLfwKeypoints,
} from "./keypoints.ts";
import { checkLfwParts, openLfwParts } from "./mod.ts";
import { flipPairsFromNames } from "../preprocess.ts";

const K = 19;
const NAMES = LFW_PARTS_KEYPOINT_NAMES.join(" ");
/** A hand-written file: image A all points at (10 + k, 20 + k), visible; B point 0 hidden. */
function handFile(lines: string[] = []): string {
  const row = (id: string, hide: boolean) =>
    [id, ...Array.from({ length: K }, (_, k) => `${10 + k} ${20 + k} ${hide && k === 0 ? 0 : 1}`)]
      .join(" ");
  return [
    "# clvm LFW-Parts keypoints v1",
    "# made by: hand, for a test",
    `# names: ${NAMES}`,
    row("A_0001", false),
    row("B_0002", true),
    ...lines,
  ].join("\n") + "\n";
}

Deno.test("the 19 names mirror AFLW's minus the ears, in flip pairs, each with mesh indices", () => {
  assert.equal(LFW_PARTS_KEYPOINT_NAMES.length, K);
  assert.equal(FACEMESH_KEYPOINT_INDICES.length, K);
  assert.ok(!LFW_PARTS_KEYPOINT_NAMES.some((n) => n.includes("Ear")));
  // 8 left/right pairs; NoseCenter, MouthCenter and ChinCenter map to themselves.
  assert.equal(flipPairsFromNames(LFW_PARTS_KEYPOINT_NAMES).length, 8);
  for (const ix of FACEMESH_KEYPOINT_INDICES) for (const i of ix) assert.ok(i >= 0 && i < 468);
});

Deno.test("parseLfwKeypoints() reads a hand-written file", () => {
  const kp = parseLfwKeypoints(handFile(), "k.txt");
  assert.deepEqual(kp.names, [...LFW_PARTS_KEYPOINT_NAMES]);
  assert.deepEqual([...kp.points.keys()], ["A_0001", "B_0002"]);
  assert.deepEqual([...kp.points.get("A_0001")!.subarray(0, 6)], [10, 20, 1, 11, 21, 1]);
  assert.equal(kp.points.get("B_0002")![2], 0);
  assert.ok(kp.header.some((h) => h.startsWith("made by: hand")));
});

Deno.test("parseLfwKeypoints() names the file and line of each fault", () => {
  const bad = (text: string, re: RegExp) =>
    assert.throws(() => parseLfwKeypoints(text, "/d/keypoints.txt"), (e: Error) => {
      assert.ok(e instanceof KeypointFileError, e.message);
      assert.match(e.message, re);
      return true;
    });
  bad("hello\n", /keypoints\.txt:1: expected the first line "# clvm LFW-Parts keypoints v1"/);
  // A truncated last line: fewer numbers than 3·19.
  const text = handFile();
  bad(
    text.slice(0, text.length - 20),
    /keypoints\.txt:5: image "B_0002" has \d+ numbers, expected 57/,
  );
  // Out of range: x = 251 of the third keypoint of A on line 4.
  bad(
    text.replace("A_0001 10 20 1 11 21 1 12 22", "A_0001 10 20 1 11 21 1 251 22"),
    /keypoints\.txt:4: x = 251 of LeftBrowRightCorner of "A_0001" is outside 0\.\.250/,
  );
  bad(
    text.replace("A_0001 10 20 1 11 21 1", "A_0001 10 -3 1 11 21 1"),
    /:4: y = -3 of LeftBrowLeftCorner/,
  );
  bad(text.replace("A_0001 10 20 1", "A_0001 10 20 2"), /:4: v = 2 .* expected 0 or 1/);
  bad(
    text.replace("A_0001 10 20 1", "A_0001 NaN 20 1"),
    /:4: "NaN" of LeftBrowLeftCorner .* not a finite/,
  );
  bad(text.replace("B_0002", "A_0001"), /:5: image "A_0001" repeats/);
  bad(text.replace(`# names: ${NAMES}\n`, ""), /keypoints\.txt:3: expected a "# names: …" line/);
});

Deno.test("checkLfwKeypoints() and readLfwKeypoints() compare the file with the split lists", async () => {
  const root = await Deno.makeTempDir({ prefix: "lfw_kp_" });
  const file = join(root, LFW_PARTS_KEYPOINTS_FILE);
  try {
    // No file: the reader says null, the checker says how to make it.
    assert.equal(await readLfwKeypoints(root), null);
    const none = await checkLfwKeypoints(root, { train: ["A_0001"], val: [], test: [] });
    assert.equal(none.present, false);
    assert.match(none.problems[0]!.message, /deno task data prepare lfw-parts/);

    await Deno.writeTextFile(file, handFile());
    const ok = await checkLfwKeypoints(root, { train: ["A_0001"], val: ["B_0002"], test: [] });
    assert.deepEqual(ok.problems, []);
    assert.ok(Math.abs(ok.visibleFraction - 37 / 38) < 1e-12);
    // A split id without a line (a truncated file) and a line for no split's id.
    const off = await checkLfwKeypoints(root, { train: ["A_0001", "C_0003"], val: [], test: [] });
    assert.equal(off.problems.length, 2);
    assert.equal(off.problems[0]!.file, file);
    assert.match(
      off.problems[0]!.message,
      /1 of the 2 images .* no keypoint line \(first: C_0003\)/,
    );
    assert.match(
      off.problems[1]!.message,
      /1 keypoint lines name images in no split list \(first: B_0002\)/,
    );
    // A malformed file is one problem naming the file and line.
    await Deno.writeTextFile(file, handFile(["C_0003 1 2 3"]));
    const broken = await checkLfwKeypoints(root, { train: ["A_0001"], val: [], test: [] });
    assert.match(broken.problems[0]!.message, /keypoints\.txt:6: image "C_0003" has 3 numbers/);
    // Other names than the 19 are refused by the reader.
    await Deno.writeTextFile(file, handFile().replace(NAMES, NAMES.replace("ChinCenter", "Chin")));
    await assert.rejects(() => readLfwKeypoints(root), /names line lists 19 names/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("formatLfwKeypoints() writes what parseLfwKeypoints() reads, two decimals", () => {
  const a = Float32Array.from({ length: 3 * K }, (_, j) => (j % 3 === 2 ? 1 : 100 + j / 7));
  const text = formatLfwKeypoints(new Map([["A_0001", a]]), "test", ["note"]);
  assert.match(text, /^# clvm LFW-Parts keypoints v1\n# made by: test\n# note\n/);
  const back = parseLfwKeypoints(text, "k.txt").points.get("A_0001")!;
  for (let j = 0; j < 3 * K; j++) assert.ok(Math.abs(back[j]! - a[j]!) <= 0.005 + 1e-6);
  assert.throws(() => formatLfwKeypoints(new Map([["x", [1, 2]]]), "t"), /"x": 2 numbers/);
});

Deno.test("keypointsFromMesh() averages the named landmarks; keypointsInFace() dilates the mask", () => {
  const mesh = new Float32Array(468 * 3);
  for (let m = 0; m < 468; m++) {
    mesh[3 * m] = m % 250;
    mesh[3 * m + 1] = 7;
  }
  const k = keypointsFromMesh(mesh, 0.99);
  assert.deepEqual([...k.subarray(0, 3)], [70, 7, 1]); // LeftBrowLeftCorner = landmark 70
  assert.deepEqual([...k.subarray(21, 24)], [(159 + 145) / 2, 7, 1]); // LeftEyeCenter
  mesh[3 * 152] = 300; // ChinCenter off the frame: clamped to 250 and invisible
  const off = keypointsFromMesh(mesh, 0.99);
  assert.deepEqual([...off.subarray(54, 57)], [250, 7, 0]);
  assert.ok(keypointsFromMesh(mesh, 0.2).every((v, j) => j % 3 !== 2 || v === 0));
  // 10×10 mask: skin (1) in column 0 only. A point at x = 3.5 is 3 columns away.
  const mask = Uint8Array.from({ length: 100 }, (_, p) => (p % 10 === 0 ? 1 : 2));
  const pts = new Float32Array([3.5, 5.5, 1, 9.5, 5.5, 1, 9.5, 5.5, 0]);
  assert.deepEqual(keypointsInFace(pts, mask, 10, 10, 3), { inside: 1, visible: 2 });
  assert.deepEqual(keypointsInFace(pts, mask, 10, 10, 2), { inside: 0, visible: 2 });
});

Deno.test("openLfwParts() serves keypoints.txt as [x, y, visible] per sample; check validates it", async () => {
  const root = await Deno.makeTempDir({ prefix: "lfw_kp_open_" });
  try {
    const { splits } = await writeSyntheticLfwParts(root, {
      seed: 3,
      counts: { train: 3, val: 2, test: 2 },
    });
    // Without the file: no keypoints, and check has nothing to say about them.
    const plain = await openLfwParts({ root, split: "val" });
    assert.equal(plain.keypointNames, undefined);
    assert.equal((await plain.get(0)).keypoints, undefined);
    assert.equal((await checkLfwParts(root)).keypoints, undefined);
    // Point k of image i at (10 + i, 20 + k); the val split's second image hides point 0.
    const all = [...splits.train, ...splits.val, ...splits.test];
    const points = new Map(all.map((id, i) => [
      id,
      Float32Array.from(
        { length: 3 * K },
        (_, j) =>
          j % 3 === 0
            ? 10 + i
            : j % 3 === 1
            ? 20 + Math.floor(j / 3)
            : id === splits.val[1] && j === 2
            ? 0
            : 1,
      ),
    ]));
    await Deno.writeTextFile(
      join(root, LFW_PARTS_KEYPOINTS_FILE),
      formatLfwKeypoints(points, "test"),
    );
    const val = await openLfwParts({ root, split: "val" });
    assert.deepEqual(val.keypointNames, LFW_PARTS_KEYPOINT_NAMES);
    const s = await val.get(1);
    assert.equal(s.keypoints!.length, K);
    assert.deepEqual(s.keypoints![0], [14, 20, 0]); // val[1] is image 4 of 7
    assert.deepEqual(s.keypoints![18], [14, 38, 1]);
    assert.equal(
      (await openLfwParts({ root, split: "val", keypoints: false })).keypointNames,
      undefined,
    );
    const report = await checkLfwParts(root);
    assert.deepEqual(report.problems, []);
    assert.ok(Math.abs(report.keypoints!.visibleFraction - (7 * K - 1) / (7 * K)) < 1e-6);
    // A truncated file: the loader refuses the split, check names the file.
    const text = formatLfwKeypoints(points, "test").split("\n").slice(0, -2).join("\n") + "\n";
    await Deno.writeTextFile(join(root, LFW_PARTS_KEYPOINTS_FILE), text);
    await assert.rejects(() => openLfwParts({ root, split: "test" }), /keypoints\.txt \(first: /);
    const bad = await checkLfwParts(root);
    assert.equal(bad.problems.length, 1);
    assert.match(bad.problems[0]!.file, /keypoints\.txt$/);
    assert.match(bad.problems[0]!.message, /1 of the 7 images .* truncated/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
