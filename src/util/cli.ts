/**
 * One command-line layer for every command of the suite (`reproduce`, `train`, `data`,
 * `table3`), over `node:util` `parseArgs`: typed option specs with their help text,
 * `-h`/`--help` on every command and subcommand, usage mistakes as one line naming the flag
 * and the valid choices (exit 2), and runtime failures as one line (exit 1) with the stack
 * only under `--verbose`.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** A command-line mistake: one line on stderr, exit status 2. */
export class UsageError extends Error {
  /** See the class doc. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One option of a command. */
export interface OptionSpec {
  /** `string` options take a value; `boolean` ones are flags. */
  type: "string" | "boolean";
  /** One-letter alias (`-h`). */
  short?: string;
  /** The value's placeholder in the help (`DIR`, `N`); strings only. */
  arg?: string;
  /** What the option does (one line or a few). */
  help: string;
  /** The only values allowed (checked by {@link parseCommand}; shown in the help). */
  choices?: readonly string[];
}

/** The options of a command, by long name (without `--`). */
export type OptionSpecs = Record<string, OptionSpec>;

/** A command or subcommand. */
export interface CommandSpec {
  /** How it is run, e.g. `deno task data check`. */
  name: string;
  /** Positional arguments as shown in the usage line, e.g. `<dataset>`. */
  usage?: string;
  /** What it does (a paragraph). */
  description: string;
  /** Its options; `--help` and `--verbose` are added to every command. */
  options: OptionSpecs;
  /** Whether positional arguments are accepted (default false). */
  positionals?: boolean;
  /** Extra text after the options (exit codes, examples). */
  epilog?: string;
}

/** The parsed values: strings for string options, booleans for flags. */
export type Values<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string;
};

/** What {@link parseCommand} returns. */
export type Parsed<O extends OptionSpecs> =
  | { help: string }
  | { help: null; values: Values<O>; positionals: string[]; verbose: boolean };

const COMMON: OptionSpecs = {
  help: { type: "boolean", short: "h", help: "this text" },
  verbose: { type: "boolean", help: "print the stack trace of a failure" },
};

function flagName(name: string, o: OptionSpec): string {
  const long = `--${name}${
    o.type === "string" ? ` ${o.arg ?? (o.choices ? o.choices.join("|") : "VALUE")}` : ""
  }`;
  return o.short ? `-${o.short}, ${long}` : long;
}

/**
 * The help text of a command: usage line, description, one line per option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatHelp } from "./cli.ts";
 * const text = formatHelp({ name: "demo", description: "Does it.", options: {} });
 * assert.deepEqual(text.startsWith("Usage: demo"), true);
 * ```
 */
export function formatHelp(spec: CommandSpec): string {
  const all = { ...spec.options, ...COMMON };
  const names = Object.entries(all).map(([n, o]) => [flagName(n, o), o] as const);
  const width = Math.min(32, Math.max(...names.map(([f]) => f.length)) + 2);
  const lines = [
    `Usage: ${spec.name}${spec.usage ? ` ${spec.usage}` : ""} [options]`,
    "",
    spec.description.trimEnd(),
    "",
    "Options:",
  ];
  for (const [flag, o] of names) {
    const help = o.choices && !o.help.includes(o.choices[0]!)
      ? `${o.help} (${o.choices.join(", ")})`
      : o.help;
    const [first = "", ...rest] = help.split("\n");
    const pad = flag.length + 2 > width
      ? `\n    ${" ".repeat(width)}`
      : " ".repeat(width - flag.length);
    lines.push(`  ${flag}${pad}${first}`);
    for (const r of rest) lines.push(`  ${" ".repeat(width)}${r}`);
  }
  if (spec.epilog) lines.push("", spec.epilog.trimEnd());
  return `${lines.join("\n")}\n`;
}

/**
 * Parses `args` against `spec`. Returns `{ help }` for `-h`/`--help`, else the values.
 * Unknown options, missing values, values outside `choices` and unexpected positionals
 * throw a {@link UsageError} of one line that names the flag and the valid ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommand } from "./cli.ts";
 * const p = parseCommand(
 *   { name: "demo", description: "", options: { n: { type: "string", help: "count" } } },
 *   ["--n", "3"],
 * );
 * assert.deepEqual(p.help === null && p.values.n, "3");
 * ```
 */
export function parseCommand<O extends OptionSpecs>(
  spec: CommandSpec & { options: O },
  args: readonly string[],
): Parsed<O> {
  const all: OptionSpecs = { ...spec.options, ...COMMON };
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, o] of Object.entries(all)) {
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  }
  const flags = Object.keys(all).map((k) => `--${k}`).join(", ");
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options,
      allowPositionals: spec.positionals ?? false,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) {
      throw new UsageError(
        `Unknown option ${unknown[1]} for ${spec.name}: expected one of ${flags}`,
      );
    }
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    if (positional) {
      throw new UsageError(
        `Unexpected argument "${
          positional[1]
        }" for ${spec.name}: every value follows its flag (${flags})`,
      );
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
    if (missing) throw new UsageError(`Option ${missing[1]} needs a value`);
    const ambiguous = /Option '(?:-\w, )?(--[\w-]+)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      throw new UsageError(
        `Option ${ambiguous[1]} needs a value (to pass one starting with -, write ${
          ambiguous[1]
        }=VALUE)`,
      );
    }
    const bool = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
    if (bool) throw new UsageError(`Option ${bool[1]} is a flag and takes no value`);
    throw new UsageError(message.split("\n")[0]!);
  }
  const values = { ...parsed.values } as Record<string, string | boolean | undefined>;
  if (values.help) return { help: formatHelp(spec) };
  for (const [name, o] of Object.entries(spec.options)) {
    const v = values[name];
    if (o.choices && typeof v === "string" && !o.choices.includes(v)) {
      throw new UsageError(`Invalid --${name} "${v}": expected one of ${o.choices.join(", ")}`);
    }
  }
  const verbose = Boolean(values.verbose);
  delete values.help;
  delete values.verbose;
  return { help: null, values: values as Values<O>, positionals: parsed.positionals, verbose };
}

/**
 * The subcommand named by the first positional of `args` (the arguments before it must be
 * options), and the arguments after it. `null` name: none given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitSubcommand } from "./cli.ts";
 * assert.deepEqual(splitSubcommand(["check", "aflw", "--root", "d"]).name, "check");
 * ```
 */
export function splitSubcommand(
  args: readonly string[],
): { name: string | null; before: string[]; rest: string[] } {
  const i = args.findIndex((a) => !a.startsWith("-"));
  if (i < 0) return { name: null, before: [...args], rest: [] };
  return { name: args[i]!, before: args.slice(0, i), rest: args.slice(i + 1) };
}

/**
 * An integer option's value, at least `min` (and at most `max`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { integerOption } from "./cli.ts";
 * assert.deepEqual(integerOption("epochs", "3", 1), 3);
 * ```
 */
export function integerOption(flag: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`Invalid --${flag} "${value}": expected an integer ${range}`);
  }
  return n;
}

/**
 * A finite number option's value, above `min` (exclusive) when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberOption } from "./cli.ts";
 * assert.deepEqual(numberOption("lr", "0.01", 0), 0.01);
 * ```
 */
export function numberOption(flag: string, value: string, min = -Infinity): number {
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n <= min) {
    const bound = min === -Infinity ? "" : ` > ${min}`;
    throw new UsageError(`Invalid --${flag} "${value}": expected a number${bound}`);
  }
  return n;
}

/**
 * One of `valid`, or a {@link UsageError} naming them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { choiceOption } from "./cli.ts";
 * assert.deepEqual(choiceOption("arch", "tiny", ["tiny", "paper"]), "tiny");
 * ```
 */
export function choiceOption<T extends string>(
  flag: string,
  value: string,
  valid: readonly T[],
): T {
  if (!(valid as readonly string[]).includes(value)) {
    throw new UsageError(`Invalid --${flag} "${value}": expected one of ${valid.join(", ")}`);
  }
  return value as T;
}

/** Where a command writes (tests capture it). */
export interface CliIo {
  /** Standard output (help, results). */
  stdout: (text: string) => void;
  /** Messages and errors. */
  stderr: (text: string) => void;
}

const encoder = new TextEncoder();

/** stdout and stderr of the process. */
export const PROCESS_IO: CliIo = {
  stdout: (t) => void Deno.stdout.writeSync(encoder.encode(t)),
  stderr: (t) => void Deno.stderr.writeSync(encoder.encode(t)),
};

/**
 * Runs a command's body and turns what it throws into an exit status: a
 * {@link UsageError} prints its one line (exit 2), any other error its message (exit 1),
 * with the stack only when `args` contain `--verbose`. The body returns its own status.
 *
 * @example
 * ```ts ignore
 * import { runCommand } from "./cli.ts";
 * if (import.meta.main) Deno.exit(await runCommand(Deno.args, (args) => main(args)));
 * ```
 */
export async function runCommand(
  args: readonly string[],
  body: (args: readonly string[]) => Promise<number> | number,
  io: CliIo = PROCESS_IO,
): Promise<number> {
  try {
    return await body(args);
  } catch (error) {
    const verbose = args.includes("--verbose");
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    io.stderr(verbose && e.stack ? `${e.stack}\n` : `${e.message}\n`);
    return 1;
  }
}

/**
 * {@link runCommand} for a command of one {@link CommandSpec}: prints the help for
 * `-h`/`--help` (exit 0), else calls `body` with the parsed values and positionals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CommandSpec, runSpec } from "./cli.ts";
 * const spec = {
 *   name: "demo",
 *   description: "Doubles N.",
 *   options: { n: { type: "string", help: "a number" } },
 * } satisfies CommandSpec;
 * let out = "";
 * const io = { stdout: (t: string) => void (out += t), stderr: () => {} };
 * assert.equal(await runSpec(spec, ["--help"], () => 1, io), 0);
 * assert.match(out, /Usage: demo/);
 * assert.equal(await runSpec(spec, ["--n", "3"], ({ values }) => Number(values.n) * 2, io), 6);
 * ```
 */
export function runSpec<O extends OptionSpecs>(
  spec: CommandSpec & { options: O },
  args: readonly string[],
  body: (parsed: { values: Values<O>; positionals: string[] }) => Promise<number> | number,
  io: CliIo = PROCESS_IO,
): Promise<number> {
  return runCommand(args, (a) => {
    const parsed = parseCommand(spec, a);
    if (parsed.help !== null) {
      io.stdout(`${parsed.help.trimEnd()}\n`);
      return 0;
    }
    return body(parsed);
  }, io);
}
