// A plain-TypeScript reference of the CLVM (docs/MODEL.md §1–§2): loops over Float64Arrays, no
// tfjs. Written from the equations, independently of the tfjs implementation, so the
// tests can compare the two.
import { type Feedback, unknownFeedback } from "../ops/feedback.ts";

/** An NHWC array. */
export interface Arr {
  n: number;
  h: number;
  w: number;
  c: number;
  v: Float64Array;
}

export interface RefLayer {
  channels: number;
  nms: boolean;
}

export interface RefNet {
  inputChannels: number;
  layers: RefLayer[];
  k: number;
  /** w[i] for layer i (1-based; index 0 unused): [k,k,C_{i-1},C_i] row-major. */
  w: Float64Array[];
  /** u[i] untied top-down filters (same layout), or undefined when tied. */
  u?: Float64Array[];
  b: Float64Array[];
}

export const zeros = (n: number, h: number, w: number, c: number): Arr => ({
  n,
  h,
  w,
  c,
  v: new Float64Array(n * h * w * c),
});

const at = (a: Arr, n: number, y: number, x: number, ch: number) =>
  ((n * a.h + y) * a.w + x) * a.c + ch;

/** out[n,y,x,o] = Σ in[n, y+dy−p, x+dx−p, c]·w[dy,dx,c,o], zero padding. */
export function conv(input: Arr, w: Float64Array, k: number, cout: number): Arr {
  const out = zeros(input.n, input.h, input.w, cout);
  const p = (k - 1) / 2;
  for (let n = 0; n < input.n; n++) {
    for (let y = 0; y < input.h; y++) {
      for (let x = 0; x < input.w; x++) {
        for (let o = 0; o < cout; o++) {
          let s = 0;
          for (let dy = 0; dy < k; dy++) {
            const yy = y + dy - p;
            if (yy < 0 || yy >= input.h) continue;
            for (let dx = 0; dx < k; dx++) {
              const xx = x + dx - p;
              if (xx < 0 || xx >= input.w) continue;
              for (let c = 0; c < input.c; c++) {
                s += input.v[at(input, n, yy, xx, c)]! *
                  w[((dy * k + dx) * input.c + c) * cout + o]!;
              }
            }
          }
          out.v[at(out, n, y, x, o)] = s;
        }
      }
    }
  }
  return out;
}

/** The adjoint of `conv`: out[n,y,x,c] = Σ z[n, y−dy+p, x−dx+p, o]·w[dy,dx,c,o]. */
export function convT(z: Arr, w: Float64Array, k: number, cbelow: number): Arr {
  const out = zeros(z.n, z.h, z.w, cbelow);
  const p = (k - 1) / 2;
  for (let n = 0; n < z.n; n++) {
    for (let y = 0; y < z.h; y++) {
      for (let x = 0; x < z.w; x++) {
        for (let c = 0; c < cbelow; c++) {
          let s = 0;
          for (let dy = 0; dy < k; dy++) {
            const yy = y - dy + p;
            if (yy < 0 || yy >= z.h) continue;
            for (let dx = 0; dx < k; dx++) {
              const xx = x - dx + p;
              if (xx < 0 || xx >= z.w) continue;
              for (let o = 0; o < z.c; o++) {
                s += z.v[at(z, n, yy, xx, o)]! * w[((dy * k + dx) * cbelow + c) * z.c + o]!;
              }
            }
          }
          out.v[at(out, n, y, x, c)] = s;
        }
      }
    }
  }
  return out;
}

/** 2×2 sum-pool, stride 2. */
export function sumPool(a: Arr): Arr {
  const out = zeros(a.n, a.h / 2, a.w / 2, a.c);
  for (let n = 0; n < a.n; n++) {
    for (let y = 0; y < a.h; y++) {
      for (let x = 0; x < a.w; x++) {
        for (let c = 0; c < a.c; c++) {
          out.v[at(out, n, y >> 1, x >> 1, c)]! += a.v[at(a, n, y, x, c)]!;
        }
      }
    }
  }
  return out;
}

/** Each value copied to the 4 cells of its 2×2 group (nearest upsample): Pᵀ of `replicate`. */
export function replicate(t: Arr): Arr {
  const out = zeros(t.n, t.h * 2, t.w * 2, t.c);
  for (let n = 0; n < t.n; n++) {
    for (let y = 0; y < out.h; y++) {
      for (let x = 0; x < out.w; x++) {
        for (let c = 0; c < t.c; c++) {
          out.v[at(out, n, y, x, c)] = t.v[at(t, n, y >> 1, x >> 1, c)]!;
        }
      }
    }
  }
  return out;
}

/** Each value at the top-left cell of its 2×2 group, zeros elsewhere (Fig. 6's interlacing). */
export function zeroInterlace(t: Arr): Arr {
  const out = zeros(t.n, t.h * 2, t.w * 2, t.c);
  for (let n = 0; n < t.n; n++) {
    for (let y = 0; y < t.h; y++) {
      for (let x = 0; x < t.w; x++) {
        for (let c = 0; c < t.c; c++) {
          out.v[at(out, n, 2 * y, 2 * x, c)] = t.v[at(t, n, y, x, c)]!;
        }
      }
    }
  }
  return out;
}

/**
 * top_i of an NMS layer i (docs/MODEL.md §1) from z_{i+1} (`above`) and the filter `filt`:
 * `replicate` and `switches` filter at the coarse resolution, then copy each value to its
 * group (all 4 cells, or the cell of `win`, the last winner mask); `zero-interlace`
 * interlaces `above` first and filters at the fine resolution.
 */
export function topThroughNms(
  above: Arr,
  filt: Float64Array,
  k: number,
  cbelow: number,
  mode: Feedback,
  win?: Arr,
): Arr {
  switch (mode) {
    case "replicate":
      return replicate(convT(above, filt, k, cbelow));
    case "switches": {
      const up = replicate(convT(above, filt, k, cbelow));
      return { ...up, v: up.v.map((v, q) => v * win!.v[q]!) };
    }
    case "zero-interlace":
      return convT(zeroInterlace(above), filt, k, cbelow);
    default:
      return unknownFeedback(mode);
  }
}

/** Winner mask of each 2×2 group: first maximum in raster order (TL, TR, BL, BR). */
export function winners(a: Arr): Arr {
  const out = zeros(a.n, a.h, a.w, a.c);
  for (let n = 0; n < a.n; n++) {
    for (let gy = 0; gy < a.h; gy += 2) {
      for (let gx = 0; gx < a.w; gx += 2) {
        for (let c = 0; c < a.c; c++) {
          let best = -Infinity;
          let by = gy, bx = gx;
          for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
            const v = a.v[at(a, n, gy + dy, gx + dx, c)]!;
            if (v > best) {
              best = v;
              by = gy + dy;
              bx = gx + dx;
            }
          }
          out.v[at(out, n, by, bx, c)] = 1;
        }
      }
    }
  }
  return out;
}

const add = (a: Arr, b: Arr): Arr => ({ ...a, v: a.v.map((x, i) => x + b.v[i]!) });

function channelsBelow(net: RefNet, i: number): number {
  return i === 1 ? net.inputChannels : net.layers[i - 2]!.channels;
}

/** bot_i(z) with z[0] = x. */
function bottomUp(net: RefNet, z: (Arr | null)[], i: number, x: Arr): Arr | null {
  const below = i === 1 ? x : z[i - 1];
  if (!below) return null;
  const input = i > 1 && net.layers[i - 2]!.nms ? sumPool(below) : below;
  return conv(input, net.w[i]!, net.k, net.layers[i - 1]!.channels);
}

/** The update order of docs/MODEL.md §2, written out independently. */
export function schedule(L: number, passes: number): number[] {
  const order: number[] = [];
  for (let p = 1; p <= passes; p++) {
    if (p === 1) { for (let i = 1; i <= L; i++) order.push(i); }
    else if (p % 2 === 0) { for (let i = L - 1; i >= 1; i--) order.push(i); }
    else for (let i = 2; i <= L; i++) order.push(i);
  }
  return order;
}

/** Runs `passes` passes; calls `after` with the state after each update. */
export function latents(
  net: RefNet,
  x: Arr,
  passes: number,
  mode: Feedback,
  after?: (z: (Arr | null)[]) => void,
): Arr[] {
  const L = net.layers.length;
  const z: (Arr | null)[] = new Array(L + 1).fill(null);
  const win: (Arr | null)[] = new Array(L + 1).fill(null);
  for (const i of schedule(L, passes)) {
    const cin = net.layers[i - 1]!.channels;
    let s = 1;
    for (let j = 1; j < i; j++) if (net.layers[j - 1]!.nms) s *= 2;
    let a = zeros(x.n, x.h / s, x.w / s, cin);
    const bot = bottomUp(net, z, i, x);
    if (bot) a = add(a, bot);
    const above = i < L ? z[i + 1] : null;
    if (above) {
      const filt = net.u ? net.u[i + 1]! : net.w[i + 1]!;
      const top = net.layers[i - 1]!.nms
        ? topThroughNms(above, filt, net.k, cin, mode, win[i] ?? undefined)
        : convT(above, filt, net.k, cin);
      a = add(a, top);
    }
    for (let q = 0; q < a.v.length; q++) a.v[q]! += net.b[i]![q % cin]!;
    if (net.layers[i - 1]!.nms) {
      const m = winners(a);
      win[i] = m;
      z[i] = { ...a, v: a.v.map((v, q) => (m.v[q]! > 0 ? Math.max(v, 0) : 0)) };
    } else {
      z[i] = { ...a, v: a.v.map((v) => Math.max(v, 0)) };
    }
    after?.(z);
  }
  return z.slice(1).map((t, idx) => t ?? zeros(1, 1, 1, net.layers[idx]!.channels));
}

/** S(z) per image (docs/MODEL.md §2); null layers count as zero. */
export function score(net: RefNet, x: Arr, z: (Arr | null)[]): number[] {
  const S = new Array(x.n).fill(0);
  for (let i = 1; i <= net.layers.length; i++) {
    const zi = z[i];
    if (!zi) continue;
    const bot = bottomUp(net, z, i, x);
    const per = zi.h * zi.w * zi.c;
    for (let q = 0; q < zi.v.length; q++) {
      const n = Math.floor(q / per);
      const v = zi.v[q]!;
      S[n] += -0.5 * v * v + net.b[i]![q % zi.c]! * v + (bot ? v * bot.v[q]! : 0);
    }
  }
  return S;
}

export { channelsBelow };
