/**
 * The names Pascal Person samples use: the 20 keypoints in order, the two classes,
 * and SBD's class id of `person`.
 *
 * @module
 */
/** The 20 person keypoints of the Bourdev & Malik release, in the order samples use. */
export const PASCAL_PERSON_KEYPOINTS: readonly string[] = Object.freeze([
  "L_Shoulder",
  "L_Elbow",
  "L_Wrist",
  "R_Shoulder",
  "R_Elbow",
  "R_Wrist",
  "L_Hip",
  "L_Knee",
  "L_Ankle",
  "R_Hip",
  "R_Knee",
  "R_Ankle",
  "L_Eye",
  "R_Eye",
  "L_Ear",
  "R_Ear",
  "Nose",
  "L_Toes",
  "R_Toes",
  "B_Head",
]);

/** Segmentation classes of Pascal Person samples. */
export const PASCAL_PERSON_CLASSES: readonly string[] = Object.freeze(["background", "person"]);

/** SBD / VOC class id of `person`. */
export const SBD_PERSON = 15;
