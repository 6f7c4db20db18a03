/**
 * `deno task reproduce`: trains and scores every paper variant on each protocol, and
 * writes `results.json`, `report.md` and the figures to `results/<date>-<commit>/`.
 * The steps, one file each: the command line (`args.ts`), the run folder
 * (`run_folder.ts`), the environment stamp (`environment.ts`), one protocol
 * (`protocol_run.ts`, for each of the registry `protocols/`), the convergence study
 * (`convergence.ts`) and the writing of the results (`write_run.ts`).
 *
 * Run folders are never overwritten and have one writer: a new run gets a new folder
 * (`results/<date>-<commit>[-N]`); an `--out` that holds a run is continued with
 * `--resume` (without `--backend`: on the backend recorded in its `run.json`) or moved
 * aside with `--force` (`DIR.old-<time>/`), else refused. The folder's lock file names
 * the process that writes it. SIGINT/SIGTERM are forwarded to the trainers, which also
 * exit by themselves when this process dies.
 *
 * @module
 */
import "../fixtures/mod.ts";
import { join } from "node:path";
import { initBackend } from "../mod.ts";
import { runCommand } from "../src/util/mod.ts";
import { parseReproduceArgs, type ReproduceArgs } from "./args.ts";
import { runConvergence } from "./convergence.ts";
import { resolveDataRoot } from "./data_root.ts";
import { environmentStamp, git, REPO } from "./environment.ts";
import { architectureOf } from "./profiles.ts";
import { runProtocol, settingsFor } from "./protocol_run.ts";
import { Slots } from "./slots.ts";
import { PROTOCOL_NAMES } from "./protocols/mod.ts";
import { CLAIM_CONFIG } from "./render.ts";
import type { ConvergenceResult, Results } from "./results.ts";
import { openRunFolder } from "./run_folder.ts";
import { writeRun } from "./write_run.ts";

export { parseReproduceArgs, type ReproduceArgs };

/** The run's settings as `results.json` records them (`config`). */
function runConfig(args: ReproduceArgs, backend: string, dataRoot: string | null) {
  const { profile } = args;
  return {
    profile: profile.name,
    profileDescription: profile.description,
    architecture: args.architecture,
    recipe: profile.recipe,
    model: args.model,
    seeds: args.seeds,
    backend,
    dataRoot,
    claims: CLAIM_CONFIG,
    protocols: Object.fromEntries(PROTOCOL_NAMES.map((p) => [p, settingsFor(args, p)])),
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseReproduceArgs(argv);
  if (args === null) return 0;
  const { opt } = args;
  const dataRoot = opt.synthetic
    ? { dir: null, from: "--synthetic" as const }
    : await resolveDataRoot(opt["data-root"], Deno.env.get("CLVM_DATA"), REPO);
  const started = performance.now();
  const commit = (await git("rev-parse", "--short", "HEAD")) ?? "nocommit";
  const date = new Date().toISOString().slice(0, 10);
  const log = (s: string) => console.error(s);
  const { out, lock, backend } = await openRunFolder(
    opt,
    args.backend,
    join(REPO, "results", `${date}-${commit}`),
    commit,
    log,
  );
  const cache = join(REPO, ".cache");
  const report = await initBackend(backend, log);
  const kernels = report.convolutions ? `; kernels: ${report.convolutions}` : "";
  log(`Backend: ${report.name} (${report.reason}${kernels}). Output: ${out}`);
  const environment = await environmentStamp(commit, report);
  const config = runConfig(args, backend, dataRoot.dir);
  const protocols: Results["protocols"] = {};
  const figures: string[] = [];
  let exitCode = 0;
  const trained = new Map<string, Map<string, string>>();
  // The protocols run side by side, sharing `--jobs` slots in the paper's order: while
  // one prepares its data (LFW-Parts' FaceMesh keypoints) or is scored, the next trains.
  const slots = new Slots(args.jobs);
  const mainThread = new Slots(1);
  const wanted = PROTOCOL_NAMES.filter((p) => args.targets.has(p));
  const runs = await Promise.all(wanted.map((protocol, priority) =>
    runProtocol(
      { args, out, dataRoot, cache, backend, log, slots, mainThread, priority },
      protocol,
    )
  ));
  for (const [i, protocol] of wanted.entries()) {
    const ran = runs[i]!;
    protocols[protocol] = ran.result;
    trained.set(protocol, ran.trained);
    if (ran.figure) figures.push(ran.figure);
    if (ran.result.status === "failed") exitCode = 1;
  }
  let convergence: ConvergenceResult | null = null;
  if (args.targets.has("convergence")) {
    try {
      const study = await runConvergence({
        out,
        dataRoot: dataRoot.dir,
        cache,
        inputSize: config.protocols["lfw-parts"]!.inputSize,
        passes: args.profile.convergencePasses,
        architecture: architectureOf(args.profile, "lfw-parts", args.archFlag),
        trained: trained.get("lfw-parts") ?? new Map(),
        log,
      });
      convergence = study.result;
      figures.push(...study.figures);
    } catch (error) {
      log(`convergence failed: ${(error as Error).stack ?? error}`);
      exitCode = 1;
    }
  }
  await writeRun(
    out,
    {
      environment,
      config,
      protocols,
      convergence,
      claims: [],
      figures,
      seconds: (performance.now() - started) / 1000,
    },
    args.profile.name,
    backend,
    log,
  );
  await lock.release();
  return exitCode;
}

if (import.meta.main) Deno.exit(await runCommand(Deno.args, main));
