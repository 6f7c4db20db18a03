import assert from "node:assert/strict";
import { encodeModel } from "./_onnx.ts";

Deno.test("encodeModel() writes the ModelProto fields in protobuf wire format", () => {
  const bytes = encodeModel({ name: "g", nodes: [], initializers: [], inputs: [], outputs: [] });
  // ir_version = 8 (field 1, varint), producer_name = "clvm" (field 2, 4 bytes).
  assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x08, 8, 0x12, 4, 0x63, 0x6c, 0x76, 0x6d]);
  // graph (field 7) holding name "g" (field 2), then opset_import (field 8) {"" , 17}.
  assert.deepEqual(Array.from(bytes.subarray(8)), [
    0x3a,
    3,
    0x12,
    1,
    0x67,
    0x42,
    4,
    0x0a,
    0,
    0x10,
    17,
  ]);
});

Deno.test("encodeModel() writes multi-byte and negative varints", () => {
  const bytes = encodeModel({
    name: "",
    nodes: [{ op: "Flatten", inputs: [], outputs: [], attributes: { axis: -1 } }],
    initializers: [{ name: "", dims: [300], data: [1], int64: true }],
    inputs: [],
    outputs: [],
  });
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  // -1 as an int64 varint: nine 0xff bytes and 0x01; 300 packed: ac 02.
  assert.ok(hex.includes("18ffffffffffffffffff01"), hex);
  assert.ok(hex.includes("0a02ac02"), hex);
});
