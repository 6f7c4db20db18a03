/**
 * A streaming reader for `.tar` and gzip-compressed `.tgz`/`.tar.gz` archives (gunzip by
 * `node:zlib`), enough for the official dataset tarballs: POSIX ustar (with the `prefix`
 * field), GNU long names and long link names (`L`/`K` members), and pax extended headers
 * (`path`, `linkpath`, `size`). Members are read one at a time; the contents of members
 * that are not selected are skipped without being kept in memory.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";

/** One member's header, after long names and pax records are applied. */
export interface TarEntry {
  /** Path inside the archive, `/`-separated, without a leading `./` or trailing `/`. */
  name: string;
  /** What the member is (`other`: devices, FIFOs, unknown type flags). */
  type: "file" | "directory" | "symlink" | "hardlink" | "other";
  /** Size of the contents in bytes (0 for directories and links). */
  size: number;
  /** Permission bits. */
  mode: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** Target of a link, else `""`. */
  linkName: string;
}

/** A member and, when it was selected, its contents. */
export interface TarMember {
  /** The member's header. */
  entry: TarEntry;
  /** The contents of a selected file member; null when not selected or not a file. */
  data: Uint8Array | null;
}

/** Options for {@link readTar}. */
export interface ReadTarOptions {
  /** Whether to read a file member's contents (default: every file). */
  select?: (entry: TarEntry) => boolean;
  /** Called as the archive file is consumed: bytes read so far and the file's size. */
  onBytes?: (read: number, total: number) => void;
}

/** A malformed, truncated or unreadable archive. */
export class TarError extends Error {
  /**
   * An error naming the archive and what was wrong with it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TarError } from "./tar.ts";
   * assert.equal(new TarError("a.tgz", "truncated").message, 'Cannot read tar archive "a.tgz": truncated');
   * ```
   */
  constructor(file: string, reason: string) {
    super(`Cannot read tar archive "${file}": ${reason}`);
    this.name = "TarError";
  }
}

const BLOCK = 512;

/** Pulls exact byte counts out of an async stream of chunks. */
class ChunkReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #iter: AsyncIterator<Uint8Array>;
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iter = source[Symbol.asyncIterator]();
  }

  async #fill(n: number): Promise<boolean> {
    while (this.#buffered < n && !this.#done) {
      const r = await this.#iter.next();
      if (r.done) this.#done = true;
      else if (r.value.length > 0) {
        // Node streams give Buffers; hand out plain Uint8Array views of them.
        const v = r.value;
        this.#chunks.push(new Uint8Array(v.buffer, v.byteOffset, v.length));
        this.#buffered += r.value.length;
      }
    }
    return this.#buffered >= n;
  }

  /** Exactly `n` bytes, or null (with whatever was left dropped) at the end of the stream. */
  async read(n: number): Promise<Uint8Array | null> {
    if (!(await this.#fill(n))) return null;
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      this.#drop(n);
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      this.#drop(k);
    }
    return out;
  }

  /** Skips `n` bytes; false when the stream ended first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.#buffered === 0 && !(await this.#fill(1))) return false;
      const k = Math.min(left, this.#chunks[0]!.length);
      this.#drop(k);
      left -= k;
    }
    return true;
  }

  #drop(k: number): void {
    const c = this.#chunks[0]!;
    if (k >= c.length) this.#chunks.shift();
    else this.#chunks[0] = c.subarray(k);
    this.#buffered -= k;
  }
}

const decoder = new TextDecoder();

function cString(block: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && block[end] !== 0) end++;
  return decoder.decode(block.subarray(start, end));
}

function number(block: Uint8Array, start: number, length: number): number {
  if (block[start]! & 0x80) { // GNU base-256 for large values
    let v = block[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) v = v * 256 + block[i]!;
    return v;
  }
  const text = cString(block, start, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    let sp = pos;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = parseInt(decoder.decode(data.subarray(pos, sp)), 10);
    if (!(len > 0) || pos + len > data.length) break;
    const record = decoder.decode(data.subarray(sp + 1, pos + len - 1)); // without the "\n"
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

function normalizeName(name: string): string {
  let n = name.replace(/\\/g, "/");
  while (n.startsWith("./")) n = n.slice(2);
  while (n.endsWith("/")) n = n.slice(0, -1);
  return n;
}

async function openSource(
  path: string,
  onBytes: ((read: number, total: number) => void) | undefined,
): Promise<Readable> {
  let total: number;
  const head = new Uint8Array(2);
  try {
    total = (await Deno.stat(path)).size;
    const f = await Deno.open(path);
    try {
      await f.read(head);
    } finally {
      f.close();
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new TarError(path, "file not found");
    throw new TarError(path, e instanceof Error ? e.message : String(e));
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  let read = 0;
  raw.on("data", (chunk) => {
    read += chunk.length;
    onBytes?.(read, total);
  });
  if (head[0] === 0x1f && head[1] === 0x8b) return pipeline(raw, createGunzip(), () => {});
  return raw;
}

/**
 * Reads the members of a `.tar`, `.tgz` or `.tar.gz` archive in order (gzip is detected by
 * its magic bytes). Long names from GNU `L` members and pax `path` records are applied to
 * the member they precede; `L`/`K`/`x`/`g` members themselves are not yielded.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { readTar } from "./tar.ts";
 * for await (const { entry, data } of readTar("parts_lfw_funneled_gt_images.tgz", {
 *   select: (e) => e.name.endsWith(".ppm"),
 * })) {
 *   assert.equal(data?.length, entry.size); // selected members come with their bytes
 * }
 * ```
 */
export async function* readTar(
  path: string,
  options: ReadTarOptions = {},
): AsyncGenerator<TarMember> {
  const source = await openSource(path, options.onBytes);
  try {
    yield* members(path, new ChunkReader(source as AsyncIterable<Uint8Array>), options);
  } finally {
    source.destroy();
  }
}

async function* members(
  path: string,
  reader: ChunkReader,
  options: ReadTarOptions,
): AsyncGenerator<TarMember> {
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Map<string, string> | null = null;
  let offset = 0;
  const wrap = (e: unknown): TarError =>
    e instanceof TarError ? e : new TarError(
      path,
      `the compressed data is corrupt or truncated (${e instanceof Error ? e.message : e})`,
    );
  while (true) {
    let block: Uint8Array | null;
    try {
      block = await reader.read(BLOCK);
    } catch (e) {
      throw wrap(e);
    }
    if (block === null) return; // ended without the end-of-archive blocks: accept, as GNU tar does
    if (block.every((b) => b === 0)) return;
    const stored = number(block, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (sum !== stored) {
      throw new TarError(path, `bad header checksum at byte ${offset} (not a tar archive?)`);
    }
    const flag = String.fromCharCode(block[156]!);
    let size = number(block, 124, 12);
    const magic = decoder.decode(block.subarray(257, 263));
    let name = cString(block, 0, 100);
    if (magic === "ustar\0") {
      const prefix = cString(block, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let linkName = cString(block, 157, 100);
    if (pax?.has("size")) size = Number(pax.get("size"));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    offset += BLOCK;
    const readData = async (what: string): Promise<Uint8Array> => {
      let data: Uint8Array | null;
      try {
        data = await reader.read(padded);
      } catch (e) {
        throw wrap(e);
      }
      if (data === null) {
        throw new TarError(path, `truncated in member "${what}" (expected ${size} bytes)`);
      }
      offset += padded;
      return data.subarray(0, size);
    };
    if (flag === "L" || flag === "K" || flag === "x" || flag === "g") {
      const data = await readData(name);
      if (flag === "L") longName = cString(data, 0, data.length);
      else if (flag === "K") longLink = cString(data, 0, data.length);
      else if (flag === "x") pax = parsePax(data);
      continue;
    }
    if (pax?.has("path")) name = pax.get("path")!;
    else if (longName !== null) name = longName;
    if (pax?.has("linkpath")) linkName = pax.get("linkpath")!;
    else if (longLink !== null) linkName = longLink;
    longName = longLink = pax = null;
    const type: TarEntry["type"] = flag === "0" || flag === "\0" || flag === "7"
      ? "file"
      : flag === "5"
      ? "directory"
      : flag === "2"
      ? "symlink"
      : flag === "1"
      ? "hardlink"
      : "other";
    const entry: TarEntry = {
      name: normalizeName(name),
      type,
      size: type === "file" ? size : 0,
      mode: number(block, 100, 8),
      mtime: number(block, 136, 12),
      linkName,
    };
    const hasData = type === "file" || type === "other";
    if (type === "file" && (options.select?.(entry) ?? true)) {
      yield { entry, data: await readData(entry.name) };
    } else {
      if (hasData && padded > 0) {
        let ok: boolean;
        try {
          ok = await reader.skip(padded);
        } catch (e) {
          throw wrap(e);
        }
        if (!ok) {
          throw new TarError(path, `truncated in member "${entry.name}" (expected ${size} bytes)`);
        }
        offset += padded;
      }
      yield { entry, data: null };
    }
  }
}

/** Options for {@link extractTar}. */
export interface ExtractTarOptions extends ReadTarOptions {
  /**
   * Where a selected member goes, relative to the destination (default: its own name);
   * return null to skip it.
   */
  rename?: (entry: TarEntry) => string | null;
  /** Called after each file is written, with its destination path. */
  onFile?: (entry: TarEntry, path: string) => void;
}

/**
 * Extracts the selected file members of an archive under `dest` (directories are created
 * as needed; links and special members are not extracted). Member names that are absolute
 * or contain `..` are refused. Returns the written paths, relative to `dest`.
 *
 * @example
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { extractTar } from "./tar.ts";
 * const written = await extractTar("lfw-funneled.tgz", "/tmp/lfw", {
 *   select: (e) => e.name.endsWith(".jpg"),
 * });
 * assert.ok(written.every((path) => path.endsWith(".jpg")));
 * ```
 */
export async function extractTar(
  path: string,
  dest: string,
  options: ExtractTarOptions = {},
): Promise<string[]> {
  const made = new Set<string>();
  const written: string[] = [];
  const select = (entry: TarEntry): boolean =>
    (options.select?.(entry) ?? true) && (options.rename ? options.rename(entry) !== null : true);
  const readOptions: ReadTarOptions = { select };
  if (options.onBytes) readOptions.onBytes = options.onBytes;
  for await (const { entry, data } of readTar(path, readOptions)) {
    if (data === null) continue;
    const rel = normalizeName(options.rename ? options.rename(entry)! : entry.name);
    if (rel === "" || rel.startsWith("/") || rel.split("/").includes("..")) {
      throw new TarError(
        path,
        `refusing to extract member "${entry.name}" outside the destination`,
      );
    }
    const out = join(dest, rel);
    const dir = dirname(out);
    if (!made.has(dir)) {
      await Deno.mkdir(dir, { recursive: true });
      made.add(dir);
    }
    await Deno.writeFile(out, data);
    written.push(rel);
    options.onFile?.(entry, out);
  }
  return written;
}
