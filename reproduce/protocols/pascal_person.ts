/**
 * Pascal Person (VOC 2011 + SBD masks + Bourdev's keypoints) as the paper runs it: Table 2
 * (figure/ground pixel accuracy) and Fig. 14 (keypoints: error over the longest side of
 * the visible box, counted strictly < the threshold, "% of instances below 10%"); Fig. 13
 * is the qualitative figure.
 *
 * @module
 */
import { PREPROCESS, sourceWindow, type Transform } from "../../src/data/mod.ts";
import {
  evaluatePascalSegmentation,
  pascalKeypointError,
  type PascalSegmentationItem,
} from "../../src/eval/mod.ts";
import { formatMeanStd } from "../../src/report/mod.ts";
import { type SegmentationCore, sharedEvaluator } from "./evaluator.ts";
import { type DataSource, holdsOneOf, type KeypointTask, type Protocol } from "./protocol.ts";

/** Table 2: Pascal Person pixel accuracy (%). */
export const TABLE2: Readonly<Record<string, number>> = {
  oracle: 99.53,
  "CLVM1-seg": 83.40,
  "CLVM2-seg": 86.56,
  "M-CLVM1": 82.91,
  "M-CLVM2": 86.57,
};

const RECOGNIZED = [["VOCdevkit", "benchmark_RELEASE"]];

async function findData(root: string): Promise<DataSource | string> {
  if (await holdsOneOf(root, RECOGNIZED)) {
    return {
      protocol: "pascal-person",
      dataset: "pascal-person",
      root,
      kind: "real",
      description: `real Pascal Person (VOC 2011 + SBD + Bourdev keypoints) from ${root}`,
    };
  }
  return `no VOCdevkit/ and benchmark_RELEASE/ in ${root}`;
}

/** Table 2's metric: pixel accuracy inside each instance's window (the network's crop). */
function windowCore(): SegmentationCore {
  const items: PascalSegmentationItem[] = [];
  return {
    get count() {
      return items.length;
    },
    add(sample, _probabilities, labels, t: Transform) {
      items.push({
        pred: labels,
        gt: sample.segmentation!,
        width: sample.image.width,
        window: sourceWindow(t),
      });
    },
    result() {
      const r = evaluatePascalSegmentation(items);
      return {
        scores: { pascal: { pixelAccuracy: r.pooled, meanPerInstance: r.meanPerInstance } },
        perImage: {
          pixel: r.counts.map((c) => (c.total > 0 ? (100 * c.correct) / c.total : NaN)),
        },
        note: r.protocol,
      };
    },
  };
}

const keypoints: KeypointTask = {
  thresholds: [0.1],
  rule: "<",
  headline: 0.1,
  unit: "instances",
  normalizer: "longest side of the visible box",
  error: (pred, sample) => pascalKeypointError(pred, sample.keypoints!, sample.box!),
};

/** Pascal Person, as data. */
export const PASCAL_PERSON: Protocol = {
  name: "pascal-person",
  heading: () => "Pascal Person — Table 2 (segmentation) and Fig. 14 (keypoints)",
  dataset: "pascal-person",
  synthetic: "synthetic-pascal-person",
  folder: "pascal-person",
  recognized: RECOGNIZED,
  splitFile: true,
  findData,
  preprocess: PREPROCESS["pascal-person"],
  inputSentence: (size) => `the visible person box, squared and resized to ${size}×${size}`,
  variants: ["CLVM1-seg", "CLVM2-seg", "CLVM1-kp", "CLVM2-kp", "M-CLVM1", "M-CLVM2"],
  beyond: [],
  segmentation: {
    metric: "pixel accuracy (%)",
    headline: (s) => s.pascal?.pixelAccuracy,
    perImage: "pixel",
    paper: TABLE2,
    oursNote: " (pooled)",
    columns: [{
      header: "ours (mean per instance)",
      cell: (_, list) => formatMeanStd(list.map((x) => x.pascal!.meanPerInstance), 2),
    }],
    footnote: "",
  },
  keypoints,
  figures: { qualitative: "fig13", keypointCurves: "fig14" },
  palette: [null, [40, 120, 255]],
  classNames: ["background", "person"],
  createEvaluator: ({ numClasses }) => sharedEvaluator(keypoints, windowCore(), numClasses),
};
