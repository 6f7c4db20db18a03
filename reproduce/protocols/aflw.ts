/**
 * AFLW (Köstinger et al. 2011) as the paper runs it: Fig. 8, keypoints only, the error
 * normalized by face size and counted ≤ the threshold (the cumulative curve's convention),
 * a seeded 1000/1000/rest split; Fig. 7 is the qualitative figure.
 *
 * @module
 */
import { join } from "node:path";
import { PREPROCESS } from "../../src/data/mod.ts";
import { aflwError } from "../../src/eval/mod.ts";
import { sharedEvaluator } from "./evaluator.ts";
import { type DataSource, holdsOneOf, type KeypointTask, type Protocol } from "./protocol.ts";

const RECOGNIZED = [["data/aflw.sqlite"]];

async function findData(root: string): Promise<DataSource | string> {
  if (!(await holdsOneOf(root, RECOGNIZED))) return `no ${join(root, "data", "aflw.sqlite")}`;
  return {
    protocol: "aflw",
    dataset: "aflw",
    root,
    kind: "real",
    description: `real AFLW from ${root}, seeded 1000/1000/rest split`,
  };
}

const keypoints: KeypointTask = {
  thresholds: [0.05, 0.1],
  rule: "≤",
  headline: 0.05,
  unit: "faces",
  normalizer: "face size",
  error: (pred, sample) => aflwError(pred, sample.keypoints!),
  oracleGap: true,
};

/** AFLW, as data. */
export const AFLW: Protocol = {
  name: "aflw",
  heading: () => "AFLW — Fig. 8 (keypoints)",
  dataset: "aflw",
  synthetic: "synthetic-aflw",
  folder: "aflw",
  recognized: RECOGNIZED,
  splitFile: true,
  findData,
  preprocess: PREPROCESS.aflw,
  inputSentence: (size) => `the face box, squared and resized to ${size}×${size}`,
  variants: ["CLVM1-kp", "CLVM2-kp"],
  beyond: [],
  keypoints,
  figures: { qualitative: "fig7", keypointCurves: "fig8" },
  palette: [],
  classNames: [],
  createEvaluator: ({ numClasses }) => sharedEvaluator(keypoints, null, numClasses),
};
