/**
 * The wasm convolution kernels of `src/kernels/wasm_conv.ts` against what they replace.
 *
 * Groups `wasm HxWxC→C bN` (the `paper` architecture's 3×3 layers): the original wasm
 * `Conv2DBackpropInput` (baseline) against the flipped-filter `Conv2D` that replaces it, the new
 * `Conv2DBackpropFilter`, and the forward `Conv2D` for reference. The cpu backend's
 * `Conv2DBackpropFilter` takes minutes at these sizes (249 s once at 45×45×256, batch 1), so
 * groups `filter …` compare it with the wasm one at `tiny` sizes. Groups `route …` time
 * `conv2dTransposeSame` forward and backward by each route on cpu, wasm and webgpu (when an
 * adapter exists), which is how its `auto` route was chosen.
 *
 * Run: `deno bench -A benchmarks/wasm_conv_bench.ts` (or `--filter wasm` for one part).
 *
 * @module
 */
import { type BackendName, initBackend } from "../src/backend.ts";
import { tf } from "../src/deps.ts";
import { originalWasmBackpropInput, registerWasmConvKernels } from "../src/kernels/mod.ts";
import { conv2dTransposeSame, type TransposeRoute } from "../src/ops/mod.ts";

type Shape4 = [number, number, number, number];
type Kernel = (args: { inputs: object; backend: object; attrs: object }) => tf.TensorInfo;

registerWasmConvKernels();
const gpu = (await initBackend("webgpu")).name === "webgpu";
await initBackend("wasm");

const CONV = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 } as const;

/** Calls a wasm kernel function directly (no engine) and frees its output. */
function runWasm(kernel: Kernel, inputs: object, attrs: object): void {
  const backend = tf.backend() as unknown as { disposeData(id: object): void };
  const out = kernel({ inputs, backend, attrs });
  backend.disposeData(out.dataId);
}

function wasmKernel(name: string): Kernel {
  return tf.getKernel(name, "wasm")!.kernelFunc as unknown as Kernel;
}

/** Inputs on `backend`, made outside the timed part. */
async function inputs(backend: BackendName, x: Shape4, c: number): Promise<tf.Tensor4D[]> {
  if (tf.getBackend() !== backend) await initBackend(backend);
  const [n, h, w, ci] = x;
  return [
    tf.randomNormal(x) as tf.Tensor4D,
    tf.randomNormal([n, h, w, c]) as tf.Tensor4D,
    tf.randomNormal([3, 3, ci, c], 0, 0.05) as tf.Tensor4D,
  ];
}

for (const [h, c] of [[180, 64], [90, 128], [45, 256]] as const) {
  for (const n of [1, 8]) {
    const group = `wasm ${h}x${h}x${c}→${c} b${n}`;
    const x: Shape4 = [n, h, h, c];
    const slow = n === 8 ? { n: 1, warmup: 0 } : { n: 2, warmup: 1 };
    const fast = { n: n === 8 ? 2 : 5, warmup: 1 };
    const variants: [string, boolean, typeof slow, (t: tf.Tensor4D[]) => void][] = [
      [
        "Conv2DBackpropInput original",
        true,
        slow,
        ([, dy, w]) =>
          runWasm(originalWasmBackpropInput()!.kernelFunc as unknown as Kernel, { dy, filter: w }, {
            ...CONV,
            inputShape: x,
          }),
      ],
      [
        "Conv2DBackpropInput flipped Conv2D",
        false,
        fast,
        ([, dy, w]) =>
          runWasm(wasmKernel("Conv2DBackpropInput"), { dy, filter: w }, { ...CONV, inputShape: x }),
      ],
      [
        "Conv2DBackpropFilter GEMM",
        false,
        fast,
        ([xt, dy]) =>
          runWasm(wasmKernel("Conv2DBackpropFilter"), { x: xt, dy }, {
            ...CONV,
            filterShape: [3, 3, c, c],
          }),
      ],
      [
        "Conv2D forward (reference)",
        false,
        fast,
        ([xt, , w]) => runWasm(wasmKernel("Conv2D"), { x: xt, filter: w }, CONV),
      ],
    ];
    for (const [name, baseline, opts, fn] of variants) {
      Deno.bench({
        name,
        group,
        baseline,
        ...opts,
        async fn(b) {
          const t = await inputs("wasm", x, c);
          b.start();
          fn(t);
          b.end();
          tf.dispose(t);
        },
      });
    }
  }
}

// The cpu backend's filter gradient against wasm's, at sizes where the cpu finishes.
for (const [n, h, c] of [[8, 180, 8], [1, 45, 64]] as const) {
  const group = `filter ${h}x${h}x${c}→${c} b${n}`;
  const x: Shape4 = [n, h, h, c];
  for (const backend of ["cpu", "wasm"] as const) {
    Deno.bench({
      name: `Conv2DBackpropFilter ${backend}`,
      group,
      baseline: backend === "cpu",
      n: backend === "cpu" ? 1 : 5,
      warmup: backend === "cpu" ? 0 : 1,
      async fn(b) {
        const [xt, dy, w] = await inputs(backend, x, c);
        b.start();
        const g = tf.engine().runKernel("Conv2DBackpropFilter", { x: xt!, dy: dy! }, {
          ...CONV,
          filterShape: [3, 3, c, c],
        }) as tf.Tensor;
        await g.data();
        b.end();
        tf.dispose([xt!, dy!, w!, g]);
      },
    });
  }
}

// conv2dTransposeSame by route: forward, and forward + gradients w.r.t. x and w.
const backends: BackendName[] = gpu ? ["cpu", "wasm", "webgpu"] : ["cpu", "wasm"];
for (const [n, h, c] of [[8, 180, 8], [1, 45, 64]] as const) {
  const x: Shape4 = [n, h, h, c];
  for (const backend of backends) {
    for (const pass of ["forward", "forward+grads"] as const) {
      const group = `route ${backend} ${pass} ${h}x${h}x${c}→${c} b${n}`;
      for (const route of ["transpose", "flipped"] as TransposeRoute[]) {
        Deno.bench({
          name: `conv2dTransposeSame ${route}`,
          group,
          baseline: route === "transpose",
          n: backend === "cpu" && pass !== "forward" ? 1 : 3,
          warmup: 1,
          async fn(b) {
            const [xt, , w] = await inputs(backend, x, c);
            const f = (a: tf.Tensor, v: tf.Tensor): tf.Tensor =>
              conv2dTransposeSame(a as tf.Tensor4D, v as tf.Tensor4D, route);
            b.start();
            const outs = tf.tidy(() =>
              pass === "forward"
                ? [f(xt!, w!)]
                : tf.grads((a: tf.Tensor, v: tf.Tensor) => tf.sum(f(a, v)))([xt!, w!])
            );
            for (const o of outs) await o.data();
            b.end();
            tf.dispose([xt!, w!, ...outs]);
          },
        });
      }
    }
  }
}
