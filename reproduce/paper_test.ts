import assert from "node:assert/strict";
import { QUOTES } from "./paper.ts";

const PAPER = new URL("../../shared/PAPER.txt", import.meta.url).pathname;
const paper = await Deno.readTextFile(PAPER).catch(() => null);
const squash = (s: string) => s.replace(/\s+/g, " ").trim();

Deno.test({
  name: "every quote of paper.ts is the paper's own words (when ../shared/PAPER.txt exists)",
  ignore: paper === null,
  fn: () => {
    const text = squash(paper!);
    for (const [name, q] of Object.entries(QUOTES)) {
      assert.ok(text.includes(squash(q.text)), `${name}: "${q.text}" is not in PAPER.txt`);
    }
    assert.ok(!text.toLowerCase().includes("halves the gap"), "the paper never says it");
  },
});
