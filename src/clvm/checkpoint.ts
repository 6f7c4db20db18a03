/**
 * Checkpoint files: named float32 tensors plus JSON metadata, checksummed and written
 * atomically (a temporary file, then a rename), so a crash never leaves a half-written
 * checkpoint under the real name.
 *
 * Layout: `CLVMCKPT`, uint32 version, uint32 header length, the JSON header (tensor
 * names, shapes and offsets, and `meta`) padded to 4 bytes, the float32 data
 * (little-endian), and a SHA-256 of everything before it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type Tensor, tf } from "../deps.ts";
import { writeFileAtomic } from "../util/fs.ts";
import type { CLVMOptions, ResolvedOptions } from "./config.ts";
import { CLVM, createCLVM } from "./model.ts";

const MAGIC = "CLVMCKPT";
const VERSION = 1;
const DIGEST = 32;

/** A tensor as stored: its shape and float32 values. */
export interface StoredTensor {
  /** The tensor's shape. */
  shape: number[];
  /** Its values, row-major (as many as the shape's product). */
  data: Float32Array;
}

/** What a checkpoint file holds. */
export interface CheckpointContents {
  /** JSON metadata: `clvm` holds the model's resolved options; trainers add their state. */
  meta: Record<string, unknown>;
  /** The tensors by name: the model's weights, and whatever a trainer adds (optimizer state). */
  tensors: Map<string, StoredTensor>;
}

interface Header {
  meta: Record<string, unknown>;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

/** Writes `contents` to `path` atomically. */
export async function writeCheckpointFile(
  path: string,
  contents: CheckpointContents,
): Promise<void> {
  const entries: Header["tensors"] = [];
  let offset = 0;
  for (const [name, t] of contents.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new Error(
        `Cannot save tensor "${name}": shape [${
          t.shape.join(", ")
        }] needs ${size} values, got ${t.data.length}`,
      );
    }
    entries.push({ name, shape: t.shape, offset, length: size });
    offset += size;
  }
  let headerBytes = new TextEncoder().encode(
    JSON.stringify({ meta: contents.meta, tensors: entries }),
  );
  const pad = (4 - ((16 + headerBytes.length) % 4)) % 4;
  if (pad) {
    const padded = new Uint8Array(headerBytes.length + pad).fill(0x20);
    padded.set(headerBytes);
    headerBytes = padded;
  }
  const dataStart = 16 + headerBytes.length;
  const body = new Uint8Array(dataStart + offset * 4);
  body.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(body.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  body.set(headerBytes, 16);
  const floats = new Float32Array(body.buffer, dataStart, offset);
  for (const [i, [, t]] of [...contents.tensors].entries()) floats.set(t.data, entries[i]!.offset);
  const digest = createHash("sha256").update(body).digest();
  await writeFileAtomic(path, [body, new Uint8Array(digest)]);
}

/** Reads and verifies a checkpoint file. */
export async function readCheckpointFile(path: string): Promise<CheckpointContents> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new Error(`Cannot read checkpoint "${path}": ${(error as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new Error(`Cannot load checkpoint "${path}": ${what}`);
  };
  if (bytes.length < 16 + DIGEST || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    bad(`expected a file starting with "${MAGIC}" (is it a CLVM checkpoint? is it truncated?)`);
  }
  const body = bytes.subarray(0, bytes.length - DIGEST);
  const digest = createHash("sha256").update(body).digest();
  const stored = bytes.subarray(bytes.length - DIGEST);
  if (!digest.equals(stored)) {
    bad("the SHA-256 checksum does not match: the file is truncated or was modified");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) bad(`expected format version ${VERSION}, found ${version}`);
  const headerLength = view.getUint32(12, true);
  const header = JSON.parse(
    new TextDecoder().decode(body.subarray(16, 16 + headerLength)),
  ) as Header;
  const dataStart = 16 + headerLength;
  const count = (body.length - dataStart) / 4;
  const floats = new Float32Array(body.slice(dataStart).buffer, 0, count);
  const tensors = new Map<string, StoredTensor>();
  for (const t of header.tensors) {
    if (t.offset + t.length > count) bad(`tensor "${t.name}" runs past the end of the data`);
    tensors.set(t.name, { shape: t.shape, data: floats.subarray(t.offset, t.offset + t.length) });
  }
  return { meta: header.meta, tensors };
}

/** Reads every tensor of a map (async: webgpu cannot read synchronously). */
export async function storeTensors(
  tensors: Iterable<[string, Tensor]>,
): Promise<Map<string, StoredTensor>> {
  const out = new Map<string, StoredTensor>();
  for (const [name, t] of tensors) {
    out.set(name, { shape: [...t.shape], data: Float32Array.from(await t.data() as Float32Array) });
  }
  return out;
}

/** The `CLVMOptions` that resolve to `resolved` again. */
export function optionsOf(resolved: ResolvedOptions): CLVMOptions {
  const { architectureName, architecture, variant, ...rest } = resolved;
  return {
    ...rest,
    ...(variant === null ? {} : { variant }),
    architecture: architectureName === "paper" || architectureName === "tiny"
      ? architectureName
      : architecture,
  };
}

/**
 * Saves every parameter of `clvm` and its resolved options to `path` (atomically).
 * `extra` adds metadata and tensors (a trainer's optimizer state, …).
 *
 * @example
 * ```ts
 * import { createCLVM, initBackend, loadCheckpoint, saveCheckpoint } from "../../mod.ts";
 * await initBackend("cpu");
 * const clvm = createCLVM({ variant: "CLVM1-seg", architecture: "tiny" });
 * const path = await Deno.makeTempFile();
 * await saveCheckpoint(clvm, path);
 * const copy = await loadCheckpoint(path);
 * copy.dispose();
 * clvm.dispose();
 * ```
 */
export async function saveCheckpoint(
  clvm: CLVM,
  path: string,
  extra: { meta?: Record<string, unknown>; tensors?: Map<string, StoredTensor> } = {},
): Promise<void> {
  const tensors = await storeTensors(Object.entries(clvm.getWeights()));
  for (const [name, t] of extra.tensors ?? []) tensors.set(name, t);
  await writeCheckpointFile(path, { meta: { ...extra.meta, clvm: clvm.options }, tensors });
}

/**
 * Copies the model weights of a checkpoint's contents into `clvm`. Every weight of the
 * model must be present with its shape; a mismatch names both shapes.
 */
export function restoreWeights(clvm: CLVM, contents: CheckpointContents, path: string): void {
  const own = clvm.getWeights();
  const values: Record<string, tf.Tensor> = {};
  try {
    for (const [name, current] of Object.entries(own)) {
      const stored = contents.tensors.get(name);
      if (!stored) {
        throw new Error(
          `Cannot load checkpoint "${path}" into this model: it has no weight "${name}"`,
        );
      }
      if (!tf.util.arraysEqual(stored.shape, current.shape)) {
        throw new Error(
          `Cannot load checkpoint "${path}" into this model: weight "${name}" has shape [${
            stored.shape.join(", ")
          }] in the checkpoint but [${current.shape.join(", ")}] in the model`,
        );
      }
      values[name] = tf.tensor(stored.data, stored.shape, "float32");
    }
    clvm.setWeights(values);
  } finally {
    tf.dispose(Object.values(values));
  }
}

/** Creates the model a checkpoint describes, with its weights. */
export async function loadCheckpoint(path: string): Promise<CLVM> {
  const contents = await readCheckpointFile(path);
  const resolved = contents.meta.clvm as ResolvedOptions | undefined;
  if (!resolved || typeof resolved !== "object") {
    throw new Error(`Cannot load checkpoint "${path}": it holds no CLVM options`);
  }
  const clvm = createCLVM(optionsOf(resolved));
  try {
    restoreWeights(clvm, contents, path);
  } catch (error) {
    clvm.dispose();
    throw error;
  }
  return clvm;
}
