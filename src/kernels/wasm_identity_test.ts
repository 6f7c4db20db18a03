import assert from "node:assert/strict";
import { tf } from "../deps.ts";
import { initBackend } from "../backend.ts";

Deno.test("wasm's Identity shares its input's data: a clone costs no buffer and outlives the input", async () => {
  await initBackend("wasm");
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const buffers = tf.memory().numDataBuffers;
  const b = tf.clone(a);
  assert.equal(b.dataId, a.dataId, "the clone is the same data");
  assert.equal(tf.memory().numDataBuffers, buffers, "a clone adds no buffer");
  a.dispose();
  assert.deepEqual(Array.from(await b.data()), [1, 2, 3, 4]);
  // The op that needs distinct data, a variable's assign, still leaves the clone alone.
  const v = tf.variable(b);
  v.assign(tf.tensor2d([[5, 6], [7, 8]]));
  assert.deepEqual(Array.from(await b.data()), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(await v.data()), [5, 6, 7, 8]);
  // Strings still go to wasm's own kernel.
  const s = tf.clone(tf.tensor(["x", "y"]));
  assert.deepEqual(await s.data(), ["x", "y"]);
  tf.dispose([b, v, s]);
});
