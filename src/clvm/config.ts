/**
 * CLVM options: architectures, feedback modes, heads, and their validation (docs/MODEL.md §1, §4).
 *
 * @module
 */
import { type Feedback, FEEDBACK_MODES } from "../ops/feedback.ts";

// The feedback modes are the ops' one union, named here too as the model's option.
export { type Feedback, FEEDBACK_MODES } from "../ops/feedback.ts";

/** One layer of the network: its channel count and whether it is an NMS layer. */
export interface LayerSpec {
  /** Number of channels (latent variables per position). */
  channels: number;
  /** NMS layer: at most one non-zero per 2×2 group; the layer above sees it sum-pooled. */
  nms: boolean;
}

/** An explicit architecture: input channels and layers bottom to top. */
export interface ArchitectureSpec {
  /** Channels of the input image (3 for RGB). */
  inputChannels: number;
  /** The layers, bottom (layer 1) to top. */
  layers: LayerSpec[];
  /** Square filter size of every layer (odd); the paper's is 3. */
  kernelSize?: number;
}

/** A head: a linear 5×5 conv from layer `layer` (1-based) to `channels` outputs. */
export interface HeadSpec {
  /** The layer the head reads (1-based). */
  layer: number;
  /** Output channels: classes (segmentation) or keypoints. */
  channels: number;
}

/** The heads a model has. */
export interface HeadsSpec {
  /** Per-pixel class logits. */
  segmentation?: HeadSpec;
  /** One logit map per keypoint. */
  keypoints?: HeadSpec;
}

/** What `createCLVM` accepts; every field is optional. */
export interface CLVMOptions {
  /** `"paper"` (bottom 8 conv layers of VGG-19), `"tiny"`, or an explicit spec. */
  architecture?: "paper" | "tiny" | ArchitectureSpec;
  /** Number of alternating bottom-up/top-down passes k ≥ 1 (CLVM_k). */
  passes?: number;
  /** Top-down signals use the bottom-up filters themselves (true) or separate ones. */
  tied?: boolean;
  /** How the top-down signal crosses an NMS layer (default `"replicate"`, docs/MODEL.md §1). */
  feedback?: Feedback;
  /** Batch-normalize the bottom-up and top-down signals (a training aid). */
  batchNorm?: boolean;
  /** Heads; a head given without `channels` gets 3 (segmentation) or 21 (keypoints). */
  heads?: { segmentation?: Partial<HeadSpec>; keypoints?: Partial<HeadSpec> };
  /** Seed of the weight initialization (any integer). */
  seed?: number;
  /** Standard deviation of the initial filters (paper: 0.01). */
  weightStd?: number;
  /** Standard deviation of the initial biases (paper: 0.1). */
  biasStd?: number;
  /** A preset name of `VARIANTS`; the other options override it. */
  variant?: string;
}

/** Options with every default filled in: what a checkpoint stores. */
export interface ResolvedOptions {
  /** The explicit architecture (a named one expanded). */
  architecture: Required<ArchitectureSpec>;
  /** `"paper"`, `"tiny"` or `"custom"`. */
  architectureName: string;
  /** Number of passes k ≥ 1. */
  passes: number;
  /** Whether the top-down filters are the bottom-up ones. */
  tied: boolean;
  /** How the top-down signal crosses an NMS layer. */
  feedback: Feedback;
  /** Whether bottom-up and top-down signals are batch-normalized. */
  batchNorm: boolean;
  /** The heads, each with its layer and channels. */
  heads: HeadsSpec;
  /** Seed of the weight initialization. */
  seed: number;
  /** Standard deviation of the initial filters. */
  weightStd: number;
  /** Standard deviation of the initial biases. */
  biasStd: number;
  /** The preset the options started from, if any. */
  variant: string | null;
}

const nms = (channels: number): LayerSpec => ({ channels, nms: true });
const plain = (channels: number): LayerSpec => ({ channels, nms: false });

/** The ε of every batch norm: y = γ·(x − μ)/√(σ² + ε) + β. */
export const BN_EPSILON = 1e-5;

/** The named architectures (docs/MODEL.md §4). */
export const ARCHITECTURES: Readonly<Record<"paper" | "tiny", Required<ArchitectureSpec>>> = {
  paper: {
    inputChannels: 3,
    kernelSize: 3,
    layers: [
      plain(64),
      nms(64),
      plain(128),
      nms(128),
      plain(256),
      plain(256),
      plain(256),
      plain(256),
    ],
  },
  // The same shape with far fewer channels: for tests and the default CPU run.
  tiny: {
    inputChannels: 3,
    kernelSize: 3,
    layers: [plain(8), nms(8), plain(12), nms(12), plain(16), plain(16), plain(16), plain(16)],
  },
};

/** The option names `createCLVM` accepts. */
export const OPTION_NAMES: readonly (keyof CLVMOptions)[] = [
  "architecture",
  "passes",
  "tied",
  "feedback",
  "batchNorm",
  "heads",
  "seed",
  "weightStd",
  "biasStd",
  "variant",
];

const DEFAULT_HEAD_CHANNELS = { segmentation: 3, keypoints: 21 } as const;

function fail(message: string): never {
  throw new Error(message);
}

function checkKeys(what: string, value: object, valid: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!valid.includes(key)) {
      fail(`Unknown ${what} "${key}": expected one of ${valid.join(", ")}`);
    }
  }
}

/** A value as a user wrote it: `NaN`, `"false"` (quoted), `null`, `[object]`. */
function showValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  return "an object";
}

/** The type of a value, for "found a string" in messages. */
function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const t = typeof value;
  return t === "object" ? "an object" : `a ${t}`;
}

function positiveInteger(what: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    fail(`Invalid ${what} ${showValue(value)}: expected an integer ≥ 1`);
  }
  return value;
}

function boolean(what: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    fail(
      `Invalid ${what} ${showValue(value)}: expected a boolean (true or false), found ${
        typeOf(value)
      }`,
    );
  }
  return value;
}

function plainObject(what: string, value: unknown): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(`Invalid ${what} ${showValue(value)}: expected an object`);
  }
}

function resolveArchitecture(
  architecture: CLVMOptions["architecture"],
): { spec: Required<ArchitectureSpec>; name: string } {
  if (architecture === undefined) return { spec: ARCHITECTURES.tiny, name: "tiny" };
  if (typeof architecture === "string") {
    const spec = Object.hasOwn(ARCHITECTURES, architecture)
      ? (ARCHITECTURES as Record<string, Required<ArchitectureSpec>>)[architecture]
      : undefined;
    if (!spec) {
      fail(
        `Unknown architecture "${architecture}": expected one of ${
          Object.keys(ARCHITECTURES).join(", ")
        }, or an explicit { inputChannels, layers } spec`,
      );
    }
    return { spec, name: architecture };
  }
  plainObject("architecture", architecture);
  checkKeys("architecture field", architecture, ["inputChannels", "layers", "kernelSize"]);
  const inputChannels = positiveInteger("architecture inputChannels", architecture.inputChannels);
  const kernelSize = positiveInteger("architecture kernelSize", architecture.kernelSize ?? 3);
  if (kernelSize % 2 !== 1) fail(`Invalid architecture kernelSize ${kernelSize}: expected odd`);
  if (!Array.isArray(architecture.layers) || architecture.layers.length < 1) {
    fail("Invalid architecture layers: expected a non-empty array of { channels, nms }");
  }
  const layers = architecture.layers.map((layer, i) => {
    plainObject(`architecture layer ${i + 1}`, layer);
    checkKeys(`field of architecture layer ${i + 1}`, layer, ["channels", "nms"]);
    return {
      channels: positiveInteger(`channels of architecture layer ${i + 1}`, layer.channels),
      nms: boolean(`nms of architecture layer ${i + 1}`, layer.nms, false),
    };
  });
  return { spec: { inputChannels, kernelSize, layers }, name: "custom" };
}

/**
 * Fills in defaults and validates options; `presets` supplies the variant table so
 * this module stays free of it.
 */
export function resolveOptions(
  options: CLVMOptions,
  presets: Readonly<Record<string, CLVMOptions>>,
): ResolvedOptions {
  plainObject("CLVM options", options);
  checkKeys("CLVM option", options, OPTION_NAMES as string[]);
  let merged: CLVMOptions = options;
  if (options.variant !== undefined) {
    if (typeof options.variant !== "string") {
      fail(
        `Invalid variant ${showValue(options.variant)}: expected a string, found ${
          typeOf(options.variant)
        }`,
      );
    }
    if (options.heads !== undefined) plainObject("heads", options.heads);
    const preset = Object.hasOwn(presets, options.variant) ? presets[options.variant] : undefined;
    if (!preset) {
      fail(
        `Unknown variant "${options.variant}": expected one of ${Object.keys(presets).join(", ")}`,
      );
    }
    const heads = { ...preset.heads };
    for (const task of ["segmentation", "keypoints"] as const) {
      const override = options.heads?.[task];
      if (override) heads[task] = { ...heads[task], ...override };
    }
    merged = { ...preset, ...options, heads };
  }
  const { spec, name } = resolveArchitecture(merged.architecture);
  const passes = positiveInteger("passes", merged.passes ?? 1);
  const feedback = merged.feedback ?? "replicate";
  if (!FEEDBACK_MODES.includes(feedback)) {
    fail(`Unknown feedback ${showValue(feedback)}: expected one of ${FEEDBACK_MODES.join(", ")}`);
  }
  const tied = boolean("tied", merged.tied, true);
  const batchNorm = boolean("batchNorm", merged.batchNorm, false);
  const heads: HeadsSpec = {};
  const givenHeads = merged.heads ?? {};
  plainObject("heads", givenHeads);
  checkKeys("head", givenHeads, ["segmentation", "keypoints"]);
  for (const task of ["segmentation", "keypoints"] as const) {
    const head = givenHeads[task];
    if (head === undefined) continue;
    plainObject(`${task} head`, head);
    checkKeys(`${task} head field`, head, ["layer", "channels"]);
    if (head.layer === undefined) {
      fail(
        `The ${task} head needs a layer in 1..${spec.layers.length}` +
          (merged.variant ? ` (variant "${merged.variant}" has no ${task} head)` : ""),
      );
    }
    const layer = positiveInteger(`${task} head layer`, head.layer);
    if (layer > spec.layers.length) {
      fail(
        `Invalid ${task} head layer ${layer}: the architecture has layers 1..${spec.layers.length}`,
      );
    }
    const channels = positiveInteger(
      `${task} head channels`,
      head.channels ?? DEFAULT_HEAD_CHANNELS[task],
    );
    heads[task] = { layer, channels };
  }
  const seed = merged.seed ?? 1;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    fail(`Invalid seed ${showValue(seed)}: expected an integer`);
  }
  const weightStd = merged.weightStd ?? 0.01;
  const biasStd = merged.biasStd ?? 0.1;
  for (const [what, v] of [["weightStd", weightStd], ["biasStd", biasStd]] as const) {
    if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
      fail(`Invalid ${what} ${showValue(v)}: expected a finite number ≥ 0`);
    }
  }
  return {
    architecture: spec,
    architectureName: name,
    passes,
    tied,
    feedback,
    batchNorm,
    heads,
    seed,
    weightStd,
    biasStd,
    variant: merged.variant ?? null,
  };
}
