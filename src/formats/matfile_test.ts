import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import {
  type MatCell,
  matCellElements,
  MatFileError,
  matLookup,
  matNumbers,
  type MatNumeric,
  type MatSparse,
  matSparseToDense,
  matString,
  matStrings,
  type MatStruct,
  matStructField,
  matUint8Map,
  readMat,
  readMatFile,
} from "./matfile.ts";
import { sharedData } from "../testing.ts";

// ---------------------------------------------------------------------------------------
// A tiny assembler for hand-built files. It knows nothing about the reader: every
// element is spelled out by the test (type numbers, sizes, padding).

const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];

function u32(v: number, le = true): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, le);
  return [...b];
}

function header(marker: "IM" | "MI" = "IM", text = "MATLAB 5.0 MAT-file, hand-built"): number[] {
  const h = new Array(128).fill(0x20);
  ascii(text).forEach((b, i) => (h[i] = b));
  for (let i = 116; i < 124; i++) h[i] = 0;
  // Version 0x0100 written in the file's byte order, then the marker characters.
  if (marker === "IM") [h[124], h[125]] = [0x00, 0x01];
  else [h[124], h[125]] = [0x01, 0x00];
  [h[126], h[127]] = [marker.charCodeAt(0), marker.charCodeAt(1)];
  return h;
}

/** A normal element: tag (type, byte count), data, zero padding to 8 bytes. */
function el(type: number, data: number[], le = true): number[] {
  const pad = (8 - (data.length % 8)) % 8;
  return [...u32(type, le), ...u32(data.length, le), ...data, ...new Array(pad).fill(0)];
}

/** A small element: one word (byte count << 16 | type) and 4 bytes of data. */
function small(type: number, data: number[], le = true): number[] {
  return [...u32((data.length << 16) | type, le), ...data, ...new Array(4 - data.length).fill(0)];
}

function i32s(values: number[], le = true): number[] {
  return values.flatMap((v) => u32(v >>> 0, le));
}

function f64s(values: number[]): number[] {
  const b = new Uint8Array(values.length * 8);
  values.forEach((v, i) => new DataView(b.buffer).setFloat64(i * 8, v, true));
  return [...b];
}

/** A miMATRIX: flags, dims, name, then the class content. */
function matrix(
  classId: number,
  dims: number[],
  name: string,
  content: number[],
  { flags = 0, nzmax = 0 } = {},
): number[] {
  const body = [
    ...el(6, [...u32(classId | flags), ...u32(nzmax)]),
    ...el(5, i32s(dims)),
    ...(name.length === 0
      ? el(1, [])
      : name.length <= 4
      ? small(1, ascii(name))
      : el(1, ascii(name))),
    ...content,
  ];
  return [...u32(14), ...u32(body.length), ...body];
}

const file = (...parts: number[][]): Uint8Array => new Uint8Array(parts.flat());

// ---------------------------------------------------------------------------------------

Deno.test("readMat() reads a fully literal little-endian file", () => {
  // A = [1 2 3; 4 5 6] as a double array stored as miUINT8 (as MATLAB narrows it).
  // deno-fmt-ignore
  const bytes = new Uint8Array([
    ...header("IM"),
    14, 0, 0, 0, 56, 0, 0, 0, // miMATRIX, 56 bytes
    6, 0, 0, 0, 8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, // flags: class 6 (double), nzmax 0
    5, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, // dims [2 3]
    1, 0, 1, 0, 0x41, 0, 0, 0, // small element: name "A"
    2, 0, 0, 0, 6, 0, 0, 0, 1, 4, 2, 5, 3, 6, 0, 0, // miUINT8 ×6, column-major
  ]);
  const mat = readMat(bytes, "literal.mat");
  assert.equal(mat.littleEndian, true);
  assert.equal(mat.header, "MATLAB 5.0 MAT-file, hand-built");
  const a = matLookup(mat, "A") as MatNumeric;
  assert.equal(a.class, "double");
  assert.ok(a.data instanceof Float64Array);
  assert.deepEqual(a.dims, [2, 3]);
  assert.deepEqual([...a.data], [1, 4, 2, 5, 3, 6]);
  const map = matUint8Map(a);
  assert.deepEqual([map.width, map.height, [...map.data]], [3, 2, [1, 2, 3, 4, 5, 6]]);
});

Deno.test("readMat() reads a big-endian (MI) file with small elements", () => {
  const be = false;
  const body = [
    ...el(6, [...u32(10, be), ...u32(0, be)], be), // class 10 int16
    ...el(5, [...u32(1, be), ...u32(2, be)], be), // dims [1 2]
    ...small(1, ascii("xy"), be),
    ...small(3, [0xff, 0xfe, 0x01, 0x2c], be), // int16 big-endian: -2, 300
  ];
  const bytes = file(header("MI"), u32(14, be), u32(body.length, be), body);
  const mat = readMat(bytes);
  assert.equal(mat.littleEndian, false);
  const xy = matLookup(mat, "xy") as MatNumeric;
  assert.equal(xy.class, "int16");
  assert.deepEqual([...xy.data], [-2, 300]);
});

Deno.test("readMat() decodes every numeric storage type into its class", async (t) => {
  const cases: [string, number, number, number[], number[]][] = [
    // [class name, class id, storage type, storage bytes, expected values]
    ["int8 from miINT8", 8, 1, [0xff, 0x80], [-1, -128]],
    ["uint16 from miUINT16", 11, 4, [0x34, 0x12, 0xff, 0xff], [0x1234, 65535]],
    ["int32 from miINT32", 12, 5, [...i32s([-7, 2 ** 31 - 1])], [-7, 2 ** 31 - 1]],
    ["uint32 from miUINT32", 13, 6, [...u32(4000000000), ...u32(1)], [4000000000, 1]],
    ["single from miSINGLE", 7, 7, [0, 0, 0xc0, 0x3f, 0, 0, 0x20, 0xc1], [1.5, -10]],
    ["double from miDOUBLE", 6, 9, f64s([0.1, -1e300]), [0.1, -1e300]],
    ["double from miINT16", 6, 3, [0xfe, 0xff, 0x10, 0x00], [-2, 16]],
    ["int64 from miINT64", 14, 12, [0xfb, ...new Array(7).fill(0xff), 7, 0, 0, 0, 0, 0, 0, 0], [
      -5,
      7,
    ]],
    ["uint64 from miUINT8", 15, 2, [200, 3], [200, 3]],
  ];
  for (const [name, classId, type, data, expected] of cases) {
    await t.step(name, () => {
      const bytes = file(header(), matrix(classId, [1, 2], "v", el(type, data)));
      assert.deepEqual(matNumbers(matLookup(readMat(bytes), "v")), expected);
    });
  }
});

Deno.test("readMat() reads logical and complex arrays", () => {
  const logical = matrix(9, [1, 3], "b", small(2, [1, 0, 1]), { flags: 0x200 });
  const complex = matrix(6, [1, 1], "z", [...small(2, [3]), ...small(1, [0xfe])], {
    flags: 0x800,
  });
  const mat = readMat(file(header(), logical, complex));
  const b = matLookup(mat, "b") as MatNumeric;
  assert.equal(b.logical, true);
  assert.deepEqual([...b.data], [1, 0, 1]);
  const z = matLookup(mat, "z") as MatNumeric;
  assert.deepEqual([z.data[0], z.imag?.[0]], [3, -2]);
});

Deno.test("readMat() reads char arrays stored as utf8, utf16, uint16 and utf32", () => {
  const mat = readMat(file(
    header(),
    matrix(4, [1, 3], "s8", el(16, [0x68, 0xc3, 0xa9, 0x21])), // "hé!" in UTF-8
    matrix(4, [1, 2], "s16", small(17, [0x3b, 0x04, 0x42, 0x00])), // "лB" in UTF-16LE
    matrix(4, [2, 3], "m", el(4, [..."adbecf"].flatMap((c) => [c.charCodeAt(0), 0]))),
    matrix(4, [1, 1], "s32", small(18, [0x41, 0, 0, 0])),
  ));
  assert.equal(matString(matLookup(mat, "s8")), "hé!");
  assert.equal(matString(matLookup(mat, "s16")), "лB");
  // A 2×3 char matrix stored column-major: rows "abc" and "def".
  assert.deepEqual(matStrings(matLookup(mat, "m")), ["abc", "def"]);
  assert.equal(matString(matLookup(mat, "s32")), "A");
});

Deno.test("readMat() reads a struct holding a cell of sparse logicals (SBD layout)", () => {
  // Segmentation: 2×2 uint8 [0 1; 2 0]; Boundaries: 2×1 cell of 2×2 sparse logical;
  // Categories: [15; 9] as double stored in uint8.
  const seg = matrix(9, [2, 2], "", small(2, [0, 2, 1, 0]));
  const sparse1 = matrix(5, [2, 2], "", [
    ...small(5, i32s([0])), // ir: row 0
    ...el(5, i32s([0, 0, 1])), // jc: column 1 holds entry 0
    ...small(2, [1]),
  ], { flags: 0x200, nzmax: 1 });
  const sparse2 = matrix(5, [2, 2], "", [
    ...el(5, i32s([1, 0, 0])), // ir (nzmax 3, only 2 used)
    ...el(5, i32s([0, 1, 2])),
    ...small(2, [1, 1]),
  ], { flags: 0x200, nzmax: 3 });
  const cell = matrix(1, [2, 1], "", [...sparse1, ...sparse2]);
  const cats = matrix(6, [2, 1], "", small(2, [15, 9]));
  const names = [...ascii("Segmentation"), ...new Array(20).fill(0)]
    .concat([...ascii("Boundaries"), ...new Array(22).fill(0)])
    .concat([...ascii("Categories"), ...new Array(22).fill(0)]);
  const struct = matrix(2, [1, 1], "GTinst", [
    ...small(5, i32s([32])),
    ...el(1, names),
    ...seg,
    ...cell,
    ...cats,
  ]);
  const mat = readMat(file(header(), struct), "inst.mat");
  const gt = matLookup(mat, "GTinst") as MatStruct;
  assert.deepEqual(gt.fieldNames, ["Segmentation", "Boundaries", "Categories"]);
  const map = matUint8Map(matStructField(gt, "Segmentation"));
  assert.deepEqual([...map.data], [0, 1, 2, 0]);
  const b = matCellElements(matLookup(mat, "GTinst.Boundaries"));
  assert.equal(b.length, 2);
  assert.deepEqual([...matSparseToDense(b[0]!).data], [0, 0, 1, 0]); // (1,2) true
  assert.deepEqual([...matSparseToDense(b[1]!).data], [0, 1, 1, 0]); // (2,1), (1,2)
  assert.deepEqual([...matUint8Map(b[1]!).data], [0, 1, 1, 0]);
  assert.equal((b[1] as MatSparse).logical, true);
  assert.deepEqual(matNumbers(matLookup(mat, "GTinst.Categories")), [15, 9]);
});

Deno.test("readMat() inflates miCOMPRESSED variables and reads several in order", () => {
  const inner = matrix(6, [1, 1], "k", small(2, [42]));
  const z = [...deflateSync(new Uint8Array(inner))];
  // No padding after a compressed element (what MATLAB and scipy write).
  const bytes = file(
    header(),
    u32(15),
    u32(z.length),
    z,
    matrix(4, [1, 2], "s", small(16, ascii("ok"))),
  );
  const mat = readMat(bytes);
  assert.deepEqual([...mat.variables.keys()], ["k", "s"]);
  assert.deepEqual(matNumbers(matLookup(mat, "k")), [42]);
  assert.equal(matString(matLookup(mat, "s")), "ok");
});

Deno.test("readMat() reads an empty [] (bare miMATRIX tag) inside a cell", () => {
  const cell = matrix(1, [1, 2], "c", [
    ...u32(14),
    ...u32(0),
    ...matrix(6, [1, 1], "", small(2, [5])),
  ]);
  const items = matCellElements(matLookup(readMat(file(header(), cell)), "c"));
  assert.deepEqual(items.map((v) => v.dims), [[0, 0], [1, 1]]);
});

// A file written by scipy.io.savemat (scipy 1.17.1) with do_compression=True:
// GTinst = struct(Segmentation=uint8 [0 1 1 0; 2 2 1 0; 2 0 0 255], Boundaries = 2×1 cell of
// sparse logical, Categories = [15; 9]), names = {'Nose'; 'LeftEar'}, big = [1.5 -2 1e300],
// i64 = int64([-5 7]).
const SCIPY_COMPRESSED =
  "TUFUTEFCIDUuMCBNQVQtZmlsZSBQbGF0Zm9ybTogcG9zaXgsIENyZWF0ZWQgb246IFdlZCBOb3YgMjUgMTM6NDA6NTMgMjAyNgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABSU0PAAAAtwAAAHic42NgYOBgYmBgA9FADGSCASuUz4iEQWrcQzLziktA8iwMvFBxdSAOTk3PTc0rSSzJzM9jcMovzUtJLMpMLQbKOCeWpKbnQzkMfEDswICwjxPNPmYgZoGaywB1Dw+YwcTIxMAIEv4PM4eDEWEOI5o5TEjuhqnPQLKXlQliFy57WWH2QgGyuAiaODMUQ9zLDHQlI9n2MSK5Hd0+JiS7sNmHHK5sBMIDFO4CcF/oOUBoJQcAtv4Uug8AAABNAAAAeJzjY2BgWAHEbEDMAcSMDBDACuUzQcUYoWJ5ibmpxUCaD4gNkPSxoOljhIrBzBMA8vzyi1NB+iwI6GNH0Qfh+6SmlbgmFjEAAFXmCCQPAAAANgAAAHic42NgYPAAYjYg5oDSIMAK5TMCMTOYZmZIykxn4ASyJRhg4Ic9lHFgTilDh80T8zoAfJkHOA8AAAAxAAAAeJzjY2BgcABiNiDmAGI+BghghfIZgZgJTDMzZJqZMPAA2QJA/Ps/BLBD1QMAm0wJaQ==";

Deno.test("readMat() reads a file written by scipy.io.savemat", () => {
  const bytes = Uint8Array.from(atob(SCIPY_COMPRESSED), (c) => c.charCodeAt(0));
  const mat = readMat(bytes, "scipy.mat");
  const seg = matUint8Map(matLookup(mat, "GTinst.Segmentation"));
  assert.deepEqual([seg.width, seg.height], [4, 3]);
  assert.deepEqual([...seg.data], [0, 1, 1, 0, 2, 2, 1, 0, 2, 0, 0, 255]);
  // deno-fmt-ignore
  assert.deepEqual([...matUint8Map(matLookup(mat, "GTinst.Boundaries{1}")).data], [
    0, 1, 1, 0,
    0, 0, 1, 0,
    0, 0, 0, 0,
  ]);
  // deno-fmt-ignore
  assert.deepEqual([...matUint8Map(matLookup(mat, "GTinst.Boundaries{2}")).data], [
    0, 0, 0, 0,
    1, 1, 0, 0,
    1, 0, 0, 0,
  ]);
  assert.deepEqual(matNumbers(matLookup(mat, "GTinst.Categories")), [15, 9]);
  assert.deepEqual(matStrings(matLookup(mat, "names")), ["Nose", "LeftEar"]);
  assert.deepEqual(matNumbers(matLookup(mat, "big")), [1.5, -2, 1e300]);
  assert.deepEqual(matNumbers(matLookup(mat, "i64")), [-5, 7]);
});

const shared = sharedData();
const AFLW_NAMES = [
  "LeftBrowLeftCorner",
  "LeftBrowCenter",
  "LeftBrowRightCorner",
  "RightBrowLeftCorner",
  "RightBrowCenter",
  "RightBrowRightCorner",
  "LeftEyeLeftCorner",
  "LeftEyeCenter",
  "LeftEyeRightCorner",
  "RightEyeLeftCorner",
  "RightEyeCenter",
  "RightEyeRightCorner",
  "LeftEar",
  "NoseLeft",
  "NoseCenter",
  "NoseRight",
  "RightEar",
  "MouthLeftCorner",
  "MouthCenter",
  "MouthRightCorner",
  "ChinCenter",
];

Deno.test({
  name:
    "readMatFile() reads the real rg-aflw face_data_info.mat: the 21 names of docs/DATASETS.md §1.3" +
    (shared.dir ? "" : ` (${shared.why})`),
  ignore: !shared.dir,
  async fn() {
    const mat = await readMatFile(`${shared.dir}aflw/face_data_info.mat`);
    assert.equal(mat.littleEndian, true);
    assert.match(mat.header, /^MATLAB 5\.0 MAT-file, Platform: GLNXA64/);
    assert.deepEqual([...mat.variables.keys()], ["landmark_names"]);
    const names = matLookup(mat, "landmark_names") as MatCell;
    assert.deepEqual(names.dims, [21, 1]);
    assert.deepEqual(matStrings(names), AFLW_NAMES);
  },
});

Deno.test("readMat() errors name the file and what was expected", async (t) => {
  const good = file(header(), matrix(6, [1, 1], "k", small(2, [42])));
  const throwsWith = (bytes: Uint8Array, re: RegExp): void => {
    assert.throws(() => readMat(bytes, "bad.mat"), (e: unknown) => {
      assert.ok(e instanceof MatFileError, String(e));
      assert.match(e.message, /^Cannot read MAT-file "bad\.mat": /);
      assert.match(e.message, re);
      return true;
    });
  };
  await t.step("HDF5 signature (MAT v7.3)", () => {
    const v73 = new Uint8Array(1024);
    v73.set(ascii("MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 ."));
    v73.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
    throwsWith(v73, /HDF5 signature.*MAT v7\.3 is not supported, save with -v7/);
    const bare = new Uint8Array(64);
    bare.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    throwsWith(bare, /HDF5 signature/);
  });
  await t.step("truncated header", () => {
    throwsWith(good.slice(0, 100), /truncated: expected a 128-byte MAT v5 header, found 100 bytes/);
  });
  await t.step("truncated element", () => {
    throwsWith(good.slice(0, good.length - 8), /truncated: .*declares 48 bytes but only 40 remain/);
    throwsWith(
      good.slice(0, 131),
      /truncated: expected an 8-byte tag .* at byte 128, found 3 bytes/,
    );
  });
  await t.step("truncated compressed data", () => {
    const inner = matrix(9, [1, 200], "k", el(2, new Array(200).fill(7)));
    const z = [...deflateSync(new Uint8Array(inner))];
    const whole = file(header(), u32(15), u32(z.length), z);
    assert.equal(matNumbers(matLookup(readMat(whole), "k")).length, 200);
    const cut = file(header(), u32(15), u32(z.length - 5), z.slice(0, -5));
    throwsWith(cut, /truncated or corrupt zlib data in the compressed variable at byte 128/);
  });
  await t.step("unknown data type", () => {
    const bytes = file(header(), matrix(6, [1, 1], "k", small(99, [1])));
    throwsWith(bytes, /data type 99 \(unknown; expected one of/);
    throwsWith(file(header(), el(99, [1, 2, 3])), /found data type 99/);
  });
  await t.step("not a MAT v5 file", () => {
    throwsWith(new Uint8Array(200).fill(0x78), /endian marker "IM" or "MI" at bytes 126–127/);
    // Zeros in the first four bytes mean MAT v4, whose header this is not either.
    throwsWith(new Uint8Array(200), /MAT v4: expected non-negative sizes, .* name length ≥ 1/);
  });
  await t.step("value count disagrees with dims", () => {
    throwsWith(
      file(header(), matrix(6, [2, 2], "k", small(2, [1, 2, 3]))),
      /expected 4 values for the 2×2 double variable "k", found 3/,
    );
  });
  await t.step("unsupported class", () => {
    throwsWith(file(header(), matrix(17, [1, 1], "o", [])), /class of 1–15 .*found 17 \(opaque/);
  });
  await t.step("missing file", async () => {
    await assert.rejects(
      readMatFile("/nonexistent/x.mat"),
      /Cannot read MAT-file "\/nonexistent\/x\.mat": file not found/,
    );
  });
  await t.step("lookups", () => {
    const mat = readMat(good, "good.mat");
    assert.throws(
      () => matLookup(mat, "GTinst"),
      /"good\.mat": "GTinst": expected a variable "GTinst", found only "k"/,
    );
    assert.throws(() => matLookup(mat, "k.x"), /expected a 1×1 struct at "k", found a 1×1 double/);
    assert.throws(
      () => matString(matLookup(mat, "k"), '"good.mat" k'),
      /Cannot read "good\.mat" k: expected a char row vector, found a 1×1 double/,
    );
  });
});
