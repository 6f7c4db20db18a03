/**
 * The WGSL program of the fused convolutions: a stride-1 'same' convolution or its
 * transpose (the CLVM's top-down signal, with the very same bottom-up filter), plus an
 * optional tensor to add, an optional bias and an optional relu, in one pass.
 *
 * Written for software adapters first (llvmpipe), where every storage-buffer read whose
 * address differs between invocations costs a loop over the SIMD lanes: each invocation
 * computes a tile of `tileWidth` neighbouring pixels of one row × `block` output channels,
 * reads each input pixel of a row once for all `k` horizontal taps, and reads inputs and
 * filters four channels at a time. The reduction order is (ky, channel, kx), so results
 * differ from tfjs's generic kernels by rounding only.
 *
 * @module
 */
import type { tf, webgpu } from "../deps.ts";
import type { ConvSameAttrs } from "./_names.ts";

/** What fixes one compiled variant of {@link ConvSameProgram}. */
export interface ConvSameShape {
  transposed: boolean;
  /** Filter size (odd). */
  k: number;
  /** Height and width of the input and of the output. */
  height: number;
  width: number;
  /** Channels summed over (the input's). */
  inChannels: number;
  /** Channels of the output (a multiple of 4). */
  outChannels: number;
  hasAdd: boolean;
  hasBias: boolean;
  relu: boolean;
}

const WORKGROUP = 32;
const MAX_GROUPS_X = 32768;

/** Repeats `f(i)` for `i < n`, joined by `sep`. */
function rep(n: number, f: (i: number) => string, sep = "\n"): string {
  return Array.from({ length: n }, (_, i) => f(i)).join(sep);
}

/**
 * Output channels per invocation: the largest of 16, 8, 4 that divides `channels`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { channelBlock } from "./fused_topdown_webgpu.ts";
 * assert.equal(channelBlock(64), 16);
 * assert.equal(channelBlock(12), 4);
 * ```
 */
export function channelBlock(channels: number): number {
  for (const m of [16, 8, 4]) if (channels % m === 0) return m;
  throw new Error(
    `Cannot tile ${channels} output channels for the fused convolution: expected a multiple of 4`,
  );
}

/**
 * Pixels per invocation along a row: the candidate from 8 to 16 with the least padding
 * waste at the right edge (wider first on ties).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tileWidth } from "./fused_topdown_webgpu.ts";
 * assert.equal(tileWidth(180), 15);
 * assert.equal(tileWidth(45), 15);
 * ```
 */
export function tileWidth(width: number): number {
  let best = 16;
  let bestWaste = Infinity;
  for (let p = 16; p >= 8; p--) {
    const waste = Math.ceil(width / p) * p - width;
    if (waste < bestWaste) {
      best = p;
      bestWaste = waste;
    }
  }
  return Math.min(best, Math.max(1, width));
}

/**
 * A 1-D count of workgroups as a dispatch within the per-dimension limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dispatchFor } from "./fused_topdown_webgpu.ts";
 * assert.deepEqual(dispatchFor(70000), [32768, 3, 1]);
 * ```
 */
export function dispatchFor(groups: number): [number, number, number] {
  const x = Math.max(1, Math.min(groups, MAX_GROUPS_X));
  return [x, Math.max(1, Math.ceil(groups / x)), 1];
}

/**
 * The WGSL program; one instance per call (tfjs caches the compiled pipeline by `shaderKey`).
 * Inputs in order: `x`, `W`, then `addend` and `bias` when present.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConvSameProgram } from "./fused_topdown_webgpu.ts";
 * const program = new ConvSameProgram(1, {
 *   transposed: true, k: 3, height: 45, width: 45, inChannels: 256, outChannels: 128,
 *   hasAdd: true, hasBias: true, relu: true,
 * });
 * assert.deepEqual(program.outputShape, [1, 45, 45, 128]);
 * ```
 */
export class ConvSameProgram implements webgpu.WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  variableComponents: number[];
  outputComponent = 4;
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly #s: ConvSameShape;
  readonly #tile: number;
  readonly #block: number;

  constructor(batch: number, s: ConvSameShape) {
    if (s.outChannels % 4 !== 0) {
      throw new Error(
        `Cannot build the fused convolution for ${s.outChannels} output channels: expected a ` +
          "multiple of 4",
      );
    }
    this.#s = s;
    this.#tile = tileWidth(s.width);
    this.#block = channelBlock(s.outChannels);
    this.outputShape = [batch, s.height, s.width, s.outChannels];
    this.dispatchLayout = { x: [0, 1, 2, 3] };
    const tiles = batch * s.height * Math.ceil(s.width / this.#tile) *
      (s.outChannels / this.#block);
    this.dispatch = dispatchFor(Math.ceil(tiles / WORKGROUP));
    const r4 = s.inChannels % 4 === 0;
    this.variableNames = ["x", "W"];
    this.variableComponents = [r4 ? 4 : 1, s.transposed && !r4 ? 1 : 4];
    if (s.hasAdd) {
      this.variableNames.push("addend");
      this.variableComponents.push(4);
    }
    if (s.hasBias) {
      this.variableNames.push("bias");
      this.variableComponents.push(4);
    }
    this.shaderKey = `clvmConvSame_${s.transposed}_${s.k}_${s.height}_${s.width}_${s.inChannels}_` +
      `${s.outChannels}_${s.hasAdd}_${s.hasBias}_${s.relu}_${this.#tile}_${this.#block}`;
  }

  getUserCode(): string {
    const s = this.#s;
    const { k, height: h, width: w } = s;
    const P = this.#tile, M = this.#block, M4 = M / 4;
    const pad = (k - 1) / 2;
    const sgn = s.transposed ? -1 : 1;
    const tx = Math.ceil(w / P);
    const nb = s.outChannels / M;
    const r4 = s.inChannels % 4 === 0;
    const steps = r4 ? s.inChannels / 4 : s.inChannels;
    const co4 = s.outChannels / 4;
    const J = P + 2 * pad;
    const vtype = r4 ? "vec4<f32>" : "f32";
    // Window index of pixel p at horizontal tap kx.
    const win = (p: number, kx: number) => p + pad + sgn * (kx - pad);
    const acc = (p: number, g: number) => `acc${p}_${g}`;
    const comps = ["x", "y", "z", "w"];
    let taps = "";
    for (let kx = 0; kx < k; kx++) {
      taps += `{ let tap = wTap + ${kx};\n`;
      if (!s.transposed) {
        // W[tap][ci][co] as vec4 over co.
        const qs = r4 ? 4 : 1;
        for (let q = 0; q < qs; q++) {
          const ci = r4 ? `c * 4 + ${q}` : "c";
          for (let g = 0; g < M4; g++) {
            taps += `{ let wv = W[(tap * ${s.inChannels} + ${ci}) * ${co4} + cb4 + ${g}];\n`;
            taps += rep(P, (p) => {
              const v = `v${win(p, kx)}${r4 ? `.${comps[q]}` : ""}`;
              return `${acc(p, g)} = fma(vec4<f32>(${v}), wv, ${acc(p, g)});`;
            }, " ");
            taps += " }\n";
          }
        }
      } else {
        // W[tap][co][ci] as vec4 over ci (or scalar): four output channels per group.
        for (let g = 0; g < M4; g++) {
          taps += "{ " +
            rep(
              4,
              (q) =>
                `let w${q} = W[(tap * ${s.outChannels} + cb4 * 4 + ${g * 4 + q}) * ${steps} + c];`,
              " ",
            ) +
            "\n";
          if (r4) {
            for (let q = 0; q < 4; q++) {
              const c = comps[q]!;
              taps += rep(P, (p) =>
                `${acc(p, g)} = fma(vec4<f32>(v${win(p, kx)}.${c}), ` +
                `vec4<f32>(w0.${c}, w1.${c}, w2.${c}, w3.${c}), ${acc(p, g)});`, " ") + "\n";
            }
          } else {
            taps += rep(P, (p) =>
              `${acc(p, g)} = fma(vec4<f32>(v${win(p, kx)}), vec4<f32>(w0, w1, w2, w3), ` +
              `${acc(p, g)});`, " ") + "\n";
          }
          taps += "}\n";
        }
      }
      taps += "}\n";
    }
    const epilogue = rep(P, (p) => `
      if (x0 + ${p} < ${w}) {
        let ob = ((img * ${h} + y) * ${w} + x0 + ${p}) * ${co4} + cb4;
        ${
      rep(M4, (g) => {
        let e = `var o${g} = ${acc(p, g)};`;
        if (s.hasAdd) e += ` o${g} = o${g} + addend[ob + ${g}];`;
        if (s.hasBias) e += ` o${g} = o${g} + bias[cb4 + ${g}];`;
        if (s.relu) e += ` o${g} = max(o${g}, vec4<f32>(0.0));`;
        return `${e} result[ob + ${g}] = o${g};`;
      })
    }
      }`);
    return `
      fn main(index : i32) {
        let tilesPerBlock = uniforms.outShape[0] * ${h * tx};
        if (index >= tilesPerBlock * ${nb}) {
          return;
        }
        let blk = index / tilesPerBlock;
        let tt = index - blk * tilesPerBlock;
        let img = tt / ${h * tx};
        let rest = tt - img * ${h * tx};
        let y = rest / ${tx};
        let x0 = (rest - y * ${tx}) * ${P};
        let cb4 = blk * ${M4};
        ${rep(P * M4, (i) => `var ${acc(Math.floor(i / M4), i % M4)} = vec4<f32>(0.0);`)}
        for (var ky = 0; ky < ${k}; ky++) {
          let iy = y + ${sgn} * (ky - ${pad});
          let rowOk = iy >= 0 && iy < ${h};
          let rowBase = (img * ${h} + iy) * ${w} + x0 - ${pad};
          ${
      rep(J, (j) =>
        `let ok${j} = rowOk && x0 + ${j - pad} >= 0 && x0 + ${j - pad} < ${w};
          let xb${j} = select(0, (rowBase + ${j}) * ${steps}, ok${j});
          let s${j} = select(0.0, 1.0, ok${j});`)
    }
          let wTap = ky * ${k};
          for (var c = 0; c < ${steps}; c++) {
            ${rep(J, (j) => `let v${j} = ${vtype}(x[xb${j} + c]) * s${j};`)}
            ${taps}
          }
        }
        ${epilogue}
      }`;
  }
}

/** The part of tfjs's WebGPU backend the kernels use (`runWebGPUProgram` without uniforms). */
export interface WebGPURunner {
  runWebGPUProgram(
    program: webgpu.WebGPUProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
  ): tf.TensorInfo;
}

/**
 * The `webgpu` kernel function of `ClvmConvSame` (inputs `x`, `filter`, optional `add` and
 * `bias`; attributes {@link ConvSameAttrs}).
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { convSameWebGPU } from "./fused_topdown_webgpu.ts";
 * tf.registerKernel({ kernelName: "MyConv", backendName: "webgpu", kernelFunc: convSameWebGPU as unknown as tf.KernelFunc });
 * ```
 */
export function convSameWebGPU(
  args: { inputs: Record<string, tf.TensorInfo | undefined>; backend: unknown; attrs?: unknown },
): tf.TensorInfo {
  const { x, filter, add, bias } = args.inputs;
  const attrs = args.attrs as ConvSameAttrs;
  const [n, h, w, cin] = x!.shape as [number, number, number, number];
  const [k, , a, b] = filter!.shape as [number, number, number, number];
  const cout = attrs.transposed ? a : b;
  const program = new ConvSameProgram(n, {
    transposed: attrs.transposed,
    k,
    height: h,
    width: w,
    inChannels: cin,
    outChannels: cout,
    hasAdd: add !== undefined,
    hasBias: bias !== undefined,
    relu: attrs.relu,
  });
  const inputs = [x!, filter!];
  if (add) inputs.push(add);
  if (bias) inputs.push(bias);
  return (args.backend as WebGPURunner).runWebGPUProgram(program, inputs, "float32");
}
