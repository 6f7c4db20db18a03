// Fault injection for `deno task data` (issue 13 §5/§6): bad --limit values are usage
// errors; `check` puts root causes before follow-on lines and summarizes repeats.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { groupProblems, main, summarizeProblems } from "./cli.ts";
import "../../fixtures/mod.ts"; // registers the stand-ins, as the data task's --preload does
import { writeSyntheticAflw } from "../../fixtures/aflw.ts";

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: (t: string) => void (out.stdout += t),
      stderr: (t: string) => void (out.stderr += t),
    },
  };
}

Deno.test("data time refuses --limit below 1 and non-integers as usage errors", async () => {
  for (
    const [limit, message] of [
      ["-5", 'Invalid --limit "-5": expected an integer ≥ 1'],
      ["0", 'Invalid --limit "0": expected an integer ≥ 1'],
      ["2.5", 'Invalid --limit "2.5": expected an integer ≥ 1'],
      ["NaN", 'Invalid --limit "NaN": expected an integer ≥ 1'],
    ]
  ) {
    const { out, io } = capture();
    const code = await main(["time", "synthetic-aflw", `--limit=${limit}`], io);
    assert.equal(code, 2, limit);
    assert.equal(out.stdout, "");
    assert.equal(out.stderr.split("\n")[0], message);
  }
});

Deno.test("groupProblems() puts the rarest kind first and summarizeProblems() folds repeats", () => {
  const follow = Array.from({ length: 38 }, (_, i) => ({
    file: `/d/flickr/0/image${i}.jpg`,
    message: `image of face ${1000 + i} does not exist`,
  }));
  const real = {
    file: "/d/aflw.sqlite",
    message: 'FeatureCoordTypes has no row for feature_id 8 (expected "LeftEyeCenter")',
  };
  const groups = groupProblems([...follow, real]);
  assert.deepEqual(groups.map((g) => g.length), [1, 38]);
  assert.deepEqual(groups[0], [real]);
  assert.equal(
    summarizeProblems(groups),
    "39 problems (2 kinds, rarest first):\n" +
      `  /d/aflw.sqlite: ${real.message}\n` +
      "  /d/flickr/0/image0.jpg: image of face 1000 does not exist\n" +
      "    … and 37 more like this\n",
  );
});

Deno.test("data check lists a real problem before dozens of follow-on lines, with --split-file", async () => {
  const root = await Deno.makeTempDir({ prefix: "cli_faults_" });
  const w = await writeSyntheticAflw(root, { seed: 6, faces: 60 });
  await Deno.remove(join(root, "data", "flickr", "0"), { recursive: true });
  const db = new DatabaseSync(w.sqlitePath);
  db.exec("DELETE FROM FeatureCoordTypes WHERE feature_id = 8");
  db.close();
  const splitFile = join(root, "elsewhere.json");
  const { out, io } = capture();
  const code = await main(["check", "aflw", "--root", root, "--split-file", splitFile], io);
  assert.equal(code, 1);
  const report = JSON.parse(out.stdout);
  const missing = report.problems.filter((p: { message: string }) =>
    /does not exist/.test(p.message)
  );
  assert.ok(missing.length >= 5, `${missing.length} missing images`);
  assert.match(report.problems[0].message, /FeatureCoordTypes has no row for feature_id 8/);
  const lines = out.stderr.trimEnd().split("\n");
  assert.match(lines[1]!, /FeatureCoordTypes has no row for feature_id 8/);
  assert.ok(lines.includes(`    … and ${missing.length - 1} more like this`), out.stderr);
  // --split-file reaches the loader (the split is written there), and a split with too
  // many missing images is one line and exit 1, not a stack.
  const { out: out2, io: io2 } = capture();
  const args = ["time", "aflw", "--root", root, "--split-file", splitFile, "--split", "val"];
  assert.equal(await main([...args, "--limit", "1"], io2), 1);
  assert.equal(out2.stdout, "");
  assert.match(
    out2.stderr,
    /^Cannot open the AFLW val split of ".*": \d+ of \d+ samples cannot be used \(more than 1%, 1 allowed\); first: .*face \d+ skipped: its image does not exist; .*\n$/,
  );
  assert.ok((await Deno.stat(splitFile)).isFile);
  await Deno.remove(root, { recursive: true });
});
