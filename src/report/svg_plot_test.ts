import assert from "node:assert/strict";
import { XMLParser } from "../deps.ts";
import { linePlot, type LinePlotOptions } from "./svg_plot.ts";

type Node = Record<string, unknown>;

/** Parses (and validates) the SVG; throws on malformed XML. */
function parse(svg: string): Node {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_" });
  return parser.parse(svg, true) as Node;
}

/** Every element named `tag`, depth first. */
function elements(node: unknown, tag: string, out: Node[] = []): Node[] {
  if (Array.isArray(node)) {
    for (const n of node) elements(n, tag, out);
  } else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node as Node)) {
      if (key.startsWith("@_") || key === "#text") continue;
      if (key === tag) {
        for (const v of Array.isArray(value) ? value : [value]) {
          out.push(typeof v === "object" && v !== null ? v as Node : { "#text": v });
        }
      }
      elements(value, tag, out);
    }
  }
  return out;
}

/** The pen moves of a path: [command, x, y] per point. */
function moves(d: string): [string, number, number][] {
  return [...d.matchAll(/([ML])(-?[\d.]+) (-?[\d.]+)/g)].map((
    m,
  ) => [m[1]!, Number(m[2]), Number(m[3])]);
}

function assertPoints(actual: [string, number, number][], expected: [string, number, number][]) {
  assert.equal(
    actual.length,
    expected.length,
    `${actual.length} points, expected ${expected.length}`,
  );
  actual.forEach((p, i) => {
    const e = expected[i]!;
    assert.equal(p[0], e[0], `point ${i} command`);
    assert.ok(Math.abs(p[1] - e[1]) <= 0.01, `point ${i}: x ${p[1]}, expected ${e[1]}`);
    assert.ok(Math.abs(p[2] - e[2]) <= 0.01, `point ${i}: y ${p[2]}, expected ${e[2]}`);
  });
}

// A 400×300 image with margins 20/50/30/50: the plot area spans x 50..350 (300 px) and
// y 20..270 (250 px, y growing downwards).
const frame: Omit<LinePlotOptions, "series"> = {
  title: "t",
  xLabel: "x",
  yLabel: "y",
  width: 400,
  height: 300,
  margin: { top: 20, right: 50, bottom: 30, left: 50 },
  xRange: [0, 10],
};

Deno.test("linePlot() writes valid XML with one path per series at hand-computed pixels", () => {
  const svg = linePlot({
    ...frame,
    yRange: [0, 100],
    series: [
      { name: "a", x: [0, 5, 10], y: [0, 40, 100] },
      { name: "b", x: [2.5, 7.5], y: [50, 75], dash: true },
    ],
  });
  const doc = parse(svg);
  const root = doc["svg"] as Node;
  assert.equal(root["@_width"], "400");
  assert.equal(root["@_height"], "300");
  const paths = elements(doc, "path");
  assert.equal(paths.length, 2);
  // (0, 0) → (50, 270); (5, 40) → (50 + 150, 270 − 0.4·250) = (200, 170); (10, 100) → (350, 20).
  assertPoints(moves(String(paths[0]!["@_d"])), [["M", 50, 270], ["L", 200, 170], [
    "L",
    350,
    20,
  ]]);
  // (2.5, 50) → (125, 145); (7.5, 75) → (275, 82.5).
  assertPoints(moves(String(paths[1]!["@_d"])), [["M", 125, 145], ["L", 275, 82.5]]);
  assert.ok(paths[1]!["@_stroke-dasharray"], "the dashed series has a dash array");
  assert.equal(paths[0]!["@_stroke-dasharray"], undefined);
  assert.notEqual(paths[0]!["@_stroke"], paths[1]!["@_stroke"], "series differ in colour");
});

Deno.test("linePlot() maps log and symlog y axes", async (t) => {
  await t.step("log: 10 is a third of the way up [1, 1000]", () => {
    const svg = linePlot({
      ...frame,
      yScale: "log",
      yRange: [1, 1000],
      series: [{ name: "s", x: [0, 10], y: [10, 1000] }],
    });
    const [p] = elements(parse(svg), "path");
    assertPoints(moves(String(p!["@_d"])), [["M", 50, 270 - 250 / 3], ["L", 350, 20]]);
  });
  await t.step("symlog with c = 1: ±99 is ±2 decades, 9 is one, 0 the middle", () => {
    const svg = linePlot({
      ...frame,
      yScale: "symlog",
      yRange: [-99, 99],
      series: [{ name: "s", x: [0, 5, 10], y: [-99, 0, 9] }],
    });
    const [p] = elements(parse(svg), "path");
    // t(9) = log10(1 + 9) = 1 on an axis from −2 to 2: 270 − (3/4)·250 = 82.5.
    assertPoints(moves(String(p!["@_d"])), [["M", 50, 270], ["L", 200, 145], ["L", 350, 82.5]]);
  });
});

Deno.test("linePlot() breaks lines at gaps and escapes text", () => {
  const svg = linePlot({
    ...frame,
    title: 'a < b & "c"',
    yRange: [0, 100],
    yScale: "linear",
    series: [{ name: "x<y>&z", x: [0, 1, 2, 3], y: [10, NaN, 30, 40] }],
  });
  const doc = parse(svg);
  const [p] = elements(doc, "path");
  assert.deepEqual(moves(String(p!["@_d"])).map((m) => m[0]), ["M", "M", "L"]);
  assert.equal(p!["@_data-name"], "x<y>&z");
  const texts = elements(doc, "text").map((n) => String(n["#text"]));
  assert.ok(texts.includes('a < b & "c"'), `title in ${JSON.stringify(texts)}`);
  assert.ok(texts.includes("x<y>&z"), "legend entry");
});

Deno.test("linePlot() labels round ticks on automatic ranges", () => {
  const svg = linePlot({
    title: "t",
    xLabel: "x",
    yLabel: "y",
    series: [{ name: "s", x: [0.3, 9.2], y: [3, 97] }],
  });
  const texts = elements(parse(svg), "text").map((n) => String(n["#text"]));
  // Data 0.3..9.2 widens to 0..10 with step 2 (or 1); 3..97 to 0..100 with step 20 (or 10).
  for (const label of ["0", "10", "100"]) assert.ok(texts.includes(label), `tick ${label}`);
});

Deno.test("linePlot() rejects mismatched series and bad ranges", () => {
  assert.throws(
    () => linePlot({ ...frame, series: [{ name: "s", x: [1, 2], y: [1] }] }),
    /x has 2 values, y has 1/,
  );
  assert.throws(
    () => linePlot({ ...frame, yScale: "log", yRange: [0, 10], series: [] }),
    /positive on a log axis/,
  );
  assert.throws(() => linePlot({ ...frame, xRange: [5, 5], series: [] }), /increasing/);
});

Deno.test("linePlot() with legend below keeps the plot area wide for long names", () => {
  const long = "a very long series name that would take half the width of the figure";
  const series = [{ name: long, x: [0, 1], y: [0, 1] }, { name: "short", x: [0, 1], y: [1, 0] }];
  const clip = (svg: string) =>
    Number(/<clipPath[^>]*>\s*<rect[^>]*width="([\d.]+)"/.exec(svg)?.[1]);
  const right = linePlot({ title: "t", xLabel: "x", yLabel: "y", series });
  const below = linePlot({ title: "t", xLabel: "x", yLabel: "y", series, legend: "below" });
  assert.ok(clip(below) > 600, `plot area ${clip(below)} px wide`);
  assert.ok(clip(below) > clip(right) + 200);
  assert.match(below, new RegExp(`>${long}</text>`));
});
