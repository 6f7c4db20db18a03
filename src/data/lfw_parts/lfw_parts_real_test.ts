// Tests on the real LFW Part Labels download in $CLVM_DATA/lfw-parts (skipped when it is
// absent). The tarballs are extracted once per run into a temp dir (about 5 s here), in
// /dev/shm when it exists: deleting the 2,927 extracted files from a disk takes seconds more.
import assert from "node:assert/strict";
import { join } from "node:path";
import { sharedData } from "../../testing.ts";
import { jpegInfo } from "../../formats/image.ts";
import { checkLfwParts, lfwPartsPaths, openLfwParts, prepareLfwParts } from "./mod.ts";

const { dir: shared, why } = sharedData();
const from = shared ? join(shared, "lfw-parts") : "";

Deno.test({
  name: `LFW-Parts real data: splits 1500/500/927, pure 250×250 masks, published class fractions${
    shared ? "" : ` (${why})`
  }`,
  ignore: !shared,
  async fn(t) {
    const shm = await Deno.stat("/dev/shm").then((s) => s.isDirectory, () => false);
    const root = await Deno.makeTempDir({
      prefix: "lfw_real_",
      ...(shm ? { dir: "/dev/shm" } : {}),
    });
    try {
      const prepared = await prepareLfwParts({ from, root });
      assert.deepEqual(prepared.extracted, {
        "lfw-funneled-parts-subset.tgz": 2927,
        "parts_lfw_funneled_gt_images.tgz": 2927,
      });
      const ids = {
        train: (await openLfwParts({ root, split: "train" })).ids,
        val: (await openLfwParts({ root, split: "val" })).ids,
        test: (await openLfwParts({ root, split: "test" })).ids,
      };

      await t.step(
        "split files: 1500/500/927, disjoint, their union is the set of masks",
        async () => {
          assert.equal(ids.train.length, 1500);
          assert.equal(ids.val.length, 500);
          assert.equal(ids.test.length, 927);
          const union = new Set([...ids.train, ...ids.val, ...ids.test]);
          assert.equal(union.size, 2927);
          const masks = new Set<string>();
          for await (const e of Deno.readDir(join(root, "parts_lfw_funneled_gt_images"))) {
            masks.add(e.name.replace(/\.ppm$/, ""));
          }
          assert.deepEqual([...masks].sort(), [...union].sort());
          // docs/DATASETS.md §2.4: both spellings occur (train 1,007 padded / 493 unpadded).
          const lines = (await Deno.readTextFile(join(root, "parts_train.txt"))).trim().split("\n");
          assert.equal(lines.filter((l) => / \d{4}$/.test(l)).length, 1007);
        },
      );

      await t.step(
        "every mask: the 15-byte header, 250×250, only pure R/G/B; fractions",
        async () => {
          const counts = [0, 0, 0];
          const header = "P6 250 250 255\n";
          for (const id of [...ids.train, ...ids.val, ...ids.test]) {
            const bytes = await Deno.readFile(lfwPartsPaths(root, id).mask);
            assert.equal(bytes.length, 187515, id);
            assert.equal(new TextDecoder().decode(bytes.subarray(0, 15)), header, id);
            for (let i = 15; i < bytes.length; i += 3) {
              const r = bytes[i]!, g = bytes[i + 1]!, b = bytes[i + 2]!;
              if (r === 255 && g === 0 && b === 0) counts[0]!++;
              else if (r === 0 && g === 255 && b === 0) counts[1]!++;
              else if (r === 0 && g === 0 && b === 255) counts[2]!++;
              else assert.fail(`${id}: pixel ${(i - 15) / 3} is (${r}, ${g}, ${b})`);
            }
          }
          const total = 2927 * 250 * 250;
          assert.equal(counts[0]! + counts[1]! + counts[2]!, total);
          const published = [0.102, 0.215, 0.683];
          for (let c = 0; c < 3; c++) {
            assert.ok(
              Math.abs(counts[c]! / total - published[c]!) < 0.005,
              `class ${c}: ${counts[c]! / total} vs ${published[c]}`,
            );
          }
        },
      );

      await t.step("every image is a complete 250×250 JPEG; decoded samples align", async () => {
        for (const id of [...ids.train, ...ids.val, ...ids.test]) {
          const info = jpegInfo(await Deno.readFile(lfwPartsPaths(root, id).image), id);
          assert.deepEqual([info.width, info.height], [250, 250], id);
        }
        const test = await openLfwParts({ root, split: "test" });
        for (let i = 0; i < test.ids.length; i += 93) {
          const s = await test.get(i);
          assert.deepEqual([s.image.width, s.image.height], [250, 250]);
          assert.equal(s.segmentation!.length, 250 * 250);
          assert.ok(s.segmentation!.every((c) => c <= 2), `${s.id}: only the three classes`);
        }
      });

      await t.step("checkLfwParts() agrees: no problems and the same figures", async () => {
        const report = await checkLfwParts(root);
        assert.deepEqual(report.problems, []);
        assert.deepEqual(report.splits, { train: 1500, val: 500, test: 927 });
        const f = report.classFractions!;
        assert.ok(Math.abs(f.hair! - 0.102) < 0.005, `hair ${f.hair}`);
        assert.ok(Math.abs(f.skin! - 0.215) < 0.005, `skin ${f.skin}`);
        assert.ok(Math.abs(f.background! - 0.683) < 0.005, `background ${f.background}`);
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
