/**
 * `toy-shapes`: a small generated segmentation + keypoint task for tests, benchmarks and
 * smoke runs of the trainer — 32×32 images of a reddish disc and a bluish square on a
 * noisy grey background. Classes background / disc / square (a one-pixel ring around the
 * disc's edge is unlabelled, 255); keypoints are the two shapes' centres, invisible when
 * the shape is absent (each is present with probability 0.85). Deterministic: sample `i`
 * of a split depends only on the split and `i`.
 *
 * @module
 */
import type { Dataset, Keypoint, Sample, Split } from "../data/types.ts";
import { mixSeed, Mulberry32 } from "../util/prng.ts";

/** The toy dataset's name. */
export const TOY_DATASET = "toy-shapes";
/** Side of the toy images in pixels. */
export const TOY_SIZE = 32;
/** Images per split. */
export const TOY_SPLIT_SIZES: Readonly<Record<Split, number>> = { train: 96, val: 32, test: 32 };

const SPLIT_INDEX: Record<Split, number> = { train: 0, val: 1, test: 2 };
const CLASSES = ["background", "disc", "square"] as const;
const KEYPOINTS = ["disc-centre", "square-centre"] as const;

function clampByte(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

/**
 * Draws sample `index` of `split` (pure: the same arguments give the same sample).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toySample } from "./toy_dataset.ts";
 * const s = toySample("train", 0);
 * assert.equal(s.image.width, 32);
 * assert.equal(s.keypoints?.length, 2);
 * ```
 */
export function toySample(split: Split, index: number, size: number = TOY_SIZE): Sample {
  const rng = new Mulberry32(mixSeed(0x70e5, SPLIT_INDEX[split], index));
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng.next();
  const data = new Uint8Array(size * size * 3);
  const labels = new Uint8Array(size * size);
  const base = [u(80, 170), u(80, 170), u(80, 170)];
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) data[p * 3 + c] = clampByte(base[c]! + u(-25, 25));
  }
  const keypoints: Keypoint[] = [];
  // Disc.
  if (rng.next() < 0.85) {
    const r = u(size * 0.13, size * 0.22);
    const cx = u(r, size - r);
    const cy = u(r, size - r);
    const colour = [u(170, 240), u(30, 90), u(30, 90)];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        if (d > r + 0.5) continue;
        const p = y * size + x;
        if (d >= r - 0.5) {
          labels[p] = 255;
          continue;
        }
        labels[p] = 1;
        for (let c = 0; c < 3; c++) data[p * 3 + c] = clampByte(colour[c]! + u(-15, 15));
      }
    }
    keypoints.push([cx, cy, 1]);
  } else {
    keypoints.push([0, 0, 0]);
  }
  // Square, painted over the disc.
  if (rng.next() < 0.85) {
    const h = u(size * 0.1, size * 0.19);
    const cx = u(h, size - h);
    const cy = u(h, size - h);
    const colour = [u(30, 90), u(30, 90), u(170, 240)];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (Math.abs(x + 0.5 - cx) >= h || Math.abs(y + 0.5 - cy) >= h) continue;
        const p = y * size + x;
        labels[p] = 2;
        for (let c = 0; c < 3; c++) data[p * 3 + c] = clampByte(colour[c]! + u(-15, 15));
      }
    }
    keypoints.push([cx, cy, 1]);
  } else {
    keypoints.push([0, 0, 0]);
  }
  return {
    id: `${split}-${String(index).padStart(4, "0")}`,
    image: { data, width: size, height: size },
    segmentation: labels,
    keypoints,
  };
}

/**
 * A split of `toy-shapes` as a {@link Dataset}; `count` overrides the split's size and
 * `size` the images' side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openToyDataset } from "./toy_dataset.ts";
 * const val = openToyDataset("val");
 * assert.equal(val.ids.length, 32);
 * assert.deepEqual(val.classes, ["background", "disc", "square"]);
 * ```
 */
export function openToyDataset(
  split: Split,
  count: number = TOY_SPLIT_SIZES[split],
  size: number = TOY_SIZE,
): Dataset {
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`Invalid toy dataset count ${count}: expected an integer ≥ 1`);
  }
  if (!Number.isInteger(size) || size < 8) {
    throw new Error(`Invalid toy image size ${size}: expected an integer ≥ 8`);
  }
  const ids = Array.from({ length: count }, (_, i) => `${split}-${String(i).padStart(4, "0")}`);
  const get = (index: number): Promise<Sample> => {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      return Promise.reject(
        new Error(`No sample ${index} in ${TOY_DATASET}/${split}: expected 0..${count - 1}`),
      );
    }
    return Promise.resolve(toySample(split, index, size));
  };
  return {
    name: TOY_DATASET,
    split,
    ids,
    classes: CLASSES,
    keypointNames: KEYPOINTS,
    get,
    async *[Symbol.asyncIterator](): AsyncGenerator<Sample> {
      for (let i = 0; i < count; i++) yield await get(i);
    },
  };
}
