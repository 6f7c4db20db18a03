import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { checkLayers, listTsFiles, packageOf, readImportGraph } from "./check_layers.ts";

const SCRIPT = new URL("./check_layers.ts", import.meta.url).pathname;
const REPO = new URL("..", import.meta.url).pathname;

/** Writes `files` (path → source) under a new temporary folder; returns it. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "layers_" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

async function run(root: string): Promise<{ code: number; lines: string[]; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-run", SCRIPT, root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  return {
    code: out.code,
    lines: text ? text.split("\n") : [],
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** A small project laid out as the layering rules say. */
const CLEAN: Record<string, string> = {
  "mod.ts": 'export * from "./src/clvm/mod.ts";\n',
  "src/deps.ts": 'export * as tf from "npm:@tensorflow/tfjs-core@4.22.0";\n',
  "src/util/prng.ts": "export const seed = 1;\n",
  "src/clvm/mod.ts": 'export * from "./model.ts";\n',
  "src/clvm/model.ts":
    'import { tf } from "../deps.ts";\nimport { seed } from "../util/prng.ts";\nimport { h } from "./_help.ts";\nexport const m = [tf, seed, h];\n',
  "src/clvm/_help.ts": "export const h = 1;\n",
  "src/clvm/model_test.ts":
    'import "../../fixtures/mod.ts";\nimport { m } from "../../mod.ts";\nm;\n',
  "src/eval/curves.ts":
    '/** `import { m } from "../clvm/model.ts"` in a comment does not count. */\nexport const c = `import("../clvm/model.ts")`;\n',
  "fixtures/mod.ts": 'import { seed } from "../src/util/prng.ts";\nexport const f = seed;\n',
  "reproduce/main.ts":
    'import { m } from "../mod.ts";\nimport { f } from "../fixtures/mod.ts";\nimport { seed } from "../src/util/mod.ts";\nexport { f, m, seed };\n',
  "src/util/mod.ts": 'export * from "./prng.ts";\n',
};

Deno.test("packageOf() names folders under src/, single files at its top and top folders", () => {
  assert.equal(packageOf("src/clvm/model.ts"), "src/clvm");
  assert.equal(packageOf("src/deps.ts"), "src/deps");
  assert.equal(packageOf("reproduce/main.ts"), "reproduce");
  assert.equal(packageOf("mod.ts"), "mod");
});

Deno.test("check_layers passes a tree that keeps the layers, ignoring imports in comments and strings", async () => {
  const root = await tree(CLEAN);
  try {
    const graph = await readImportGraph(root, await listTsFiles(root));
    assert.deepEqual(graph.get("src/clvm/model.ts")?.map((e) => [e.target, e.line]), [
      ["src/deps.ts", 1],
      ["src/util/prng.ts", 2],
      ["src/clvm/_help.ts", 3],
    ]);
    assert.deepEqual(graph.get("src/eval/curves.ts"), []);
    assert.deepEqual(checkLayers(graph), []);
    const { code, lines } = await run(root);
    assert.equal(code, 0);
    assert.deepEqual(lines, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("check_layers prints one line per planted violation and exits 1", async () => {
  const root = await tree({
    ...CLEAN,
    // util above the model, and with it a cycle clvm → util → clvm
    "src/util/prng.ts": 'import { m } from "../clvm/model.ts";\nexport const seed = 1;\nm;\n',
    // the library importing a fixture, and a file cycle inside data
    "src/data/a.ts":
      'import "../../fixtures/mod.ts";\nimport "./b.ts";\nimport "npm:left-pad@1.3.0";\n',
    "src/data/b.ts": 'import "./a.ts";\n',
    // eval importing the model
    "src/eval/curves.ts": 'import { m } from "../clvm/model.ts";\nexport const c = m;\n',
    // a package nobody placed
    "src/fresh/x.ts": 'import "../util/prng.ts";\n',
    // the top floors past the faces, and into a private file
    "reproduce/job.ts": 'import { h } from "../src/clvm/_help.ts";\nh;\n',
    "benchmarks/b_bench.ts": 'import { m } from "../src/clvm/model.ts";\nm;\n',
    // mod.ts reaching tools/
    "mod.ts": 'export * from "./src/clvm/mod.ts";\nexport * from "./tools/t.ts";\n',
    "tools/t.ts": "export const t = 1;\n",
  });
  try {
    const { code, lines, stderr } = await run(root);
    assert.equal(code, 1);
    assert.match(stderr, /layering violation/);
    assert.deepEqual(lines, [
      "benchmarks/b_bench.ts:1: imports src/clvm/model.ts (benchmarks/ reaches src/ and fixtures/ only through their faces (mod.ts))",
      "cycle between files: src/clvm/model.ts → src/util/prng.ts → src/clvm/model.ts",
      "cycle between files: src/data/a.ts → src/data/b.ts → src/data/a.ts",
      "cycle between packages: src/clvm → src/util → src/clvm",
      "mod.ts:2: imports tools/t.ts (reachable from mod.ts, so every library user would load it)",
      "reproduce/job.ts:1: imports src/clvm/_help.ts (a private file, imported only from src/clvm/)",
      "reproduce/job.ts:1: imports src/clvm/_help.ts (reproduce/ reaches src/ and fixtures/ only through their faces (mod.ts))",
      "src/data/a.ts:1: imports fixtures/mod.ts (src/ imports nothing outside src/)",
      "src/data/a.ts:3: imports npm:left-pad@1.3.0 (only src/deps.ts names npm:, jsr: or remote modules in the library)",
      "src/eval/curves.ts:1: imports src/clvm/model.ts (src/eval may import only src/util, src/data)",
      "src/fresh/x.ts:1: imports src/util/prng.ts (package src/fresh is not in LAYERS of scripts/check_layers.ts)",
      "src/util/prng.ts:1: imports src/clvm/model.ts (src/util may import only src/deps)",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the repository itself keeps its layers", async () => {
  const { code, lines, stderr } = await run(REPO);
  assert.deepEqual(lines, []);
  assert.equal(code, 0, stderr);
});
