/**
 * AFLW (Koestinger et al. 2011): faces from `data/aflw.sqlite` and the Flickr images under
 * `data/flickr/{0,2,3}/`, as {@link Sample}s with 21 landmarks and the face rect, split
 * 1000 val / 1000 test / rest train by a seeded shuffle kept in a split file
 * (docs/DATASETS.md §1).
 *
 * How the database is read (docs/DATASETS.md §1.2): every `Faces` row is joined to its
 * `FaceImages` row by `file_id` (never by `image_id`), to its `FaceRect`, to its
 * `FeatureCoords` rows and, when present, to its `FacePose`.
 *
 * Documented handling of what the real database is known to carry:
 * - Invisible landmarks have no `FeatureCoords` row; they come out as `[0, 0, 0]`
 *   (x = y = 0, visible 0).
 * - Faces without a `FaceRect` (a dozen in the distributed file) are skipped: they are in
 *   no split, and {@link checkAflw} lists them as notes, not problems.
 * - `FeatureCoords` rows whose `feature_id` lies outside 1..21 (ids of the extra
 *   `FeatureCoordTypes` rows added for other databases) are ignored. A `feature_id` with no
 *   `FeatureCoordTypes` row is ignored by the loader too, but is a problem for the check.
 * - When a face has two rows for the same landmark or two rects, the first row (by rowid)
 *   counts; the check lists the duplicates as notes.
 *
 * Faults are handled per sample, never by refusing the database (issue 13 §8):
 * - A NULL (or text) coordinate: that landmark is taken as invisible; a NULL in a
 *   `FaceRect`, a zero-size rect, a face without a `FaceImages` row or whose image file
 *   is missing: the face keeps its place in the split (splits depend only on which faces
 *   have a rect) but {@link openAflw} skips it. A visible landmark outside the image by
 *   more than the rect's larger side (what `data check` flags) is taken as invisible.
 *   Each is listed in the dataset's `problems` with the face id and its file.
 * - More than 1% of a split skipped (`maxSkipFraction`) is one error naming the count.
 * - The split file lives in the root when the root is writable, else in the split cache
 *   (`../_split_file.ts`), or where `splitFile` says.
 *
 * Coordinates (converted to the convention of `types.ts`, where pixel column i spans
 * [i, i + 1) and has its centre at i + 0.5) [inferred: the AFLW C++ toolkit stores OpenCV
 * style pixel indices]: a landmark stored as (x, y), 0-based with pixel centres at
 * integers, becomes (x + 0.5, y + 0.5); the integer `FaceRect` (x, y, w, h) covers pixels
 * x..x+w-1, i.e. the continuous box `{ x, y, width: w, height: h }` unchanged. The rect
 * may extend outside the image (negative x or y); it is not clipped.
 *
 * @module
 */
export * from "./check.ts";
export * from "./database.ts";
export * from "./landmarks.ts";
export * from "./open.ts";
export * from "./sample.ts";
export * from "./split.ts";
