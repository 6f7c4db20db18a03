import assert from "node:assert/strict";
import { join } from "node:path";
import { writeSyntheticLfwParts } from "../../../fixtures/lfw_parts.ts";
import { encodeJpeg, encodePpm, jpegInfo } from "../../formats/image.ts";
import {
  checkLfwParts,
  LFW_PARTS_CLASSES,
  lfwPartsPaths,
  maskToClasses,
  openLfwParts,
  parseLfwPartsSplit,
  parseSuperpixelLabels,
  parseSuperpixelMap,
  prepareLfwParts,
} from "./mod.ts";
import type { Split } from "../types.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const COUNTS = { train: 16, val: 4, test: 8 };

/** Writes the fixture once per test file run. */
let fixture: Promise<{ dir: string; splits: Record<Split, string[]> }> | null = null;
function getFixture(): Promise<{ dir: string; splits: Record<Split, string[]> }> {
  fixture ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "lfw_fixture_" });
    const { splits } = await writeSyntheticLfwParts(dir, { seed: 3, counts: COUNTS });
    return { dir, splits };
  })();
  return fixture;
}

async function copyTree(from: string, to: string): Promise<void> {
  const out = await new Deno.Command("cp", { args: ["-r", from, to] }).output();
  assert.ok(out.success);
}

Deno.test("parseLfwPartsSplit() re-pads mixed zero padding and names bad lines", () => {
  const text = "Inga_Hall 0001\nDianne_Feinstein 2\r\nGeorge_W_Bush 0123\n\nA_B 45\n";
  assert.deepEqual(parseLfwPartsSplit(text, "s.txt"), [
    "Inga_Hall_0001",
    "Dianne_Feinstein_0002",
    "George_W_Bush_0123",
    "A_B_0045",
  ]);
  assert.throws(
    () => parseLfwPartsSplit("A 1\nB\n", "s.txt"),
    /Cannot read LFW-Parts split "s\.txt" line 2: expected "<Name> <number 1\.\.9999>", found "B"/,
  );
  assert.throws(() => parseLfwPartsSplit("A 0\n", "s.txt"), /line 1: .*found "A 0"/);
  assert.throws(() => parseLfwPartsSplit("A 12345\n", "s.txt"), /line 1/);
});

Deno.test("maskToClasses() maps pure R/G/B to 0/1/2 and anything else to 255", () => {
  const data = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 254, 0, 0, 0, 0, 0, 255, 255, 255]);
  const m = maskToClasses({ data, width: 3, height: 2 });
  assert.deepEqual([...m.classes], [0, 1, 2, 255, 255, 255]);
  assert.deepEqual(m.counts, [1, 1, 1]);
  assert.equal(m.impure, 3);
});

Deno.test("parseSuperpixelMap()/parseSuperpixelLabels() read the .dat formats and reject bad shapes", () => {
  const map = parseSuperpixelMap(enc("0 0\t1\n 2  2 1 \n"), "m.dat", 3, 2);
  assert.deepEqual([...map], [0, 0, 1, 2, 2, 1]);
  assert.throws(
    () => parseSuperpixelMap(enc("0 0 1\n2 2\n"), "m.dat", 3, 2),
    /"m\.dat": expected 2 lines of 3 integers, found 2 lines \(line 2 has 2\)/,
  );
  assert.throws(() => parseSuperpixelMap(enc("0 0 1\n"), "m.dat", 3, 2), /found 1 lines/);
  assert.throws(() => parseSuperpixelMap(enc("0 -1 1\n"), "m.dat", 3, 1), /found "-" at byte 2/);
  assert.deepEqual([...parseSuperpixelLabels(enc("3\n0\n2\n1\n"), "l.dat")], [0, 2, 1]);
  assert.throws(
    () => parseSuperpixelLabels(enc("3\n0\n2\n"), "l.dat"),
    /"l\.dat": expected a count N then N labels, found N = 3 and 2 labels/,
  );
  assert.throws(
    () => parseSuperpixelLabels(enc("2\n0\n3\n"), "l.dat"),
    /expected labels 0\.\.2, found 3 for superpixel 1/,
  );
  assert.throws(() => parseSuperpixelLabels(enc(""), "l.dat"), /found N = nothing/);
});

Deno.test("openLfwParts() reads the synthetic fixture in the real layout", async (t) => {
  const { dir, splits } = await getFixture();
  await t.step("split counts and ids, padded and unpadded lines alike", async () => {
    for (const split of ["train", "val", "test"] as const) {
      const ds = await openLfwParts({ root: dir, split });
      assert.equal(ds.name, "lfw-parts");
      assert.deepEqual(ds.classes, ["hair", "skin", "background"]);
      assert.equal(ds.ids.length, COUNTS[split]);
      assert.deepEqual(ds.ids, splits[split]);
      assert.ok(ds.hasSuperpixels);
    }
    const lines = (await Deno.readTextFile(join(dir, "parts_train.txt"))).trim().split("\n");
    const unpadded = lines.find((l) => / [1-9]\d{0,2}$/.test(l));
    const padded = lines.find((l) => / \d{4}$/.test(l));
    assert.ok(unpadded && padded, "the fixture's split file mixes both spellings");
    const train = await openLfwParts({ root: dir, split: "train" });
    const [name, num] = unpadded.split(" ") as [string, string];
    assert.ok(train.ids.includes(`${name}_${"0".repeat(4 - num.length)}${num}`));
  });
  await t.step("samples: image, mask and superpixels aligned and consistent", async () => {
    const ds = await openLfwParts({ root: dir, split: "val" });
    for (let i = 0; i < ds.ids.length; i++) {
      const s = await ds.get(i);
      assert.equal(s.id, ds.ids[i]);
      assert.equal(s.image.width, 250);
      assert.equal(s.image.height, 250);
      assert.equal(s.image.data.length, 250 * 250 * 3);
      // The reference: the mask's bytes, read here without the loader.
      const ppm = await Deno.readFile(lfwPartsPaths(dir, s.id).mask);
      const seg = s.segmentation!;
      assert.equal(seg.length, 250 * 250);
      for (let p = 0; p < seg.length; p += 97) {
        const rgb = [ppm[15 + 3 * p], ppm[15 + 3 * p + 1], ppm[15 + 3 * p + 2]];
        assert.equal(rgb[seg[p]!], 255, `pixel ${p} class ${seg[p]} vs colour ${rgb}`);
      }
      const sp = s.superpixels!;
      const gt = (await Deno.readTextFile(lfwPartsPaths(dir, s.id).labels)).split("\n");
      assert.equal(sp.labels.length, Number(gt[0]));
      assert.equal(sp.map.length, 250 * 250);
      for (let p = 0; p < seg.length; p++) {
        assert.equal(sp.labels[sp.map[p]!], seg[p], `superpixel label at pixel ${p}`);
      }
    }
  });
  await t.step("iteration yields the samples in ids order and can stop early", async () => {
    const ds = await openLfwParts({ root: dir, split: "test" });
    const seen: string[] = [];
    for await (const s of ds) seen.push(s.id);
    assert.deepEqual(seen, ds.ids);
    for await (const _ of ds) break;
  });
  await t.step("get() out of range", async () => {
    const ds = await openLfwParts({ root: dir, split: "test" });
    await assert.rejects(() => ds.get(8), /sample 8: expected an index in 0\.\.7/);
  });
});

Deno.test("the synthetic LFW-Parts needs global shape: local colour alone cannot tell hair from background", async () => {
  const { dir } = await getFixture();
  // A colour-only Bayes classifier: class-conditional frequencies of quantized colours
  // (4 bits a channel) of hair and background pixels in train; balanced accuracy on test.
  // (The same classifier on the real LFW-Parts, 300 train / 300 test images: 0.73.)
  const bins = new Float64Array(4096 * 2);
  const totals = [0, 0];
  const key = (d: Uint8Array, p: number): number =>
    ((d[3 * p]! >> 4) << 8) | ((d[3 * p + 1]! >> 4) << 4) | (d[3 * p + 2]! >> 4);
  for await (const s of await openLfwParts({ root: dir, split: "train" })) {
    const seg = s.segmentation!;
    for (let p = 0; p < seg.length; p++) {
      if (seg[p] === 1) continue;
      const c = seg[p] === 0 ? 0 : 1;
      bins[2 * key(s.image.data, p) + c]!++;
      totals[c]!++;
    }
  }
  const right = [0, 0];
  const seen = [0, 0];
  const hairAbove: boolean[] = [];
  for await (const s of await openLfwParts({ root: dir, split: "test" })) {
    const seg = s.segmentation!;
    let hy = 0, hn = 0, sy = 0, sn = 0;
    for (let p = 0; p < seg.length; p++) {
      const y = Math.floor(p / 250);
      if (seg[p] === 1) {
        sy += y;
        sn++;
        continue;
      }
      if (seg[p] === 0) {
        hy += y;
        hn++;
      }
      const k = key(s.image.data, p);
      const saysHair = bins[2 * k]! / totals[0]! > bins[2 * k + 1]! / totals[1]!;
      const c = seg[p] === 0 ? 0 : 1;
      seen[c]!++;
      if (saysHair === (c === 0)) right[c]!++;
    }
    if (hn > 0) hairAbove.push(hy / hn < sy / sn);
  }
  const balanced = (right[0]! / seen[0]! + right[1]! / seen[1]!) / 2;
  assert.ok(balanced < 0.8, `colour alone separates hair from background too well (${balanced})`);
  assert.ok(balanced > 0.55, `colour carries almost no signal (${balanced})`);
  assert.ok(hairAbove.every(Boolean), "hair sits above the face centre in every image");
});

Deno.test("openLfwParts() reports bad input naming the file", async (t) => {
  const { dir } = await getFixture();
  const tmp = await Deno.makeTempDir();
  try {
    await t.step("missing directory and split file", async () => {
      await assert.rejects(
        () => openLfwParts({ root: `${tmp}/nope`, split: "train" }),
        /Cannot open LFW-Parts at ".*nope": directory not found/,
      );
      await assert.rejects(
        () => openLfwParts({ root: tmp, split: "val" }),
        /Cannot read LFW-Parts split ".*parts_validation\.txt": file not found/,
      );
    });
    const root = `${tmp}/copy`;
    await copyTree(dir, root);
    const ds = await openLfwParts({ root, split: "train" });
    const paths = (i: number) => lfwPartsPaths(root, ds.ids[i]!);
    await t.step("a split naming an image that does not exist", async () => {
      await Deno.remove(paths(0).image);
      await assert.rejects(
        () => ds.get(0),
        new RegExp(`Cannot read LFW-Parts image ".*${ds.ids[0]}\\.jpg": file not found`),
      );
    });
    await t.step("a PPM with the wrong header", async () => {
      await Deno.writeFile(paths(1).mask, enc("P3 250 250 255\n0 0 0\n"));
      await assert.rejects(
        () => ds.get(1),
        new RegExp(
          `Cannot read LFW-Parts mask ".*${ds.ids[1]}\\.ppm": expected P6 header, found "P3"`,
        ),
      );
    });
    await t.step("a mask whose size differs from the image's", async () => {
      await Deno.writeFile(
        paths(2).mask,
        encodePpm({ data: new Uint8Array(200 * 250 * 3), width: 200, height: 250 }),
      );
      await assert.rejects(
        () => ds.get(2),
        /the mask ".*\.ppm" is 200×250 but the image ".*\.jpg" is 250×250/,
      );
    });
    await t.step("a truncated JPEG", async () => {
      const jpg = await Deno.readFile(paths(3).image);
      await Deno.writeFile(paths(3).image, jpg.subarray(0, jpg.length >> 1));
      await assert.rejects(
        () => ds.get(3),
        /Cannot read LFW-Parts image ".*\.jpg": the JPEG data is truncated or corrupt/,
      );
    });
    await t.step("a superpixel id beyond the label count", async () => {
      await Deno.writeTextFile(paths(4).labels, "2\n0\n1\n");
      await assert.rejects(
        () => ds.get(4),
        /superpixel map ".*\.dat": expected ids below 2 \(the count in ".*\.dat"\), found \d+/,
      );
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("checkLfwParts() passes the fixture and lists every problem of a damaged copy", async () => {
  const { dir, splits } = await getFixture();
  const report = await checkLfwParts(dir, { decode: true });
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.splits, COUNTS);
  // Independent class fractions from the PPM bytes.
  const counts = [0, 0, 0];
  for (const id of [...splits.train, ...splits.val, ...splits.test]) {
    const ppm = await Deno.readFile(lfwPartsPaths(dir, id).mask);
    for (let i = 15; i < ppm.length; i += 3) counts[ppm[i] ? 0 : ppm[i + 1] ? 1 : 2]!++;
  }
  const total = counts[0]! + counts[1]! + counts[2]!;
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(report.classFractions![LFW_PARTS_CLASSES[c]!]! - counts[c]! / total) < 1e-6);
  }

  const tmp = await Deno.makeTempDir();
  try {
    const root = `${tmp}/copy`;
    await copyTree(dir, root);
    const ids = splits.train;
    const p = (i: number) => lfwPartsPaths(root, ids[i]!);
    await Deno.writeFile(p(0).mask, enc("P3 250 250 255\n"));
    const impure = await Deno.readFile(p(1).mask);
    impure[15 + 3 * 1000 + 1] = 7; // one pixel no longer pure
    await Deno.writeFile(p(1).mask, impure);
    await Deno.remove(p(2).image);
    const jpg = await Deno.readFile(p(3).image);
    await Deno.writeFile(p(3).image, jpg.subarray(0, jpg.length - 300));
    await Deno.writeFile(
      p(4).image,
      await encodeJpeg({ data: new Uint8Array(200 * 250 * 3), width: 200, height: 250 }),
    );
    const gt = (await Deno.readTextFile(p(5).labels)).split("\n");
    gt[1] = gt[1] === "2" ? "0" : "2"; // superpixel 0's label no longer matches the mask
    await Deno.writeTextFile(p(5).labels, gt.join("\n"));
    await Deno.writeFile(
      join(root, "parts_lfw_funneled_gt_images", "Extra_Person_0001.ppm"),
      new Uint8Array(1),
    );
    const test = await Deno.readTextFile(join(root, "parts_test.txt"));
    await Deno.writeTextFile(
      join(root, "parts_test.txt"),
      `${test}${ids[0]!.replace(/_(\d+)$/, " $1")}\n`,
    );

    const bad = await checkLfwParts(root);
    const by = (file: string) => bad.problems.filter((q) => q.file === file).map((q) => q.message);
    assert.deepEqual(by(p(0).mask), ['expected P6 header, found "P3"']);
    assert.deepEqual(by(p(1).mask), ["1 pixels are not pure red, green or blue"]);
    assert.deepEqual(by(p(2).image), ["image file not found"]);
    assert.equal(by(p(3).image).length, 1);
    assert.match(by(p(3).image)[0]!, /truncated: no end-of-image marker/);
    assert.deepEqual(by(p(4).image), ["expected 250×250 pixels (the mask's size), found 200×250"]);
    assert.match(by(p(5).labels)[0]!, /^1 of \d+ superpixel labels disagree with the mask$/);
    assert.deepEqual(by(join(root, "parts_lfw_funneled_gt_images", "Extra_Person_0001.ppm")), [
      "mask is in no split file",
    ]);
    assert.deepEqual(by(join(root, "parts_test.txt")), [
      `"${ids[0]}" is in both the train and test splits`,
    ]);
    assert.equal(bad.problems.length, 8, JSON.stringify(bad.problems, null, 1));
    assert.deepEqual(bad.splits, { ...COUNTS, test: COUNTS.test + 1 });

    const none = await checkLfwParts(`${tmp}/nope`);
    assert.deepEqual(none.problems, [{ file: `${tmp}/nope`, message: "directory not found" }]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("prepareLfwParts() extracts the official tarballs, skips what is not needed, and is idempotent", async () => {
  const { dir, splits } = await getFixture();
  const tmp = await Deno.makeTempDir();
  try {
    const dl = `${tmp}/downloads`;
    const stage = `${tmp}/stage`;
    await Deno.mkdir(dl);
    await copyTree(dir, stage);
    // What the official lfw-funneled.tgz also has: pairs files and unlabelled images.
    await Deno.writeTextFile(`${stage}/lfw_funneled/pairs.txt`, "10\t300\n");
    await Deno.mkdir(`${stage}/lfw_funneled/Not_Labelled`);
    await Deno.writeFile(
      `${stage}/lfw_funneled/Not_Labelled/Not_Labelled_0001.jpg`,
      new Uint8Array(10),
    );
    const tar = async (archive: string, member: string) => {
      const out = await new Deno.Command("tar", {
        args: ["-czf", `${dl}/${archive}`, "-C", stage, member],
      }).output();
      assert.ok(out.success);
    };
    await tar("lfw-funneled.tgz", "lfw_funneled");
    await tar("parts_lfw_funneled_gt_images.tgz", "parts_lfw_funneled_gt_images");
    await tar("parts_lfw_funneled_superpixels_mat.tgz", "parts_lfw_funneled_superpixels_mat");
    await tar("parts_lfw_funneled_gt.tgz", "parts_lfw_funneled_gt");
    for (const f of ["parts_train.txt", "parts_validation.txt", "parts_test.txt"]) {
      await Deno.copyFile(`${stage}/${f}`, `${dl}/${f}`);
    }
    const root = `${tmp}/root`;
    const events: string[] = [];
    const first = await prepareLfwParts({
      from: dl,
      root,
      onProgress: (p) => p.done && events.push(p.archive),
    });
    const n = COUNTS.train + COUNTS.val + COUNTS.test;
    assert.deepEqual(first.extracted, {
      "lfw-funneled.tgz": n,
      "parts_lfw_funneled_gt_images.tgz": n,
      "parts_lfw_funneled_superpixels_mat.tgz": n,
      "parts_lfw_funneled_gt.tgz": n,
    });
    assert.equal(events.length, 4);
    await assert.rejects(Deno.stat(`${root}/lfw_funneled/pairs.txt`), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(`${root}/lfw_funneled/Not_Labelled`), Deno.errors.NotFound);
    const id = splits.test[0]!;
    assert.deepEqual(
      await Deno.readFile(lfwPartsPaths(root, id).image),
      await Deno.readFile(lfwPartsPaths(dir, id).image),
    );
    const report = await checkLfwParts(root);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.splits, COUNTS);
    assert.equal((await openLfwParts({ root, split: "test" })).hasSuperpixels, true);

    const second = await prepareLfwParts({ from: dl, root });
    assert.equal(second.unchanged.length, 4, "nothing is extracted again");
    assert.ok(Object.values(second.extracted).every((v) => v === 0));
    await Deno.remove(lfwPartsPaths(root, id).mask);
    const third = await prepareLfwParts({ from: dl, root });
    assert.equal(
      third.extracted["parts_lfw_funneled_gt_images.tgz"],
      n,
      "a deleted file is restored",
    );
    assert.equal(third.unchanged.length, 3);

    await assert.rejects(
      () => prepareLfwParts({ from: stage, root }),
      /Cannot prepare LFW-Parts from ".*stage": expected lfw-funneled\.tgz or lfw-funneled-parts-subset\.tgz/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test({
  name: "writeSyntheticLfwParts() is deterministic from its seed",
  async fn() {
    const a = await Deno.makeTempDir();
    const b = await Deno.makeTempDir();
    try {
      const counts = { train: 2, val: 1, test: 1 };
      const ra = await writeSyntheticLfwParts(a, { seed: 11, counts, size: 64 });
      const rb = await writeSyntheticLfwParts(b, { seed: 11, counts, size: 64 });
      assert.deepEqual(ra, rb);
      const id = ra.splits.train[0]!;
      for (const k of ["image", "mask", "superpixels", "labels"] as const) {
        assert.deepEqual(
          await Deno.readFile(lfwPartsPaths(a, id)[k]),
          await Deno.readFile(lfwPartsPaths(b, id)[k]),
          k,
        );
      }
      assert.equal(jpegInfo(await Deno.readFile(lfwPartsPaths(a, id).image)).width, 64);
      const report = await checkLfwParts(a, { size: 64 });
      assert.deepEqual(report.problems, []);
      const other = await Deno.makeTempDir();
      const rc = await writeSyntheticLfwParts(other, { seed: 12, counts, size: 64 });
      assert.notDeepEqual(rc.splits, ra.splits);
      await Deno.remove(other, { recursive: true });
    } finally {
      await Deno.remove(a, { recursive: true });
      await Deno.remove(b, { recursive: true });
    }
  },
});

Deno.test({
  name: "the fixture's temp dir is removed",
  async fn() {
    if (fixture) await Deno.remove((await fixture).dir, { recursive: true });
  },
});
