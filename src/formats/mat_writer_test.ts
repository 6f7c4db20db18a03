import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import {
  encodeMat,
  matCell,
  matChar,
  matFromRowMajor,
  matNumeric,
  matSparseDouble,
  matSparseLogical,
  matStruct,
  matStructArray,
  writeMatFile,
} from "./mat_writer.ts";
import {
  matLookup,
  matNumbers,
  type MatNumeric,
  type MatSparse,
  matString,
  matStrings,
  type MatStruct,
  matUint8Map,
  type MatValue,
  readMat,
  readMatFile,
} from "./matfile.ts";

const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];

Deno.test("encodeMat() writes the byte layout spelled out by hand", async (t) => {
  await t.step("header", () => {
    const bytes = encodeMat({}, { header: "MATLAB 5.0 MAT-file, hand-built" });
    assert.equal(bytes.length, 128);
    const text = ascii("MATLAB 5.0 MAT-file, hand-built");
    assert.deepEqual([...bytes.subarray(0, text.length)], text);
    assert.ok(bytes.subarray(text.length, 116).every((b) => b === 0x20));
    assert.ok(bytes.subarray(116, 124).every((b) => b === 0));
    assert.deepEqual([...bytes.subarray(124)], [0x00, 0x01, 0x49, 0x4d]); // 0x0100 LE, "IM"
    const be = encodeMat({}, { littleEndian: false });
    assert.deepEqual([...be.subarray(124)], [0x01, 0x00, 0x4d, 0x49]); // 0x0100 BE, "MI"
  });
  await t.step("a 2×3 double narrowed to miUINT8, name as a small element", () => {
    const a = matFromRowMajor("double", [1, 2, 3, 4, 5, 6], 3, 2);
    const bytes = encodeMat({ A: a }, { narrow: true });
    // deno-fmt-ignore
    assert.deepEqual([...bytes.subarray(128)], [
      14, 0, 0, 0, 56, 0, 0, 0,
      6, 0, 0, 0, 8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
      5, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0,
      1, 0, 1, 0, 0x41, 0, 0, 0,
      2, 0, 0, 0, 6, 0, 0, 0, 1, 4, 2, 5, 3, 6, 0, 0,
    ]);
  });
  await t.step("a 1×1 logical sparse in a cell, big-endian", () => {
    const s = matSparseLogical([1], 1, 1);
    const bytes = encodeMat({ c: matCell([s], [1, 1]) }, { littleEndian: false });
    const body = [...bytes.subarray(128)];
    // deno-fmt-ignore
    const sparse = [
      0, 0, 0, 14, 0, 0, 0, 72, // miMATRIX, 72 bytes
      0, 0, 0, 6, 0, 0, 0, 8, 0, 0, 0x02, 0x05, 0, 0, 0, 1, // flags: logical, class 5; nzmax 1
      0, 0, 0, 5, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1, // dims [1 1]
      0, 0, 0, 1, 0, 0, 0, 0, // empty name: normal tag, 0 bytes
      0, 4, 0, 5, 0, 0, 0, 0, // ir = [0] small
      0, 0, 0, 5, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, // jc = [0 1]
      0, 1, 0, 2, 1, 0, 0, 0, // pr = uint8 [1] small
    ];
    // deno-fmt-ignore
    assert.deepEqual(body, [
      0, 0, 0, 14, 0, 0, 0, 40 + sparse.length,
      0, 0, 0, 6, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, // flags: class 1 (cell)
      0, 0, 0, 5, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1,
      0, 1, 0, 1, ...ascii("c"), 0, 0, 0,
      ...sparse,
    ]);
  });
  await t.step("a compressed variable inflates to the uncompressed element", () => {
    const v = { k: matNumeric("uint8", [1, 3], [7, 8, 9]) };
    const plain = encodeMat(v).subarray(128);
    const packed = encodeMat(v, { compress: true }).subarray(128);
    const view = new DataView(packed.buffer, packed.byteOffset);
    assert.equal(view.getUint32(0, true), 15);
    assert.equal(view.getUint32(4, true), packed.length - 8);
    assert.deepEqual([...inflateSync(packed.subarray(8))], [...plain]);
  });
});

function roundTrip(value: MatValue, options: Parameters<typeof encodeMat>[1] = {}): MatValue {
  return matLookup(readMat(encodeMat({ v: value }, options)), "v");
}

Deno.test("encodeMat() round-trips every supported class through readMat()", async (t) => {
  for (const le of [true, false]) {
    for (const compress of [false, true]) {
      await t.step(`${le ? "little" : "big"}-endian, ${compress ? "" : "un"}compressed`, () => {
        const o = { littleEndian: le, compress };
        for (
          const [cls, values] of [
            ["double", [0.5, -1e300, NaN, Infinity]],
            ["single", [1.5, -2]],
            ["int8", [-128, 127]],
            ["uint8", [0, 255]],
            ["int16", [-32768, 5]],
            ["uint16", [65535, 0]],
            ["int32", [-(2 ** 31), 2 ** 31 - 1]],
            ["uint32", [2 ** 32 - 1, 3]],
          ] as const
        ) {
          const back = roundTrip(matNumeric(cls, [1, values.length], values), o) as MatNumeric;
          assert.equal(back.class, cls);
          assert.deepEqual(Array.from(back.data as ArrayLike<number>), [...values]);
        }
        const i64 = roundTrip(matNumeric("int64", [1, 2], [-(2n ** 63n), 7n]), o) as MatNumeric;
        assert.deepEqual([...(i64.data as BigInt64Array)], [-(2n ** 63n), 7n]);
        const u64 = roundTrip(matNumeric("uint64", [1, 1], [2n ** 64n - 1n]), o) as MatNumeric;
        assert.deepEqual([...(u64.data as BigUint64Array)], [2n ** 64n - 1n]);
        const logical = roundTrip(matNumeric("uint8", [2, 1], [1, 0], { logical: true }), o);
        assert.equal((logical as MatNumeric).logical, true);
        const complex = roundTrip(matNumeric("double", [1, 1], [1], { imag: [-3] }), o);
        assert.deepEqual([...(complex as MatNumeric).imag!], [-3]);
        assert.equal(matString(roundTrip(matChar("LeftEar"), o)), "LeftEar");
        assert.equal(matString(roundTrip(matChar("Zürich ⌘"), o)), "Zürich ⌘");
        assert.equal(matString(roundTrip(matChar("a😀"), o)), "a😀");
        assert.equal(matString(roundTrip(matChar(""), o)), "");
        const sparse = roundTrip(matSparseDouble([0, 2.5, -1, 0, 0, 4], 3, 2), o) as MatSparse;
        assert.equal(sparse.logical, false);
        assert.deepEqual([...matUint8Map(matSparseLogical([0, 1, 1, 0, 0, 1], 3, 2)).data], [
          0,
          1,
          1,
          0,
          0,
          1,
        ]);
        assert.deepEqual(matNumbers(sparse), [0, 0, 2.5, 0, -1, 4]); // column-major
        const empty = roundTrip(matSparseLogical(new Uint8Array(6), 3, 2), o) as MatSparse;
        assert.deepEqual([empty.data.length, [...empty.jc]], [0, [0, 0, 0, 0]]);
      });
    }
  }
});

Deno.test("encodeMat() round-trips SBD-like structs, cells and struct arrays", () => {
  const seg = [0, 1, 1, 0, 2, 2, 0, 255];
  const gt = matStruct({
    Segmentation: matFromRowMajor("uint8", seg, 4, 2),
    Boundaries: matCell([
      matSparseLogical([0, 1, 0, 0, 0, 0, 0, 0], 4, 2),
      matSparseLogical([0, 0, 0, 0, 1, 1, 0, 0], 4, 2),
    ]),
    Categories: matNumeric("double", [2, 1], [15, 9]),
    AVeryLongFieldNameThatNeedsMoreThan32Bytes: matChar("x"),
  });
  const people = matStructArray(["name", "age"], [
    { name: matChar("a"), age: matNumeric("double", [1, 1], [3]) },
    { name: matChar("b"), age: matNumeric("double", [1, 1], [4]) },
  ]);
  for (const narrow of [false, true]) {
    const mat = readMat(
      encodeMat({ GTinst: gt, people, names: matCell([matChar("x"), matChar("yz")], [1, 2]) }, {
        compress: ["GTinst"],
        narrow,
      }),
    );
    const back = matLookup(mat, "GTinst") as MatStruct;
    assert.deepEqual(back.fieldNames, gt.fieldNames);
    assert.deepEqual([...matUint8Map(matLookup(mat, "GTinst.Segmentation")).data], seg);
    assert.deepEqual([...matUint8Map(matLookup(mat, "GTinst.Boundaries{2}")).data], [
      0,
      0,
      0,
      0,
      1,
      1,
      0,
      0,
    ]);
    assert.deepEqual(matNumbers(matLookup(mat, "GTinst.Categories")), [15, 9]);
    assert.equal((matLookup(mat, "GTinst.Categories") as MatNumeric).class, "double");
    assert.equal(
      matString(matLookup(mat, "GTinst.AVeryLongFieldNameThatNeedsMoreThan32Bytes")),
      "x",
    );
    assert.deepEqual(matNumbers(matLookup(mat, "people(2).age")), [4]);
    assert.equal(matString(matLookup(mat, "people(1).name")), "a");
    assert.deepEqual(matStrings(matLookup(mat, "names")), ["x", "yz"]);
  }
});

Deno.test("encodeMat() compresses exactly the variables named", () => {
  const bytes = encodeMat(
    [["a", matChar("aaaa")], ["b", matChar("bbbb")], ["c", matChar("cccc")]],
    { compress: ["b"] },
  );
  const view = new DataView(bytes.buffer);
  const types: number[] = [];
  for (let pos = 128; pos < bytes.length;) {
    const type = view.getUint32(pos, true);
    types.push(type);
    pos += 8 + view.getUint32(pos + 4, true); // miMATRIX sizes are already multiples of 8
  }
  assert.deepEqual(types, [14, 15, 14]);
  assert.deepEqual([...readMat(bytes).variables.keys()], ["a", "b", "c"]);
});

Deno.test("narrow storage picks the smallest integer type (as MATLAB does)", () => {
  const storageType = (values: number[]): number => {
    const bytes = encodeMat({ v: matNumeric("double", [1, values.length], values) }, {
      narrow: true,
    });
    // Header 128, miMATRIX tag 8, flags 16, dims 16, small name 8 → the data tag.
    const word = new DataView(bytes.buffer).getUint32(128 + 8 + 16 + 16 + 8, true);
    return word & 0xffff;
  };
  assert.equal(storageType([0, 255]), 2);
  assert.equal(storageType([-1, 100]), 1);
  assert.equal(storageType([0, 1000]), 4);
  assert.equal(storageType([-1000, 1]), 3);
  assert.equal(storageType([-1, 70000]), 5);
  assert.equal(storageType([0.5]), 9);
  for (const values of [[-1, 70000], [1e10, 0], [-0, 3]]) {
    const back = roundTrip(matNumeric("double", [1, 2], values), { narrow: true });
    assert.deepEqual(matNumbers(back), values);
  }
});

Deno.test("writeMatFile() writes what readMatFile() reads; bad values are refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeMatFile(`${dir}/x.mat`, { x: matChar("hi") }, { compress: true });
    assert.equal(matString(matLookup(await readMatFile(`${dir}/x.mat`), "x")), "hi");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(() => encodeMat({ "1x": matChar("a") }), /expected a MATLAB variable name/);
  assert.throws(
    () => encodeMat({ x: { ...matNumeric("double", [2, 2], [1, 2, 3]) } }),
    /"x": expected 4 values for 2×2 double, found 3/,
  );
  assert.throws(() => matCell([matChar("a")], [2, 1]), /expected 2 values, found 1/);
});
