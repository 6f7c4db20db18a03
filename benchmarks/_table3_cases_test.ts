import assert from "node:assert/strict";
import { median, PAPER_RATIOS, ratiosOf, structureChecks, TABLE3 } from "./_table3_cases.ts";

Deno.test("PAPER_RATIOS are the ratios the issue quotes from Table 3", () => {
  assert.equal(PAPER_RATIOS.clvm2OverClvm1Seg.toFixed(2), "2.00");
  assert.equal(PAPER_RATIOS.clvm2KpOverClvm2Seg.toFixed(2), "0.69");
  assert.equal(PAPER_RATIOS.mclvm1OverClvm1.toFixed(2), "1.04");
  assert.equal(PAPER_RATIOS.mclvm2OverClvm2.toFixed(2), "1.01");
  assert.equal(TABLE3.length, 6);
});

Deno.test("structureChecks() passes the paper's own ratios and fails broken ones", () => {
  assert.ok(Object.values(structureChecks(PAPER_RATIOS)).every(Boolean));
  const broken = ratiosOf({
    "CLVM1-seg": 10,
    "CLVM2-seg": 30,
    "CLVM2-kp": 31,
    "M-CLVM1": 12,
    "M-CLVM2": 30,
  });
  assert.deepEqual(Object.values(structureChecks(broken)), [false, false, false]);
});

Deno.test("median() of odd and even lists", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
