// A small progress bar for long data jobs: count/total, rate and ETA on stderr. On a
// terminal it redraws one line in place; otherwise it prints a plain line at each 10 % step
// and a last one from done().

/** A running progress display. */
export interface Progress {
  /** Sets the count done so far. */
  update(count: number): void;
  /** Adds `n` (default 1) to the count. */
  tick(n?: number): void;
  /** Draws the final state and ends the line. */
  done(): void;
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
  /** Minimum time between redraws on a terminal, ms (default 100). */
  intervalMs?: number;
}

/** `m:ss` or `h:mm:ss`. */
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
 * ```ts ignore
 * const bar = createProgress("masks", 2927);
 * for (let i = 0; i < 2927; i++) bar.tick();
 * bar.done();
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
  const start = now();
  let count = 0;
  let lastDraw = -Infinity;
  let lastDecile = 0;
  let finished = false;

  const fmt = (n: number): string => bytes ? `${(n / 1e6).toFixed(1)} MB` : String(n);
  const line = (): string => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const frac = total > 0 ? Math.min(1, count / total) : 1;
    const eta = rate > 0 && elapsed >= 0.25 ? (total - count) / rate : NaN;
    // Too early for a meaningful rate: show none rather than a wild one.
    const early = elapsed < 0.25 && !finished;
    const rateText = early
      ? "-/s"
      : bytes
      ? `${(rate / 1e6).toFixed(1)} MB/s`
      : `${rate.toFixed(1)}/s`;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = "#".repeat(filled) + ".".repeat(width - filled);
    const tail = finished ? `in ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`;
    return `${label} [${bar}] ${fmt(count)}/${fmt(total)} ${(frac * 100).toFixed(0)}% ` +
      `${rateText} ${tail}`;
  };
  const draw = (force: boolean): void => {
    if (tty) {
      const t = now();
      if (!force && t - lastDraw < interval) return;
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
    update(n: number): void {
      count = n;
      if (!finished) draw(false);
    },
    tick(n = 1): void {
      count += n;
      if (!finished) draw(false);
    },
    done(): void {
      if (finished) return;
      finished = true;
      draw(true);
      if (tty) write("\n");
    },
  };
}
