import assert from "node:assert/strict";
import { join } from "node:path";
import { datasetsIn, requireRealData, resolveDataRoot } from "./data_root.ts";
import type { DataSource } from "./data_sources.ts";

Deno.test("data root: --data-root, else CLVM_DATA, else ./data; a given root must exist and hold a dataset", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "clvm_data_root_" });
  try {
    const repo = join(tmp, "repo");
    await Deno.mkdir(repo);
    // Nothing given and no ./data: no root, every protocol on its stand-in.
    assert.deepEqual(await resolveDataRoot(undefined, undefined, repo), {
      dir: null,
      from: "default",
    });
    await Deno.mkdir(join(repo, "data"));
    assert.deepEqual(await resolveDataRoot(undefined, "", repo), {
      dir: join(repo, "data"),
      from: "default",
    });
    await assert.rejects(
      resolveDataRoot(join(tmp, "typo"), undefined, repo),
      new RegExp(`^Error: The data root of --data-root ${join(tmp, "typo")} is not a directory`),
    );
    const empty = join(tmp, "empty");
    await Deno.mkdir(empty);
    await assert.rejects(
      resolveDataRoot(undefined, empty, repo),
      new RegExp(
        `^Error: The data root of CLVM_DATA=${empty} holds no dataset: looked for ${empty}/lfw-parts/parts_train.txt`,
      ),
    );
    const root = join(tmp, "root");
    await Deno.mkdir(join(root, "aflw", "data"), { recursive: true });
    await Deno.writeFile(join(root, "aflw", "data", "aflw.sqlite"), new Uint8Array());
    assert.deepEqual(await datasetsIn(root), ["aflw"]);
    // The flag wins over the environment.
    assert.deepEqual(await resolveDataRoot(root, empty, repo), { dir: root, from: "--data-root" });
    assert.deepEqual(await resolveDataRoot(undefined, root, repo), {
      dir: root,
      from: "CLVM_DATA",
    });
    await Deno.mkdir(join(root, "lfw-parts"));
    await Deno.writeFile(
      join(root, "lfw-parts", "parts_lfw_funneled_gt_images.tgz"),
      new Uint8Array(),
    );
    assert.deepEqual(await datasetsIn(root), ["lfw-parts", "aflw"]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a protocol named on the command line never falls back to its stand-in when a root was given", () => {
  const synthetic: DataSource = {
    protocol: "pascal-person",
    dataset: "synthetic-pascal-person",
    root: "/c/synthetic-pascal-person",
    kind: "synthetic",
    description: "synthetic stand-in written in the real pascal-person format (no VOCdevkit/)",
  };
  const given = { dir: "/d", from: "--data-root" as const };
  assert.throws(
    () => requireRealData(synthetic, given, true),
    /^Error: pascal-person was asked for, but the data root \/d lacks it: synthetic stand-in/,
  );
  requireRealData(synthetic, given, false); // not asked for: the stand-in is fine
  requireRealData(synthetic, { dir: "/repo/data", from: "default" }, true);
  requireRealData({ ...synthetic, kind: "real" }, given, true);
});
