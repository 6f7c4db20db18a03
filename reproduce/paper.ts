/**
 * The paper's words behind each claim the reproduction checks (Hu & Ramanan, arXiv
 * 1507.05699 v1). Its numbers live once each: Tables 1 and 2 in their protocol's
 * descriptor (`protocols/lfw_parts.ts`, `protocols/pascal_person.ts`), Table 3 in
 * src/eval (`PAPER_TABLE3`, shared with the benchmarks). The keypoint figures (Figs. 8,
 * 10, 14) are plots whose values the text does not give; their claims are in `claims.ts`.
 *
 * @module
 */

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
