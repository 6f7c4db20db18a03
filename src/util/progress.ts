/**
 * One progress bar for every long job (extracting archives, scoring, training epochs):
 * count/total, percent, an optional note (a running loss), the rate and the ETA on stderr.
 * On a terminal it redraws one line in place; otherwise it prints a plain line at each
 * 10 % step and a last one from `done()`.
 *
 * @module
 */

/** What a caller may show beside the count on each update. */
export interface ProgressDetail {
  /** Text shown after the percentage, e.g. `loss 0.1234`. */
  note?: string;
  /**
   * Work done so far in the rate's unit when it differs from the count (images trained
   * while the count is in batches); default: the count.
   */
  work?: number;
}

/** A running progress display. */
export interface Progress {
  /** Sets the count done so far (and, optionally, the note and the work for the rate). */
  update(count: number, detail?: ProgressDetail): void;
  /** Adds `n` (default 1) to the count. */
  tick(n?: number): void;
  /** Draws the final state, or writes `summary` in its place, and ends the line. */
  done(summary?: string): void;
}

/** Options for {@link createProgress}; the defaults write to stderr. */
export interface ProgressOptions {
  /** Where text goes (default: stderr). */
  write?: (text: string) => void;
  /** Whether to redraw in place (default: whether stderr is a terminal). */
  tty?: boolean;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
  /** How counts are shown (default: integers; `bytes` shows MB). */
  unit?: "items" | "bytes";
  /** The rate's unit when it is not the count's (`"img"` shows `12.5 img/s`). */
  rateUnit?: string;
  /** Count already done when the bar starts (a resumed epoch); rate and ETA exclude it. */
  startAt?: number;
  /** Minimum time between redraws on a terminal, ms (default 100). */
  intervalMs?: number;
}

/**
 * A duration in seconds as `m:ss` or `h:mm:ss` (`?` when unknown).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./progress.ts";
 * assert.equal(formatDuration(3725), "1:02:05");
 * assert.equal(formatDuration(NaN), "?");
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * Starts a progress display for `total` units of work labelled `label`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createProgress } from "./progress.ts";
 * const lines: string[] = [];
 * const bar = createProgress("masks", 4, { write: (s) => lines.push(s), tty: false });
 * for (let i = 0; i < 4; i++) bar.tick();
 * bar.done();
 * assert.match(lines.at(-1)!, /^masks \[#+\] 4\/4 100% /);
 * ```
 */
export function createProgress(
  label: string,
  total: number,
  options: ProgressOptions = {},
): Progress {
  const encoder = new TextEncoder();
  const write = options.write ?? ((text: string) => Deno.stderr.writeSync(encoder.encode(text)));
  const tty = options.tty ?? Deno.stderr.isTerminal();
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const bytes = options.unit === "bytes";
  const startAt = options.startAt ?? 0;
  const start = now();
  let count = startAt;
  let note: string | undefined;
  let work: number | undefined;
  let lastDraw = -Infinity;
  let lastDecile = total > 0 ? Math.floor((startAt / total) * 10) : 0;
  let finished = false;

  const fmt = (n: number): string => bytes ? `${(n / 1e6).toFixed(1)} MB` : String(n);
  const line = (): string => {
    const elapsed = (now() - start) / 1000;
    const ran = count - startAt;
    const frac = total > 0 ? Math.min(1, count / total) : 1;
    const eta = ran > 0 && elapsed >= 0.25 ? (total - count) * elapsed / ran : NaN;
    const done = work ?? ran;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const unit = options.rateUnit ? ` ${options.rateUnit}/s` : "/s";
    // Too early for a meaningful rate: show none rather than a wild one.
    const early = (elapsed < 0.25 || done <= 0) && !finished;
    const rateText = early
      ? `-${unit}`
      : bytes
      ? `${(rate / 1e6).toFixed(1)} MB/s`
      : `${rate.toFixed(1)}${unit}`;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = "#".repeat(filled) + ".".repeat(width - filled);
    const tail = finished ? `in ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`;
    return `${label} [${bar}] ${fmt(count)}/${fmt(total)} ${(frac * 100).toFixed(0)}% ` +
      `${note ? `${note} ` : ""}${rateText} ${tail}`;
  };
  const draw = (force: boolean): void => {
    if (tty) {
      const t = now();
      if (!force && t - lastDraw < interval && count < total) return;
      lastDraw = t;
      write(`\r\x1b[K${line()}`);
    } else {
      const decile = total > 0 ? Math.floor((count / total) * 10) : 10;
      if (!force && (decile <= lastDecile || decile >= 10)) return;
      lastDecile = decile;
      write(`${line()}\n`);
    }
  };
  return {
    update(n: number, detail?: ProgressDetail): void {
      count = n;
      if (detail?.note !== undefined) note = detail.note;
      if (detail?.work !== undefined) work = detail.work;
      if (!finished) draw(false);
    },
    tick(n = 1): void {
      count += n;
      if (!finished) draw(false);
    },
    done(summary?: string): void {
      if (finished) return;
      finished = true;
      if (summary !== undefined) {
        write(tty ? `\r\x1b[K${summary}\n` : `${summary}\n`);
        return;
      }
      draw(true);
      if (tty) write("\n");
    },
  };
}
