/**
 * The XML reading both annotation formats share (VOC and Bourdev & Malik): one parser
 * configured for them, child lookup, and numbers with errors that name what was read.
 *
 * @module
 */
import { XMLParser } from "../../deps.ts";

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name: string) => ["object", "keypoint", "segment"].includes(name),
});

export type Node = Record<string, unknown>;

export function parseXml(text: string, file: string, what: string): Node {
  try {
    return xml.parse(text, true) as Node;
  } catch (e) {
    throw new Error(
      `Cannot read ${what} "${file}": expected well-formed XML (${
        e instanceof Error ? e.message : e
      })`,
    );
  }
}

export function child(node: unknown, name: string): unknown {
  return node !== null && typeof node === "object" ? (node as Node)[name] : undefined;
}

export function num(value: unknown, fail: (m: string) => never, what: string): number {
  const text = typeof value === "string" ? value.trim() : "";
  const n = text === "" ? NaN : Number(text);
  if (!Number.isFinite(n)) {
    fail(`expected a number for ${what}, found ${JSON.stringify(value ?? null)}`);
  }
  return n;
}
