/**
 * `reproduce`'s command line: its options, and the checked request they make.
 *
 * @module
 */
import { BACKEND_CHOICES, type BackendChoice } from "../mod.ts";
import { VARIANTS } from "../src/clvm/mod.ts";
import { MODEL_FLAGS, modelFlags, type ModelOverrides } from "../src/train/mod.ts";
import {
  choiceOption,
  type CommandSpec,
  integerOption,
  parseCommand,
  UsageError,
} from "../src/util/mod.ts";
import { type Architecture, type ProfileName, PROFILES } from "./profiles.ts";
import { PROTOCOL_NAMES, type ProtocolName, PROTOCOLS } from "./protocols/mod.ts";

const TARGETS = [...PROTOCOL_NAMES, "convergence", "all"] as const;
const beyondNames = (p: ProtocolName) => PROTOCOLS[p].beyond.map((b) => b.name);
/** Every row beyond the paper a protocol defines: `--variants` may name them too. */
const BEYOND_ROWS = [...new Set(PROTOCOL_NAMES.flatMap(beyondNames))];
const SPLIT_FILE_PROTOCOLS = PROTOCOL_NAMES.filter((p) => PROTOCOLS[p].splitFile);

/** The options of `deno task reproduce`. */
export const SPEC = {
  name: "deno task reproduce",
  usage: `[${TARGETS.join("|")}…]`,
  positionals: true,
  description: `Trains every variant the paper reports on each protocol, picks each model on the
validation split, scores it on the test split, and writes results.json, report.md and
figures (PNG + SVG) to results/<date>-<commit>/. With no protocol: all of them.

Data root: --data-root DIR, else $CLVM_DATA, else ./data in the checkout. A protocol
uses its real dataset when the root holds it (DIR/lfw-parts: the official archives or
their extracted layout; DIR/aflw; DIR/pascal-person; see docs/DATASETS.md and
\`deno task data download\`), else its synthetic stand-in. A root that is given but
missing, or holds none of them, is an error; so is a protocol named on the command
line whose dataset the given root lacks.`,
  options: {
    profile: {
      type: "string",
      choices: Object.keys(PROFILES),
      help: "settings (default quick: ~25 min on 2 CPU cores)",
    },
    variants: {
      type: "string",
      arg: "A,B,…",
      help:
        "only these variants or rows beyond the paper (default: every one the paper\nreports, and the profile's rows beyond it)",
    },
    "data-root": { type: "string", arg: "DIR", help: "the real data (see above)" },
    "split-file": {
      type: "string",
      arg: "FILE",
      help: `with one ${
        SPLIT_FILE_PROTOCOLS.join(" or ")
      } protocol: its split file to read or write\n(default: in the dataset root, or in the split cache when that is read-only)`,
    },
    synthetic: {
      type: "boolean",
      help: "every protocol on its synthetic stand-in (no data root)",
    },
    arch: {
      type: "string",
      choices: ["tiny", "paper"],
      help: "architecture (default: the profile's)",
    },
    epochs: { type: "string", arg: "N", help: "epochs per training run (default: the profile's)" },
    batch: { type: "string", arg: "N", help: "batch size (default: the profile's)" },
    backend: { type: "string", choices: BACKEND_CHOICES, help: "tfjs backend (default auto)" },
    seeds: {
      type: "string",
      arg: "1,2,3",
      help: "training seeds; tables show mean ± std (default 1)",
    },
    jobs: {
      type: "string",
      arg: "N",
      help:
        "training runs and scoring passes at a time, shared by the\nprotocols, which run side by side (default: min(2, CPU cores))",
    },
    out: {
      type: "string",
      arg: "DIR",
      help: "output folder (default: a new results/<date>-<commit>[-N])",
    },
    resume: {
      type: "boolean",
      help:
        "continue the run in --out (default: the newest\nresults/<date>-<commit>[-N]): reuse each trained model\nwhose settings and data match, retrain the others",
    },
    force: {
      type: "boolean",
      help:
        "start anew in an --out that holds a run: its contents are\nmoved aside to DIR.old-<time>/ (never deleted)",
    },
    ...MODEL_FLAGS,
  },
  epilog: "Exit status: 0 done, 1 a protocol failed, 2 bad arguments.",
} as const satisfies CommandSpec;

/** The command line of `reproduce`, checked. */
export interface ReproduceArgs {
  /** Protocols (and `convergence`) to run. */
  targets: Set<string>;
  /** Protocols named on the command line (their data must be real when a root is given). */
  named: Set<string>;
  profile: (typeof PROFILES)[ProfileName];
  /** The architecture of the run (`--arch`, else the profile's); a protocol may set its own. */
  architecture: Architecture;
  /** `--arch`, which overrides every protocol's. */
  archFlag?: Architecture;
  backend: BackendChoice;
  seeds: number[];
  epochs: number | undefined;
  batch: number | undefined;
  jobs: number;
  onlyVariants: string[] | undefined;
  /** `--feedback`, `--tied`/`--untied`, `--passes`: set on every variant trained (empty: the presets'). */
  model: ModelOverrides;
  /** `--split-file`: the one protocol it is for, and the file. */
  splitFile?: { protocol: string; file: string };
  /** The raw option values (`out`, `resume`, `force`, `backend`, `data-root`, `synthetic`). */
  opt: {
    out?: string;
    resume?: boolean;
    force?: boolean;
    backend?: string;
    "split-file"?: string;
    "data-root"?: string;
    synthetic?: boolean;
  };
}

/**
 * Parses and checks `reproduce`'s command line; null for `--help` (after printing it).
 * Throws a {@link UsageError} (one line) for unknown flags, bad values and requests that
 * would do nothing (a variant no requested protocol trains).
 */
export function parseReproduceArgs(args: readonly string[]): ReproduceArgs | null {
  const parsed = parseCommand(SPEC, args);
  if (parsed.help !== null) {
    console.log(parsed.help.trimEnd());
    return null;
  }
  const { values: opt, positionals } = parsed;
  for (const p of positionals) choiceOption("protocol", p, TARGETS);
  const targets = new Set<string>(
    positionals.length === 0 || positionals.includes("all")
      ? [...PROTOCOL_NAMES, "convergence"]
      : positionals,
  );
  const named = new Set(positionals.filter((p) => p !== "all" && p !== "convergence"));
  const profile = PROFILES[(opt.profile ?? "quick") as ProfileName];
  const archFlag = opt.arch as Architecture | undefined;
  const architecture = archFlag ?? profile.architecture;
  const backend = (opt.backend ?? "auto") as BackendChoice;
  const int = (flag: string, v: string | undefined) =>
    v === undefined ? undefined : integerOption(flag, v, 1);
  const seeds = (opt.seeds ?? "1").split(",").map((s) => integerOption("seeds", s.trim(), 1));
  const twice = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (twice !== undefined) {
    throw new UsageError(
      `Seed ${twice} is given twice in --seeds ${opt.seeds}: each seed trains one model, so a repeat would count one model twice`,
    );
  }
  const epochs = int("epochs", opt.epochs);
  const batch = int("batch", opt.batch);
  const jobs = int("jobs", opt.jobs) ?? Math.max(1, Math.min(2, navigator.hardwareConcurrency));
  const onlyVariants = opt.variants?.split(",").map((v) => v.trim());
  const rows = [...Object.keys(VARIANTS), ...BEYOND_ROWS];
  for (const v of onlyVariants ?? []) choiceOption("variants", v, rows);
  if (opt.synthetic && opt["data-root"]) {
    throw new UsageError("--synthetic and --data-root exclude each other: give one");
  }
  if (onlyVariants) {
    for (const protocol of PROTOCOL_NAMES) {
      if (!targets.has(protocol)) continue;
      const valid = [...PROTOCOLS[protocol].variants, ...beyondNames(protocol)];
      if (!onlyVariants.some((v) => valid.includes(v))) {
        throw new UsageError(
          `No variant of --variants ${onlyVariants.join(",")} is trained on ${protocol}: ` +
            `expected one of ${valid.join(", ")}`,
        );
      }
    }
  }
  const splitFile = opt["split-file"];
  const splitProtocols = SPLIT_FILE_PROTOCOLS.filter((p) => targets.has(p));
  if (splitFile !== undefined && splitProtocols.length !== 1) {
    throw new UsageError(
      `--split-file names the split file of one dataset: run it with exactly one of ` +
        `${SPLIT_FILE_PROTOCOLS.join(", ")} (requested: ${[...targets].join(", ")})`,
    );
  }
  return {
    ...(splitFile === undefined
      ? {}
      : { splitFile: { protocol: splitProtocols[0]!, file: splitFile } }),
    targets,
    named,
    profile,
    architecture,
    ...(archFlag ? { archFlag } : {}),
    backend,
    seeds,
    epochs,
    batch,
    jobs,
    onlyVariants,
    model: modelFlags(opt),
    opt,
  };
}
