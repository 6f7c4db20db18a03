import assert from "node:assert/strict";
import { join } from "node:path";
import "../../fixtures/mod.ts";
import { syntheticRoot } from "../data/open_dataset.ts";
import { openTrainData } from "./_datasets.ts";

Deno.test("openTrainData() reads and writes the split file it is given, not the root's", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const root = await syntheticRoot("synthetic-aflw", { root: join(tmp, "aflw") });
    const splitFile = join(tmp, "elsewhere", "aflw-split.json");
    await Deno.mkdir(join(tmp, "elsewhere"));
    const data = await openTrainData("synthetic-aflw", root, undefined, splitFile);
    const written = JSON.parse(await Deno.readTextFile(splitFile));
    assert.ok(data.train.ids.length > 0 && data.val.ids.length > 0);
    // The file holds the splits the datasets were opened with.
    assert.equal(written.counts.train, data.train.ids.length);
    assert.equal(written.counts.val, data.val.ids.length);
    assert.equal(written.val.length, data.val.ids.length);
    const again = await openTrainData("synthetic-aflw", root, undefined, splitFile);
    assert.deepEqual(again.val.ids, data.val.ids);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
