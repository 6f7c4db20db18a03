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
