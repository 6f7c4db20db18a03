// The trainer's progress bar: batches done, running loss, images/s and ETA on stderr.
// On a terminal it redraws one line in place; otherwise it prints a line at each 10 % step.
import { formatDuration } from "../util/progress.ts";

/** A running progress display for one epoch. */
export interface TrainProgress {
  /** `done` batches of `total`, `images` trained so far, the running mean loss. */
  update(done: number, images: number, loss: number): void;
  /** Ends the line with a summary. */
  done(summary: string): void;
}

/** Options for {@link createTrainProgress}; the defaults write to stderr. */
export interface TrainProgressOptions {
  write?: (text: string) => void;
  tty?: boolean;
  now?: () => number;
  intervalMs?: number;
}

/** Starts a progress bar labelled `label` for `total` batches, `startAt` already done. */
export function createTrainProgress(
  label: string,
  total: number,
  startAt = 0,
  options: TrainProgressOptions = {},
): TrainProgress {
  const encoder = new TextEncoder();
  const write = options.write ?? ((text: string) => Deno.stderr.writeSync(encoder.encode(text)));
  const tty = options.tty ?? Deno.stderr.isTerminal();
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 100;
  const start = now();
  let lastDraw = -Infinity;
  let lastDecile = Math.floor((startAt / Math.max(1, total)) * 10);
  const line = (done: number, images: number, loss: number): string => {
    const elapsed = (now() - start) / 1000;
    const ran = done - startAt;
    const perBatch = ran > 0 ? elapsed / ran : NaN;
    const eta = ran > 0 ? (total - done) * perBatch : NaN;
    const width = 24;
    const filled = Math.round(Math.min(1, done / Math.max(1, total)) * width);
    const rate = elapsed > 0 && images > 0 ? `${(images / elapsed).toFixed(1)} img/s` : "- img/s";
    return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ` +
      `loss ${Number.isFinite(loss) ? loss.toFixed(4) : String(loss)} ${rate} ETA ${
        formatDuration(eta)
      }`;
  };
  return {
    update(done: number, images: number, loss: number): void {
      if (tty) {
        const t = now();
        if (t - lastDraw < interval && done < total) return;
        lastDraw = t;
        write(`\r\x1b[K${line(done, images, loss)}`);
        return;
      }
      const decile = Math.floor((done / Math.max(1, total)) * 10);
      if (decile <= lastDecile) return;
      lastDecile = decile;
      write(`${line(done, images, loss)}\n`);
    },
    done(summary: string): void {
      write(tty ? `\r\x1b[K${summary}\n` : `${summary}\n`);
    },
  };
}
