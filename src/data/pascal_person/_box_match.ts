/**
 * The join's box matching: IoU of 1-based inclusive pixel boxes, and a one-to-one
 * matching that takes the best IoU first.
 *
 * @module
 */
/** Boxes as 1-based inclusive pixel index ranges [x0, y0, x1, y1]. */
export type IndexBox = [number, number, number, number];

function iou(a: IndexBox, b: IndexBox): number {
  // Inclusive pixel ranges: a box from 1 to 3 covers 3 pixels.
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1;
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1;
  if (w <= 0 || h <= 0) return 0;
  const area = (r: IndexBox): number => (r[2] - r[0] + 1) * (r[3] - r[1] + 1);
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

/** One-to-one matching, best IoU first; returns `match[i] = j` or -1. */
export function greedyMatch(a: IndexBox[], b: IndexBox[], minIou: number): number[] {
  const pairs: [number, number, number][] = [];
  a.forEach((ba, i) =>
    b.forEach((bb, j) => {
      const v = iou(ba, bb);
      if (v >= minIou) pairs.push([v, i, j]);
    })
  );
  pairs.sort((p, q) => q[0] - p[0] || p[1] - q[1] || p[2] - q[2]);
  const match = new Array<number>(a.length).fill(-1);
  const used = new Set<number>();
  for (const [, i, j] of pairs) {
    if (match[i] !== -1 || used.has(j)) continue;
    match[i] = j;
    used.add(j);
  }
  return match;
}
