import assert from "node:assert/strict";
import { inputSentence, PROFILES, PROTOCOL_VARIANTS } from "./profiles.ts";

Deno.test("quick and full run all five LFW-Parts rows at the paper's 180 input", () => {
  assert.deepEqual(PROTOCOL_VARIANTS["lfw-parts"], [
    "CLVM1-seg",
    "CLVM2-seg",
    "M-CLVM1",
    "M-CLVM2",
    "M-CLVM2-untied",
  ]);
  assert.equal(PROFILES.quick.protocols["lfw-parts"].inputSize, 180);
  assert.equal(PROFILES.full.protocols["lfw-parts"].inputSize, 180);
  assert.equal(PROFILES.full.protocols["lfw-parts"].trainLimit, null);
  assert.equal(PROFILES.quick.protocols["lfw-parts"].testLimit, null);
  // The description states what quick cut.
  assert.match(PROFILES.quick.description, /240 of the 1,500 training images, 4 epochs/);
});

Deno.test("inputSentence() states the face window and the outside rule", () => {
  const s = inputSentence("lfw-parts", 180);
  // Hand-computed: the 122-px window at 112 px; the input shows 180·122/112 = 196.1 px.
  assert.match(s, /122×122-px face window at \(65\.5, 59\)/);
  assert.match(s, /scaled to 112 px and centred in a 180×180 input \(the paper's scale/);
  assert.match(s, /196\.1-px square/);
  assert.match(s, /nearest input pixel/);
  // A smaller input scales the geometry: 90 px puts the face at 56 px.
  assert.match(inputSentence("lfw-parts", 90), /scaled to 56 px .* scaled by 0\.500/);
  assert.match(inputSentence("aflw", 112), /face box, squared and resized to 112×112/);
});
