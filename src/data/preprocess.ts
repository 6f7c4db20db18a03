/**
 * Preprocessing from a dataset sample to a network input (docs/MODEL.md §4), and the inverse
 * mapping of predictions back to the dataset's frame for scoring.
 *
 * Geometry: a square crop of the source image is resized to `size × size`. For
 * `crop: "box"` (AFLW, Pascal Person) the crop is the sample's box, squared by expanding
 * its shorter side around the centre, then grown by `margin`·side on every side; for
 * `crop: "image"` it is the whole image, squared the same way; for `crop: "window"`
 * (LFW-Parts) it is a fixed square face window of the source frame, scaled so that the
 * window spans `windowFraction`·`size` pixels (the paper, §4: the face at 112 px, padded
 * to 180×180 to include background) and centred in the input, so the input carries the
 * real image around the window. Parts of the crop outside the image are padded (`pad`).
 * The forward map is the affine
 *
 *     u = x·scale + offsetX,  v = y·scale + offsetY      (then u → width − u if flipped)
 *
 * in continuous pixel coordinates (pixel i has centre i + 0.5, src/data/types.ts), so a
 * point maps exactly and the inverse is `x = (u − offsetX) / scale`.
 *
 * Resampling runs in plain TypeScript over typed arrays (this is data preparation off the
 * GPU): separable, with per-axis index/weight tables built once per call and no
 * per-pixel allocation. Bilinear uses half-pixel centres (as `tf.image.resizeBilinear`
 * with `halfPixelCenters`); with `antialias` a downscale widens the tent filter to the
 * source spacing (like PIL/MATLAB `imresize`). The image is treated as lying on a canvas
 * of the pad colour, so an output sample within one source pixel of the image edge
 * blends with the pad ("zero"/"mean"); "edge" clamps, which equals tfjs's resize of the
 * whole image. Labels use nearest neighbour, 255 outside the image. Image values are
 * `byte/255 − mean[c]`, NHWC-ready (`size·size·3` floats).
 *
 * @module
 */
import type { Box, Sample } from "./types.ts";

/** How the parts of a crop outside the image are filled. */
export type PadMode =
  /** black: 0 before the mean is subtracted (so `−mean` in the network input) */
  | "zero"
  /** the nearest image pixel (clamped coordinates) */
  | "edge"
  /** the mean colour: exactly 0 in the network input */
  | "mean";

/** Preprocessing constants of one protocol (every one a config value, so a report can print it). */
export interface PreprocessConfig {
  /** Side of the square network input in pixels (112 for AFLW/Pascal, 180 for LFW-Parts). */
  size: number;
  /**
   * `"box"`: the sample's box, squared; `"image"`: the whole image, squared; `"window"`:
   * the fixed `window`, shown at `windowFraction`·`size` pixels in the input's centre.
   */
  crop: "box" | "image" | "window";
  /** The face window (source pixels, square) of `crop: "window"`. */
  window?: Box;
  /**
   * The window's side as a fraction of `size` for `crop: "window"` (LFW-Parts: 112/180,
   * so a smaller `size` shrinks the whole geometry uniformly).
   */
  windowFraction?: number;
  /**
   * How source pixels outside the network's view are predicted when mapping back
   * (`mapLabelsBack`, `mapProbabilitiesBack`): `"fill"` (default) gives them the fill
   * value; `"nearest"` gives them the prediction of the nearest network-input pixel
   * (clamped coordinates). Recorded on the transform.
   */
  outside?: "fill" | "nearest";
  /** Context added on every side, as a fraction of the squared box side (default 0). */
  margin?: number;
  /** Fill outside the image (default `"zero"`). */
  pad?: PadMode;
  /** Per-channel mean subtracted after scaling bytes to [0, 1] (default 0.5, 0.5, 0.5). */
  mean?: readonly [number, number, number];
  /** Widen the filter when shrinking, against aliasing (default false: plain bilinear). */
  antialias?: boolean;
  /** Keypoints landing outside the network input: mark invisible (default) or keep as given. */
  keypointsOutside?: "invisible" | "keep";
  /** Probability of a horizontal flip in `createPreprocessor` (default 0: no augmentation). */
  flipProbability?: number;
  /** Keypoint index pairs (0-based) swapped by a horizontal flip; needed to flip keypoints. */
  flipPairs?: readonly (readonly [number, number])[];
}

/**
 * The LFW-Parts face window (source pixels of the 250×250 funneled frame): a square of
 * side 122 with its left edge at x = 65.5 and its top at y = 59. Chosen from the 1,500
 * TRAINING masks only (`faceWindowFromMasks` in src/data/lfw_parts/face_window.ts; never
 * validation or test): the side is the median width of the skin bounding box (122 px),
 * the horizontal centre the median centre of that box (126.5), and the top the median
 * top of that box (59), so the square spans forehead to chin (the skin box itself runs
 * down the neck: median height 169). The funneled images are aligned, so one window
 * serves every image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(LFW_PARTS_FACE_WINDOW.width === 122 && LFW_PARTS_FACE_WINDOW.y === 59);
 * ```
 */
export const LFW_PARTS_FACE_WINDOW: Readonly<Box> = Object.freeze({
  x: 65.5,
  y: 59,
  width: 122,
  height: 122,
});

/** The side of the face in the paper's LFW-Parts input, over the input's side (§4). */
export const LFW_PARTS_WINDOW_FRACTION = 112 / 180;

/**
 * The default preprocessing of each protocol (docs/MODEL.md §4): AFLW and Pascal Person crop the
 * face / visible person box, square it and resize to 112×112; LFW-Parts shows the fixed
 * face window {@link LFW_PARTS_FACE_WINDOW} at 112×112 in the centre of a 180×180 input
 * (scale 112/122 ≈ 0.918, so the input covers the 196-pixel square of the 250×250 image
 * around the window; edge padding only where that square would leave the image, which it
 * does not for this window). Pixels of the 250×250 frame outside that square are scored
 * with the prediction of the nearest input pixel (`outside: "nearest"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(PREPROCESS["lfw-parts"].size === 180 && PREPROCESS.aflw.crop === "box");
 * ```
 */
export const PREPROCESS: Readonly<
  Record<"aflw" | "pascal-person" | "lfw-parts", PreprocessConfig>
> = {
  aflw: { size: 112, crop: "box", margin: 0, pad: "zero" },
  "pascal-person": { size: 112, crop: "box", margin: 0, pad: "zero" },
  "lfw-parts": {
    size: 180,
    crop: "window",
    window: LFW_PARTS_FACE_WINDOW,
    windowFraction: LFW_PARTS_WINDOW_FRACTION,
    pad: "edge",
    outside: "nearest",
  },
};

/**
 * The affine map from the source image to the network input: `u = x·scale + offsetX`,
 * `v = y·scale + offsetY`, then `u → width − u` when `flip`. Plain data (serializable).
 */
export interface Transform {
  /** Network pixels per source pixel (input size / crop side). */
  scale: number;
  /** u = x·scale + offsetX (before the flip). */
  offsetX: number;
  /** v = y·scale + offsetY. */
  offsetY: number;
  /** Whether the input is mirrored horizontally (u → width − u). */
  flip: boolean;
  /** Network input width. */
  width: number;
  /** Network input height. */
  height: number;
  /** Source image width. */
  sourceWidth: number;
  /** Source image height. */
  sourceHeight: number;
  /** The pairs swapped when `flip` (0-based keypoint indices), if any. */
  flipPairs?: readonly (readonly [number, number])[];
  /**
   * How mapping back predicts source pixels outside the input (`PreprocessConfig.outside`;
   * absent: `"fill"`).
   */
  outside?: "fill" | "nearest";
}

/** A sample ready for the network, with the transform that produced it. */
export interface Preprocessed {
  /** The sample's id. */
  id: string;
  /** `height·width·3` floats (NHWC without the batch axis). */
  image: Float32Array;
  /** Network input width. */
  width: number;
  /** Network input height. */
  height: number;
  /** Class per network-input pixel, nearest neighbour; 255 outside the image or ignored. */
  segmentation?: Uint8Array;
  /** `K·3`: u, v, visible in network-input pixels (channels swapped when flipped). */
  keypoints?: Float32Array;
  /** The map from the sample's frame to the input, for mapping predictions back. */
  transform: Transform;
}

/**
 * The square crop (source pixels) used for `sample` under `config`: the box (or the whole
 * image) squared around its centre and grown by the margin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = cropBox({ x: 10, y: 20, width: 40, height: 20 }, 0);
 * assert.ok(c.x === 10 && c.y === 10 && c.width === 40 && c.height === 40);
 * ```
 */
export function cropBox(box: Box, margin = 0): Box {
  const side = Math.max(box.width, box.height) * (1 + 2 * margin);
  if (!(side > 0) || !Number.isFinite(side)) {
    throw new Error(
      `Cannot crop a ${box.width}×${box.height} box: expected a positive, finite side`,
    );
  }
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

/**
 * The transform that maps the square `crop` of a `sourceWidth×sourceHeight` image onto a
 * `size×size` input, optionally flipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: 0, y: 0, width: 250, height: 250 }, 180, 250, 250);
 * assert.ok(t.scale === 0.72 && t.offsetX === 0);
 * ```
 */
export function makeTransform(
  crop: Box,
  size: number,
  sourceWidth: number,
  sourceHeight: number,
  flip = false,
  flipPairs?: readonly (readonly [number, number])[],
): Transform {
  if (!(Number.isInteger(size) && size > 0)) {
    throw new Error(
      `Cannot build a transform to a ${size}-pixel input: expected a positive integer`,
    );
  }
  const scale = size / crop.width;
  const t: Transform = {
    scale,
    offsetX: -crop.x * scale,
    offsetY: -crop.y * scale,
    flip,
    width: size,
    height: size,
    sourceWidth,
    sourceHeight,
  };
  if (flip && flipPairs) t.flipPairs = flipPairs;
  return t;
}

/**
 * The region of the source image that the network input covers (the padded square crop),
 * in source pixels; the default evaluation window of Pascal Person segmentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: -5, y: 10, width: 100, height: 100 }, 50, 200, 200);
 * const w = sourceWindow(t);
 * assert.ok(w.x === -5 && w.y === 10 && w.width === 100);
 * ```
 */
export function sourceWindow(t: Transform): Box {
  return {
    x: -t.offsetX / t.scale,
    y: -t.offsetY / t.scale,
    width: t.width / t.scale,
    height: t.height / t.scale,
  };
}

/**
 * Maps a source point to the network input (continuous coordinates).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: 0, y: 0, width: 250, height: 250 }, 180, 250, 250);
 * assert.ok(toNetwork(125, 0, t)[0] === 90);
 * ```
 */
export function toNetwork(x: number, y: number, t: Transform): [number, number] {
  const u = x * t.scale + t.offsetX;
  return [t.flip ? t.width - u : u, y * t.scale + t.offsetY];
}

/**
 * Maps a network-input point back to the source image (continuous coordinates).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: 0, y: 0, width: 250, height: 250 }, 180, 250, 250, true);
 * const [x, y] = fromNetwork(...toNetwork(10, 20, t), t);
 * assert.ok(Math.abs(x - 10) < 1e-9 && Math.abs(y - 20) < 1e-9);
 * ```
 */
export function fromNetwork(u: number, v: number, t: Transform): [number, number] {
  const uu = t.flip ? t.width - u : u;
  return [(uu - t.offsetX) / t.scale, (v - t.offsetY) / t.scale];
}

/** Index permutation of a flip: `perm[k]` = the channel that keypoint k comes from. */
function flipPermutation(k: number, pairs: readonly (readonly [number, number])[]): Int32Array {
  const perm = new Int32Array(k);
  for (let i = 0; i < k; i++) perm[i] = i;
  for (const [a, b] of pairs) {
    if (!(a >= 0 && a < k && b >= 0 && b < k)) {
      throw new Error(
        `Cannot flip keypoints with pair (${a}, ${b}): expected indices in 0..${k - 1}`,
      );
    }
    perm[a] = b;
    perm[b] = a;
  }
  return perm;
}

/**
 * Horizontal-flip pairs from keypoint names: `Left…`↔`Right…` anywhere in the name (AFLW:
 * `LeftBrowLeftCorner`↔`RightBrowRightCorner`) and an `L_`/`R_` prefix (Pascal:
 * `L_Shoulder`↔`R_Shoulder`). Names without a partner map to themselves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(JSON.stringify(flipPairsFromNames(["L_Eye", "Nose", "R_Eye"])) === "[[0,2]]");
 * ```
 */
export function flipPairsFromNames(names: readonly string[]): [number, number][] {
  const index = new Map(names.map((n, i) => [n, i]));
  const pairs: [number, number][] = [];
  names.forEach((name, i) => {
    const mirror = name.replace(
      /Left|Right|^L_|^R_/g,
      (m) => ({ Left: "Right", Right: "Left", L_: "R_", R_: "L_" })[m]!,
    );
    const j = index.get(mirror);
    if (j !== undefined && j > i) pairs.push([i, j]);
  });
  return pairs;
}

/** Resampling taps along one axis: output o reads `idx[start[o]..start[o+1])` with `wt`. */
interface Taps {
  start: Int32Array;
  idx: Int32Array;
  wt: Float32Array;
  /** Sum of the weights of taps inside the source (1 when nothing falls outside). */
  kept: Float32Array;
}

/**
 * Taps for `n` outputs along an axis of `len` source pixels. Output o (centre o + 0.5)
 * samples the source at `(o + 0.5 − offset)/scale`, or at `(n − o − 0.5 − offset)/scale`
 * when `mirror`. Outside taps are dropped (weights stay normalized over all taps, so the
 * border fades to the pad value) or clamped with `clamp`.
 */
function buildTaps(
  n: number,
  len: number,
  scale: number,
  offset: number,
  mirror: boolean,
  antialias: boolean,
  clamp: boolean,
): Taps {
  const support = antialias && scale < 1 ? 1 / scale : 1;
  const maxTaps = Math.ceil(2 * support) + 2;
  const start = new Int32Array(n + 1);
  const idx = new Int32Array(n * maxTaps);
  const wt = new Float32Array(n * maxTaps);
  const kept = new Float32Array(n);
  let k = 0;
  for (let o = 0; o < n; o++) {
    start[o] = k;
    const u = mirror ? n - o - 0.5 : o + 0.5;
    const s = (u - offset) / scale - 0.5; // in source index space (pixel i at s = i)
    const lo = Math.floor(s - support) + 1;
    const hi = Math.ceil(s + support) - 1;
    let total = 0;
    const k0 = k;
    for (let i = lo; i <= hi; i++) {
      const w = 1 - Math.abs(i - s) / support;
      if (w <= 0) continue;
      total += w;
      if (i < 0 || i >= len) {
        if (!clamp) continue;
        idx[k] = i < 0 ? 0 : len - 1;
      } else {
        idx[k] = i;
      }
      wt[k++] = w;
    }
    let inside = 0;
    for (let j = k0; j < k; j++) {
      wt[j] = wt[j]! / total;
      inside += wt[j]!;
    }
    kept[o] = inside;
  }
  start[n] = k;
  return { start, idx, wt, kept };
}

/**
 * Nearest-neighbour source index of each of `n` outputs (−1 outside the source).
 */
function nearestIndex(
  n: number,
  len: number,
  scale: number,
  offset: number,
  mirror: boolean,
): Int32Array {
  const out = new Int32Array(n);
  for (let o = 0; o < n; o++) {
    const u = mirror ? n - o - 0.5 : o + 0.5;
    const i = Math.floor((u - offset) / scale);
    out[o] = i >= 0 && i < len ? i : -1;
  }
  return out;
}

/**
 * Resamples an RGB byte image into a `t.width × t.height × 3` float image under `t`:
 * `byte/255 − mean[c]`, padded as `pad` says.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const src = { data: new Uint8Array(4 * 4 * 3).fill(255), width: 4, height: 4 };
 * const t = makeTransform({ x: 0, y: 0, width: 4, height: 4 }, 2, 4, 4);
 * const out = resampleImage(src, t, { mean: [0, 0, 0] });
 * assert.ok(out.length === 12 && Math.abs(out[0]! - 1) < 1e-6);
 * ```
 */
export function resampleImage(
  src: { data: Uint8Array; width: number; height: number },
  t: Transform,
  options: { pad?: PadMode; mean?: readonly [number, number, number]; antialias?: boolean } = {},
  out: Float32Array = new Float32Array(t.width * t.height * 3),
): Float32Array {
  const { data, width: sw, height: sh } = src;
  if (data.length !== sw * sh * 3) {
    throw new Error(
      `Cannot resample a ${sw}×${sh} image of ${data.length} bytes: expected ${sw * sh * 3}`,
    );
  }
  const W = t.width, H = t.height;
  if (out.length !== W * H * 3) {
    throw new Error(`Cannot resample into ${out.length} floats: expected ${W}·${H}·3`);
  }
  const pad = options.pad ?? "zero";
  const [m0, m1, m2] = options.mean ?? [0.5, 0.5, 0.5];
  const antialias = options.antialias ?? false;
  const clamp = pad === "edge";
  const tx = buildTaps(W, sw, t.scale, t.offsetX, t.flip, antialias, clamp);
  const ty = buildTaps(H, sh, t.scale, t.offsetY, false, antialias, clamp);

  // Rows of the source that any output row reads.
  let r0 = sh, r1 = -1;
  for (let j = 0; j < ty.start[H]!; j++) {
    const r = ty.idx[j]!;
    if (r < r0) r0 = r;
    if (r > r1) r1 = r;
  }
  const inv = 1 / 255;
  if (r1 < r0) {
    // The crop misses the image entirely: all pad.
    for (let p = 0; p < W * H; p++) {
      out[3 * p] = pad === "mean" ? 0 : -m0;
      out[3 * p + 1] = pad === "mean" ? 0 : -m1;
      out[3 * p + 2] = pad === "mean" ? 0 : -m2;
    }
    return out;
  }
  // Horizontal pass: tmp[(r − r0)·W + o] = Σ wx·byte/255 over the row's taps.
  const rows = r1 - r0 + 1;
  const tmp = new Float32Array(rows * W * 3);
  const { start: xs, idx: xi, wt: xw } = tx;
  for (let r = 0; r < rows; r++) {
    const srcRow = (r0 + r) * sw * 3;
    let q = r * W * 3;
    for (let o = 0; o < W; o++, q += 3) {
      let a = 0, b = 0, c = 0;
      for (let j = xs[o]!, e = xs[o + 1]!; j < e; j++) {
        const w = xw[j]!;
        const s = srcRow + 3 * xi[j]!;
        a += w * data[s]!;
        b += w * data[s + 1]!;
        c += w * data[s + 2]!;
      }
      tmp[q] = a * inv;
      tmp[q + 1] = b * inv;
      tmp[q + 2] = c * inv;
    }
  }
  // Vertical pass, then the mean (scaled by the kept weight for "mean" padding).
  const { start: ys, idx: yi, wt: yw, kept: ky } = ty;
  const kx = tx.kept;
  const meanPad = pad === "mean";
  for (let v = 0; v < H; v++) {
    const js = ys[v]!, je = ys[v + 1]!;
    const kv = ky[v]!;
    let p = v * W * 3;
    for (let o = 0; o < W; o++, p += 3) {
      let a = 0, b = 0, c = 0;
      for (let j = js; j < je; j++) {
        const w = yw[j]!;
        const q = ((yi[j]! - r0) * W + o) * 3;
        a += w * tmp[q]!;
        b += w * tmp[q + 1]!;
        c += w * tmp[q + 2]!;
      }
      const f = meanPad ? kx[o]! * kv : 1;
      out[p] = a - m0 * f;
      out[p + 1] = b - m1 * f;
      out[p + 2] = c - m2 * f;
    }
  }
  return out;
}

/**
 * Resamples a label map (`sourceWidth·sourceHeight`) into the network frame by nearest
 * neighbour; 255 where the input falls outside the image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: -1, y: 0, width: 2, height: 2 }, 2, 1, 2);
 * assert.ok(resampleLabels(new Uint8Array([3, 4]), t).join() === "255,3,255,4");
 * ```
 */
export function resampleLabels(labels: Uint8Array, t: Transform): Uint8Array {
  const sw = t.sourceWidth, sh = t.sourceHeight;
  if (labels.length !== sw * sh) {
    throw new Error(
      `Cannot resample a label map of ${labels.length} pixels: expected ${sw}×${sh} = ${sw * sh}`,
    );
  }
  const W = t.width, H = t.height;
  const xi = nearestIndex(W, sw, t.scale, t.offsetX, t.flip);
  const yi = nearestIndex(H, sh, t.scale, t.offsetY, false);
  const out = new Uint8Array(W * H).fill(255);
  for (let v = 0; v < H; v++) {
    const y = yi[v]!;
    if (y < 0) continue;
    const row = y * sw;
    for (let o = 0, p = v * W; o < W; o++, p++) {
      const x = xi[o]!;
      if (x >= 0) out[p] = labels[row + x]!;
    }
  }
  return out;
}

/** Keypoints as `[x, y, visible]` triples or a flat `K·3` array. */
export type KeypointInput = readonly (readonly number[])[] | ArrayLike<number>;

function flat(k: KeypointInput): Float32Array {
  if (k.length > 0 && Array.isArray((k as readonly unknown[])[0])) {
    const nested = k as readonly (readonly number[])[];
    const out = new Float32Array(nested.length * 3);
    nested.forEach((p, i) => {
      out[3 * i] = p[0]!;
      out[3 * i + 1] = p[1]!;
      out[3 * i + 2] = p[2] ?? 1;
    });
    return out;
  }
  if (k.length % 3 !== 0) {
    throw new Error(`Cannot read ${k.length} numbers as keypoints: expected a multiple of 3`);
  }
  return Float32Array.from(k as ArrayLike<number>);
}

/**
 * Maps source keypoints into the network frame (`K·3` floats), swapping flip pairs when
 * `t.flip`. With `outside: "invisible"` (default) a keypoint landing outside the input
 * gets visibility 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: 0, y: 0, width: 100, height: 100 }, 50, 100, 100);
 * assert.ok(transformKeypoints([[10, 20, 1]], t).join() === "5,10,1");
 * ```
 */
export function transformKeypoints(
  keypoints: KeypointInput,
  t: Transform,
  outside: "invisible" | "keep" = "invisible",
): Float32Array {
  const src = flat(keypoints);
  const k = src.length / 3;
  if (t.flip && k > 0 && !t.flipPairs) {
    throw new Error(
      "Cannot flip keypoints without flip pairs: expected config.flipPairs (use [] if every keypoint is self-symmetric)",
    );
  }
  const perm = t.flip ? flipPermutation(k, t.flipPairs!) : null;
  const out = new Float32Array(k * 3);
  for (let i = 0; i < k; i++) {
    const from = perm ? perm[i]! : i;
    const [u, v] = toNetwork(src[3 * from]!, src[3 * from + 1]!, t);
    let vis = src[3 * from + 2]!;
    if (outside === "invisible" && !(u >= 0 && u < t.width && v >= 0 && v < t.height)) vis = 0;
    out[3 * i] = u;
    out[3 * i + 1] = v;
    out[3 * i + 2] = vis;
  }
  return out;
}

/**
 * Maps network-frame keypoints (e.g. decoded predictions) back to the source frame as
 * `[x, y, visible]` triples, undoing the flip's channel swap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: 0, y: 0, width: 100, height: 100 }, 50, 100, 100);
 * assert.ok(mapKeypointsBack([[5, 10, 1]], t)[0]!.join() === "10,20,1");
 * ```
 */
export function mapKeypointsBack(
  keypoints: KeypointInput,
  t: Transform,
): [number, number, number][] {
  const src = flat(keypoints);
  const k = src.length / 3;
  if (t.flip && k > 0 && !t.flipPairs) {
    throw new Error("Cannot map flipped keypoints back without the transform's flip pairs");
  }
  const perm = t.flip ? flipPermutation(k, t.flipPairs!) : null;
  const out: [number, number, number][] = new Array(k);
  for (let i = 0; i < k; i++) {
    const [x, y] = fromNetwork(src[3 * i]!, src[3 * i + 1]!, t);
    out[perm ? perm[i]! : i] = [x, y, src[3 * i + 2]!];
  }
  return out;
}

/**
 * Maps a network-frame label map (`t.width·t.height`) back to the source frame by nearest
 * neighbour. Source pixels the network input does not cover get `fill` (default 255), or,
 * when `t.outside` is `"nearest"`, the label of the nearest input pixel (the pixel centre's
 * input coordinates clamped into the input).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: 0, y: 0, width: 2, height: 2 }, 4, 2, 2);
 * const back = mapLabelsBack(new Uint8Array([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]), t);
 * assert.ok(back.join() === "1,2,3,4");
 * ```
 */
export function mapLabelsBack(labels: Uint8Array, t: Transform, fill = 255): Uint8Array {
  const W = t.width, H = t.height;
  if (labels.length !== W * H) {
    throw new Error(`Cannot map back a label map of ${labels.length} pixels: expected ${W}×${H}`);
  }
  const sw = t.sourceWidth, sh = t.sourceHeight;
  const nearest = t.outside === "nearest";
  const clampTo = (i: number, n: number) => Math.min(Math.max(i, 0), n - 1);
  const xi = new Int32Array(sw);
  for (let x = 0; x < sw; x++) {
    const u = toNetwork(x + 0.5, 0, t)[0];
    xi[x] = nearest ? clampTo(Math.floor(u), W) : u >= 0 && u < W ? Math.floor(u) : -1;
  }
  const out = new Uint8Array(sw * sh).fill(fill);
  for (let y = 0; y < sh; y++) {
    const v = (y + 0.5) * t.scale + t.offsetY;
    if (!nearest && !(v >= 0 && v < H)) continue;
    const row = clampTo(Math.floor(v), H) * W;
    for (let x = 0, p = y * sw; x < sw; x++, p++) {
      const u = xi[x]!;
      if (u >= 0) out[p] = labels[row + u]!;
    }
  }
  return out;
}

/**
 * Maps network-frame per-pixel class probabilities (`t.height·t.width·C`) back to the
 * source frame (`sourceHeight·sourceWidth·C`) by bilinear interpolation (half-pixel
 * centres, edge-clamped inside the input); source pixels outside the input get `fill`
 * (default 0 in every channel), or, when `t.outside` is `"nearest"`, the probabilities of
 * the nearest input pixel (the same clamped interpolation, so a pixel left of the input
 * takes its row's leftmost column). Take the arg-max afterwards to get labels; this keeps
 * more detail than mapping labels when the input is smaller than the source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = makeTransform({ x: 0, y: 0, width: 4, height: 4 }, 2, 4, 4);
 * const back = mapProbabilitiesBack(new Float32Array([1, 0, 0, 1, 1, 0, 0, 1]), 2, t);
 * assert.ok(back.length === 32 && back[0] === 1);
 * ```
 */
export function mapProbabilitiesBack(
  probs: ArrayLike<number>,
  channels: number,
  t: Transform,
  fill = 0,
): Float32Array {
  const W = t.width, H = t.height;
  if (probs.length !== W * H * channels) {
    throw new Error(
      `Cannot map back ${probs.length} probabilities: expected ${H}·${W}·${channels}`,
    );
  }
  const sw = t.sourceWidth, sh = t.sourceHeight;
  const nearest = t.outside === "nearest";
  // Per source column / row: the two network taps (clamped) and the weight of the second,
  // or −1 when the pixel centre is outside the network input (and not mapped to the nearest).
  const col0 = new Int32Array(sw), col1 = new Int32Array(sw), colW = new Float32Array(sw);
  for (let x = 0; x < sw; x++) {
    const u = toNetwork(x + 0.5, 0, t)[0];
    if (!nearest && !(u >= 0 && u <= W)) {
      col0[x] = -1;
      continue;
    }
    const s = Math.min(Math.max(u - 0.5, 0), W - 1);
    const i = Math.min(Math.floor(s), W - 1);
    col0[x] = i;
    col1[x] = Math.min(i + 1, W - 1);
    colW[x] = s - i;
  }
  const out = new Float32Array(sw * sh * channels).fill(fill);
  for (let y = 0; y < sh; y++) {
    const v = (y + 0.5) * t.scale + t.offsetY;
    if (!nearest && !(v >= 0 && v <= H)) continue;
    const s = Math.min(Math.max(v - 0.5, 0), H - 1);
    const j0 = Math.min(Math.floor(s), H - 1);
    const j1 = Math.min(j0 + 1, H - 1);
    const fy = s - j0;
    for (let x = 0; x < sw; x++) {
      const i0 = col0[x]!;
      if (i0 < 0) continue;
      const i1 = col1[x]!, fx = colW[x]!;
      const a = (j0 * W + i0) * channels, b = (j0 * W + i1) * channels;
      const c = (j1 * W + i0) * channels, d = (j1 * W + i1) * channels;
      const o = (y * sw + x) * channels;
      for (let k = 0; k < channels; k++) {
        const top = probs[a + k]! * (1 - fx) + probs[b + k]! * fx;
        const bottom = probs[c + k]! * (1 - fx) + probs[d + k]! * fx;
        out[o + k] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return out;
}

/**
 * The square crop (source pixels) that `crop: "window"` maps onto the whole input: the
 * window, squared around its centre, grown so that the window's side is
 * `windowFraction` of the crop's (the crop shares the window's centre).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = windowCrop({ size: 180, crop: "window", window: { x: 65, y: 59, width: 112, height: 112 }, windowFraction: 112 / 180 });
 * assert.ok(Math.abs(c.width - 180) < 1e-9 && Math.abs(c.x - 31) < 1e-9);
 * ```
 */
export function windowCrop(config: PreprocessConfig): Box {
  const { window, windowFraction: f } = config;
  if (!window) {
    throw new Error(
      'Cannot crop to the face window: config.window is not set (config.crop is "window")',
    );
  }
  if (!(typeof f === "number" && f > 0 && f <= 1)) {
    throw new Error(
      `Cannot crop to the face window with windowFraction ${f}: expected a number in (0, 1]`,
    );
  }
  return cropBox(window, (1 / f - 1) / 2);
}

/**
 * Preprocesses one sample for the network under `config`: crop, square, pad, resize,
 * scale and subtract the mean; transform the segmentation (nearest) and keypoints; and
 * return the transform for mapping predictions back. `options.flip` mirrors the input
 * horizontally (keypoint channels swapped with `config.flipPairs`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const sample = { id: "a", image: { data: new Uint8Array(250 * 250 * 3), width: 250, height: 250 } };
 * const p = preprocess(sample, PREPROCESS["lfw-parts"]);
 * assert.ok(p.image.length === 180 * 180 * 3 && Math.abs(p.transform.scale - 112 / 122) < 1e-12);
 * ```
 */
export function preprocess(
  sample: Sample,
  config: PreprocessConfig,
  options: { flip?: boolean } = {},
): Preprocessed {
  const { image } = sample;
  let region: Box;
  if (config.crop === "image") {
    region = { x: 0, y: 0, width: image.width, height: image.height };
  } else if (config.crop === "window") {
    region = windowCrop(config);
  } else {
    if (!sample.box) {
      throw new Error(
        `Cannot crop sample "${sample.id}" to its box: the sample has no box (config.crop is "box")`,
      );
    }
    region = sample.box;
  }
  const crop = config.crop === "window"
    ? region
    : cropBox(region, config.crop === "box" ? config.margin ?? 0 : 0);
  const flip = options.flip ?? false;
  const t = makeTransform(crop, config.size, image.width, image.height, flip, config.flipPairs);
  if (config.outside) t.outside = config.outside;
  const out: Preprocessed = {
    id: sample.id,
    image: resampleImage(image, t, {
      pad: config.pad ?? "zero",
      mean: config.mean ?? [0.5, 0.5, 0.5],
      antialias: config.antialias ?? false,
    }),
    width: t.width,
    height: t.height,
    transform: t,
  };
  if (sample.segmentation) out.segmentation = resampleLabels(sample.segmentation, t);
  if (sample.keypoints) {
    if (flip && !config.flipPairs && sample.keypoints.length > 0) {
      throw new Error(
        `Cannot flip the keypoints of sample "${sample.id}": config.flipPairs is not set`,
      );
    }
    out.keypoints = transformKeypoints(sample.keypoints, t, config.keypointsOutside ?? "invisible");
  }
  return out;
}

/** A uniform [0, 1) source, such as `Mulberry32.next` bound to its generator. */
export type RandomSource = () => number;

/**
 * A preprocessing function for the batch iterator: flips with probability
 * `config.flipProbability` using the given random source (one draw per sample, only when
 * the probability is positive), so augmentation is reproducible from a seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const pre = createPreprocessor({ ...PREPROCESS["lfw-parts"], flipProbability: 0.5 });
 * const sample = { id: "a", image: { data: new Uint8Array(250 * 250 * 3), width: 250, height: 250 } };
 * assert.ok(pre(sample, () => 0.2).transform.flip === true);
 * ```
 */
export function createPreprocessor(
  config: PreprocessConfig,
): (sample: Sample, random: RandomSource) => Preprocessed {
  const p = config.flipProbability ?? 0;
  if (!(p >= 0 && p <= 1)) {
    throw new Error(`Cannot flip with probability ${p}: expected a number in [0, 1]`);
  }
  return (sample, random) => preprocess(sample, config, { flip: p > 0 && random() < p });
}
