/**
 * The WGSL programs of the fused layer update: `relu((bot + top) + b)`, with the 2×2
 * non-maximum suppression of docs/MODEL.md §1 when the layer is an NMS layer, in one pass; and the
 * 2×2 sum-pool `P` that the layer above reads.
 *
 * One invocation handles four channels (one `vec4`) of one pixel, or of one 2×2 group when
 * NMS is on. The top-down signal may come at half the resolution (`topPooled`): each of its
 * values then serves the four cells of its group (the `replicate` feedback's `Pᵀ`).
 *
 * @module
 */
import type { KernelArgs } from "./_backend_types.ts";
import type { tf, webgpu } from "../deps.ts";
import type { FusedUpdateAttrs } from "./_names.ts";
import { dispatchFor, type WebGPURunner } from "./fused_topdown_webgpu.ts";

const WORKGROUP = 64;

/**
 * `relu((bot + top) + bias)` with optional NMS; `top` optional, at full or half resolution.
 * Inputs in order: `bot`, `top` (when present), `bias`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FusedUpdateProgram } from "./fused_update_webgpu.ts";
 * const program = new FusedUpdateProgram([1, 180, 180, 64], true, { nms: true, topPooled: true });
 * assert.deepEqual(program.dispatch, [2025, 1, 1]); // 64 invocations of a group × 4 channels each
 * ```
 */
export class FusedUpdateProgram implements webgpu.WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] } = { x: [0, 1, 2, 3] };
  dispatch: [number, number, number];
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly #hasTop: boolean;
  readonly #attrs: FusedUpdateAttrs;

  constructor(shape: [number, number, number, number], hasTop: boolean, attrs: FusedUpdateAttrs) {
    const [n, h, w, c] = shape;
    this.outputShape = shape;
    this.#hasTop = hasTop;
    this.#attrs = attrs;
    const cv = c % 4 === 0 ? 4 : 1;
    this.outputComponent = cv;
    this.variableNames = hasTop ? ["bot", "top", "bias"] : ["bot", "bias"];
    this.variableComponents = this.variableNames.map(() => cv);
    const cells = attrs.nms ? n * (h / 2) * (w / 2) * (c / cv) : n * h * w * (c / cv);
    this.dispatch = dispatchFor(Math.ceil(cells / WORKGROUP));
    this.shaderKey = `clvmFusedUpdate_${h}_${w}_${c}_${hasTop}_${attrs.nms}_${attrs.topPooled}`;
  }

  getUserCode(): string {
    const [, h, w, c] = this.outputShape as [number, number, number, number];
    const cv = this.outputComponent;
    const T = cv === 4 ? "vec4<f32>" : "f32";
    const C = c / cv;
    const { nms, topPooled } = this.#attrs;
    const hasTop = this.#hasTop;
    const topAt = (cellIndex: string, img: string, yy: string, xx: string): string => {
      if (!hasTop) return "";
      if (!topPooled) return ` + top[${cellIndex}]`;
      return ` + top[((${img} * ${h / 2} + (${yy}) / 2) * ${w / 2} + (${xx}) / 2) * ${C} + ch]`;
    };
    if (!nms) {
      return `
      fn main(index : i32) {
        if (index >= uniforms.outShape[0] * ${h * w * C}) {
          return;
        }
        let ch = index % ${C};
        let pix = index / ${C};
        let xx = pix % ${w};
        let rest = pix / ${w};
        let yy = rest % ${h};
        let img = rest / ${h};
        let a = (bot[index]${topAt("index", "img", "yy", "xx")}) + bias[ch];
        result[index] = max(a, ${T}(0.0));
      }`;
    }
    const cell = (dy: number, dx: number) =>
      `((img * ${h} + gy * 2 + ${dy}) * ${w} + gx * 2 + ${dx}) * ${C} + ch`;
    const cells = [[0, 0], [0, 1], [1, 0], [1, 1]] as const;
    const topOf = (i: number): string => {
      if (!hasTop) return "";
      if (topPooled) return " + t";
      return ` + top[i${i}]`;
    };
    return `
      fn main(index : i32) {
        if (index >= uniforms.outShape[0] * ${(h / 2) * (w / 2) * C}) {
          return;
        }
        let ch = index % ${C};
        let grp = index / ${C};
        let gx = grp % ${w / 2};
        let rest = grp / ${w / 2};
        let gy = rest % ${h / 2};
        let img = rest / ${h / 2};
        ${cells.map(([dy, dx], i) => `let i${i} = ${cell(dy, dx)};`).join("\n")}
        ${hasTop && topPooled ? "let t = top[index];" : ""}
        let b = bias[ch];
        ${cells.map((_, i) => `let a${i} = (bot[i${i}]${topOf(i)}) + b;`).join("\n")}
        let m = max(max(a0, a1), max(a2, a3));
        let w0 = a0 == m;
        let w1 = !w0 & (a1 == m);
        let w2 = !(w0 | w1) & (a2 == m);
        let w3 = !(w0 | w1 | w2);
        let zero = ${T}(0.0);
        ${cells.map((_, i) => `result[i${i}] = select(zero, max(a${i}, zero), w${i});`).join("\n")}
      }`;
  }
}

/**
 * `P`: the 2×2 sum-pool with stride 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SumPoolProgram } from "./fused_update_webgpu.ts";
 * assert.deepEqual(new SumPoolProgram([1, 180, 180, 64]).outputShape, [1, 90, 90, 64]);
 * ```
 */
export class SumPoolProgram implements webgpu.WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] } = { x: [0, 1, 2, 3] };
  dispatch: [number, number, number];
  variableNames = ["x"];
  variableComponents: number[];
  outputComponent: number;
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];

  constructor([n, h, w, c]: [number, number, number, number]) {
    this.outputShape = [n, h / 2, w / 2, c];
    const cv = c % 4 === 0 ? 4 : 1;
    this.outputComponent = cv;
    this.variableComponents = [cv];
    this.dispatch = dispatchFor(Math.ceil((n * (h / 2) * (w / 2) * c / cv) / WORKGROUP));
    this.shaderKey = `clvmSumPool_${h}_${w}_${c}`;
  }

  getUserCode(): string {
    const [, h2, w2, c] = this.outputShape as [number, number, number, number];
    const C = c / this.outputComponent;
    const at = (dy: number, dx: number) =>
      `x[((img * ${h2 * 2} + gy * 2 + ${dy}) * ${w2 * 2} + gx * 2 + ${dx}) * ${C} + ch]`;
    return `
      fn main(index : i32) {
        if (index >= uniforms.outShape[0] * ${h2 * w2 * C}) {
          return;
        }
        let ch = index % ${C};
        let grp = index / ${C};
        let gx = grp % ${w2};
        let rest = grp / ${w2};
        let gy = rest % ${h2};
        let img = rest / ${h2};
        result[index] = (${at(0, 0)} + ${at(0, 1)}) + (${at(1, 0)} + ${at(1, 1)});
      }`;
  }
}

/**
 * The `webgpu` kernel function of `ClvmFusedUpdate` (inputs `bot`, optional `top`, `bias`;
 * attributes {@link FusedUpdateAttrs}).
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { fusedUpdateWebGPU } from "./fused_update_webgpu.ts";
 * tf.registerKernel({ kernelName: "MyUpdate", backendName: "webgpu", kernelFunc: fusedUpdateWebGPU as unknown as tf.KernelFunc });
 * ```
 */
export function fusedUpdateWebGPU(args: KernelArgs): tf.TensorInfo {
  const { bot, top, bias } = args.inputs;
  const attrs = args.attrs as FusedUpdateAttrs;
  const program = new FusedUpdateProgram(
    bot!.shape as [number, number, number, number],
    top !== undefined,
    attrs,
  );
  const inputs = top ? [bot!, top, bias!] : [bot!, bias!];
  return (args.backend as WebGPURunner).runWebGPUProgram(program, inputs, "float32");
}

/**
 * The `webgpu` kernel function of `ClvmSumPool2x2` (input `x`).
 *
 * @example
 * ```ts
 * import { tf } from "../deps.ts";
 * import { sumPoolWebGPU } from "./fused_update_webgpu.ts";
 * tf.registerKernel({ kernelName: "MyPool", backendName: "webgpu", kernelFunc: sumPoolWebGPU as unknown as tf.KernelFunc });
 * ```
 */
export function sumPoolWebGPU(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs.x!;
  const program = new SumPoolProgram(x.shape as [number, number, number, number]);
  return (args.backend as WebGPURunner).runWebGPUProgram(program, [x], "float32");
}
