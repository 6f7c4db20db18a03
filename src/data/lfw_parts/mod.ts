/**
 * LFW Part Labels (Kae et al., CVPR 2013; docs/DATASETS.md §2).
 *
 * Samples carry the image, the per-pixel class (0 hair, 1 skin, 2 background; a pixel
 * whose colour is not pure red, green or blue is 255 = ignore), when both superpixel
 * folders exist, the superpixel map and labels, and, when `keypoints.txt` exists (made by
 * `deno task data prepare lfw-parts` with MediaPipe FaceMesh: detector-made, not
 * hand-corrected), 19 facial keypoints with visibility. Pixel frame: the image's own,
 * 250×250.
 *
 * The files: the extracted layout and a sample's paths (`layout.ts`), the split lists
 * (`split.ts`), the masks' colour code (`mask.ts`), the superpixel files
 * (`superpixels.ts`), one sample (`sample.ts`), a split as a dataset (`open.ts`), the
 * validator (`check.ts`), `prepare` of the downloaded archives (`prepare.ts`, with its
 * progress bars in `prepare_progress.ts`), the dataset's identity (the split lists'
 * digests, `identity.ts`), the 19 detector-made keypoints kept in `keypoints.txt`
 * (`keypoints.ts`) and the FaceMesh tool that makes them (`keypoints_detector.ts`), and the
 * face window measured from the training masks (`face_window.ts`).
 *
 * @module
 */
export * from "./check.ts";
export * from "./face_window.ts";
export * from "./identity.ts";
export * from "./keypoints.ts";
export * from "./keypoints_detector.ts";
export * from "./layout.ts";
export * from "./mask.ts";
export * from "./open.ts";
export * from "./prepare.ts";
export * from "./prepare_progress.ts";
export * from "./sample.ts";
export * from "./split.ts";
export * from "./superpixels.ts";
