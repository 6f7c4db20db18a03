import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { facemeshTool } from "./keypoints_detector.ts";

Deno.test("the FaceMesh tool has its own config and lock beside the checkout", async () => {
  const { script, config } = facemeshTool();
  assert.match(script, /tools\/facemesh\/keypoints\.ts$/);
  const json = JSON.parse(await Deno.readTextFile(config));
  assert.equal(json.lock.path, "./deno.lock");
  assert.equal(json.lock.frozen, true);
  // The root lock never names the detector's package: the default install skips it.
  const rootLock = await Deno.readTextFile(new URL("../../../deno.lock", import.meta.url));
  assert.doesNotMatch(rootLock, /vladmandic/);
});

Deno.test("nothing reachable from mod.ts imports the detector tool", async () => {
  const mod = fileURLToPath(new URL("../../../mod.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", mod],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout));
  const specifiers: string[] = graph.modules.map((m: { specifier: string }) => m.specifier);
  assert.ok(specifiers.length > 10);
  assert.deepEqual(specifiers.filter((s) => /tools\/facemesh|vladmandic/.test(s)), []);
  assert.deepEqual(Object.keys(graph.npmPackages ?? {}).filter((p) => /vladmandic/.test(p)), []);
});
