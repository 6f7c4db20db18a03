import assert from "node:assert/strict";
import { join } from "node:path";
import { sharedData } from "../../testing.ts";
import { faceWindowFromMasks } from "./face_window.ts";
import { decodePpm } from "../../formats/image.ts";
import { LFW_PARTS_FACE_WINDOW } from "../preprocess.ts";
import { lfwPartsPaths, maskToClasses, prepareLfwParts, readLfwPartsSplit } from "./mod.ts";

/** A `w×h` mask of background (2) with skin (1) on the box `[x0, x1) × [y0, y1)`. */
function boxMask(w: number, h: number, x0: number, y0: number, x1: number, y1: number) {
  return Uint8Array.from({ length: w * h }, (_, p) => {
    const x = p % w, y = Math.floor(p / w);
    return x >= x0 && x < x1 && y >= y0 && y < y1 ? 1 : 2;
  });
}

Deno.test("faceWindowFromMasks() takes the medians of the skin boxes", () => {
  // Skin boxes (x0, y0, x1, y1): widths 10, 12, 20 → median 12; centres 15, 16, 30 → 16;
  // tops 5, 7, 9 → 7. Window: x = 16 − 6 = 10, y = 7, side 12. A mask without skin is
  // left out; a hair pixel (0) does not count.
  const masks = [
    boxMask(40, 40, 10, 5, 20, 30),
    boxMask(40, 40, 10, 7, 22, 35),
    boxMask(40, 40, 20, 9, 40, 20),
    new Uint8Array(1600).fill(0),
  ];
  const r = faceWindowFromMasks(masks, 40, 40, 1);
  assert.deepEqual(r.window, { x: 10, y: 7, width: 12, height: 12 });
  assert.equal(r.masks, 3);
  assert.deepEqual(r.medianBox, [10, 7, 22, 30]);
  assert.equal(r.medianHeight, 25); // heights 25, 28, 11
  assert.throws(() => faceWindowFromMasks([new Uint8Array(3)], 2, 2, 1), /mask 0 of 3 pixels/);
  assert.throws(() => faceWindowFromMasks([new Uint8Array(4)], 2, 2, 1), /none of the 1 masks/);
});

const { dir: shared, why } = sharedData();

Deno.test({
  name: `LFW_PARTS_FACE_WINDOW is what the 1,500 training masks give${shared ? "" : ` (${why})`}`,
  ignore: !shared,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "lfw_window_" });
    try {
      await prepareLfwParts({ from: join(shared!, "lfw-parts"), root });
      const ids = await readLfwPartsSplit(root, "train");
      const masks: Uint8Array[] = [];
      for (const id of ids) {
        const bytes = await Deno.readFile(lfwPartsPaths(root, id).mask);
        masks.push(maskToClasses(decodePpm(bytes, { name: id })).classes);
      }
      const r = faceWindowFromMasks(masks, 250, 250, 1);
      assert.equal(r.masks, 1500);
      assert.deepEqual(r.window, { ...LFW_PARTS_FACE_WINDOW });
      assert.deepEqual(r.medianBox, [66.5, 59, 186, 225]);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
