/**
 * The folders of a Pascal Person root (the layout in `mod.ts`) and which archive each
 * comes from.
 *
 * @module
 */
/** The folders of the layout. */
export function layout(root: string): {
  annotations: string;
  images: string;
  inst: string;
  cls: string;
  keypoints: string;
} {
  const r = root.replace(/\/+$/, "");
  return {
    annotations: `${r}/VOCdevkit/VOC2011/Annotations`,
    images: `${r}/VOCdevkit/VOC2011/JPEGImages`,
    inst: `${r}/benchmark_RELEASE/dataset/inst`,
    cls: `${r}/benchmark_RELEASE/dataset/cls`,
    keypoints: `${r}/annotations/person`,
  };
}

export const DIR_SOURCES: Record<string, string> = {
  annotations: "the VOC 2011 annotations (VOCtrainval_25-May-2011.tar)",
  images: "the VOC 2011 JPEGs (VOCtrainval_25-May-2011.tar)",
  inst: "the SBD instance masks (benchmark.tgz)",
  cls: "the SBD class masks (benchmark.tgz)",
  keypoints: "the Bourdev & Malik person keypoints (voc2011_keypoints_Feb2012.tgz)",
};

/** The folders of one root. */
export type Layout = ReturnType<typeof layout>;
