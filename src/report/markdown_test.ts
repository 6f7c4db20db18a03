import assert from "node:assert/strict";
import {
  comparisonRow,
  formatMeanStd,
  formatNumber,
  formatSigned,
  markdownTable,
  meanStd,
} from "./markdown.ts";

Deno.test("markdownTable() escapes pipes and line breaks and writes the alignment row", () => {
  const md = markdownTable(
    ["a|b", "value"],
    [["x | y", 1.5], ["two\nlines", ""]],
    ["center", "right"],
  );
  assert.equal(
    md,
    "| a\\|b | value |\n" +
      "| :---: | ---: |\n" +
      "| x \\| y | 1.5 |\n" +
      "| two<br>lines |  |\n",
  );
});

Deno.test("markdownTable() aligns left by default and rejects ragged rows", async (t) => {
  await t.step("default alignment", () => {
    assert.equal(markdownTable(["h"], [["v"]]), "| h |\n| :--- |\n| v |\n");
  });
  await t.step("a row with too few cells", () => {
    assert.throws(() => markdownTable(["a", "b"], [["1"]]), /row 0 has 1 cells, expected 2/);
  });
  await t.step("an alignment list of the wrong length", () => {
    assert.throws(() => markdownTable(["a", "b"], [], ["left"]), /expected 2 alignments/);
  });
});

Deno.test("meanStd() uses the sample standard deviation", () => {
  // [1, 2, 3, 4]: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, 5 / 3.
  const r = meanStd([1, 2, 3, 4]);
  assert.equal(r.mean, 2.5);
  assert.ok(Math.abs(r.std - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanStd([7]), { mean: 7, std: 0, n: 1 });
  assert.ok(Number.isNaN(meanStd([]).mean));
});

Deno.test("formatMeanStd() writes mean ± std, a lone value, or a dash", async (t) => {
  await t.step("several seeds", () => {
    assert.equal(formatMeanStd([1, 2, 3, 4], 2), "2.50 ± 1.29");
    // 96.0, 96.1: mean 96.05, std sqrt(2 · 0.05²) = 0.0707.
    assert.equal(formatMeanStd([96.0, 96.1], 2), "96.05 ± 0.07");
  });
  await t.step("one seed", () => {
    assert.equal(formatMeanStd([96.384], 2), "96.38");
  });
  await t.step("no seed", () => {
    assert.equal(formatMeanStd([], 2), "—");
  });
});

Deno.test("formatNumber() and formatSigned() never print a negative zero", () => {
  assert.equal(formatNumber(-0.001, 2), "0.00");
  assert.equal(formatNumber(-0.006, 2), "-0.01");
  assert.equal(formatSigned(0.004, 2), "0.00");
  assert.equal(formatSigned(-0.004, 2), "0.00");
  assert.equal(formatSigned(1.25, 1), "+1.3");
  assert.equal(formatSigned(-3, 0), "-3");
});

Deno.test("comparisonRow() gives paper, ours and the signed difference", async (t) => {
  await t.step("ours below the paper, three seeds", () => {
    // mean (96.5 + 96.7 + 96.9) / 3 = 96.7, std 0.2, 96.7 − 96.85 = −0.15.
    assert.deepEqual(
      comparisonRow("M-CLVM2", 96.85, [96.5, 96.7, 96.9], 2),
      ["M-CLVM2", "96.85", "96.70 ± 0.20", "-0.15"],
    );
  });
  await t.step("ours above the paper, one seed", () => {
    assert.deepEqual(comparisonRow("CLVM2", 86.56, [88.0], 1), [
      "CLVM2",
      "86.6",
      "88.0",
      "+1.4",
    ]);
  });
  await t.step("no paper number or no run", () => {
    assert.deepEqual(comparisonRow("x", null, [1], 1), ["x", "—", "1.0", "—"]);
    assert.deepEqual(comparisonRow("y", 2, [], 1), ["y", "2.0", "—", "—"]);
  });
});
