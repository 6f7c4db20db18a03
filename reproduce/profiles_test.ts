import assert from "node:assert/strict";
import {
  architectureOf,
  baseSettings,
  LFW_KEYPOINT_WEIGHT,
  profile,
  PROFILES,
} from "./profiles.ts";
import { PROTOCOLS } from "./protocols/mod.ts";

Deno.test("quick and full run all five LFW-Parts rows at the paper's 180 input", () => {
  assert.deepEqual(PROTOCOLS["lfw-parts"].variants, [
    "CLVM1-seg",
    "CLVM2-seg",
    "M-CLVM1",
    "M-CLVM2",
    "M-CLVM2-untied",
  ]);
  assert.equal(PROFILES.quick.protocols["lfw-parts"].inputSize, 180);
  assert.equal(PROFILES.full.protocols["lfw-parts"].inputSize, 180);
  assert.equal(PROFILES.full.protocols["lfw-parts"].trainLimit, null);
  assert.equal(PROFILES.full.protocols["lfw-parts"].testLimit, null);
  // The description states what quick cut.
  assert.match(PROFILES.quick.description, /150 of the 1,500 training images, 3 epochs/);
  assert.match(PROFILES.quick.description, /the first 300 of the 927 test images/);
});

// The values of every profile, typed in (LFW-Parts: quick cut to 150 images × 3 epochs and
// 300 test images to fit 25 minutes, full 12 epochs as chosen on validation).
const row = (
  inputSize: number,
  epochs: number,
  batchSize: number,
  trainLimit: number | null,
  valLimit: number | null,
  testLimit: number | null,
) => ({ inputSize, epochs, batchSize, trainLimit, valLimit, testLimit });

Deno.test("the profiles as base + overrides hold the same values as before", () => {
  const same = (name: keyof typeof PROFILES, expected: Record<string, unknown>) => {
    const p = PROFILES[name];
    for (const [protocol, settings] of Object.entries(expected)) {
      const { beyond: _beyond, keypointWeight: _w, learningRate: _lr, perRow: _r, ...got } =
        p.protocols[protocol as keyof typeof p.protocols];
      assert.deepEqual(got, settings, `${name} ${protocol}`);
    }
  };
  same("smoke", {
    aflw: row(32, 1, 8, 16, 8, 8),
    "lfw-parts": row(32, 1, 8, 16, 8, 8),
    "pascal-person": row(32, 1, 8, 16, 8, 8),
  });
  same("quick", {
    aflw: row(64, 6, 8, 400, 100, null),
    "lfw-parts": row(180, 3, 8, 150, 60, 300),
    "pascal-person": row(64, 6, 8, 800, 100, null),
  });
  same("full", {
    aflw: row(112, 10, 8, null, null, null),
    "lfw-parts": row(180, 12, 8, null, null, null),
    "pascal-person": row(112, 10, 8, null, null, null),
  });
  same("paper", {
    aflw: row(112, 30, 32, null, null, null),
    "lfw-parts": row(180, 30, 32, null, null, null),
    "pascal-person": row(112, 30, 32, null, null, null),
  });
  assert.deepEqual(
    Object.values(PROFILES).map((p) => [p.architecture, p.recipe, p.convergencePasses]),
    [["tiny", "quick", 4], ["tiny", "quick", 10], ["tiny", "quick", 10], ["paper", "paper", 10]],
  );
  // The keypoint task weight departs from 1 only where it was chosen: LFW-Parts in the
  // CPU profiles (never the paper's).
  assert.deepEqual(
    Object.values(PROFILES).map((p) => p.protocols["lfw-parts"].keypointWeight),
    [undefined, LFW_KEYPOINT_WEIGHT, LFW_KEYPOINT_WEIGHT, undefined],
  );
  assert.equal(PROFILES.paper.protocols.aflw.keypointWeight, undefined);
  assert.deepEqual(
    Object.values(PROFILES).map((p) => p.protocols["pascal-person"].learningRate),
    [undefined, 0.02, undefined, undefined],
  );
  // Only quick trains rows beyond the paper, and only on LFW-Parts.
  assert.deepEqual(PROFILES.quick.protocols["lfw-parts"].beyond, [
    "CLVM2-seg-switches",
    "CLVM4-seg",
  ]);
  for (const p of Object.values(PROFILES)) {
    assert.equal(p.protocols.aflw.beyond, undefined);
    assert.equal(p.protocols["pascal-person"].beyond, undefined);
    if (p.name !== "quick") assert.equal(p.protocols["lfw-parts"].beyond, undefined);
  }
});

Deno.test("profile(): overrides apply base < all < one protocol, and the description reads them", () => {
  assert.deepEqual(baseSettings("pascal-person"), row(112, 10, 8, null, null, null));
  const p = profile({
    name: "quick",
    description: (ps) => `lfw ${ps["lfw-parts"].epochs} epochs on ${ps["lfw-parts"].architecture}`,
    all: { epochs: 3, trainLimit: 50 },
    protocols: { "lfw-parts": { epochs: 7, architecture: "paper" } },
  });
  assert.deepEqual(p.protocols.aflw, row(112, 3, 8, 50, null, null));
  assert.deepEqual(p.protocols["lfw-parts"], {
    ...row(180, 7, 8, 50, null, null),
    architecture: "paper",
  });
  assert.equal(p.description, "lfw 7 epochs on paper");
  assert.equal(p.architecture, "tiny");
});

Deno.test("architectureOf(): --arch, else the protocol's own, else the profile's", () => {
  const p = profile({
    name: "quick",
    description: () => "",
    protocols: { "lfw-parts": { architecture: "paper" } },
  });
  assert.equal(architectureOf(p, "lfw-parts"), "paper");
  assert.equal(architectureOf(p, "aflw"), "tiny");
  assert.equal(architectureOf(p, "lfw-parts", "tiny"), "tiny");
  assert.equal(architectureOf(p, "aflw", "paper"), "paper");
});

Deno.test("per-row settings name rows their protocol trains", () => {
  for (const p of Object.values(PROFILES)) {
    for (const [protocol, settings] of Object.entries(p.protocols)) {
      const rows: string[] = [
        ...PROTOCOLS[protocol as keyof typeof PROTOCOLS].variants,
        ...(settings.beyond ?? []),
      ];
      for (const row of Object.keys(settings.perRow ?? {})) {
        assert.ok(rows.includes(row), `${p.name} ${protocol}: perRow "${row}" is not a row`);
      }
    }
  }
  assert.deepEqual(PROFILES.quick.protocols["pascal-person"].perRow, {
    "CLVM1-seg": { learningRate: 0.01 },
    "CLVM2-seg": { learningRate: 0.01 },
    "CLVM2-kp": { keypointWeight: 1 },
    "M-CLVM1": { keypointWeight: 30 },
  });
});
