/**
 * The ONNX peer's wire frame, written by both ends (`benchmarks/onnx_peer.ts` and
 * `tools/onnx_peer/server.ts`): uint32 LE header length, the JSON header, uint32 LE payload
 * length, the payload bytes. Imports nothing, so either side's config can load it.
 *
 * @module
 */

/** One frame: `header` as JSON and `payload` as is, each behind its uint32 LE length. */
export function encodeFrame(header: unknown, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const frame = new Uint8Array(8 + h.length + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, h.length, true);
  frame.set(h, 4);
  view.setUint32(4 + h.length, payload.length, true);
  frame.set(payload, 8 + h.length);
  return frame;
}
