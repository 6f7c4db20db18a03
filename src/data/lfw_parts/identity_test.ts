import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { sharedData } from "../../testing.ts";
import { LFW_PARTS_OFFICIAL_SHA256, lfwPartsIdentity } from "./identity.ts";

Deno.test("an LFW-Parts layout with other split lists is not called official", async () => {
  const root = await Deno.makeTempDir({ prefix: "lfw_id_" });
  try {
    const lines = (n: number, first: number) =>
      Array.from({ length: n }, (_, i) => `Person_${first + i} 1`).join("\n") + "\n";
    await Deno.writeTextFile(join(root, "parts_train.txt"), lines(40, 0));
    await Deno.writeTextFile(join(root, "parts_validation.txt"), lines(12, 40));
    await Deno.writeTextFile(join(root, "parts_test.txt"), lines(16, 52));
    const id = await lfwPartsIdentity(root);
    assert.equal(id.official, false);
    assert.deepEqual(id.counts, { train: 40, val: 12, test: 16 });
    assert.equal(
      id.description,
      `LFW-Parts layout at ${root} (40/12/16 images, not the official splits)`,
    );
    // The fingerprint is the file's SHA-256, computed here independently.
    const bytes = await Deno.readFile(join(root, "parts_test.txt"));
    assert.equal(id.sha256.test, createHash("sha256").update(bytes).digest("hex"));
    await assert.rejects(
      () => lfwPartsIdentity(join(root, "missing")),
      /No such file|not found/i,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

const { dir: shared, why } = sharedData();

Deno.test({
  name: `the official split lists are recognized by their SHA-256${shared ? "" : ` (${why})`}`,
  ignore: !shared,
  async fn() {
    const root = join(shared!, "lfw-parts");
    const id = await lfwPartsIdentity(root);
    assert.deepEqual(id.sha256, { ...LFW_PARTS_OFFICIAL_SHA256 });
    assert.equal(id.official, true);
    assert.equal(
      id.description,
      `real LFW Part Labels (official 1500/500/927 splits) from ${root}`,
    );
    // One changed line is no longer official.
    const copy = await Deno.makeTempDir({ prefix: "lfw_id_" });
    try {
      for (const f of ["parts_train.txt", "parts_validation.txt", "parts_test.txt"]) {
        await Deno.copyFile(join(root, f), join(copy, f));
      }
      const test = await Deno.readTextFile(join(copy, "parts_test.txt"));
      await Deno.writeTextFile(join(copy, "parts_test.txt"), test.split("\n").slice(1).join("\n"));
      const cut = await lfwPartsIdentity(copy);
      assert.equal(cut.official, false);
      assert.match(cut.description, /\(1500\/500\/926 images, not the official splits\)$/);
    } finally {
      await Deno.remove(copy, { recursive: true });
    }
  },
});
