/**
 * LFW Part Labels (Kae et al., CVPR 2013; docs/DATASETS.md §2): the loader, validator and
 * `prepare` of the extracted archives (`lfw_parts.ts`), the dataset's identity (the split
 * lists' digests, `identity.ts`), the 19 detector-made facial keypoints kept in
 * `keypoints.txt` (`keypoints.ts`) and the FaceMesh tool that makes them
 * (`keypoints_detector.ts`), and the face window measured from the training masks
 * (`face_window.ts`).
 *
 * @module
 */
export * from "./face_window.ts";
export * from "./identity.ts";
export * from "./keypoints.ts";
export * from "./keypoints_detector.ts";
export * from "./lfw_parts.ts";
