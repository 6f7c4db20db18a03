/**
 * Runs training jobs as subprocesses, a few at a time, skipping those already done.
 *
 * @module
 */
import { join } from "node:path";
import type { JobSpec } from "./train_job.ts";

const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-ffi",
];

/** The outcome of one job. */
export interface JobOutcome {
  spec: JobSpec;
  ok: boolean;
  skipped: boolean;
  seconds: number;
  error?: string;
}

/** True when the job's `done.json` exists. */
export async function isDone(spec: JobSpec): Promise<boolean> {
  return await Deno.stat(join(spec.out, "done.json")).then(() => true, () => false);
}

/**
 * Runs `specs` with at most `concurrency` at a time. A job whose `done.json` exists is
 * skipped; one with a `last.ckpt` resumes from it.
 */
export async function runJobs(
  specs: JobSpec[],
  concurrency: number,
  log: (line: string) => void,
  onDone: (outcome: JobOutcome) => void = () => {},
): Promise<JobOutcome[]> {
  const script = new URL("./train_job.ts", import.meta.url).pathname;
  const outcomes: JobOutcome[] = new Array(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const index = next++;
      const spec = specs[index]!;
      const started = performance.now();
      let outcome: JobOutcome;
      if (await isDone(spec)) {
        outcome = { spec, ok: true, skipped: true, seconds: 0 };
      } else {
        await Deno.mkdir(spec.out, { recursive: true });
        const specPath = join(spec.out, "job.json");
        await Deno.writeTextFile(specPath, JSON.stringify(spec, null, 2));
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", ...PERMISSIONS, script, specPath],
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
          const lines = stream.pipeThrough(new TextDecoderStream());
          let buffer = "";
          for await (const chunk of lines) {
            buffer += chunk;
            const parts = buffer.split("\n");
            buffer = parts.pop()!;
            for (const line of parts) {
              into.push(line);
              if (line.includes("] ")) log(line);
            }
          }
          if (buffer) into.push(buffer);
        };
        const errors: string[] = [];
        const [status] = await Promise.all([
          child.status,
          pump(child.stdout, []),
          pump(child.stderr, errors),
        ]);
        const seconds = (performance.now() - started) / 1000;
        outcome = status.success ? { spec, ok: true, skipped: false, seconds } : {
          spec,
          ok: false,
          skipped: false,
          seconds,
          error: errors.slice(-5).join("\n") || `exit code ${status.code}`,
        };
      }
      outcomes[index] = outcome;
      onDone(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return outcomes;
}
