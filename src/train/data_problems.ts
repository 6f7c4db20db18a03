/**
 * What the trainer says about a dataset's flaws: the problems it reported when opened, and
 * samples that cannot be read during a run (left out, up to 1% of the split).
 *
 * @module
 */
import type { Dataset } from "../data/types.ts";

/**
 * Says, through `log`, what the dataset left out or changed when it was opened (samples
 * skipped as unusable, landmarks taken as invisible): one line with the count and the
 * first three, so a flagged value never trains silently.
 */
export function warnAboutProblems(dataset: Dataset, log: (message: string) => void): void {
  const problems = dataset.problems ?? [];
  if (problems.length === 0) return;
  const first = problems.slice(0, 3).map((p) => `${p.file}: ${p.message}`).join("; ");
  log(
    `Warning: ${dataset.name} ${dataset.split} was opened with ${problems.length} problem(s), ` +
      `left out or marked invisible: ${first}${problems.length > 3 ? "; …" : ""}`,
  );
}

/**
 * A `batches()` `onUnreadable` for training and validation: a sample that cannot be read
 * or preprocessed (a truncated JPEG, say) is left out and named once through `log`; more
 * than 1% of the split (at least one sample is always allowed) ends the run with one error.
 */
export function skipUnreadable(
  dataset: Dataset,
  log: (message: string) => void,
): (index: number, id: string, error: Error) => void {
  const bad = new Set<string>();
  const allowed = Math.max(1, Math.floor(0.01 * dataset.ids.length));
  return (_index, id, error) => {
    if (bad.has(id)) return;
    bad.add(id);
    if (bad.size > allowed) {
      throw new Error(
        `Cannot train on ${dataset.name} ${dataset.split}: ${bad.size} of ` +
          `${dataset.ids.length} samples are unreadable (more than ${allowed}); last: ${id}: ` +
          error.message,
      );
    }
    log(`Warning: left out unreadable ${dataset.split} sample ${id}: ${error.message}`);
  };
}
