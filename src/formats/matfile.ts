/**
 * A reader for MATLAB MAT-files of level 5 (what `save -v6` and `save -v7` write, and
 * what scipy's `savemat` writes): the 128-byte header, either byte order (`IM`/`MI`),
 * small data elements, zlib-compressed elements (`miCOMPRESSED`, inflated with
 * `node:zlib`), and `miMATRIX` arrays of the classes cell, struct, object, char, sparse
 * (double and logical) and every numeric class, also when MATLAB stored the values in a
 * narrower type than the class (an integer-valued double saved as uint8).
 *
 * Values keep MATLAB's layout: `dims` as MATLAB reports them and `data` in
 * **column-major** order (the first index varies fastest). Helpers below turn the
 * common shapes into JavaScript ones: {@link matUint8Map} (an H×W map as row-major
 * bytes), {@link matString}, {@link matStrings}, {@link matNumbers},
 * {@link matCellElements}, {@link matStructField}, {@link matSparseToDense} and the
 * path lookup {@link matLookup} (`"GTinst.Boundaries{2}"`).
 *
 * MAT v4 files (`save -v4`, and what MATLAB 4 wrote) are read too: full numeric, text
 * and sparse matrices in either byte order, each as MATLAB's `load` returns it (class
 * `double`, or `char` for text). MAT v7.3 files are HDF5 and are refused with a message
 * that says so. Every failure is a {@link MatFileError} naming the file and what was
 * expected.
 *
 * What MATLAB writes that the format's description does not say: a logical sparse
 * matrix's values tagged miDOUBLE but stored one byte per value (read as bytes), and a
 * char array whose dimensions count characters while its data element is empty (read
 * as blanks, as scipy does).
 * Written from the public description of the format (docs/DATASETS.md §4).
 *
 * @module
 */
import { inflateSync } from "node:zlib";

/** The numeric MATLAB classes. */
export type MatNumericClass =
  | "double"
  | "single"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64";

/** The typed array that holds a numeric class (`BigInt` arrays for the 64-bit integers). */
export type MatNumericData =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A numeric or logical array. Logical arrays have class `uint8` and `logical: true`. */
export interface MatNumeric {
  /** The MATLAB class (`uint8` for logical arrays). */
  class: MatNumericClass;
  /** MATLAB's dimensions (at least two). */
  dims: number[];
  /** Real part, column-major, `prod(dims)` values. */
  data: MatNumericData;
  /** Imaginary part (complex arrays only). */
  imag?: MatNumericData;
  /** True for MATLAB `logical` arrays (class `uint8`, values 0/1). */
  logical: boolean;
}

/** A char array: UTF-16 code units, column-major (a 1×N row is just the string). */
export interface MatChar {
  /** Always `"char"`. */
  class: "char";
  /** MATLAB's dimensions (a string is 1×N). */
  dims: number[];
  /** UTF-16 code units, column-major. */
  data: Uint16Array;
}

/** A cell array: `prod(dims)` values, column-major. */
export interface MatCell {
  /** Always `"cell"`. */
  class: "cell";
  /** MATLAB's dimensions. */
  dims: number[];
  /** The elements, column-major. */
  data: MatValue[];
}

/** A struct array (or an old-style object, which adds `className`). */
export interface MatStruct {
  /** `"struct"`, or `"object"` for old-style MATLAB objects. */
  class: "struct" | "object";
  /** MATLAB's dimensions (1×1 for a scalar struct). */
  dims: number[];
  /** Field names in file order. */
  fieldNames: string[];
  /** One record per struct element, column-major. */
  data: Record<string, MatValue>[];
  /** The MATLAB class name (class `object` only). */
  className?: string;
}

/** A 2-D sparse matrix in compressed-column form (as MATLAB stores it). */
export interface MatSparse {
  /** Always `"sparse"`. */
  class: "sparse";
  /** `[rows, columns]`. */
  dims: number[];
  /** True for logical sparse matrices (values stored as 1s). */
  logical: boolean;
  /** Row index (0-based) of each stored value. */
  ir: Int32Array;
  /** `columns + 1` offsets into `ir`/`data`: column j holds entries `jc[j] .. jc[j+1]-1`. */
  jc: Int32Array;
  /** The stored values (`1`s for logical matrices). */
  data: Float64Array | Uint8Array;
  /** Imaginary parts (complex matrices only). */
  imag?: Float64Array;
}

/** Any value a MAT v5 file can hold that this reader understands. */
export type MatValue = MatNumeric | MatChar | MatCell | MatStruct | MatSparse;

/** A parsed MAT-file. */
export interface MatFile {
  /** The name used in errors (the path, or what the caller passed). */
  file: string;
  /** The descriptive header text (trailing spaces removed). */
  header: string;
  /** True for `IM` (little-endian) files, false for `MI` (big-endian). */
  littleEndian: boolean;
  /** The top-level variables by name, in file order. */
  variables: Map<string, MatValue>;
}

/** A malformed or unsupported MAT-file; `file` names it and `reason` says what was wrong. */
export class MatFileError extends Error {
  /** The file (or the name the caller gave the bytes). */
  readonly file: string;
  /** What was expected and what was found, without the file name. */
  readonly reason: string;
  /**
   * An error naming the file and what was wrong with it.
   *
   * @param file The file (or the name the caller gave the bytes).
   * @param reason What was expected and what was found.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MatFileError } from "./matfile.ts";
   * const e = new MatFileError("a.mat", "expected a MAT v5 header");
   * assert.match(e.message, /^Cannot read MAT-file "a\.mat": expected a MAT v5 header/);
   * ```
   */
  constructor(file: string, reason: string) {
    super(`Cannot read MAT-file "${file}": ${reason}`);
    this.name = "MatFileError";
    this.file = file;
    this.reason = reason;
  }
}

/** Data element types (miINT8 … miUTF32) by number. */
const TYPE_NAMES: Record<number, string> = {
  1: "miINT8",
  2: "miUINT8",
  3: "miINT16",
  4: "miUINT16",
  5: "miINT32",
  6: "miUINT32",
  7: "miSINGLE",
  9: "miDOUBLE",
  12: "miINT64",
  13: "miUINT64",
  14: "miMATRIX",
  15: "miCOMPRESSED",
  16: "miUTF8",
  17: "miUTF16",
  18: "miUTF32",
};
const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 2,
  5: 4,
  6: 4,
  7: 4,
  9: 8,
  12: 8,
  13: 8,
  16: 1,
  17: 2,
  18: 4,
};
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;

/** Array classes (mxCELL_CLASS …) by number. */
const CLASS_NAMES: Record<number, string> = {
  1: "cell",
  2: "struct",
  3: "object",
  4: "char",
  5: "sparse",
  6: "double",
  7: "single",
  8: "int8",
  9: "uint8",
  10: "int16",
  11: "uint16",
  12: "int32",
  13: "uint32",
  14: "int64",
  15: "uint64",
  16: "function handle",
  17: "opaque (a MATLAB object such as string or table)",
};

/** The typed array each numeric class is read into (shared with the writer). */
export const NUMERIC_ARRAYS = {
  double: Float64Array,
  single: Float32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
} as const;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** One data element's tag, resolved (small or normal). */
interface Tag {
  type: number;
  size: number;
  /** Offset of the data. */
  data: number;
  /** Offset of the next element (after padding). */
  next: number;
  /** Offset of the tag itself. */
  at: number;
}

/** Parsing state for one buffer (the file, or one inflated compressed element). */
class Cursor {
  readonly view: DataView;
  readonly bytes: Uint8Array;
  constructor(
    bytes: Uint8Array,
    readonly le: boolean,
    readonly file: string,
    /** How to name an offset in errors (file offsets, or offsets inside an inflated element). */
    readonly where: (offset: number) => string,
  ) {
    // A plain view (node:zlib returns Buffers, whose slice() does not copy).
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(reason: string): never {
    throw new MatFileError(this.file, reason);
  }

  /** Reads the tag at `pos`, checking that the element fits in `end`. */
  tag(pos: number, end: number, what: string): Tag {
    if (end - pos < 8) {
      this.fail(
        `truncated: expected an 8-byte tag for ${what} ${this.where(pos)}, found ${
          Math.max(0, end - pos)
        } bytes`,
      );
    }
    const word = this.view.getUint32(pos, this.le);
    const small = word >>> 16;
    if (small !== 0) {
      const type = word & 0xffff;
      if (small > 4) {
        this.fail(
          `expected a small data element of at most 4 bytes for ${what} ${
            this.where(pos)
          }, found one declaring ${small} bytes`,
        );
      }
      return { type, size: small, data: pos + 4, next: pos + 8, at: pos };
    }
    const type = word;
    const size = this.view.getUint32(pos + 4, this.le);
    const data = pos + 8;
    if (size > end - data) {
      this.fail(
        `truncated: ${what} ${this.where(pos)} (${typeName(type)}) declares ${size} bytes ` +
          `but only ${end - data} remain`,
      );
    }
    const next = type === MI_COMPRESSED ? data + size : data + Math.ceil(size / 8) * 8;
    return { type, size, data, next: Math.min(next, end), at: pos };
  }

  /** Decodes a numeric element into an array of its storage type. */
  numbers(tag: Tag, what: string): MatNumericData {
    const width = TYPE_SIZES[tag.type];
    if (width === undefined || tag.type === 16 || tag.type === 17 || tag.type === 18) {
      this.fail(
        `expected numeric data for ${what} ${this.where(tag.at)}, found data type ${
          typeName(tag.type)
        }`,
      );
    }
    if (tag.size % width !== 0) {
      this.fail(
        `expected a multiple of ${width} bytes of ${typeName(tag.type)} for ${what} ${
          this.where(tag.at)
        }, found ${tag.size}`,
      );
    }
    const n = tag.size / width;
    const v = this.view;
    const le = this.le;
    const at = tag.data;
    switch (tag.type) {
      case 1:
        return new Int8Array(this.bytes.slice(at, at + n).buffer);
      case 2:
        return this.bytes.slice(at, at + n);
      case 3: {
        const out = new Int16Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getInt16(at + 2 * i, le);
        return out;
      }
      case 4: {
        const out = new Uint16Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getUint16(at + 2 * i, le);
        return out;
      }
      case 5: {
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getInt32(at + 4 * i, le);
        return out;
      }
      case 6: {
        const out = new Uint32Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getUint32(at + 4 * i, le);
        return out;
      }
      case 7: {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getFloat32(at + 4 * i, le);
        return out;
      }
      case 9: {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getFloat64(at + 8 * i, le);
        return out;
      }
      case 12: {
        const out = new BigInt64Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getBigInt64(at + 8 * i, le);
        return out;
      }
      default: {
        const out = new BigUint64Array(n);
        for (let i = 0; i < n; i++) out[i] = v.getBigUint64(at + 8 * i, le);
        return out;
      }
    }
  }
}

function typeName(type: number): string {
  const name = TYPE_NAMES[type];
  return name ? `${type} (${name})` : `${type} (unknown; expected one of 1–7, 9, 12–18)`;
}

function describeDims(dims: readonly number[]): string {
  return dims.join("×");
}

/**
 * Parses the bytes of a MAT v5 file.
 *
 * @param bytes The whole file.
 * @param file The name used in errors (default `"<bytes>"`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMat, matString, matLookup } from "./matfile.ts";
 * import { encodeMat, matChar } from "./mat_writer.ts";
 * const mat = readMat(encodeMat({ greeting: matChar("hello") }));
 * assert.equal(matString(matLookup(mat, "greeting")), "hello");
 * ```
 */
export function readMat(bytes: Uint8Array, file = "<bytes>"): MatFile {
  const fail = (reason: string): never => {
    throw new MatFileError(file, reason);
  };
  const hdf5At = (offset: number): boolean =>
    bytes.length >= offset + 8 && HDF5_SIGNATURE.every((b, i) => bytes[offset + i] === b);
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(116, bytes.length)));
  if (hdf5At(0) || hdf5At(512) || /^MATLAB 7\.3 MAT-file/.test(text)) {
    fail(
      "found the HDF5 signature of a MAT v7.3 file; MAT v7.3 is not supported, " +
        "save with -v7 (or -v6) instead",
    );
  }
  // A MAT v5 header starts with text; a MAT v4 file starts with a 4-byte type code whose
  // upper bytes are zero in either byte order (the test scipy and MATLAB use).
  if (bytes.length >= 4 && bytes.subarray(0, 4).includes(0)) return readMat4(bytes, file);
  if (bytes.length < 128) {
    fail(`truncated: expected a 128-byte MAT v5 header, found ${bytes.length} bytes`);
  }
  const marker = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (marker !== "IM" && marker !== "MI") {
    const shown = marker.replace(/[^\x20-\x7e]/g, "?");
    fail(
      `expected a MAT v5 file with the endian marker "IM" or "MI" at bytes 126–127, ` +
        `found "${shown}" (MAT v4 files and other formats are not supported)`,
    );
  }
  const le = marker === "IM";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(124, le);
  if (version !== 0x0100) {
    fail(`expected MAT version 0x0100 at bytes 124–125, found 0x${version.toString(16)}`);
  }
  const header = text.replace(/[\s\0]+$/, "");
  const variables = new Map<string, MatValue>();
  const top = new Cursor(bytes, le, file, (o) => `at byte ${o}`);
  let pos = 128;
  while (pos < bytes.length) {
    // Tolerate zero padding shorter than a tag at the very end.
    if (bytes.length - pos < 8 && bytes.subarray(pos).every((b) => b === 0)) break;
    const tag = top.tag(pos, bytes.length, "a variable");
    if (tag.type === MI_COMPRESSED) {
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(bytes.subarray(tag.data, tag.data + tag.size));
      } catch (e) {
        fail(
          `truncated or corrupt zlib data in the compressed variable at byte ${tag.at} (${
            e instanceof Error ? e.message : e
          })`,
        );
        throw e; // unreachable
      }
      const inner = new Cursor(
        inflated,
        le,
        file,
        (o) => `at byte ${o} of the compressed variable at byte ${tag.at}`,
      );
      let p = 0;
      while (p < inflated.length) {
        const t = inner.tag(p, inflated.length, "a variable");
        readVariable(inner, t, variables);
        p = t.next;
      }
    } else {
      readVariable(top, tag, variables);
    }
    pos = tag.next;
  }
  return { file, header, littleEndian: le, variables };
}

/** Element types of MAT v4 (the P digit of the type code) and their byte widths. */
const V4_TYPES: readonly { name: string; width: number }[] = [
  { name: "double", width: 8 },
  { name: "single", width: 4 },
  { name: "int32", width: 4 },
  { name: "int16", width: 2 },
  { name: "uint16", width: 2 },
  { name: "uint8", width: 1 },
];

/**
 * Parses a MAT v4 file: a sequence of variables, each a 20-byte header (type code
 * MOPT, rows, columns, imaginary flag, name length), the NUL-terminated name, the real
 * part and, when flagged, the imaginary part, column-major. M (thousands) is the byte
 * order (0 little-endian, 1 big-endian), O is 0, P the element type, T the matrix type
 * (0 full, 1 text, 2 sparse). Values come out as MATLAB's `load` gives them: class
 * `double` (text as `char`); a sparse matrix is stored as rows (i, j, re[, im]) with
 * 1-based indices and a last row (rows, columns, 0).
 */
function readMat4(bytes: Uint8Array, file: string): MatFile {
  const fail = (reason: string): never => {
    throw new MatFileError(file, `MAT v4: ${reason}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = view.getInt32(0, true);
  const le = first >= 0 && first < 5000;
  const variables = new Map<string, MatValue>();
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < 20) {
      fail(
        `truncated: expected a 20-byte variable header at byte ${pos}, found ${
          bytes.length - pos
        } bytes`,
      );
    }
    const [mopt, rows, cols, imagf, namlen] = [0, 4, 8, 12, 16].map((o) =>
      view.getInt32(pos + o, le)
    ) as [number, number, number, number, number];
    const m = Math.floor(mopt / 1000), o = Math.floor(mopt / 100) % 10;
    const p = Math.floor(mopt / 10) % 10, t = mopt % 10;
    const type = V4_TYPES[p];
    if (mopt < 0 || m > 1 || o !== 0 || !type || t > 2) {
      fail(
        `expected a variable type code MOPT (M 0–1, O 0, P 0–5, T 0–2) at byte ${pos}, found ${mopt}`,
      );
    }
    if (rows < 0 || cols < 0 || (imagf !== 0 && imagf !== 1) || namlen < 1) {
      fail(
        `expected non-negative sizes, an imaginary flag of 0 or 1 and a name length ≥ 1 ` +
          `at byte ${pos}, found ${rows}×${cols}, ${imagf}, ${namlen}`,
      );
    }
    const count = rows * cols;
    const partBytes = count * type!.width;
    const dataAt = pos + 20 + namlen;
    const end = dataAt + partBytes * (imagf ? 2 : 1);
    const rawName = bytes.subarray(pos + 20, Math.min(pos + 20 + namlen, bytes.length));
    const zero = rawName.indexOf(0);
    const name = new TextDecoder().decode(zero < 0 ? rawName : rawName.subarray(0, zero));
    if (end > bytes.length) {
      fail(
        `truncated: variable "${name}" at byte ${pos} (${rows}×${cols} ${type!.name}) needs ` +
          `${end - pos} bytes, only ${bytes.length - pos} remain`,
      );
    }
    const part = (at: number): Float64Array => {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const b = at + i * type!.width;
        switch (p) {
          case 0:
            out[i] = view.getFloat64(b, le);
            break;
          case 1:
            out[i] = view.getFloat32(b, le);
            break;
          case 2:
            out[i] = view.getInt32(b, le);
            break;
          case 3:
            out[i] = view.getInt16(b, le);
            break;
          case 4:
            out[i] = view.getUint16(b, le);
            break;
          default:
            out[i] = view.getUint8(b);
        }
      }
      return out;
    };
    const re = part(dataAt);
    const im = imagf ? part(dataAt + partBytes) : null;
    if (t === 1) {
      variables.set(name, { class: "char", dims: [rows, cols], data: Uint16Array.from(re) });
    } else if (t === 2) {
      variables.set(name, mat4Sparse(re, rows, cols, name, fail));
    } else {
      const value: MatNumeric = { class: "double", dims: [rows, cols], data: re, logical: false };
      if (im) value.imag = im;
      variables.set(name, value);
    }
    pos = end;
  }
  return { file, header: "", littleEndian: le, variables };
}

/** A MAT v4 sparse matrix (rows of i, j, re[, im] and a last row of sizes) as CSC. */
function mat4Sparse(
  values: Float64Array,
  rows: number,
  cols: number,
  name: string,
  fail: (reason: string) => never,
): MatSparse {
  if ((cols !== 3 && cols !== 4) || rows < 1) {
    fail(`expected sparse variable "${name}" stored as N×3 or N×4, found ${rows}×${cols}`);
  }
  const nnz = rows - 1;
  const at = (r: number, c: number) => values[c * rows + r]!;
  const m = at(nnz, 0), n = at(nnz, 1);
  if (!(Number.isInteger(m) && m >= 0 && Number.isInteger(n) && n >= 0)) {
    fail(`expected the last row of sparse variable "${name}" to hold its size, found ${m}, ${n}`);
  }
  const entries = Array.from({ length: nnz }, (_, k) => ({ i: at(k, 0) - 1, j: at(k, 1) - 1, k }));
  for (const { i, j } of entries) {
    if (!(Number.isInteger(i) && i >= 0 && i < m && Number.isInteger(j) && j >= 0 && j < n)) {
      fail(
        `expected 1-based indices within ${m}×${n} in sparse variable "${name}", found (${i + 1}, ${
          j + 1
        })`,
      );
    }
  }
  entries.sort((a, b) => a.j - b.j || a.i - b.i);
  const jc = new Int32Array(n + 1);
  for (const { j } of entries) jc[j + 1]!++;
  for (let j = 0; j < n; j++) jc[j + 1]! += jc[j]!;
  const value: MatSparse = {
    class: "sparse",
    dims: [m, n],
    logical: false,
    ir: Int32Array.from(entries, (e) => e.i),
    jc,
    data: Float64Array.from(entries, (e) => at(e.k, 2)),
  };
  if (cols === 4) value.imag = Float64Array.from(entries, (e) => at(e.k, 3));
  return value;
}

/**
 * Reads a MAT v5 file from disk; errors name the path.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { readMatFile, matLookup, matStrings } from "./matfile.ts";
 * const mat = await readMatFile("face_data_info.mat");
 * assert.equal(matStrings(matLookup(mat, "landmark_names"))[0], "LeftBrowLeftCorner");
 * ```
 */
export async function readMatFile(path: string): Promise<MatFile> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new MatFileError(path, "file not found");
    throw new MatFileError(path, e instanceof Error ? e.message : String(e));
  }
  return readMat(bytes, path);
}

function readVariable(cur: Cursor, tag: Tag, out: Map<string, MatValue>): void {
  if (tag.type !== MI_MATRIX) {
    cur.fail(
      `expected a variable (miMATRIX or miCOMPRESSED) ${cur.where(tag.at)}, found data type ${
        typeName(tag.type)
      }`,
    );
  }
  const { name, value } = readMatrix(cur, tag, null);
  out.set(name, value);
}

/** Parses one miMATRIX element; `path` names it in errors (null at top level). */
function readMatrix(
  cur: Cursor,
  tag: Tag,
  path: string | null,
): { name: string; value: MatValue } {
  const end = tag.data + tag.size;
  if (tag.size === 0) {
    // MATLAB writes an empty [] inside cells and structs as a bare miMATRIX tag.
    return {
      name: "",
      value: { class: "double", dims: [0, 0], data: new Float64Array(0), logical: false },
    };
  }
  const label = path ?? "a variable";
  // 1. Array flags.
  const flagsTag = cur.tag(tag.data, end, `the array flags of ${label}`);
  if (flagsTag.type !== 6 || flagsTag.size !== 8) {
    cur.fail(
      `expected array flags (8 bytes of miUINT32) for ${label} ${cur.where(flagsTag.at)}, ` +
        `found ${flagsTag.size} bytes of ${typeName(flagsTag.type)}`,
    );
  }
  const flags = cur.view.getUint32(flagsTag.data, cur.le);
  const nzmax = cur.view.getUint32(flagsTag.data + 4, cur.le);
  const classId = flags & 0xff;
  const complex = (flags & 0x800) !== 0;
  const logical = (flags & 0x200) !== 0;
  // 2. Dimensions.
  const dimsTag = cur.tag(flagsTag.next, end, `the dimensions of ${label}`);
  const dimsRaw = cur.numbers(dimsTag, `the dimensions of ${label}`);
  const dims = Array.from(dimsRaw, Number);
  if (dims.length < 2 || dims.some((d) => !(Number.isInteger(d) && d >= 0))) {
    cur.fail(
      `expected at least two non-negative dimensions for ${label} ${cur.where(dimsTag.at)}, ` +
        `found [${dims.join(", ")}]`,
    );
  }
  // 3. Name.
  const nameTag = cur.tag(dimsTag.next, end, `the name of ${label}`);
  // miINT8 as the format says; MATLAB has also written miUINT8 and miUTF8 names.
  if (nameTag.type !== 1 && nameTag.type !== 2 && nameTag.type !== 16) {
    cur.fail(
      `expected the array name (miINT8) of ${label} ${cur.where(nameTag.at)}, found ${
        typeName(nameTag.type)
      }`,
    );
  }
  const name = new TextDecoder().decode(
    cur.bytes.subarray(nameTag.data, nameTag.data + nameTag.size),
  );
  const here = path ?? (name === "" ? "a variable" : `variable "${name}"`);
  const count = dims.reduce((a, b) => a * b, 1);
  let pos = nameTag.next;
  const className = CLASS_NAMES[classId];
  switch (classId) {
    case 1: { // cell
      const data: MatValue[] = [];
      for (let i = 0; i < count; i++) {
        const what = `${here}{${i + 1}}`;
        const t = cur.tag(pos, end, `cell element ${what}`);
        if (t.type !== MI_MATRIX) {
          cur.fail(
            `expected cell element ${what} (miMATRIX) ${cur.where(t.at)}, found ${
              typeName(t.type)
            }`,
          );
        }
        data.push(readMatrix(cur, t, what).value);
        pos = t.next;
      }
      return { name, value: { class: "cell", dims, data } };
    }
    case 2:
    case 3: { // struct, object
      let objectClass: string | undefined;
      if (classId === 3) {
        const t = cur.tag(pos, end, `the class name of ${here}`);
        objectClass = new TextDecoder().decode(cur.bytes.subarray(t.data, t.data + t.size));
        pos = t.next;
      }
      const lenTag = cur.tag(pos, end, `the field name length of ${here}`);
      const lenValues = cur.numbers(lenTag, `the field name length of ${here}`);
      const fieldLength = Number(lenValues[0] ?? 0);
      if (lenValues.length !== 1 || !(fieldLength > 0)) {
        cur.fail(
          `expected one positive field name length for ${here} ${cur.where(lenTag.at)}, found [${
            Array.from(lenValues, String).join(", ")
          }]`,
        );
      }
      const namesTag = cur.tag(lenTag.next, end, `the field names of ${here}`);
      if (namesTag.size % fieldLength !== 0) {
        cur.fail(
          `expected field names of ${here} in multiples of ${fieldLength} bytes ${
            cur.where(namesTag.at)
          }, found ${namesTag.size} bytes`,
        );
      }
      const fieldNames: string[] = [];
      for (let f = 0; f < namesTag.size / fieldLength; f++) {
        const raw = cur.bytes.subarray(
          namesTag.data + f * fieldLength,
          namesTag.data + (f + 1) * fieldLength,
        );
        const zero = raw.indexOf(0);
        fieldNames.push(new TextDecoder().decode(zero < 0 ? raw : raw.subarray(0, zero)));
      }
      pos = namesTag.next;
      const data: Record<string, MatValue>[] = [];
      for (let i = 0; i < count; i++) {
        const record: Record<string, MatValue> = {};
        for (const field of fieldNames) {
          const what = count === 1 ? `${here}.${field}` : `${here}(${i + 1}).${field}`;
          const t = cur.tag(pos, end, `field ${what}`);
          if (t.type !== MI_MATRIX) {
            cur.fail(
              `expected field ${what} (miMATRIX) ${cur.where(t.at)}, found ${typeName(t.type)}`,
            );
          }
          record[field] = readMatrix(cur, t, what).value;
          pos = t.next;
        }
        data.push(record);
      }
      const value: MatStruct = {
        class: classId === 2 ? "struct" : "object",
        dims,
        fieldNames,
        data,
      };
      if (objectClass !== undefined) value.className = objectClass;
      return { name, value };
    }
    case 4: { // char
      const t = cur.tag(pos, end, `the characters of ${here}`);
      let units: Uint16Array;
      if (t.type === 16 || t.type === 18) {
        const s = t.type === 16
          ? new TextDecoder().decode(cur.bytes.subarray(t.data, t.data + t.size))
          : Array.from(
            cur.numbers({ ...t, type: 6 }, `the characters of ${here}`) as Uint32Array,
            (p) => String.fromCodePoint(Number(p)),
          ).join("");
        units = Uint16Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
      } else {
        const raw = cur.numbers(t.type === 17 ? { ...t, type: 4 } : t, `the characters of ${here}`);
        units = Uint16Array.from(raw as ArrayLike<number>, Number);
      }
      // MATLAB writes some blank char arrays (1×1 in a struct) with an empty data element.
      if (units.length === 0 && t.size === 0) units = new Uint16Array(count).fill(0x20);
      if (units.length !== count) {
        cur.fail(
          `expected ${count} characters for the ${
            describeDims(dims)
          } char array ${here}, found ${units.length}`,
        );
      }
      return { name, value: { class: "char", dims, data: units } };
    }
    case 5: { // sparse
      if (dims.length !== 2) {
        cur.fail(`expected a 2-D sparse matrix for ${here}, found ${describeDims(dims)}`);
      }
      const irTag = cur.tag(pos, end, `the row indices of ${here}`);
      const ir = Int32Array.from(
        cur.numbers(irTag, `the row indices of ${here}`) as ArrayLike<number>,
        Number,
      );
      const jcTag = cur.tag(irTag.next, end, `the column starts of ${here}`);
      const jc = Int32Array.from(
        cur.numbers(jcTag, `the column starts of ${here}`) as ArrayLike<number>,
        Number,
      );
      const cols = dims[1]!;
      const rows = dims[0]!;
      if (jc.length !== cols + 1) {
        cur.fail(
          `expected ${cols + 1} column starts for the ${
            describeDims(dims)
          } sparse ${here}, found ${jc.length}`,
        );
      }
      const nnz = jc[cols]!;
      if (nnz > ir.length || nnz > Math.max(nzmax, ir.length)) {
        cur.fail(
          `expected at most ${ir.length} stored values in sparse ${here}, found column starts ending at ${nnz}`,
        );
      }
      for (let j = 0; j < cols; j++) {
        if (jc[j + 1]! < jc[j]!) {
          cur.fail(`expected non-decreasing column starts in sparse ${here}`);
        }
      }
      for (let k = 0; k < nnz; k++) {
        if (ir[k]! < 0 || ir[k]! >= rows) {
          cur.fail(`expected row indices in 0..${rows - 1} in sparse ${here}, found ${ir[k]}`);
        }
      }
      const prTag = cur.tag(jcTag.next, end, `the values of ${here}`);
      // MATLAB tags a logical sparse matrix's values miDOUBLE but stores one byte each.
      const bytewise = logical && prTag.type === 9 && nnz > 0 && prTag.size === nnz;
      const pr = cur.numbers(bytewise ? { ...prTag, type: 2 } : prTag, `the values of ${here}`);
      if (pr.length < nnz) {
        cur.fail(`expected ${nnz} values in sparse ${here}, found ${pr.length}`);
      }
      const data = logical
        ? Uint8Array.from({ length: nnz }, (_, k) => (Number(pr[k]) !== 0 ? 1 : 0))
        : Float64Array.from({ length: nnz }, (_, k) => Number(pr[k]));
      const value: MatSparse = { class: "sparse", dims, logical, ir: ir.slice(0, nnz), jc, data };
      if (complex) {
        const piTag = cur.tag(prTag.next, end, `the imaginary values of ${here}`);
        const pi = cur.numbers(piTag, `the imaginary values of ${here}`);
        value.imag = Float64Array.from({ length: nnz }, (_, k) => Number(pi[k] ?? 0));
      }
      return { name, value };
    }
    default: {
      if (classId < 6 || classId > 15) {
        cur.fail(
          `expected an array class of 1–15 for ${here}, found ${classId}${
            className ? ` (${className}, not supported)` : " (unknown)"
          }`,
        );
      }
      const cls = className as MatNumericClass;
      const prTag = cur.tag(pos, end, `the values of ${here}`);
      const data = toClass(cur.numbers(prTag, `the values of ${here}`), cls);
      if (data.length !== count) {
        cur.fail(
          `expected ${count} values for the ${
            describeDims(dims)
          } ${cls} ${here}, found ${data.length}`,
        );
      }
      const value: MatNumeric = { class: cls, dims, data, logical };
      if (complex) {
        const piTag = cur.tag(prTag.next, end, `the imaginary values of ${here}`);
        const imag = toClass(cur.numbers(piTag, `the imaginary values of ${here}`), cls);
        if (imag.length !== count) {
          cur.fail(`expected ${count} imaginary values for ${here}, found ${imag.length}`);
        }
        value.imag = imag;
      }
      return { name, value };
    }
  }
}

/** Converts storage-type values to the array class (narrower storage is common). */
function toClass(raw: MatNumericData, cls: MatNumericClass): MatNumericData {
  const Ctor = NUMERIC_ARRAYS[cls];
  if (raw instanceof Ctor) return raw;
  const n = raw.length;
  if (cls === "int64" || cls === "uint64") {
    const out = cls === "int64" ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      const v = raw[i]!;
      out[i] = typeof v === "bigint" ? v : BigInt(Math.trunc(v));
    }
    return out;
  }
  const out = new (Ctor as Float64ArrayConstructor)(n);
  for (let i = 0; i < n; i++) out[i] = Number(raw[i]!);
  return out as unknown as MatNumericData;
}

/**
 * A short description of a value for messages: `"375×500 uint8"`, `"21×1 cell"`,
 * `"1×1 struct"`, `"375×500 sparse logical"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeMatValue } from "./matfile.ts";
 * import { matChar } from "./mat_writer.ts";
 * assert.equal(describeMatValue(matChar("abc")), "1×3 char");
 * ```
 */
export function describeMatValue(value: MatValue): string {
  const dims = describeDims(value.dims);
  if (value.class === "sparse") return `${dims} sparse${value.logical ? " logical" : ""}`;
  if (isNumeric(value) && value.logical) return `${dims} logical`;
  return `${dims} ${value.class}`;
}

function expected(label: string, what: string, value: MatValue): never {
  throw new TypeError(`Cannot read ${label}: expected ${what}, found a ${describeMatValue(value)}`);
}

/**
 * Looks a value up by a MATLAB-like path: a variable name, then `.field`, `(i)` (struct
 * element, 1-based, column-major) and `{i}` (cell element, 1-based) steps, e.g.
 * `"GTinst.Boundaries{2}"` or `"s(3).name"`. Errors name the file and the path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matLookup, matNumbers, readMat } from "./matfile.ts";
 * import { encodeMat, matCell, matNumeric, matStruct } from "./mat_writer.ts";
 * const bytes = encodeMat({
 *   s: matStruct({ c: matCell([matNumeric("double", [1, 1], [7]), matNumeric("double", [1, 1], [8])]) }),
 * });
 * assert.deepEqual(matNumbers(matLookup(readMat(bytes), "s.c{2}")), [8]);
 * ```
 */
export function matLookup(mat: MatFile, path: string): MatValue {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(path);
  const fail = (reason: string): never => {
    throw new MatFileError(mat.file, `"${path}": ${reason}`);
  };
  if (!m) fail("expected a path starting with a variable name");
  const head = m![0];
  let value = mat.variables.get(head);
  if (value === undefined) {
    fail(
      `expected a variable "${head}", found ${
        mat.variables.size === 0
          ? "no variables"
          : `only ${[...mat.variables.keys()].map((k) => `"${k}"`).join(", ")}`
      }`,
    );
  }
  let done = head;
  let rest = path.slice(head.length);
  while (rest.length > 0) {
    const step = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\((\d+)\)|\{(\d+)\})/.exec(rest);
    if (!step) fail(`expected ".field", "(i)" or "{i}" after "${done}", found "${rest}"`);
    const [token, field, element, cell] = step!;
    const v = value!;
    if (field !== undefined) {
      if ((v.class !== "struct" && v.class !== "object") || v.data.length !== 1) {
        fail(`expected a 1×1 struct at "${done}", found a ${describeMatValue(v)}`);
      }
      const s = v as MatStruct;
      if (!s.fieldNames.includes(field)) {
        fail(`expected a field "${field}" at "${done}", found fields ${s.fieldNames.join(", ")}`);
      }
      value = s.data[0]![field]!;
    } else {
      const index = Number(element ?? cell) - 1;
      const wantCell = cell !== undefined;
      if (wantCell ? v.class !== "cell" : v.class !== "struct" && v.class !== "object") {
        fail(
          `expected a ${wantCell ? "cell" : "struct"} at "${done}", found a ${describeMatValue(v)}`,
        );
      }
      const items = (v as MatCell | MatStruct).data;
      if (!(index >= 0 && index < items.length)) {
        fail(`index ${index + 1} is outside 1..${items.length} at "${done}"`);
      }
      if (wantCell) value = (v as MatCell).data[index]!;
      else {
        value = { ...(v as MatStruct), dims: [1, 1], data: [(v as MatStruct).data[index]!] };
      }
    }
    done += token;
    rest = rest.slice(token!.length);
  }
  return value!;
}

/**
 * The elements of a cell array, column-major.
 *
 * @param label Names the value in errors (e.g. `'"x.mat" GTinst.Boundaries'`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matCellElements } from "./matfile.ts";
 * import { matCell, matChar } from "./mat_writer.ts";
 * assert.equal(matCellElements(matCell([matChar("a"), matChar("b")])).length, 2);
 * ```
 */
export function matCellElements(value: MatValue, label = "MAT value"): MatValue[] {
  if (value.class !== "cell") expected(label, "a cell array", value);
  return (value as MatCell).data;
}

/**
 * A field of element `index` (0-based, column-major) of a struct array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matNumbers, matStructField } from "./matfile.ts";
 * import { matNumeric, matStruct } from "./mat_writer.ts";
 * const s = matStruct({ k: matNumeric("double", [1, 2], [3, 4]) });
 * assert.deepEqual(matNumbers(matStructField(s, "k")), [3, 4]);
 * ```
 */
export function matStructField(
  value: MatValue,
  field: string,
  index = 0,
  label = "MAT value",
): MatValue {
  if (value.class !== "struct" && value.class !== "object") expected(label, "a struct", value);
  const s = value as MatStruct;
  const record = s.data[index];
  if (record === undefined) {
    throw new TypeError(
      `Cannot read ${label}: expected struct element ${index + 1}, found ${s.data.length} elements`,
    );
  }
  const v = record[field];
  if (v === undefined) {
    throw new TypeError(
      `Cannot read ${label}: expected a field "${field}", found fields ${
        s.fieldNames.join(", ") || "(none)"
      }`,
    );
  }
  return v;
}

/**
 * A char row vector as a string (an empty char array gives `""`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matString } from "./matfile.ts";
 * import { matChar } from "./mat_writer.ts";
 * assert.equal(matString(matChar("NoseCenter")), "NoseCenter");
 * ```
 */
export function matString(value: MatValue, label = "MAT value"): string {
  if (value.class !== "char") expected(label, "a char row vector", value);
  const c = value as MatChar;
  if (c.data.length > 0 && c.dims.some((d, i) => i !== 1 && d !== 1)) {
    expected(label, "a char row vector", value);
  }
  let text = "";
  for (let i = 0; i < c.data.length; i += 4096) {
    text += String.fromCharCode(...c.data.subarray(i, i + 4096));
  }
  return text;
}

/**
 * The rows of a char matrix, or the strings of a cell array of char rows (`cellstr`),
 * in column-major order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matStrings } from "./matfile.ts";
 * import { matCell, matChar } from "./mat_writer.ts";
 * assert.deepEqual(matStrings(matCell([matChar("LeftEar"), matChar("RightEar")], [2, 1])), [
 *   "LeftEar",
 *   "RightEar",
 * ]);
 * ```
 */
export function matStrings(value: MatValue, label = "MAT value"): string[] {
  if (value.class === "cell") {
    return value.data.map((v, i) => matString(v, `${label}{${i + 1}}`));
  }
  if (value.class !== "char" || value.dims.length !== 2) {
    expected(label, "a 2-D char array or a cell array of strings", value);
  }
  const c = value as MatChar;
  const [rows, cols] = c.dims as [number, number];
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    let s = "";
    for (let j = 0; j < cols; j++) s += String.fromCharCode(c.data[j * rows + r]!);
    out.push(s);
  }
  return out;
}

/**
 * The real values of a numeric or logical array (or of a sparse matrix, made dense) as
 * plain numbers, column-major.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matNumbers } from "./matfile.ts";
 * import { matNumeric } from "./mat_writer.ts";
 * assert.deepEqual(matNumbers(matNumeric("int32", [2, 1], [15, 9])), [15, 9]);
 * ```
 */
export function matNumbers(value: MatValue, label = "MAT value"): number[] {
  if (value.class === "sparse") return Array.from(matSparseToDense(value).data, Number);
  if (!isNumeric(value)) expected(label, "a numeric array", value);
  return Array.from((value as MatNumeric).data as ArrayLike<number | bigint>, Number);
}

function isNumeric(value: MatValue): value is MatNumeric {
  return value.class in NUMERIC_ARRAYS;
}

/**
 * A sparse matrix as a dense numeric array (class `double`, or logical `uint8`),
 * column-major like every other array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matSparseToDense } from "./matfile.ts";
 * import { matSparseLogical } from "./mat_writer.ts";
 * // A 2×2 logical with one true entry at row 2, column 1 (1-based).
 * const dense = matSparseToDense(matSparseLogical(Uint8Array.of(0, 0, 1, 0), 2, 2));
 * assert.deepEqual([...dense.data], [0, 1, 0, 0]);
 * ```
 */
export function matSparseToDense(value: MatValue, label = "MAT value"): MatNumeric {
  if (value.class !== "sparse") expected(label, "a sparse matrix", value);
  const s = value as MatSparse;
  const [rows, cols] = s.dims as [number, number];
  const data = s.logical ? new Uint8Array(rows * cols) : new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    for (let k = s.jc[j]!; k < s.jc[j + 1]!; k++) data[j * rows + s.ir[k]!] = s.data[k]!;
  }
  return s.logical
    ? { class: "uint8", dims: [rows, cols], data, logical: true }
    : { class: "double", dims: [rows, cols], data, logical: false };
}

/**
 * An H×W numeric (or sparse) array whose values are integers in 0..255, as row-major
 * bytes (top row first) — e.g. an SBD `Segmentation` map, which MATLAB stores as
 * uint8 H×W column-major.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matUint8Map } from "./matfile.ts";
 * import { matNumeric } from "./mat_writer.ts";
 * // MATLAB [1 2 3; 4 5 6] is stored column-major as 1 4 2 5 3 6.
 * const map = matUint8Map(matNumeric("uint8", [2, 3], [1, 4, 2, 5, 3, 6]));
 * assert.equal(map.width, 3);
 * assert.equal(map.height, 2);
 * assert.deepEqual([...map.data], [1, 2, 3, 4, 5, 6]);
 * ```
 */
export function matUint8Map(
  value: MatValue,
  label = "MAT value",
): { data: Uint8Array; width: number; height: number } {
  const v = value.class === "sparse" ? matSparseToDense(value, label) : value;
  if (!isNumeric(v) || v.dims.length !== 2) expected(label, "a 2-D numeric map", value);
  const [height, width] = v.dims as [number, number];
  const src = (v as MatNumeric).data;
  const out = new Uint8Array(width * height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const n = Number(src[x * height + y]!);
      if (!(Number.isInteger(n) && n >= 0 && n <= 255)) {
        throw new TypeError(
          `Cannot read ${label}: expected integer values in 0..255, found ${n} at row ${
            y + 1
          }, column ${x + 1}`,
        );
      }
      out[y * width + x] = n;
    }
  }
  return { data: out, width, height };
}
