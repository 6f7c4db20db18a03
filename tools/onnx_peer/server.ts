/**
 * The ONNX peer's process: onnxruntime-node (CPU) sessions driven over stdin/stdout, so
 * that the 288 MB runtime is fetched only by the commands that ask for it (`deno task
 * table3`, the peer's tests) and never by the default install. Started by
 * `benchmarks/onnx_peer.ts` with this folder's own `deno.json` and lock.
 *
 * Frames, both ways: uint32 LE header length, the JSON header, uint32 LE payload length,
 * the payload bytes. Requests: `open` (payload: the model; `threads`) → `{ session,
 * version }`; `run` (`session`, `shape`; payload: float32 NCHW input) → `{ ms, outputs:
 * [{ name, dims }] }` with the outputs' float32 values concatenated as payload (omitted
 * when `time` is set: then only `ms`, the time of `session.run` alone); `release`
 * (`session`); `version`. A failure answers `{ error }`.
 *
 * @module
 */
import { encodeFrame } from "../../benchmarks/onnx_frame.ts";
import * as ort from "onnxruntime-node";

const stdin = Deno.stdin.readable.getReader();
let buffered = new Uint8Array(0);

async function readExactly(n: number): Promise<Uint8Array | null> {
  while (buffered.length < n) {
    const { value, done } = await stdin.read();
    if (done) return null;
    const next = new Uint8Array(buffered.length + value.length);
    next.set(buffered);
    next.set(value, buffered.length);
    buffered = next;
  }
  const out = buffered.slice(0, n);
  buffered = buffered.subarray(n);
  return out;
}

async function readFrame(): Promise<
  { header: Record<string, unknown>; payload: Uint8Array } | null
> {
  const hl = await readExactly(4);
  if (!hl) return null;
  const header = JSON.parse(
    new TextDecoder().decode((await readExactly(new DataView(hl.buffer).getUint32(0, true)))!),
  );
  const pl = (await readExactly(4))!;
  const payload = (await readExactly(new DataView(pl.buffer).getUint32(0, true)))!;
  return { header, payload };
}

async function writeFrame(header: unknown, payload = new Uint8Array(0)): Promise<void> {
  const frame = encodeFrame(header, payload);
  let written = 0;
  while (written < frame.length) written += await Deno.stdout.write(frame.subarray(written));
}

const sessions = new Map<number, ort.InferenceSession>();
let nextId = 1;
const version = ort.env.versions.node ?? ort.env.versions.common;

for (;;) {
  const frame = await readFrame();
  if (!frame) break;
  const { header, payload } = frame;
  try {
    switch (header.op) {
      case "version":
        await writeFrame({ version });
        break;
      case "open": {
        const session = await ort.InferenceSession.create(payload, {
          executionProviders: ["cpu"],
          intraOpNumThreads: Number(header.threads),
          interOpNumThreads: 1,
          graphOptimizationLevel: "all",
          logSeverityLevel: 3,
          // Its idle workers would otherwise spin on the cores after each run, while the
          // benchmark times our model next: CLVM₁-seg at 2 threads took 113.3 ms beside the
          // spinning peer and 97.8 ms beside this one (95.5 with no peer at all); the peer's
          // own time went from 76.5 to 79.0 ms (table3, one run each, nothing else running).
          extra: { session: { intra_op: { allow_spinning: "0" } } },
        });
        const id = nextId++;
        sessions.set(id, session);
        await writeFrame({ session: id, version });
        break;
      }
      case "run": {
        const session = sessions.get(Number(header.session));
        if (!session) throw new Error(`No session ${header.session}`);
        const input = new Float32Array(payload.buffer, payload.byteOffset, payload.byteLength / 4);
        const feeds = { x: new ort.Tensor("float32", input, header.shape as number[]) };
        const t0 = performance.now();
        const result = await session.run(feeds);
        const ms = performance.now() - t0;
        if (header.time) {
          await writeFrame({ ms });
          break;
        }
        const outputs = Object.entries(result).map(([name, t]) => ({ name, dims: t.dims }));
        const parts = Object.values(result).map((t) => t.data as Float32Array);
        const bytes = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
        let offset = 0;
        for (const p of parts) {
          bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offset);
          offset += p.byteLength;
        }
        await writeFrame({ ms, outputs }, bytes);
        break;
      }
      case "release": {
        await sessions.get(Number(header.session))?.release();
        sessions.delete(Number(header.session));
        await writeFrame({});
        break;
      }
      default:
        throw new Error(`Unknown request ${JSON.stringify(header.op)}`);
    }
  } catch (error) {
    await writeFrame({ error: (error as Error).message });
  }
}
