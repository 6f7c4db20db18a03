// `reproduce --split-file FILE`: the split file of the one AFLW or Pascal protocol asked for.
import "../fixtures/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { UsageError } from "../src/util/mod.ts";
import { parseReproduceArgs } from "./args.ts";

Deno.test("parseReproduceArgs() takes --split-file with exactly one aflw or pascal-person protocol", () => {
  const one = parseReproduceArgs(["aflw", "--split-file", "s.json"]);
  assert.deepEqual(one?.splitFile, { protocol: "aflw", file: "s.json" });
  assert.equal(parseReproduceArgs(["pascal-person"])?.splitFile, undefined);
  for (const args of [["--split-file", "s.json"], ["aflw", "pascal-person", "--split-file", "s"]]) {
    assert.throws(
      () => parseReproduceArgs(args),
      (e: unknown) =>
        e instanceof UsageError && /exactly one of aflw, pascal-person/.test(e.message),
    );
  }
  assert.throws(() => parseReproduceArgs(["lfw-parts", "--split-file", "s"]), UsageError);
});

Deno.test("reproduce aflw --split-file writes and uses the split file given", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "clvm_split_file_test_" });
  try {
    const splitFile = join(tmp, "aflw-split.json");
    const main = new URL("./main.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "--allow-read", "--allow-write", "--allow-env", "--allow-run", "--allow-sys"],
        ...["--allow-ffi", main, "aflw", "--variants", "CLVM1-kp", "--profile", "smoke"],
        ...["--backend", "cpu", "--synthetic", "--jobs", "1", "--out", join(tmp, "run")],
        ...["--split-file", splitFile],
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, log.slice(-2000));
    const split = JSON.parse(await Deno.readTextFile(splitFile));
    assert.equal(split.format, "clvm-aflw-split");
    // Written there (and only there, since nothing else names that path), then scored.
    assert.ok(split.counts.test > 0);
    const results = JSON.parse(await Deno.readTextFile(join(tmp, "run", "results.json")));
    assert.equal(results.protocols.aflw.status, "ok");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
