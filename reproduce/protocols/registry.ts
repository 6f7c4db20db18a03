/**
 * The protocols of the reproduction, in the report's order: adding a dataset is a loader,
 * a fixture, one protocol file and one line here. What the rest of `reproduce/` asks of a
 * protocol — its headline numbers, their names — is read from these descriptors.
 *
 * @module
 */
import { AFLW } from "./aflw.ts";
import { LFW_PARTS } from "./lfw_parts.ts";
import { PASCAL_PERSON } from "./pascal_person.ts";
import type { Protocol, ProtocolName } from "./protocol.ts";
import type { ProtocolScores } from "./scores.ts";

/** Every protocol, in the order they run and are reported. */
export const PROTOCOL_LIST: readonly Protocol[] = [LFW_PARTS, AFLW, PASCAL_PERSON];

/** The protocols' names, in {@link PROTOCOL_LIST}'s order. */
export const PROTOCOL_NAMES: readonly ProtocolName[] = PROTOCOL_LIST.map((p) => p.name);

/** The protocols by name. */
export const PROTOCOLS: Readonly<Record<ProtocolName, Protocol>> = Object.fromEntries(
  PROTOCOL_LIST.map((p) => [p.name, p]),
) as Record<ProtocolName, Protocol>;

/**
 * The protocol called `name`; throws naming the known ones otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(protocolOf("aflw").keypoints.rule, "≤");
 * assert.throws(() => protocolOf("coco"), /expected one of lfw-parts, aflw, pascal-person/);
 * ```
 */
export function protocolOf(name: string): Protocol {
  const p = (PROTOCOLS as Record<string, Protocol | undefined>)[name];
  if (!p) {
    throw new Error(`Unknown protocol "${name}": expected one of ${PROTOCOL_NAMES.join(", ")}`);
  }
  return p;
}

/** A task of a protocol. */
export type Task = "segmentation" | "keypoints";

/** The headline number (%, higher is better) of a task on a protocol, or undefined. */
export function headline(
  protocol: ProtocolName,
  task: Task,
  s: ProtocolScores | null | undefined,
): number | undefined {
  if (!s) return undefined;
  const p = protocolOf(protocol);
  if (task === "segmentation") return p.segmentation?.headline(s);
  const v = s.keypoints?.below[String(p.keypoints.headline)];
  return v === undefined ? undefined : 100 * v;
}

/** What the headline number of a task is, in words. */
export function headlineName(protocol: ProtocolName, task: Task): string {
  const p = protocolOf(protocol);
  if (task === "segmentation") return p.segmentation?.metric ?? "no segmentation";
  const k = p.keypoints;
  return `% of ${k.unit} with error ${k.rule} ${+(100 * k.headline).toFixed(
    2,
  )}% of ${k.normalizer}`;
}
