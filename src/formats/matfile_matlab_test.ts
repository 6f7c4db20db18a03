// MAT files laid out byte for byte as MATLAB writes them (issue 13 §7). Each file below
// is written out by hand from the layout of a MATLAB-written file; the expected values
// are what scipy.io.loadmat (an independent reader) returns for the same bytes.
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { matLookup, matSparseToDense, matString, readMat } from "./matfile.ts";

/** Bytes from hex, whitespace ignored. */
const hex = (s: string): Uint8Array =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!, (b) => parseInt(b, 16));

/** A 128-byte MAT v5 header: text padded with spaces, version 0x0100, "IM". */
function header(text: string): Uint8Array {
  const h = new Uint8Array(128).fill(0x20);
  h.set(new TextEncoder().encode(text));
  h.set([0x00, 0x01, 0x49, 0x4d], 124);
  return h;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

// `sp_log_5_4 = sparse(logical([1 1 1 0; 0 0 1 0; 0 0 1 0; 0 0 0 0; 0 0 0 0]))` as MATLAB
// R2014 (GLNXA64) saves it: array flags 0x1205 (logical, sparse), nzmax 5, dims 5×4, the
// name, ir (miINT32, 5 values), jc (miINT32, 5 values) and then the values tagged
// miDOUBLE (9) with a size of 5 bytes: one byte per value, padded to 8.
const LOGICAL_SPARSE = hex(`
  0e000000 88000000 06000000 08000000 05120000 05000000 05000000 08000000
  05000000 04000000 01000000 0a000000 73705f6c 6f675f35 5f340000 00000000
  05000000 14000000 00000000 00000000 00000000 01000000 02000000 00000000
  05000000 14000000 00000000 01000000 02000000 05000000 05000000 00000000
  09000000 05000000 01010101 01000000`);
const LOGICAL_DENSE = [
  [1, 1, 1, 0],
  [0, 0, 1, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 0],
  [0, 0, 0, 0],
];

Deno.test("readMat() reads a logical sparse matrix whose miDOUBLE values are one byte each", async (t) => {
  const check = (bytes: Uint8Array) => {
    const v = matLookup(readMat(bytes, "logical_sparse.mat"), "sp_log_5_4");
    assert.equal(v.class, "sparse");
    if (v.class !== "sparse") return;
    assert.equal(v.logical, true);
    assert.deepEqual(v.dims, [5, 4]);
    assert.deepEqual([...v.ir], [0, 0, 0, 1, 2]);
    assert.deepEqual([...v.jc], [0, 1, 2, 5, 5]);
    const dense = matSparseToDense(v);
    const rows = LOGICAL_DENSE.map((row, i) => row.map((_, j) => Number(dense.data[j * 5 + i])));
    assert.deepEqual(rows, LOGICAL_DENSE);
  };
  const head = header(
    "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Sat Jan  3 16:39:00 2015",
  );
  await t.step("uncompressed (-v6)", () => check(concat(head, LOGICAL_SPARSE)));
  await t.step("compressed (-v7, as MATLAB saves it by default)", () => {
    const z = deflateSync(LOGICAL_SPARSE);
    const tag = new Uint8Array(8);
    new DataView(tag.buffer).setUint32(0, 15, true);
    new DataView(tag.buffer).setUint32(4, z.length, true);
    check(concat(head, tag, z));
  });
  await t.step("a double sparse matrix still needs 8 bytes per value", () => {
    const notLogical = LOGICAL_SPARSE.slice();
    notLogical[17] = 0x10; // flags 0x1005: sparse, not logical
    assert.throws(
      () => readMat(concat(head, notLogical), "double_sparse.mat"),
      /expected a multiple of 8 bytes of 9 \(miDOUBLE\) for the values of variable "sp_log_5_4"/,
    );
  });
});

Deno.test("readMat() reads whole MAT v4 files, also those under 128 bytes", async (t) => {
  await t.step("38 bytes, little-endian: a = [0.1 1.2] (save -v4 on x86)", () => {
    // MOPT 0 (little-endian, double, full), 1×2, real, name length 2.
    const bytes = hex(`00000000 01000000 02000000 00000000 02000000 6100
      9a9999999999b93f 333333333333f33f`);
    assert.equal(bytes.length, 38);
    const mat = readMat(bytes, "test_mat4_le_floats.mat");
    const a = matLookup(mat, "a");
    assert.equal(a.class, "double");
    assert.deepEqual(a.dims, [1, 2]);
    assert.deepEqual([...(a as { data: Float64Array }).data], [0.1, 1.2]);
    assert.equal(mat.littleEndian, true);
  });
  await t.step("40 bytes, big-endian text: testonechar = 'r' (MATLAB 4.2c on SPARC)", () => {
    // MOPT 1001 (big-endian, double, text), 1×1, name "testonechar", 'r' = 114.0.
    const bytes = hex(`000003e9 00000001 00000001 00000000 0000000c
      746573746f6e656368617200 405c800000000000`);
    assert.equal(bytes.length, 40);
    const mat = readMat(bytes, "testonechar_4.2c_SOL2.mat");
    assert.equal(matString(matLookup(mat, "testonechar")), "r");
    assert.equal(mat.littleEndian, false);
  });
  await t.step("sparse, big-endian: rows (i, j, value) and a last row of sizes", () => {
    // testsparse = [1 2 3 4 5; 2 0 0 0 0; 3 0 0 0 0] as MATLAB 4.2c stores it: MOPT 1002,
    // an 8×3 double matrix holding 7 (i, j, v) triples and the size row (3, 5, 0).
    const rowsI = [1, 2, 3, 1, 1, 1, 1, 3], cols = [1, 1, 1, 2, 3, 4, 5, 5];
    const vals = [1, 2, 3, 2, 3, 4, 5, 0];
    const body = new Uint8Array(8 * 3 * 8);
    const dv = new DataView(body.buffer);
    [...rowsI, ...cols, ...vals].forEach((v, k) => dv.setFloat64(8 * k, v, false));
    const bytes = concat(
      hex(`000003ea 00000008 00000003 00000000 0000000b 7465737473706172736500`),
      body,
    );
    const v = matLookup(readMat(bytes, "testsparse_4.2c_SOL2.mat"), "testsparse");
    assert.equal(v.class, "sparse");
    const d = matSparseToDense(v);
    assert.deepEqual(d.dims, [3, 5]);
    // Column-major dense values of [1 2 3 4 5; 2 0 0 0 0; 3 0 0 0 0].
    assert.deepEqual([...d.data], [1, 2, 3, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0]);
  });
  await t.step("several variables, complex and narrow types (save -v4 of uint8 data)", () => {
    // z = [1+2i 3-4i] (MOPT 0, imagf 1) then u = uint8 data [7; 9] (MOPT 50: P = 5).
    const bytes = hex(`00000000 01000000 02000000 01000000 02000000 7a00
      000000000000f03f 0000000000000840 0000000000000040 00000000000010c0
      32000000 02000000 01000000 00000000 02000000 7500 0709`);
    const mat = readMat(bytes, "multi.mat");
    const z = matLookup(mat, "z") as { data: Float64Array; imag: Float64Array };
    assert.deepEqual([...z.data], [1, 3]);
    assert.deepEqual([...z.imag], [2, -4]);
    const u = matLookup(mat, "u");
    assert.equal(u.class, "double"); // MATLAB's load gives doubles for every v4 type
    assert.deepEqual([...(u as { data: Float64Array }).data], [7, 9]);
    assert.deepEqual([...mat.variables.keys()], ["z", "u"]);
  });
  await t.step("a truncated v4 file says so and names the variable", () => {
    const bytes = hex(`00000000 01000000 02000000 00000000 02000000 6100 9a9999999999b93f`);
    assert.throws(
      () => readMat(bytes, "cut.mat"),
      /Cannot read MAT-file "cut\.mat": MAT v4: truncated: variable "a" at byte 0 \(1×2 double\) needs 38 bytes, only 30 remain/,
    );
  });
  await t.step("a short file that is neither v4 nor v5 is still 'truncated'", () => {
    assert.throws(
      () => readMat(new TextEncoder().encode("MATLAB 5.0 MAT-file"), "short.mat"),
      /truncated: expected a 128-byte MAT v5 header, found 19 bytes/,
    );
  });
});

Deno.test("readMat() reads a 1×1 char array whose data element is empty as a blank", () => {
  // s.Units.Cells = ' ' as MATLAB (PCWIN, 2010) wrote it inside a struct: flags class 4
  // (char), dims 1×1, an empty name (miINT8, 0 bytes) and miUINT16 data of 0 bytes.
  const cells = hex(`0e000000 30000000 06000000 08000000 04000000 00000000
    05000000 08000000 01000000 01000000 01000000 00000000 04000000 00000000`);
  // A 1×1 struct "s" with one field "Cells" (field name length 32, as MATLAB writes).
  const names = new Uint8Array(32);
  names.set(new TextEncoder().encode("Cells"));
  const structBody = concat(
    hex(`06000000 08000000 02000000 00000000 05000000 08000000 01000000 01000000
      01000100 73000000 05000400 20000000 01000000 20000000`),
    names,
    cells,
  );
  const tag = new Uint8Array(8);
  new DataView(tag.buffer).setUint32(0, 14, true);
  new DataView(tag.buffer).setUint32(4, structBody.length, true);
  const bytes = concat(header("MATLAB 5.0 MAT-file, Platform: PCWIN"), tag, structBody);
  const mat = readMat(bytes, "blank_char.mat");
  const v = matLookup(mat, "s.Cells");
  assert.equal(v.class, "char");
  assert.deepEqual(v.dims, [1, 1]);
  assert.equal(matString(v), " ");
});
