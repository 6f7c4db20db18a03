/**
 * MediaPipe FaceMesh (the tfjs graph model shipped in `@vladmandic/human`, MIT) loaded
 * with the project's own tfjs: 192×192 RGB face crop in (values in [0, 1]), 468 landmarks
 * out (x, y in crop pixels, z relative depth) plus a face-presence score. A
 * data-preparation tool only: nothing under `src/` imports this file.
 *
 * @module
 */
import * as tfjs from "npm:@tensorflow/tfjs@4.22.0";
// Type-only: puts the package in this tool's module graph and lock (so it is downloaded
// and `import.meta.resolve` finds it) without running its bundle; the model files are
// read from the package folder.
import type {} from "npm:@vladmandic/human@3.3.6";
import { tf } from "../../src/deps.ts";
import { makeTransform, resampleImage, type Transform } from "../../src/data/preprocess.ts";
import type { Box, RgbImage } from "../../src/data/types.ts";

/** The model's input side in pixels. */
export const FACEMESH_SIZE = 192;
/** Number of landmarks FaceMesh predicts. */
export const FACEMESH_POINTS = 468;

/** `models/facemesh.json` of the package (its main entry is `dist/human.node.js`). */
const MODEL_URL = new URL(
  "../models/facemesh.json",
  import.meta.resolve("npm:@vladmandic/human@3.3.6"),
).href;

/** Reads the model's JSON and weights from the npm cache (no network, no fetch). */
function fileHandler(jsonUrl: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(await Deno.readTextFile(new URL(jsonUrl)));
      const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
      const buffers: Uint8Array[] = [];
      for (const group of manifest) {
        for (const p of group.paths) {
          buffers.push(await Deno.readFile(new URL(p, jsonUrl)));
        }
      }
      const total = buffers.reduce((n, b) => n + b.length, 0);
      const data = new Uint8Array(total);
      let o = 0;
      for (const b of buffers) {
        data.set(b, o);
        o += b.length;
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        signature: json.signature,
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData: data.buffer,
      };
    },
  };
}

/** One face's landmarks in the source image's pixel frame. */
export interface FaceMeshResult {
  /** `468·3`: x, y in source pixels (continuous), z relative depth (crop pixels). */
  mesh: Float32Array;
  /** The model's face-presence score in [0, 1]. */
  score: number;
}

/** A loaded FaceMesh model. */
export interface FaceMesh {
  /** Landmarks of the face filling the square `crop` (source pixels) of `image`. */
  detect(image: RgbImage, crop: Box): Promise<FaceMeshResult>;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * Loads FaceMesh from the `@vladmandic/human` package files.
 *
 * @example
 * ```ts ignore
 * const fm = await loadFaceMesh();
 * const { mesh, score } = await fm.detect(image, { x: 41, y: 35, width: 171, height: 171 });
 * fm.dispose();
 * ```
 */
export async function loadFaceMesh(): Promise<FaceMesh> {
  const model = await tfjs.loadGraphModel(fileHandler(MODEL_URL));
  return {
    async detect(image: RgbImage, crop: Box): Promise<FaceMeshResult> {
      const t: Transform = makeTransform(
        crop,
        FACEMESH_SIZE,
        image.width,
        image.height,
      );
      const pixels = resampleImage(image, t, {
        pad: "edge",
        mean: [0, 0, 0],
        antialias: true,
      });
      const input = tf.tensor4d(pixels, [1, FACEMESH_SIZE, FACEMESH_SIZE, 3]);
      const outputs = model.execute(input) as tf.Tensor[];
      input.dispose();
      const meshT = outputs.find((o) => o.shape[o.shape.length - 1] === FACEMESH_POINTS * 3);
      const flagT = outputs.find((o) => o.shape[o.shape.length - 1] === 1);
      if (!meshT || !flagT) {
        tf.dispose(outputs);
        throw new Error(
          `Cannot read FaceMesh's outputs from ${MODEL_URL}: expected a 1404-wide mesh and a face flag`,
        );
      }
      const raw = await meshT.data() as Float32Array;
      const score = (await flagT.data())[0]!;
      tf.dispose(outputs);
      const mesh = new Float32Array(FACEMESH_POINTS * 3);
      for (let k = 0; k < FACEMESH_POINTS; k++) {
        // Crop pixel (u, v) → source (x, y): u = x·scale + offset.
        mesh[3 * k] = (raw[3 * k]! - t.offsetX) / t.scale;
        mesh[3 * k + 1] = (raw[3 * k + 1]! - t.offsetY) / t.scale;
        mesh[3 * k + 2] = raw[3 * k + 2]!;
      }
      return { mesh, score };
    },
    dispose: () => model.dispose(),
  };
}
