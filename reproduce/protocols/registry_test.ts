import assert from "node:assert/strict";
import "../../fixtures/mod.ts";
import { updateSchedule, VARIANTS } from "../../src/clvm/mod.ts";
import { REAL_DATASET_NAMES, SYNTHETIC_DATASET_NAMES } from "../../src/data/mod.ts";
import {
  headline,
  headlineName,
  inclusive,
  isBelow,
  keypointScores,
  lfwPartsInputSentence,
  PROTOCOL_LIST,
  PROTOCOL_NAMES,
  protocolOf,
  PROTOCOLS,
} from "./mod.ts";

Deno.test("every protocol descriptor is complete and consistent", async (t) => {
  assert.deepEqual(PROTOCOL_NAMES, ["lfw-parts", "aflw", "pascal-person"]);
  const figureIds: string[] = [];
  for (const p of PROTOCOL_LIST) {
    await t.step(p.name, () => {
      assert.equal(PROTOCOLS[p.name], p);
      assert.ok(REAL_DATASET_NAMES.includes(p.dataset), `${p.name}: real dataset ${p.dataset}`);
      assert.ok(SYNTHETIC_DATASET_NAMES.includes(p.synthetic), `${p.name}: ${p.synthetic}`);
      assert.match(p.folder, /^[a-z-]+$/);
      assert.ok(p.recognized.length > 0 && p.recognized.every((alt) => alt.length > 0));
      assert.ok(p.preprocess.size > 0);
      assert.ok(p.inputSentence(64).includes("64×64"), `${p.name}: the sentence states the input`);
      assert.ok(p.variants.length > 0);
      for (const v of p.variants) assert.ok(v in VARIANTS, `${p.name}: variant ${v}`);
      for (const b of p.beyond) {
        assert.ok(b.variant in VARIANTS, `${p.name}: beyond row ${b.name}'s preset`);
        assert.ok(!(b.name in VARIANTS), `${b.name} must not be taken for a paper variant`);
        assert.match(b.name, /^[A-Za-z0-9-]+$/, "a folder name");
        assert.ok(Object.keys(b.model).length > 0, `${b.name} changes its preset`);
        assert.ok(b.description.length > 20);
      }
      const k = p.keypoints;
      assert.ok(k.thresholds.includes(k.headline), `${p.name}: the headline threshold is reported`);
      assert.ok(k.rule === "≤" || k.rule === "<");
      assert.ok(k.unit && k.normalizer);
      assert.equal(p.palette.length, p.classNames.length);
      if (p.segmentation) {
        const s = p.segmentation;
        assert.ok(p.palette.length >= 2, `${p.name}: one colour per class`);
        for (const name of Object.keys(s.paper)) {
          assert.ok(name === "oracle" || p.variants.includes(name), `${p.name}: paper row ${name}`);
        }
        assert.ok("oracle" in s.paper, `${p.name}: the paper's oracle`);
        for (
          const v of p.variants.filter((v) =>
            (VARIANTS as Record<string, { heads: { segmentation?: unknown } } | undefined>)[v]
              ?.heads
              .segmentation
          )
        ) {
          assert.ok(v in s.paper, `${p.name}: a paper number for ${v}`);
        }
        assert.ok(s.columns.every((c) => c.header.length > 0));
      }
      assert.match(p.figures.qualitative, /^fig\d+$/);
      assert.match(p.figures.keypointCurves, /^fig\d+$/);
      figureIds.push(p.figures.qualitative, p.figures.keypointCurves);
      assert.match(p.heading(false), /^[A-Z]/);
    });
  }
  assert.equal(new Set(figureIds).size, figureIds.length, "each figure id belongs to one protocol");
  // The paper's figure numbers (§4): Figs. 7/8 AFLW, 9/10 LFW-Parts, 13/14 Pascal Person.
  assert.deepEqual(
    PROTOCOL_LIST.map((p) => [p.figures.qualitative, p.figures.keypointCurves]),
    [["fig9", "fig10"], ["fig7", "fig8"], ["fig13", "fig14"]],
  );
  assert.throws(() => protocolOf("coco"), /Unknown protocol "coco": expected one of lfw-parts/);
});

Deno.test("the ≤/< rule is decided in one place and every protocol takes its own", () => {
  assert.equal(isBelow(0.1, 0.1, "≤"), true);
  assert.equal(isBelow(0.1, 0.1, "<"), false);
  assert.equal(isBelow(0.09, 0.1, "<"), true);
  assert.equal(isBelow(0.11, 0.1, "≤"), false);
  assert.equal(inclusive("≤"), true);
  assert.equal(inclusive("<"), false);
  // The paper: AFLW and LFW-Parts ≤ (the cumulative curve), Pascal Person < ("below 10%").
  assert.deepEqual(PROTOCOL_LIST.map((p) => [p.name, p.keypoints.rule]), [
    ["lfw-parts", "≤"],
    ["aflw", "≤"],
    ["pascal-person", "<"],
  ]);
  // Errors exactly at the thresholds: 0.05, 0.1, and one above, 0.3 (hand-counted).
  const errors = [0.05, 0.1, 0.3];
  const aflw = keypointScores(errors, PROTOCOLS.aflw.keypoints);
  assert.deepEqual(aflw.below, { "0.05": 1 / 3, "0.1": 2 / 3 });
  const pascal = keypointScores(errors, PROTOCOLS["pascal-person"].keypoints);
  assert.deepEqual(pascal.below, { "0.1": 1 / 3 });
  // The words follow the rule.
  assert.equal(headlineName("aflw", "keypoints"), "% of faces with error ≤ 5% of face size");
  assert.match(headlineName("pascal-person", "keypoints"), /^% of instances with error < 10% of/);
});

Deno.test("no file of reproduce/ but keypoint_rule.ts compares a keypoint error to a threshold", async () => {
  const root = new URL("../", import.meta.url);
  const offenders: string[] = [];
  const walk = async (dir: URL, rel: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(new URL(e.name, dir));
        if (/inclusive:\s*(true|false)|protocol\s*[!=]==\s*"pascal-person"/.test(text)) {
          offenders.push(`${rel}${e.name}`);
        }
      }
    }
  };
  await walk(root, "reproduce/");
  assert.deepEqual(offenders, []);
});

Deno.test("headline() reads each protocol's headline number", () => {
  const scores = {
    lfw: {
      superpixelAccuracy: 95,
      errorReduction: 26,
      pixelAccuracy: 93,
      approximate: false,
      superpixelSource: "dataset",
    },
    pascal: { pixelAccuracy: 80, meanPerInstance: 79 },
    keypoints: {
      below: { "0.05": 0.25, "0.1": 0.5 },
      meanError: 0.1,
      medianError: 0.1,
      failures: 0,
      count: 4,
      curve: { thresholds: [], fractions: [] },
    },
  };
  assert.equal(headline("lfw-parts", "segmentation", scores), 95);
  assert.equal(headline("pascal-person", "segmentation", scores), 80);
  assert.equal(headline("aflw", "segmentation", scores), undefined);
  assert.equal(headline("aflw", "keypoints", scores), 25);
  assert.equal(headline("pascal-person", "keypoints", scores), 50);
  assert.equal(headlineName("lfw-parts", "segmentation"), "superpixel accuracy (%)");
});

Deno.test("the LFW-Parts input sentence states the face window and the outside rule", () => {
  const s = lfwPartsInputSentence(180);
  // Hand-computed: the 122-px window at 112 px; the input shows 180·122/112 = 196.1 px.
  assert.match(s, /122×122-px face window at \(65\.5, 59\)/);
  assert.match(s, /scaled to 112 px and centred in a 180×180 input \(the paper's scale/);
  assert.match(s, /196\.1-px square/);
  assert.match(s, /nearest input pixel/);
  // A smaller input scales the geometry: 90 px puts the face at 56 px.
  assert.match(lfwPartsInputSentence(90), /scaled to 56 px .* scaled by 0\.500/);
  assert.equal(PROTOCOLS["lfw-parts"].inputSentence(180), s);
  assert.match(PROTOCOLS.aflw.inputSentence(112), /face box, squared and resized to 112×112/);
});

Deno.test("every row beyond the paper changes what its heads read (a passes override that a lazy schedule drops would train its base row again)", () => {
  const headReads = (variant: string, passes: number) => {
    const layers = Object.values(VARIANTS[variant as keyof typeof VARIANTS].heads ?? {})
      .map((h) => h!.layer!);
    const heads = { lowest: Math.min(...layers), highest: Math.max(...layers) };
    // The updates of each head layer, with their pass: a head's input is its last one.
    return layers.map((l) => updateSchedule(8, passes, heads).filter((u) => u.layer === l).at(-1));
  };
  for (const p of Object.values(PROTOCOLS)) {
    for (const row of p.beyond ?? []) {
      if (row.model.passes === undefined) continue;
      const base = VARIANTS[row.variant as keyof typeof VARIANTS].passes!;
      assert.notDeepEqual(
        headReads(row.variant, row.model.passes),
        headReads(row.variant, base),
        row.name,
      );
    }
  }
  // The rule itself: CLVM₂-seg's z1 after 3 passes is the z1 after 2.
  assert.deepEqual(headReads("CLVM2-seg", 3), headReads("CLVM2-seg", 2));
});
