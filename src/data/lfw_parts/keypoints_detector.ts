/**
 * Runs the FaceMesh keypoint tool (tools/facemesh/keypoints.ts, with its own deno.json
 * and lock) as a subprocess, so that the detector's npm package is a data-preparation
 * dependency only: this file imports nothing of the tool, and the default install never
 * downloads `@vladmandic/human`.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkLfwKeypoints, LFW_PARTS_KEYPOINTS_FILE } from "./keypoints.ts";
import { readLfwPartsSplit } from "./split.ts";

/** The tool's entry point and config, beside this checkout's `src/`. */
export function facemeshTool(): { script: string; config: string } {
  const url = new URL("../../../tools/facemesh/keypoints.ts", import.meta.url);
  if (url.protocol !== "file:") {
    throw new Error(
      `Cannot run the FaceMesh keypoint tool from ${url.href}: it runs from a checkout ` +
        "of the repository (tools/facemesh/), not from a URL import",
    );
  }
  const script = fileURLToPath(url);
  return { script, config: join(script, "..", "deno.json") };
}

/** What {@link prepareLfwKeypoints} did. */
export interface PrepareKeypointsResult {
  /** `root/keypoints.txt`. */
  file: string;
  /** False when a sound file for the current split lists was already there. */
  made: boolean;
}

/**
 * Makes `root/keypoints.txt` (an extracted LFW-Parts root) with MediaPipe FaceMesh unless
 * a file that passes {@link checkLfwKeypoints} against the split lists is already there
 * (or `force`). The tool draws its own progress bar on stderr and prints its mask check;
 * `quiet` sends its stdout to this process's stderr instead of stdout (for CLIs whose
 * stdout is JSON). Throws when the tool fails (including a failed ≥ 97% mask check).
 *
 * @example
 * ```ts ignore
 * import { prepareLfwKeypoints } from "./keypoints_detector.ts";
 * await prepareLfwKeypoints("/tmp/lfw"); // ~7 min for 2,927 images on 2 cores
 * ```
 */
export async function prepareLfwKeypoints(
  root: string,
  options: { force?: boolean; quiet?: boolean } = {},
): Promise<PrepareKeypointsResult> {
  const file = join(root, LFW_PARTS_KEYPOINTS_FILE);
  if (!options.force) {
    const splits = {
      train: await readLfwPartsSplit(root, "train"),
      val: await readLfwPartsSplit(root, "val"),
      test: await readLfwPartsSplit(root, "test"),
    };
    const found = await checkLfwKeypoints(root, splits);
    if (found.present && found.problems.length === 0) return { file, made: false };
  }
  const { script, config } = facemeshTool();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", config, "--allow-all", script, root],
    stdin: "null",
    stdout: options.quiet ? "piped" : "inherit",
    stderr: "inherit",
  }).spawn();
  if (options.quiet) {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      Deno.stderr.writeSync(encoder.encode(decoder.decode(chunk)));
    }
  }
  const status = await child.status;
  if (!status.success) {
    throw new Error(
      `Cannot make ${file}: the FaceMesh tool (${script}) exited with status ${status.code} ` +
        "(its message is above)",
    );
  }
  return { file, made: true };
}
