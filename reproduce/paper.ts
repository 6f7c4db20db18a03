/**
 * What the paper reports (Hu & Ramanan, arXiv 1507.05699 v1), typed in from the paper
 * and shown as the paper's: Tables 1–3. The keypoint figures (Figs. 8, 10, 14) are plots
 * whose values the text does not give; their claims are listed in `claims.ts`.
 *
 * @module
 */

/** Table 1: LFW-Parts superpixel accuracy (%) and error reduction vs the CRF (%). */
export const TABLE1: Readonly<Record<string, { accuracy: number; errorReduction: number }>> = {
  "CLVM1-seg": { accuracy: 96.05, errorReduction: 41.60 },
  "CLVM2-seg": { accuracy: 96.38, errorReduction: 46.60 },
  "M-CLVM1": { accuracy: 96.11, errorReduction: 42.59 },
  "M-CLVM2": { accuracy: 96.85, errorReduction: 53.48 },
  // §4 "Weight-sharing": the untied M-CLVM₂ (no error reduction given).
  "M-CLVM2-untied": { accuracy: 96.84, errorReduction: NaN },
  oracle: { accuracy: 99.97, errorReduction: 100.0 },
};

/** Table 1's prior-art rows (Kae et al. 2013). */
export const TABLE1_PRIOR: Readonly<Record<string, number>> = {
  CRF: 93.23,
  "Spatial CRF": 93.95,
  CRBM: 94.10,
  GLOC: 94.95,
};

/** Table 2: Pascal Person pixel accuracy (%). */
export const TABLE2: Readonly<Record<string, number>> = {
  oracle: 99.53,
  "CLVM1-seg": 83.40,
  "CLVM2-seg": 86.56,
  "M-CLVM1": 82.91,
  "M-CLVM2": 86.57,
};

/** Table 3: milliseconds per 180×180 image on a Tesla K40c. */
export const TABLE3: readonly { variant: string; task: string; ms: number }[] = [
  { variant: "CLVM1", task: "segmentation", ms: 15.5 },
  { variant: "CLVM1", task: "keypoints", ms: 13.3 },
  { variant: "CLVM2", task: "segmentation", ms: 31.0 },
  { variant: "CLVM2", task: "keypoints", ms: 21.5 },
  { variant: "M-CLVM1", task: "both", ms: 16.1 },
  { variant: "M-CLVM2", task: "both", ms: 31.2 },
];

/** A passage of the paper, quoted word for word (its Markdown transcription's markup kept). */
export interface Quote {
  /** Where it is: "Table 1 caption", "§4 Weight-sharing", … */
  source: string;
  /** The paper's words (a substring of the paper's text, whitespace aside). */
  text: string;
}

/** The paper's words behind each claim the reproduction checks (`claims.ts`). */
export const QUOTES = {
  feedbackLfw: {
    source: "Table 1 caption",
    text: "Adding top-down feedback (CLVM<sub>2</sub>) improves results",
  },
  multitaskBestLfw: {
    source: "Table 1 caption",
    text:
      "adding multi-task keypoint targets during learning (M-CLVM<sub>2</sub>) produces the best overall performance",
  },
  multitaskAsWell: {
    source: "§4 LFW-Parts",
    text:
      "a single multi-task architecture performs as well (or even better than) multiple single-task architectures",
  },
  feedbackMultitask: {
    source: "§4 LFW-Parts",
    text: "bidirectional top-down feedback is crucial for multi-task prediction",
  },
  untied: {
    source: "§4 Weight-sharing",
    text: "We found such models performed nearly identically to their tied counterparts",
  },
  twoPassLfwKeypoints: {
    source: "Fig. 10 caption",
    text: "Our two-pass models with feedback significantly outperform one-pass bottom-up variants.",
  },
  aflwFeedback: {
    source: "Fig. 8 caption",
    text:
      "top-down feedback (CLVM<sub>2</sub>) helps for even single-task prediction, producing a noticeable improvement that approaches the upper-bound",
  },
  pascalFeedbackSeg: {
    source: "Table 2 caption",
    text: "Our bidirectional models significantly outperform their bottom-up counterparts.",
  },
  pascalMultitaskSeg1: {
    source: "Table 2 caption",
    text:
      "multi-task training slightly hurts our bottom-up model (CLVM<sub>1</sub> vs M-CLVM<sub>1</sub>)",
  },
  pascalMultitaskSeg2: {
    source: "Table 2 caption",
    text: "but slightly helps our bidirectional model (CLVM<sub>2</sub> vs M-CLVM<sub>2</sub>)",
  },
  pascalFeedbackKeypoints: {
    source: "§4 Pascal Person",
    text: "our bidirectional models strongly outperform their single-pass feedforward counterparts",
  },
  pascalMultitaskKp1: {
    source: "Fig. 14 caption",
    text:
      "multi-task learning significantly *hurts* our feed-forward models (CLVM<sub>1</sub> vs. M-CLVM<sub>1</sub>)",
  },
  pascalMultitaskKp2: {
    source: "Fig. 14 caption",
    text: "but slightly helps our bidirectional model (CLVM<sub>2</sub> vs. M-CLVM<sub>2</sub>)",
  },
  convergence: {
    source: "§4 Convergence",
    text:
      "we verify that layer-wise coordinate updates do increase a global scoring function (Fig. 15)",
  },
  twoPassCost: {
    source: "Table 3 caption",
    text: "Our two-pass (feedback-aware) models are 2X slower than their feedforward counterparts.",
  },
  lazyTopDown: { source: "Table 3", text: "CLVM <sub>2</sub>\t31.0 ms\t21.5 ms" },
  multitaskFree: {
    source: "Table 3 caption",
    text: "Multi-task outputs essentially come “for free”.",
  },
} as const satisfies Record<string, Quote>;

/** The names of {@link QUOTES}. */
export type QuoteName = keyof typeof QUOTES;
