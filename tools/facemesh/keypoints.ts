/**
 * Writes the detector-made LFW-Parts keypoints (`keypoints.txt`, format in
 * src/data/lfw_parts/keypoints.ts) for every image of the three split lists of an extracted
 * LFW-Parts root, with MediaPipe FaceMesh (facemesh.ts), then a sanity figure of the
 * first 12 validation images with their points (`keypoints_sanity.svg/.png` in the root)
 * and the check that at least 97% of the visible points fall inside the skin ∪ hair mask
 * dilated by 5 pixels (printed and recorded in the file's header; below 97% the points
 * go to `keypoints.rejected.txt` instead, which no loader reads, and the command exits
 * with status 1).
 *
 * The crop: the funneled images are aligned, so no face detector is needed. Pass 1 feeds
 * FaceMesh the square of side 1.4 × 122 = 170.8 px centred on the LFW-Parts face window's
 * centre (126.5, 120) — the window (src/data/preprocess.ts, from the training masks)
 * enlarged by 1.4 as `@vladmandic/human` enlarges its face detector's box; pass 2 re-centres
 * that square on the centre of pass 1's mesh bounding box and runs again (as the package
 * re-centres its crop on the previous mesh), and its mesh is kept. Deterministic: fixed
 * crops, the wasm backend, ids in split order.
 *
 * Usage (from the repository root; `deno task data prepare lfw-parts` runs it):
 *
 *     deno run --config tools/facemesh/deno.json -A tools/facemesh/keypoints.ts ROOT
 *
 * @module
 */
import { join } from "node:path";
import { initBackend } from "../../src/backend.ts";
import { createProgress } from "../../src/util/progress.ts";
import {
  formatLfwKeypoints,
  keypointsFromMesh,
  keypointsInFace,
  LFW_PARTS_KEYPOINTS_FILE,
} from "../../src/data/lfw_parts/keypoints.ts";
import { loadLfwPartsSample } from "../../src/data/lfw_parts/sample.ts";
import { readLfwPartsSplit } from "../../src/data/lfw_parts/split.ts";
import { LFW_PARTS_FACE_WINDOW } from "../../src/data/preprocess.ts";
import type { Box, Split } from "../../src/data/types.ts";
import { writeFigure } from "../../src/report/png.ts";
import { drawKeypoints, imageGrid } from "../../src/report/svg_images.ts";
import { type FaceMesh, loadFaceMesh } from "./facemesh.ts";

/** The crop enlargement over the face window (as `@vladmandic/human`'s default 1.4). */
export const CROP_ENLARGE = 1.4;
/** Dilation (pixels, Chebyshev) of the skin ∪ hair mask in the inside check. */
export const MASK_DILATION = 5;
/** The fraction of points that must fall inside the dilated mask. */
export const MIN_INSIDE = 0.97;
/** Where a file that fails the mask check goes (never read by the loader). */
export const REJECTED_FILE = "keypoints.rejected.txt";
/** The provenance line of the file. */
export const PROVENANCE =
  "MediaPipe FaceMesh (@vladmandic/human 3.3.6 models/facemesh.json), detector-made, " +
  "not hand-corrected";

/** The square crop of side `side` centred on (cx, cy). */
function square(cx: number, cy: number, side: number): Box {
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

/**
 * The 19 keypoints of one image (two FaceMesh passes, see the module doc) and the face
 * score of the kept pass.
 */
export async function detectKeypoints(
  fm: FaceMesh,
  image: { data: Uint8Array; width: number; height: number },
): Promise<{ keypoints: Float32Array; score: number }> {
  const w = LFW_PARTS_FACE_WINDOW;
  const side = w.width * CROP_ENLARGE;
  const first = await fm.detect(
    image,
    square(w.x + w.width / 2, w.y + w.height / 2, side),
  );
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let k = 0; k < first.mesh.length; k += 3) {
    x0 = Math.min(x0, first.mesh[k]!);
    x1 = Math.max(x1, first.mesh[k]!);
    y0 = Math.min(y0, first.mesh[k + 1]!);
    y1 = Math.max(y1, first.mesh[k + 1]!);
  }
  const second = await fm.detect(
    image,
    square((x0 + x1) / 2, (y0 + y1) / 2, side),
  );
  return {
    keypoints: keypointsFromMesh(second.mesh, second.score),
    score: second.score,
  };
}

/** What {@link writeLfwKeypoints} did. */
export interface KeypointsRun {
  file: string;
  images: number;
  /** Visible points inside the dilated skin ∪ hair mask / visible points. */
  inside: number;
  visible: number;
  /** Images whose face score was below 0.5 (all their points invisible). */
  lowScore: number;
  figure: string | null;
}

/** Runs FaceMesh over the split lists of `root` and writes `root/keypoints.txt`. */
export async function writeLfwKeypoints(
  root: string,
  options: { limit?: number; figure?: boolean; progress?: boolean } = {},
): Promise<KeypointsRun> {
  await initBackend("wasm");
  const fm = await loadFaceMesh();
  try {
    const splits: Split[] = ["train", "val", "test"];
    const ids: string[] = [];
    const valIds = await readLfwPartsSplit(root, "val");
    for (const s of splits) ids.push(...await readLfwPartsSplit(root, s));
    const todo = options.limit === undefined ? ids : ids.slice(0, options.limit);
    const points = new Map<string, Float32Array>();
    const bar = options.progress === false
      ? null
      : createProgress("FaceMesh keypoints", todo.length);
    let inside = 0, visible = 0, lowScore = 0;
    const shown = new Set(valIds.slice(0, 12));
    const cells: {
      label: string;
      image: { data: Uint8Array; width: number; height: number };
    }[] = [];
    for (const id of todo) {
      const sample = await loadLfwPartsSample(root, id, false);
      const { keypoints, score } = await detectKeypoints(fm, sample.image);
      points.set(id, keypoints);
      if (score < 0.5) lowScore++;
      const r = keypointsInFace(
        keypoints,
        sample.segmentation!,
        250,
        250,
        MASK_DILATION,
      );
      inside += r.inside;
      visible += r.visible;
      if (shown.has(id) && options.figure !== false) {
        const triples = Array.from({ length: keypoints.length / 3 }, (_, k) => [
          keypoints[3 * k]!,
          keypoints[3 * k + 1]!,
          keypoints[3 * k + 2]!,
        ]);
        cells.push({
          label: `${id} (score ${score.toFixed(2)})`,
          image: drawKeypoints(sample.image, triples, [255, 220, 0], {
            radius: 2.5,
          }),
        });
      }
      bar?.tick();
    }
    bar?.done();
    const fraction = visible > 0 ? inside / visible : 0;
    const check =
      `check: ${inside} of ${visible} visible points (${(100 * fraction).toFixed(2)}%) ` +
      `lie inside the skin ∪ hair mask dilated by ${MASK_DILATION} px (required ≥ ${
        100 * MIN_INSIDE
      }%); ${lowScore} images with face score < 0.5 (points invisible)`;
    // A file that fails the mask check is kept for inspection under another name, so
    // that no loader serves it.
    const passed = inside >= MIN_INSIDE * visible;
    const file = join(root, passed ? LFW_PARTS_KEYPOINTS_FILE : REJECTED_FILE);
    const tmp = `${file}.tmp`;
    await Deno.writeTextFile(
      tmp,
      formatLfwKeypoints(points, PROVENANCE, [
        "crop: square of side 1.4 × 122 px centred on the face window (126.5, 120), then " +
        "re-centred on the first mesh's box (tools/facemesh/keypoints.ts)",
        check,
      ]),
    );
    await Deno.rename(tmp, file);
    let figure: string | null = null;
    if (cells.length > 0) {
      const svg = await imageGrid({
        title:
          "LFW-Parts validation images with FaceMesh keypoints (detector-made, not hand-corrected)",
        cells,
        columns: 4,
        cellSize: 250,
      });
      figure = (await writeFigure(join(root, "keypoints_sanity"), svg)).png;
    }
    return { file, images: todo.length, inside, visible, lowScore, figure };
  } finally {
    fm.dispose();
  }
}

if (import.meta.main) {
  const root = Deno.args[0];
  if (!root || root === "--help" || root === "-h") {
    console.log(
      "Usage: deno run --config tools/facemesh/deno.json -A tools/facemesh/keypoints.ts ROOT\n" +
        "Writes ROOT/keypoints.txt (MediaPipe FaceMesh, detector-made) and ROOT/keypoints_sanity.png.",
    );
    Deno.exit(root ? 0 : 2);
  }
  try {
    const r = await writeLfwKeypoints(root);
    const pct = (100 * r.inside / Math.max(1, r.visible)).toFixed(2);
    console.log(
      `Wrote ${r.file}: ${r.images} images, 19 keypoints each (detector-made).`,
    );
    console.log(
      `Inside check: ${pct}% of ${r.visible} visible points inside the skin ∪ hair mask ` +
        `dilated by ${MASK_DILATION} px (required ≥ ${100 * MIN_INSIDE}%).`,
    );
    if (r.figure) console.log(`Sanity figure: ${r.figure}`);
    if (r.inside < MIN_INSIDE * r.visible) {
      console.error(
        `Keypoint check failed: only ${pct}% of the points lie inside the dilated face mask ` +
          `(expected ≥ ${100 * MIN_INSIDE}%); see ${r.figure ?? r.file}`,
      );
      Deno.exit(1);
    }
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
}
