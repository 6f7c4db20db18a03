import assert from "node:assert/strict";
import { QUOTES } from "./paper.ts";

// The paper's text is not in the repository: CLVM_PAPER names a plain-text copy (.ci/run
// sets it where the workspace has one); without it the test is skipped.
const PAPER = Deno.env.get("CLVM_PAPER");
const paper = PAPER ? await Deno.readTextFile(PAPER).catch(() => null) : null;
const squash = (s: string) => s.replace(/\s+/g, " ").trim();

Deno.test({
  name: "every quote of paper.ts is the paper's own words (when CLVM_PAPER names the paper's text)",
  ignore: paper === null,
  fn: () => {
    const text = squash(paper!);
    for (const [name, q] of Object.entries(QUOTES)) {
      assert.ok(text.includes(squash(q.text)), `${name}: "${q.text}" is not in ${PAPER}`);
    }
    assert.ok(!text.toLowerCase().includes("halves the gap"), "the paper never says it");
  },
});
