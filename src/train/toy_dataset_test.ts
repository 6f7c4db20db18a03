import assert from "node:assert/strict";
import { openToyDataset, TOY_SPLIT_SIZES, toySample } from "./toy_dataset.ts";

Deno.test("toy-shapes samples are deterministic and their keypoints sit on their shapes", async () => {
  const train = openToyDataset("train");
  assert.equal(train.ids.length, TOY_SPLIT_SIZES.train);
  assert.deepEqual(await train.get(5), toySample("train", 5));
  assert.notDeepEqual(toySample("train", 5).image.data, toySample("val", 5).image.data);
  let invisible = 0;
  for (let i = 0; i < 40; i++) {
    const s = await train.get(i);
    const { width } = s.image;
    const classesPresent = new Set(s.segmentation);
    s.keypoints!.forEach(([x, y, v], k) => {
      const cls = k + 1; // keypoint 0: the disc (class 1); keypoint 1: the square (class 2)
      if (!v) {
        invisible++;
        // The square is painted last, so an absent square leaves no class 2; an absent
        // disc no class 1.
        assert.ok(!classesPresent.has(cls), `${s.id}: class ${cls} without its keypoint`);
        return;
      }
      const label = s.segmentation![Math.floor(y) * width + Math.floor(x)];
      // The square's centre is always square; the disc's may be covered by the square.
      assert.ok(
        k === 1 ? label === 2 : label === 1 || label === 2,
        `${s.id} keypoint ${k}: ${label}`,
      );
    });
  }
  assert.ok(invisible > 0, "some keypoints are invisible");
  await assert.rejects(() => train.get(96), /No sample 96 in toy-shapes\/train: expected 0\.\.95/);
  assert.throws(() => openToyDataset("val", 0), /Invalid toy dataset count 0/);
});
