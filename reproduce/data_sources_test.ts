import assert from "node:assert/strict";
import { join } from "node:path";
import { sharedData } from "../src/testing.ts";
import { resolveData } from "./data_sources.ts";

Deno.test("an LFW-Parts layout that is not the official one says so, with its counts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sources_" });
  try {
    const lfw = join(dir, "lfw-parts");
    await Deno.mkdir(join(lfw, "lfw_funneled"), { recursive: true });
    const lines = (n: number, first: number) =>
      Array.from({ length: n }, (_, i) => `Person_${first + i} 1`).join("\n") + "\n";
    await Deno.writeTextFile(join(lfw, "parts_train.txt"), lines(40, 0));
    await Deno.writeTextFile(join(lfw, "parts_validation.txt"), lines(12, 40));
    await Deno.writeTextFile(join(lfw, "parts_test.txt"), lines(16, 52));
    const s = await resolveData("lfw-parts", dir, join(dir, "cache"), () => {}, {
      keypoints: false,
    });
    assert.equal(s.kind, "real");
    assert.equal(s.official, false);
    assert.match(
      s.description,
      /^LFW-Parts layout at .* \(40\/12\/16 images, not the official splits\)/,
    );
    assert.doesNotMatch(s.description, /official 1500/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const { dir: shared, why } = sharedData();

Deno.test({
  name: `the real LFW-Parts download is called official${shared ? "" : ` (${why})`}`,
  ignore: !shared,
  async fn() {
    const cache = await Deno.makeTempDir({ prefix: "sources_" });
    try {
      const s = await resolveData("lfw-parts", shared!, cache, () => {}, { keypoints: false });
      assert.equal(s.official, true);
      assert.match(s.description, /^real LFW Part Labels \(official 1500\/500\/927 splits\)/);
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  },
});
