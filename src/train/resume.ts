/**
 * Whether a run may be resumed with the command's settings: the differences from its
 * checkpoint's, and the error that names them.
 *
 * @module
 */
import { resolve } from "node:path";
import { VARIANTS } from "../clvm/variants.ts";
import { recipeFieldsDiffering, resolveRecipe } from "./recipes.ts";
import { presetModel, type TrainConfig } from "./train_config.ts";

/**
 * A resume that cannot continue: the folder's checkpoint (or another of its files)
 * disagrees with the command (`fields` lists the differences), or is unreadable.
 */
export class ResumeError extends Error {
  /** What went wrong: `conflict` (settings differ), `corrupt` (a file is unreadable). */
  readonly kind: "conflict" | "corrupt";
  /** The settings that differ (for `conflict`), each "name value (the checkpoint has …)". */
  readonly fields: string[];

  /** See the class doc. */
  constructor(message: string, kind: "conflict" | "corrupt", fields: string[] = []) {
    super(message);
    this.name = "ResumeError";
    this.kind = kind;
    this.fields = fields;
  }
}

/** The settings of `now` that differ from `saved`, each "name value (the checkpoint has …)". */
export function resumeConflicts(saved: TrainConfig, now: TrainConfig): string[] {
  const out: string[] = [];
  const keys = ["variant", "architecture", "dataset", "preprocess", "seed", "heads"] as const;
  for (const key of keys) {
    const a = JSON.stringify(saved[key]);
    const b = JSON.stringify(now[key]);
    if (a !== b) out.push(`${key} ${b} (the checkpoint has ${a})`);
  }
  const model = (c: TrainConfig) =>
    c.model ?? (Object.hasOwn(VARIANTS, c.variant) ? presetModel(c.variant) : undefined);
  const [ma, mb] = [model(saved), model(now)];
  for (const key of ["feedback", "tied", "passes"] as const) {
    if (ma && mb && ma[key] !== mb[key]) {
      out.push(`${key} ${JSON.stringify(mb[key])} (the checkpoint has ${JSON.stringify(ma[key])})`);
    }
  }
  if (saved.root !== null && now.root !== null && resolve(saved.root) !== resolve(now.root)) {
    out.push(`root "${now.root}" (the checkpoint has "${saved.root}")`);
  }
  if (saved.data && now.data) {
    for (const split of ["train", "val"] as const) {
      const n = `${split}Images` as const;
      if (saved.data[split] !== now.data[split] || saved.data[n] !== now.data[n]) {
        out.push(
          `${split} split ${now.data[n]} samples, fingerprint ${now.data[split]} (the ` +
            `checkpoint has ${saved.data[n]}, ${saved.data[split]})`,
        );
      }
    }
  }
  const savedRecipe = resolveRecipe(saved.recipe);
  for (const key of recipeFieldsDiffering(saved.recipe, now.recipe)) {
    const a = JSON.stringify(savedRecipe[key]);
    out.push(`recipe ${key} ${JSON.stringify(now.recipe[key])} (the checkpoint has ${a})`);
  }
  // A schedule other than constant spreads η over the run's steps: a longer or shorter
  // run would have taken other steps from the first.
  const schedule = now.recipe.learningRateSchedule;
  if (schedule !== "constant" && saved.epochs !== now.epochs) {
    out.push(
      `epochs ${now.epochs} (the checkpoint has ${saved.epochs}, and its ${schedule} ` +
        "learning-rate schedule is fixed by the run's length)",
    );
  }
  return out;
}
