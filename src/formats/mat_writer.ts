/**
 * A writer for MATLAB MAT-files of level 5 (what `save -v7` reads), used by the
 * synthetic datasets and the round-trip tests: numeric arrays of every class (with an
 * optional MATLAB-like narrow storage of integer-valued doubles), logical arrays, char
 * rows, cell and struct arrays, and sparse matrices (logical and double), each variable
 * optionally zlib-compressed (`miCOMPRESSED`), in either byte order.
 *
 * The value types are those of the reader ({@link MatValue} in `matfile.ts`); the
 * `mat…` constructors below build them from JavaScript data.
 *
 * @module
 */
import { deflateSync } from "node:zlib";
import { NUMERIC_ARRAYS } from "./matfile.ts";
import type {
  MatCell,
  MatChar,
  MatNumeric,
  MatNumericClass,
  MatNumericData,
  MatSparse,
  MatStruct,
  MatValue,
} from "./matfile.ts";

/** Options for {@link encodeMat}. */
export interface MatWriteOptions {
  /**
   * Which variables to zlib-compress: all (`true`), none (`false`, the default), or
   * those named.
   */
  compress?: boolean | readonly string[];
  /** Byte order: little-endian `IM` (default) or big-endian `MI`. */
  littleEndian?: boolean;
  /** The descriptive header text (at most 116 ASCII characters). */
  header?: string;
  /**
   * Store integer-valued double arrays in the narrowest integer type that holds them,
   * as MATLAB does (default false).
   */
  narrow?: boolean;
}

const CLASS_IDS: Record<string, number> = {
  cell: 1,
  struct: 2,
  object: 3,
  char: 4,
  sparse: 5,
  double: 6,
  single: 7,
  int8: 8,
  uint8: 9,
  int16: 10,
  uint16: 11,
  int32: 12,
  uint32: 13,
  int64: 14,
  uint64: 15,
};

/** Storage type (miINT8 …) used for each numeric class. */
const STORAGE: Record<MatNumericClass, number> = {
  int8: 1,
  uint8: 2,
  int16: 3,
  uint16: 4,
  int32: 5,
  uint32: 6,
  single: 7,
  double: 9,
  int64: 12,
  uint64: 13,
};

/** Growable byte sink with the file's byte order. */
class Bytes {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  length = 0;
  constructor(readonly le: boolean) {}

  #grow(extra: number): void {
    if (this.length + extra <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.#grow(4);
    this.#view.setUint32(this.length, v, this.le);
    this.length += 4;
  }
  raw(bytes: Uint8Array): void {
    this.#grow(bytes.length);
    this.#buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  pad(): void {
    const extra = (8 - (this.length % 8)) % 8;
    this.#grow(extra);
    this.#buf.fill(0, this.length, this.length + extra);
    this.length += extra;
  }
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }

  /** A data element: small (packed into 8 bytes) when its data has 1–4 bytes. */
  element(type: number, data: Uint8Array): void {
    if (data.length > 0 && data.length <= 4) {
      this.u32(((data.length << 16) | type) >>> 0);
      const four = new Uint8Array(4);
      four.set(data);
      this.raw(four);
      return;
    }
    this.u32(type);
    this.u32(data.length);
    this.raw(data);
    this.pad();
  }
}

/** Encodes `values` (numbers or bigints) as storage type `type` in byte order `le`. */
function encodeValues(
  type: number,
  values: ArrayLike<number | bigint>,
  le: boolean,
): Uint8Array {
  const width = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 }[type]!;
  const out = new Uint8Array(values.length * width);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const o = i * width;
    switch (type) {
      case 1:
        v.setInt8(o, Number(x));
        break;
      case 2:
        v.setUint8(o, Number(x));
        break;
      case 3:
        v.setInt16(o, Number(x), le);
        break;
      case 4:
        v.setUint16(o, Number(x), le);
        break;
      case 5:
        v.setInt32(o, Number(x), le);
        break;
      case 6:
        v.setUint32(o, Number(x), le);
        break;
      case 7:
        v.setFloat32(o, Number(x), le);
        break;
      case 9:
        v.setFloat64(o, Number(x), le);
        break;
      case 12:
        v.setBigInt64(o, BigInt(x), le);
        break;
      default:
        v.setBigUint64(o, BigInt(x), le);
    }
  }
  return out;
}

/** UTF-16 code units as little-endian bytes. */
function utf16le(units: Uint16Array): Uint8Array {
  const out = new Uint8Array(units.length * 2);
  units.forEach((u, i) => {
    out[2 * i] = u & 0xff;
    out[2 * i + 1] = u >> 8;
  });
  return out;
}

/** The narrowest integer storage type holding every value, or miDOUBLE. */
function narrowType(values: ArrayLike<number>): number {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isInteger(x) || Object.is(x, -0)) return 9;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (lo >= 0 && hi <= 255) return 2;
  if (lo >= -128 && hi <= 127) return 1;
  if (lo >= 0 && hi <= 65535) return 4;
  if (lo >= -32768 && hi <= 32767) return 3;
  if (lo >= 0 && hi <= 4294967295) return 6;
  if (lo >= -2147483648 && hi <= 2147483647) return 5;
  return 9;
}

function describe(value: MatValue): string {
  return `${value.dims.join("×")} ${value.class}`;
}

function count(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Writes one miMATRIX element (tag included) for `value` named `name`. */
function writeMatrix(out: Bytes, name: string, value: MatValue, options: MatWriteOptions): void {
  const body = new Bytes(out.le);
  const le = out.le;
  const n = count(value.dims);
  const fail = (reason: string): never => {
    throw new Error(`Cannot write MAT variable "${name || "(nested)"}": ${reason}`);
  };
  if (
    value.dims.length < 2 || value.dims.some((d) => !(Number.isInteger(d) && d >= 0))
  ) fail(`expected at least two non-negative integer dimensions, found [${value.dims}]`);
  const classId = CLASS_IDS[value.class];
  if (classId === undefined || value.class === "object") {
    fail(`expected a cell, struct, char, sparse or numeric value, found class ${value.class}`);
  }
  let flags = classId!;
  let nzmax = 0;
  if (value.class === "sparse") {
    if (value.logical) flags |= 0x200;
    if (value.imag) flags |= 0x800;
    nzmax = Math.max(1, value.data.length);
  } else if (value.class in NUMERIC_ARRAYS) {
    const v = value as MatNumeric;
    if (v.logical) flags |= 0x200;
    if (v.imag) flags |= 0x800;
  }
  // Array flags, dimensions, name.
  body.u32(6);
  body.u32(8);
  body.u32(flags);
  body.u32(nzmax);
  body.element(5, encodeValues(5, value.dims, le));
  const nameBytes = new TextEncoder().encode(name);
  if (nameBytes.length === 0) {
    body.u32(1);
    body.u32(0);
  } else body.element(1, nameBytes);

  switch (value.class) {
    case "cell": {
      const c = value as MatCell;
      if (c.data.length !== n) {
        fail(`expected ${n} cell elements for ${describe(c)}, found ${c.data.length}`);
      }
      for (const item of c.data) writeMatrix(body, "", item, options);
      break;
    }
    case "struct": {
      const s = value as MatStruct;
      if (s.data.length !== n) {
        fail(`expected ${n} struct elements for ${describe(s)}, found ${s.data.length}`);
      }
      const names = s.fieldNames.map((f) => new TextEncoder().encode(f));
      const longest = Math.max(0, ...names.map((b) => b.length));
      const len = Math.max(32, Math.ceil((longest + 1) / 8) * 8);
      body.element(5, encodeValues(5, [len], le));
      const table = new Uint8Array(len * names.length);
      names.forEach((b, i) => table.set(b, i * len));
      body.element(1, table);
      for (const record of s.data) {
        for (const field of s.fieldNames) {
          const v = record[field];
          if (v === undefined) fail(`struct element lacks field "${field}"`);
          writeMatrix(body, "", v!, options);
        }
      }
      break;
    }
    case "char": {
      const c = value as MatChar;
      if (c.data.length !== n) {
        fail(`expected ${n} characters for ${describe(c)}, found ${c.data.length}`);
      }
      // MATLAB writes miUTF8; UTF-16 surrogates (characters outside the BMP) go as miUINT16.
      const bmp = c.data.every((u) => u < 0xd800 || u > 0xdfff);
      body.element(
        bmp ? 16 : 4,
        bmp
          ? new TextEncoder().encode(new TextDecoder("utf-16le").decode(utf16le(c.data)))
          : encodeValues(4, c.data, le),
      );
      break;
    }
    case "sparse": {
      const s = value as MatSparse;
      const nnz = s.data.length;
      const ir = new Int32Array(nzmax);
      ir.set(s.ir.subarray(0, nnz));
      body.element(5, encodeValues(5, ir, le));
      body.element(5, encodeValues(5, s.jc, le));
      body.element(s.logical ? 2 : 9, encodeValues(s.logical ? 2 : 9, s.data, le));
      if (s.imag) body.element(9, encodeValues(9, s.imag, le));
      break;
    }
    default: {
      const v = value as MatNumeric;
      if (v.data.length !== n) {
        fail(`expected ${n} values for ${describe(v)}, found ${v.data.length}`);
      }
      const parts = v.imag ? [v.data, v.imag] : [v.data];
      for (const part of parts) {
        let type = STORAGE[v.class];
        if (options.narrow && v.class === "double") type = narrowType(part as Float64Array);
        body.element(type, encodeValues(type, part as ArrayLike<number | bigint>, le));
      }
    }
  }
  out.u32(14);
  out.u32(body.length);
  out.raw(body.bytes());
}

/**
 * Encodes variables as a MAT v5 file (a 128-byte header, then one element per variable,
 * compressed as `options.compress` says).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMat, matNumeric } from "./mat_writer.ts";
 * const bytes = encodeMat({ x: matNumeric("double", [1, 1], [3]) }, { compress: true });
 * assert.equal(String.fromCharCode(bytes[126]!, bytes[127]!), "IM");
 * ```
 */
export function encodeMat(
  variables: Record<string, MatValue> | ReadonlyArray<readonly [string, MatValue]>,
  options: MatWriteOptions = {},
): Uint8Array {
  const le = options.littleEndian ?? true;
  const out = new Bytes(le);
  const text = options.header ?? "MATLAB 5.0 MAT-file, Platform: deno, written by clvm";
  if (text.length > 116 || /[^\x20-\x7e]/.test(text)) {
    throw new Error(
      `Cannot write MAT header "${text}": expected at most 116 printable ASCII characters`,
    );
  }
  const header = new Uint8Array(128).fill(0x20, 0, 116);
  header.set(new TextEncoder().encode(text));
  header.fill(0, 116, 124);
  new DataView(header.buffer).setUint16(124, 0x0100, le);
  header[126] = le ? 0x49 : 0x4d; // "I" then "M" little-endian, "M" then "I" big-endian
  header[127] = le ? 0x4d : 0x49;
  out.raw(header);
  const entries = Array.isArray(variables)
    ? variables as ReadonlyArray<readonly [string, MatValue]>
    : Object.entries(variables);
  for (const [name, value] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !/^__\w+__$/.test(name)) {
      throw new Error(`Cannot write MAT variable "${name}": expected a MATLAB variable name`);
    }
    const compress = options.compress === true ||
      (Array.isArray(options.compress) && options.compress.includes(name));
    if (!compress) {
      writeMatrix(out, name, value, options);
      continue;
    }
    const element = new Bytes(le);
    writeMatrix(element, name, value, options);
    const z = deflateSync(element.bytes());
    out.u32(15);
    out.u32(z.length);
    out.raw(z);
  }
  return out.bytes();
}

/**
 * Writes variables to a MAT v5 file (see {@link encodeMat}).
 *
 * @example
 * ```ts ignore
 * import { matNumeric, writeMatFile } from "./mat_writer.ts";
 * await writeMatFile("x.mat", { x: matNumeric("double", [1, 1], [3]) });
 * ```
 */
export async function writeMatFile(
  path: string,
  variables: Record<string, MatValue> | ReadonlyArray<readonly [string, MatValue]>,
  options: MatWriteOptions = {},
): Promise<void> {
  await Deno.writeFile(path, encodeMat(variables, options));
}

/**
 * A numeric (or, with `logical`, logical uint8) array from column-major values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matNumeric } from "./mat_writer.ts";
 * const a = matNumeric("int32", [2, 1], [15, 9]);
 * assert.equal(a.data instanceof Int32Array, true);
 * ```
 */
export function matNumeric(
  cls: MatNumericClass,
  dims: readonly number[],
  data: ArrayLike<number> | ArrayLike<bigint>,
  options: { logical?: boolean; imag?: ArrayLike<number> | ArrayLike<bigint> } = {},
): MatNumeric {
  const Ctor = NUMERIC_ARRAYS[cls];
  const big = cls === "int64" || cls === "uint64";
  const convert = (d: ArrayLike<number> | ArrayLike<bigint>): MatNumericData => {
    const out = new (Ctor as unknown as new (n: number) => MatNumericData)(d.length);
    for (let i = 0; i < d.length; i++) {
      const x = d[i]!;
      (out as unknown as Record<number, number | bigint>)[i] = big ? BigInt(x) : Number(x);
    }
    return out;
  };
  const value: MatNumeric = {
    class: cls,
    dims: [...dims],
    data: convert(data),
    logical: options.logical ?? false,
  };
  if (options.logical && cls !== "uint8") {
    throw new Error(`Cannot make a logical MAT array of class ${cls}: expected uint8`);
  }
  if (options.imag) value.imag = convert(options.imag);
  return value;
}

/**
 * An H×W array of class `cls` from row-major values (top row first), stored column-major
 * as MATLAB expects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matFromRowMajor } from "./mat_writer.ts";
 * const m = matFromRowMajor("uint8", [1, 2, 3, 4, 5, 6], 3, 2);
 * assert.deepEqual(m.dims, [2, 3]);
 * assert.deepEqual([...m.data], [1, 4, 2, 5, 3, 6]);
 * ```
 */
export function matFromRowMajor(
  cls: MatNumericClass,
  data: ArrayLike<number>,
  width: number,
  height: number,
  options: { logical?: boolean } = {},
): MatNumeric {
  if (data.length !== width * height) {
    throw new Error(
      `Cannot make a ${height}×${width} MAT array: expected ${
        width * height
      } values, found ${data.length}`,
    );
  }
  const col = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) col[x * height + y] = data[y * width + x]!;
  }
  return matNumeric(cls, [height, width], col, options);
}

/**
 * A 1×N char array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matChar } from "./mat_writer.ts";
 * assert.deepEqual(matChar("abc").dims, [1, 3]);
 * ```
 */
export function matChar(text: string): MatChar {
  const data = Uint16Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
  return { class: "char", dims: [text.length === 0 ? 0 : 1, text.length], data };
}

/**
 * A cell array of `values` (column-major), N×1 unless `dims` says otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matCell, matChar } from "./mat_writer.ts";
 * assert.deepEqual(matCell([matChar("a"), matChar("b")]).dims, [2, 1]);
 * ```
 */
export function matCell(values: readonly MatValue[], dims?: readonly number[]): MatCell {
  const d = dims ? [...dims] : [values.length, 1];
  if (count(d) !== values.length) {
    throw new Error(
      `Cannot make a ${d.join("×")} MAT cell array: expected ${
        count(d)
      } values, found ${values.length}`,
    );
  }
  return { class: "cell", dims: d, data: [...values] };
}

/**
 * A 1×1 struct with `fields` in the given order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matChar, matStruct } from "./mat_writer.ts";
 * assert.deepEqual(matStruct({ name: matChar("x") }).fieldNames, ["name"]);
 * ```
 */
export function matStruct(fields: Record<string, MatValue>): MatStruct {
  return { class: "struct", dims: [1, 1], fieldNames: Object.keys(fields), data: [{ ...fields }] };
}

/**
 * A struct array: one record per element (column-major), all with `fieldNames`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matChar, matStructArray } from "./mat_writer.ts";
 * const s = matStructArray(["n"], [{ n: matChar("a") }, { n: matChar("b") }], [1, 2]);
 * assert.equal(s.data.length, 2);
 * ```
 */
export function matStructArray(
  fieldNames: readonly string[],
  records: readonly Record<string, MatValue>[],
  dims: readonly number[] = [1, records.length],
): MatStruct {
  if (count(dims) !== records.length) {
    throw new Error(
      `Cannot make a ${dims.join("×")} MAT struct array: expected ${
        count(dims)
      } records, found ${records.length}`,
    );
  }
  return { class: "struct", dims: [...dims], fieldNames: [...fieldNames], data: [...records] };
}

function sparseFromRowMajor(
  data: ArrayLike<number>,
  width: number,
  height: number,
  logical: boolean,
): MatSparse {
  if (data.length !== width * height) {
    throw new Error(
      `Cannot make a ${height}×${width} sparse MAT matrix: expected ${
        width * height
      } values, found ${data.length}`,
    );
  }
  const ir: number[] = [];
  const values: number[] = [];
  const jc = new Int32Array(width + 1);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = data[y * width + x]!;
      if (v !== 0) {
        ir.push(y);
        values.push(logical ? 1 : v);
      }
    }
    jc[x + 1] = ir.length;
  }
  return {
    class: "sparse",
    dims: [height, width],
    logical,
    ir: Int32Array.from(ir),
    jc,
    data: logical ? Uint8Array.from(values) : Float64Array.from(values),
  };
}

/**
 * A logical sparse H×W matrix, true where the row-major `mask` is non-zero (as SBD stores
 * its boundary maps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matSparseLogical } from "./mat_writer.ts";
 * const s = matSparseLogical(Uint8Array.of(0, 1, 1, 0), 2, 2);
 * assert.deepEqual([...s.ir], [1, 0]);
 * assert.deepEqual([...s.jc], [0, 1, 2]);
 * ```
 */
export function matSparseLogical(
  mask: ArrayLike<number>,
  width: number,
  height: number,
): MatSparse {
  return sparseFromRowMajor(mask, width, height, true);
}

/**
 * A double sparse H×W matrix holding the non-zero entries of the row-major `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matSparseDouble } from "./mat_writer.ts";
 * assert.deepEqual([...matSparseDouble([0, 2.5, 0, 0], 2, 2).data], [2.5]);
 * ```
 */
export function matSparseDouble(data: ArrayLike<number>, width: number, height: number): MatSparse {
  return sparseFromRowMajor(data, width, height, false);
}
