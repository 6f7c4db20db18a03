/**
 * Pascal Person (docs/DATASETS.md §3): VOC 2011 person instances with an SBD instance mask
 * and Bourdev & Malik keypoints, joined by box, split 70/10/20 by image.
 *
 * ## Root layout (as the three official archives extract)
 *
 * ```
 * root/
 *   VOCdevkit/VOC2011/Annotations/<image>.xml     VOCtrainval_25-May-2011.tar
 *   VOCdevkit/VOC2011/JPEGImages/<image>.jpg
 *   benchmark_RELEASE/dataset/inst/<image>.mat    benchmark.tgz (SBD), MAT v5
 *   benchmark_RELEASE/dataset/cls/<image>.mat
 *   annotations/person/<image>_<k>.xml            voc2011_keypoints_Feb2012.tgz
 *   clvm-splits-seed<N>.json                      written by the loader (see below)
 * ```
 *
 * ## The join
 *
 * A keypoint file's `visible_bounds` is matched to a VOC `person` object's `bndbox`
 * (exact, or IoU ≥ 0.9; one-to-one, best IoU first), never through the file-name suffix
 * `<k>`, which does not follow the VOC object order. The VOC object is then matched to
 * the SBD person instance (`GTinst.Categories(k) == 15`) whose mask bounding box has the
 * highest IoU with it (one-to-one, best first, IoU ≥ 0.5). Only instances with all three
 * — a visible box, keypoints and an SBD mask — are samples: keypoint files without a
 * matching VOC person, and persons of images that SBD lacks or whose mask matches no
 * SBD instance, are left out (the check reports how many).
 *
 * ## Samples
 *
 * - `id`: `<image>_p<n>`, n = 1-based rank of the person among the VOC XML's `person`
 *   objects in file order (e.g. `2008_000008_p1`).
 * - `image`: the JPEG as RGB.
 * - `segmentation`: per pixel 1 = this person, 0 = everything else (other people too),
 *   255 where SBD's instance map holds 255 (ignore). Classes `["background", "person"]`.
 * - `keypoints`: the 20 names of {@link PASCAL_PERSON_KEYPOINTS} in that order. A name
 *   the file does not annotate is `[NaN, NaN, 0]`. Keypoints marked `visible="0"` keep
 *   their estimated position with visible 0. A keypoint outside the image is set to
 *   visible 0 and keeps its position (as the poselets toolkit does); `strict: true`
 *   makes it an error instead.
 * - `box`: the keypoint file's visible box.
 *
 * ## Coordinates (types.ts: continuous, (0, 0) = top-left corner of the top-left pixel)
 *
 * VOC boxes are 1-based inclusive pixel indices, so `[xmin, xmax]` covers the continuous
 * interval `[xmin − 1, xmax]`. `visible_bounds` equals the VOC box with
 * `xmax = xmin + width`, so the box is `x = xmin − 1, y = ymin − 1, width = width + 1,
 * height = height + 1`. Keypoint `x, y` are taken as 1-based pixel-centre coordinates
 * (MATLAB's, the convention of the box they sit in): pixel 1 is centred at 1, so the
 * continuous position is `x − 0.5, y − 0.5`. A keypoint is outside the image when its
 * continuous position is outside `[0, W] × [0, H]`.
 *
 * ## Split
 *
 * Images (sorted by id) are shuffled with mulberry32(seed); walking them in that order,
 * an image's instances all go to train while train holds fewer than 70 % of all
 * instances, then to val below 80 %, then to test. So the instance fractions are close
 * to 70/10/20 and no image is in two splits. The result (with the join: keypoint file,
 * VOC object and SBD instance of every id) is written to `root/clvm-splits-seed<N>.json`
 * (or `splitFile`) and reused whenever that file exists, so later opens skip the scan
 * and everyone sharing the file gets the same samples. When the root is read-only the
 * file is not written; the split is the same anyway, being a function of the seed.
 *
 * @module
 */
export * from "./bourdev_xml.ts";
export * from "./check.ts";
export * from "./labels.ts";
export * from "./open.ts";
export type { PascalPersonEntry, PascalPersonSplitFile } from "./_split.ts";
export * from "./voc_xml.ts";
