/**
 * What `prepareLfwParts` (`prepare.ts`) reports as it extracts, and the progress bars the
 * CLI draws from it.
 *
 * @module
 */
import { createProgress } from "../../util/progress.ts";

/** What `prepareLfwParts` reports as it goes. */
export interface PrepareProgress {
  /** The archive being extracted. */
  archive: string;
  /** Compressed bytes of the archive read so far. */
  bytesRead: number;
  /** The archive's size in bytes. */
  bytesTotal: number;
  /** Files written so far from this archive. */
  files: number;
  /** True once for each archive, when it is finished. */
  done: boolean;
}

/**
 * A progress callback for `prepareLfwParts` that draws one bar per archive on stderr.
 *
 * @example
 * ```ts ignore
 * import { prepareLfwParts, progressBars } from "./mod.ts";
 * await prepareLfwParts({ from: "dl", root: "/tmp/lfw", onProgress: progressBars() });
 * ```
 */
export function progressBars(): (p: PrepareProgress) => void {
  let current: { archive: string; bar: ReturnType<typeof createProgress> } | null = null;
  return (p) => {
    if (current?.archive !== p.archive) {
      current?.bar.done();
      current = {
        archive: p.archive,
        bar: createProgress(p.archive, p.bytesTotal, { unit: "bytes" }),
      };
    }
    current.bar.update(p.bytesRead);
    if (p.done) {
      current.bar.done();
      current = null;
    }
  };
}
