/**
 * The reproduction's protocols as data (LFW-Parts, AFLW, Pascal Person): one descriptor
 * each, the registry, the shared evaluator and the score records.
 *
 * @module
 */
export * from "./protocol.ts";
export * from "./scores.ts";
export * from "./keypoint_rule.ts";
export * from "./evaluator.ts";
export * from "./registry.ts";
export { LFW_PARTS, lfwPartsInputSentence, TABLE1, TABLE1_PRIOR } from "./lfw_parts.ts";
export { AFLW } from "./aflw.ts";
export { PASCAL_PERSON, TABLE2 } from "./pascal_person.ts";
