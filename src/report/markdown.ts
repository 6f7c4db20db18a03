/**
 * Markdown tables for the reproduction report: the paper's number, ours (mean ± std over
 * seeds) and the difference. Every number is passed in by the caller; nothing here types
 * a result by hand.
 *
 * @module
 */

/** Column alignment in a Markdown table. */
export type Align = "left" | "right" | "center";

/** What a table cell may hold: text, or a number written with `String(n)`. */
export type Cell = string | number;

/** Escapes one cell: `|` becomes `\|`, line breaks become `<br>`, outer space is trimmed. */
function escapeCell(cell: Cell): string {
  return String(cell).replace(/\|/g, "\\|").replace(/\r\n|\r|\n/g, "<br>").trim();
}

function delimiter(align: Align): string {
  switch (align) {
    case "left":
      return ":---";
    case "right":
      return "---:";
    case "center":
      return ":---:";
  }
}

/**
 * A GitHub-flavoured Markdown table. Pipes inside cells are escaped (`\|`) and line breaks
 * become `<br>`, so any text is safe in a cell. Ends with a newline.
 *
 * @param headers the column names
 * @param rows one array per row, exactly `headers.length` cells each
 * @param align one alignment per column (default: all `"left"`)
 * @throws when a row or `align` has the wrong number of entries
 *
 * @example
 * ```ts
 * import { markdownTable } from "./markdown.ts";
 * const md = markdownTable(["model", "acc"], [["CLVM1", "96.05"]], ["left", "right"]);
 * // | model | acc |
 * // | :--- | ---: |
 * // | CLVM1 | 96.05 |
 * ```
 */
export function markdownTable(
  headers: readonly Cell[],
  rows: readonly (readonly Cell[])[],
  align?: readonly Align[],
): string {
  const n = headers.length;
  if (n === 0) throw new Error("Cannot build a Markdown table: expected at least one header");
  if (align !== undefined && align.length !== n) {
    throw new Error(
      `Cannot build a Markdown table: expected ${n} alignments (one per header), found ${align.length}`,
    );
  }
  rows.forEach((row, i) => {
    if (row.length !== n) {
      throw new Error(
        `Cannot build a Markdown table: row ${i} has ${row.length} cells, expected ${n}`,
      );
    }
  });
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  const out = [
    line(headers.map(escapeCell)),
    line(headers.map((_, j) => delimiter(align?.[j] ?? "left"))),
    ...rows.map((row) => line(row.map(escapeCell))),
  ];
  return out.join("\n") + "\n";
}

/** Mean, sample standard deviation (n − 1 in the denominator; 0 for one value) and count. */
export interface MeanStd {
  /** The arithmetic mean. */
  mean: number;
  /** The sample standard deviation (n − 1); 0 for one value. */
  std: number;
  /** How many values. */
  n: number;
}

/**
 * Mean and sample standard deviation (Bessel's n − 1; 0 when there is one value) of
 * `values`. `NaN` mean and std for no values.
 *
 * @example
 * ```ts
 * import { meanStd } from "./markdown.ts";
 * meanStd([1, 2, 3]); // { mean: 2, std: 1, n: 3 }
 * ```
 */
export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n === 1) return { mean, std: 0, n };
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

/**
 * `x.toFixed(digits)` without a negative zero ("-0.00" becomes "0.00").
 *
 * @example
 * ```ts
 * import { formatNumber } from "./markdown.ts";
 * formatNumber(-0.001, 2); // "0.00"
 * ```
 */
export function formatNumber(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/**
 * "mean ± std" over seeds with `digits` decimals: `"96.05 ± 0.12"`; the value alone when
 * there is one seed; `"—"` when there is none. The std is the sample std (n − 1).
 *
 * @example
 * ```ts
 * import { formatMeanStd } from "./markdown.ts";
 * formatMeanStd([96.0, 96.1], 2); // "96.05 ± 0.07"
 * formatMeanStd([96.0], 2); // "96.00"
 * formatMeanStd([], 2); // "—"
 * ```
 */
export function formatMeanStd(values: readonly number[], digits: number): string {
  if (values.length === 0) return "—";
  const { mean, std, n } = meanStd(values);
  if (n === 1) return formatNumber(mean, digits);
  return `${formatNumber(mean, digits)} ± ${formatNumber(std, digits)}`;
}

/**
 * A signed difference with `digits` decimals: `"+0.33"`, `"-0.12"`, or `"0.00"` when it
 * rounds to zero. ASCII signs, so the report's numbers parse with `parseFloat`.
 *
 * @example
 * ```ts
 * import { formatSigned } from "./markdown.ts";
 * formatSigned(0.333, 2); // "+0.33"
 * ```
 */
export function formatSigned(x: number, digits: number): string {
  const s = formatNumber(x, digits);
  if (!Number.isFinite(x) || s.startsWith("-") || /^0(\.0*)?$/.test(s)) return s;
  return `+${s}`;
}

/**
 * One row of a paper-vs-ours table: `[name, paper, ours (mean ± std), ours mean − paper]`,
 * each number with `digits` decimals. The difference is taken before rounding. `paper`
 * may be `null` (not reported by the paper); the missing entries read `"—"`.
 *
 * @example
 * ```ts
 * import { comparisonRow, markdownTable } from "./markdown.ts";
 * const row = comparisonRow("CLVM2", 96.38, [96.1, 96.3], 2);
 * // ["CLVM2", "96.38", "96.20 ± 0.14", "-0.18"]
 * markdownTable(["variant", "paper", "ours", "difference"], [row]);
 * ```
 */
export function comparisonRow(
  name: string,
  paper: number | null,
  ours: readonly number[],
  digits: number,
): [string, string, string, string] {
  const paperText = paper === null ? "—" : formatNumber(paper, digits);
  const oursText = formatMeanStd(ours, digits);
  const diff = paper === null || ours.length === 0
    ? "—"
    : formatSigned(meanStd(ours).mean - paper, digits);
  return [name, paperText, oursText, diff];
}
