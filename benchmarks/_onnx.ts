// A small ONNX writer: protobuf wire encoding of the few ModelProto fields a graph of
// float tensors needs (onnx.proto3 field numbers), with no dependency.

/** Protobuf wire types. */
const VARINT = 0, BYTES = 2, FIXED32 = 5;

/** Appends protobuf fields to a growing list of byte chunks. */
class Writer {
  #chunks: Uint8Array[] = [];
  #pending: number[] = [];
  #length = 0;

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#chunks.push(Uint8Array.from(this.#pending));
    this.#pending = [];
  }

  #push(...bytes: number[]): void {
    this.#pending.push(...bytes);
    this.#length += bytes.length;
  }

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.#push(byte);
    } while (v !== 0n);
    return this;
  }

  #key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    return this.#key(field, VARINT).varint(value);
  }

  float(field: number, value: number): this {
    this.#key(field, FIXED32);
    this.#push(...new Uint8Array(new Float32Array([value]).buffer));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#key(field, BYTES).varint(value.length);
    this.#flush();
    this.#chunks.push(value);
    this.#length += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Writer): this {
    return this.bytes(field, value.finish());
  }

  packedInts(field: number, values: readonly number[]): this {
    const inner = new Writer();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** An attribute value: an int, a float, a string, or a list of ints. */
export type AttributeValue = number | string | number[] | { float: number };

/** One graph node: `op(inputs) → outputs` with attributes. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

/** A float32 (or int64) constant of the graph. */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  /** float32 values, or int64 values given as numbers (`int64: true`). */
  data: Float32Array | number[];
  int64?: boolean;
}

/** A float32 graph input or output with a fixed shape. */
export interface OnnxValue {
  name: string;
  dims: number[];
}

/** What {@link encodeModel} writes. */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** The default-domain opset (default 17). */
  opset?: number;
}

const FLOAT = 1, INT64 = 7;
// AttributeProto.AttributeType
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_INTS = 7;

function attribute(name: string, value: AttributeValue): Writer {
  const w = new Writer().string(1, name);
  if (typeof value === "number") return w.int(3, value).int(20, ATTR_INT);
  if (typeof value === "string") return w.string(4, value).int(20, ATTR_STRING);
  if (Array.isArray(value)) return w.packedInts(8, value).int(20, ATTR_INTS);
  return w.float(2, value.float).int(20, ATTR_FLOAT);
}

function tensor(init: OnnxInitializer): Writer {
  const w = new Writer().packedInts(1, init.dims).int(2, init.int64 ? INT64 : FLOAT);
  w.string(8, init.name);
  if (init.int64) {
    const raw = new BigInt64Array(init.data.length);
    init.data.forEach((v, i) => (raw[i] = BigInt(v)));
    return w.bytes(9, new Uint8Array(raw.buffer));
  }
  const data = init.data instanceof Float32Array ? init.data : Float32Array.from(init.data);
  return w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function valueInfo(v: OnnxValue): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.message(1, new Writer().int(1, d));
  const tensorType = new Writer().int(1, FLOAT).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

/** Encodes a graph as an ONNX `ModelProto` (IR version 8), ready for an inference session. */
export function encodeModel(graph: OnnxGraph): Uint8Array {
  const g = new Writer();
  graph.nodes.forEach((node, i) => {
    const n = new Writer();
    for (const input of node.inputs) n.string(1, input);
    for (const output of node.outputs) n.string(2, output);
    n.string(3, `${node.op}_${i}`).string(4, node.op);
    for (const [name, value] of Object.entries(node.attributes ?? {})) {
      n.message(5, attribute(name, value));
    }
    g.message(1, n);
  });
  g.string(2, graph.name);
  for (const init of graph.initializers) g.message(5, tensor(init));
  for (const input of graph.inputs) g.message(11, valueInfo(input));
  for (const output of graph.outputs) g.message(12, valueInfo(output));
  return new Writer()
    .int(1, 8)
    .string(2, "clvm")
    .message(7, g)
    .message(8, new Writer().string(1, "").int(2, graph.opset ?? 17))
    .finish();
}
