/**
 * The reproduction's settings per profile and protocol: every constant of a run lives
 * here, so a report can print exactly what was done.
 *
 * @module
 */
import type { ProtocolName } from "./evaluate.ts";

/** The profiles. */
export type ProfileName = "smoke" | "quick" | "full" | "paper";

/** How one protocol is run. */
export interface ProtocolSettings {
  /** Side of the square network input (the paper: 112; LFW-Parts 180). */
  inputSize: number;
  epochs: number;
  batchSize: number;
  /** Train on a seeded subset of this many training samples (null: all). */
  trainLimit: number | null;
  /** Validate on the first this many validation samples (null: all). */
  valLimit: number | null;
  /** Score on the first this many test samples (null: all). */
  testLimit: number | null;
}

/** A whole profile. */
export interface Profile {
  name: ProfileName;
  description: string;
  architecture: "tiny" | "paper";
  recipe: "quick" | "paper";
  protocols: Record<ProtocolName, ProtocolSettings>;
  /** Coordinate-ascent passes for the convergence study (Fig. 15). */
  convergencePasses: number;
}

/** The variants the paper reports per protocol (docs/MODEL.md §5). */
export const PROTOCOL_VARIANTS: Readonly<Record<ProtocolName, readonly string[]>> = {
  aflw: ["CLVM1-kp", "CLVM2-kp"],
  "lfw-parts": ["CLVM1-seg", "CLVM2-seg", "M-CLVM1", "M-CLVM2", "M-CLVM2-untied"],
  "pascal-person": ["CLVM1-seg", "CLVM2-seg", "CLVM1-kp", "CLVM2-kp", "M-CLVM1", "M-CLVM2"],
};

/** The profiles. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  smoke: {
    name: "smoke",
    description: "a pipeline check in about a minute: tiny inputs, 16 training samples, one " +
      "epoch, 8 test samples (numbers mean nothing)",
    architecture: "tiny",
    recipe: "quick",
    protocols: {
      aflw: { inputSize: 32, epochs: 1, batchSize: 8, trainLimit: 16, valLimit: 8, testLimit: 8 },
      "lfw-parts": {
        inputSize: 32,
        epochs: 1,
        batchSize: 8,
        trainLimit: 16,
        valLimit: 8,
        testLimit: 8,
      },
      "pascal-person": {
        inputSize: 32,
        epochs: 1,
        batchSize: 8,
        trainLimit: 16,
        valLimit: 8,
        testLimit: 8,
      },
    },
    convergencePasses: 4,
  },
  quick: {
    name: "quick",
    description: "a 2-core CPU in about 20 minutes: the tiny architecture, the quick recipe, " +
      "small inputs, a seeded subset of the LFW-Parts training split and few epochs; the " +
      "full test splits are scored",
    architecture: "tiny",
    recipe: "quick",
    protocols: {
      // The stand-ins have 1,199 (AFLW) and ~1,100 (Pascal) training samples and 300 test
      // samples each: 400 seeded training samples × 6 epochs = 300 steps per model.
      aflw: {
        inputSize: 64,
        epochs: 6,
        batchSize: 8,
        trainLimit: 400,
        valLimit: 100,
        testLimit: null,
      },
      "lfw-parts": {
        inputSize: 96,
        epochs: 4,
        batchSize: 8,
        trainLimit: 600,
        valLimit: 100,
        testLimit: null,
      },
      "pascal-person": {
        inputSize: 64,
        epochs: 6,
        batchSize: 8,
        trainLimit: 400,
        valLimit: 100,
        testLimit: null,
      },
    },
    convergencePasses: 10,
  },
  full: {
    name: "full",
    description: "every training image at the paper's input sizes with the tiny architecture " +
      "(hours on a CPU)",
    architecture: "tiny",
    recipe: "quick",
    protocols: {
      aflw: {
        inputSize: 112,
        epochs: 10,
        batchSize: 8,
        trainLimit: null,
        valLimit: null,
        testLimit: null,
      },
      "lfw-parts": {
        inputSize: 180,
        epochs: 10,
        batchSize: 8,
        trainLimit: null,
        valLimit: null,
        testLimit: null,
      },
      "pascal-person": {
        inputSize: 112,
        epochs: 10,
        batchSize: 8,
        trainLimit: null,
        valLimit: null,
        testLimit: null,
      },
    },
    convergencePasses: 10,
  },
  paper: {
    name: "paper",
    description: "the paper's architecture and recipe (batch 32, lr 0.01) at the paper's " +
      "input sizes: for a GPU",
    architecture: "paper",
    recipe: "paper",
    protocols: {
      aflw: {
        inputSize: 112,
        epochs: 30,
        batchSize: 32,
        trainLimit: null,
        valLimit: null,
        testLimit: null,
      },
      "lfw-parts": {
        inputSize: 180,
        epochs: 30,
        batchSize: 32,
        trainLimit: null,
        valLimit: null,
        testLimit: null,
      },
      "pascal-person": {
        inputSize: 112,
        epochs: 30,
        batchSize: 32,
        trainLimit: null,
        valLimit: null,
        testLimit: null,
      },
    },
    convergencePasses: 10,
  },
};
