import assert from "node:assert/strict";
import { buildWasmKernels, embeddedModule, hasClang, WASM_KERNELS } from "./build_wasm_kernels.ts";

const clang = await hasClang();

type Shape4 = [number, number, number, number];

/** Deterministic uniform values in [-1, 1) (mulberry32). */
function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Float64 filter gradient from the definition (stride 1, NHWC), the independent reference. */
function naiveFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  [n, h, w, ci]: [number, number, number, number],
  [oh, ow, co]: [number, number, number],
  [fh, fw, pt, pl]: [number, number, number, number],
): Float64Array {
  const dw = new Float64Array(fh * fw * ci * co);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        for (let i = 0; i < fh; i++) {
          const r = y + i - pt;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < fw; j++) {
            const s = xx + j - pl;
            if (s < 0 || s >= w) continue;
            for (let c = 0; c < ci; c++) {
              const xv = x[((b * h + r) * w + s) * ci + c]!;
              for (let o = 0; o < co; o++) {
                dw[((i * fw + j) * ci + c) * co + o]! += xv *
                  dy[((b * oh + y) * ow + xx) * co + o]!;
              }
            }
          }
        }
      }
    }
  }
  return dw;
}

Deno.test({
  name: "the C filter gradient (wasm SIMD128) builds reproducibly and matches a float64 reference",
  ignore: !clang,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const [path] = await buildWasmKernels(`${dir}/a`);
      const [again] = await buildWasmKernels(`${dir}/b`);
      const bytes = await Deno.readFile(path!);
      assert.deepEqual(await Deno.readFile(again!), bytes, "two builds differ");
      const committed = await Deno.readTextFile(
        new URL(`../${WASM_KERNELS[0].module}`, import.meta.url),
      );
      assert.equal(
        committed,
        embeddedModule(WASM_KERNELS[0].name, bytes),
        `${WASM_KERNELS[0].module} is not what the build gives: run scripts/build_wasm_kernels.ts`,
      );
      const memory = new WebAssembly.Memory({ initial: 64 });
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
        env: { memory },
      });
      const grad = exports.conv_filter_grad as (...args: number[]) => void;
      // Channel counts that take every tile (4×8, 4×4, 1×8, 1×4, scalar tails), 'same' 3×3 and
      // 5×5, 'valid', uneven pads, chunks of 1, 2 and 5 rows in sub-blocks of 2.
      const cases: [Shape4, [number, number, number], Shape4, number][] = [
        [[2, 7, 9, 9], [7, 9, 21], [3, 3, 1, 1], 2],
        [[3, 6, 5, 4], [6, 5, 3], [5, 5, 2, 2], 1],
        [[2, 7, 9, 5], [5, 7, 12], [3, 3, 0, 0], 5],
        [[1, 7, 9, 3], [8, 7, 16], [3, 3, 2, 1], 2],
      ];
      for (const [xs, ys, f, rows] of cases) {
        const [n, h, w, ci] = xs;
        const [oh, ow, co] = ys;
        const [fh, fw, pt, pl] = f;
        const x = random(n * h * w * ci, 71), dy = random(n * oh * ow * co, 72);
        const heap = new Float32Array(memory.buffer);
        const xp = 1024, dyp = xp + x.length, dwp = dyp + dy.length;
        heap.set(x, xp);
        heap.set(dy, dyp);
        heap.fill(Number.NaN, dwp, dwp + fh * fw * ci * co);
        const part = dwp + fh * fw * ci * co;
        heap.fill(Number.NaN, part, part + fh * fw * ci * co);
        grad(4 * xp, 4 * dyp, 4 * dwp, 4 * part, n, h, w, ci, oh, ow, co, fh, fw, pt, pl, rows, 2);
        const got = heap.subarray(dwp, dwp + fh * fw * ci * co);
        const want = naiveFilterGrad(x, dy, xs, ys, f);
        for (let k = 0; k < want.length; k++) {
          assert.ok(
            Math.abs(got[k]! - want[k]!) <= 1e-5 * (1 + Math.abs(want[k]!)),
            `x [${xs}] dy [${ys}] filter ${f}: dw[${k}] = ${got[k]}, expected ${want[k]}`,
          );
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
