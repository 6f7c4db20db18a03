/**
 * `deno task lint:layers`: the one-way layering of the project (the README's Layout, made
 * precise by the rules below), checked over the real module graph (`deno info --json`, so
 * imports inside comments, strings and doc examples do not count; `import type` does).
 *
 * A package is a folder under `src/` (`src/clvm`), a single file at `src/`'s top
 * (`src/deps.ts`, `src/backend.ts`), or a top-level folder (`reproduce`, `benchmarks`,
 * `fixtures`, `scripts`, `tools`); the root `mod.ts` is the library's face. The rules:
 *
 * 1. No cycle between packages, and none between files (test files excluded: they are
 *    leaves).
 * 2. A private `_file.ts` is imported only from its own folder (or below it).
 * 3. `src/` imports nothing of `fixtures/`, `reproduce/`, `benchmarks/`, `tools/`, `scripts/`
 *    (tests under `src/` may use `fixtures/` and the root `mod.ts`).
 * 4. `reproduce/` and `benchmarks/` reach `src/` only through faces: `mod.ts`,
 *    `src/<package>/mod.ts`, or a single-file package; `fixtures/` only through
 *    `fixtures/mod.ts`.
 * 5. Each `src/` package imports only the packages below it in {@link LAYERS}: `src/util` and
 *    `src/deps.ts` nothing above them, `src/eval` and `src/report` nothing of the model,
 *    the kernels or the trainer (and `src/eval` not even `src/deps.ts`, so no tfjs).
 * 6. Only `src/deps.ts` names `npm:`, `jsr:` or remote modules among the library's files.
 * 7. Nothing reachable from `mod.ts` lies outside `src/` (no `tools/`, `fixtures/`, …).
 *
 * Prints one line per violation (`file:line: …`) and exits 1 when there is any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLayers } from "./check_layers.ts";
 * const graph = new Map([
 *   ["src/util/fs.ts", [{ target: "src/clvm/model.ts", line: 3 }]],
 *   ["src/clvm/model.ts", []],
 * ]);
 * const problems = checkLayers(graph);
 * assert.equal(problems.length, 1);
 * assert.match(problems[0]!, /^src\/util\/fs\.ts:3: imports src\/clvm\/model\.ts/);
 * ```
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type CommandSpec, runSpec, UsageError } from "../src/util/cli.ts";

/** One import of a file: the imported file (repository-relative) or external specifier. */
export interface ImportEdge {
  /** Repository-relative path (`src/clvm/model.ts`), or the specifier when external. */
  target: string;
  /** 1-based line of the import in the importing file. */
  line: number;
  /** Whether `target` is outside the repository (`npm:`, `node:`, `https:`, bare names). */
  external?: boolean;
}

/** The import graph: repository-relative file → its imports. */
export type ImportGraph = Map<string, ImportEdge[]>;

/**
 * The packages of `src/` and what each may import (besides itself and `node:` built-ins).
 * A new folder under `src/` must be added here, below what it uses.
 */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  "src/deps": [],
  "src/util": ["src/deps"],
  "src/ops": ["src/deps", "src/util"],
  "src/kernels": ["src/deps", "src/util", "src/ops"],
  "src/backend": ["src/deps", "src/util", "src/kernels"],
  "src/clvm": ["src/deps", "src/util", "src/ops", "src/kernels", "src/backend"],
  // The codecs: imagescript (named in src/deps.ts) decodes JPEG and PNG.
  "src/formats": ["src/deps"],
  "src/data": ["src/deps", "src/util", "src/formats"],
  "src/eval": ["src/util", "src/data"],
  // The report rasterizes SVG with resvg, named in src/deps.ts, and writes PNGs.
  "src/report": ["src/deps", "src/util", "src/formats", "src/data"],
  "src/train": [
    "src/deps",
    "src/util",
    "src/ops",
    "src/kernels",
    "src/backend",
    "src/clvm",
    "src/formats",
    "src/data",
    "src/eval",
  ],
  "src/testing": ["src/deps", "src/util", "src/backend"],
};

const TOP_FOLDERS = ["reproduce", "benchmarks", "fixtures", "scripts", "tools"];
const FACED = ["reproduce", "benchmarks"];

/** The package of a repository-relative file. */
export function packageOf(file: string): string {
  const parts = file.split("/");
  if (parts.length === 1) return file === "mod.ts" ? "mod" : file;
  if (parts[0] === "src") {
    return parts.length === 2 ? `src/${parts[1]!.replace(/\.ts$/, "")}` : `src/${parts[1]}`;
  }
  return parts[0]!;
}

const isTest = (file: string): boolean => /_(test|bench)\.ts$/.test(file);
const isSrcTest = (file: string): boolean => file.startsWith("src/") && /_test\.ts$/.test(file);
const base = (file: string): string => file.slice(file.lastIndexOf("/") + 1);
const folder = (file: string): string => (file.includes("/") ? dirname(file) : "");

/** Whether `target` is a face of its package: what the top floors may import. */
function isFace(target: string): boolean {
  if (target === "mod.ts" || target === "fixtures/mod.ts") return true;
  const parts = target.split("/");
  if (parts[0] !== "src") return !TOP_FOLDERS.includes(parts[0]!) || parts.length === 1;
  if (parts.length === 2) return !base(target).startsWith("_"); // a single-file package
  return parts.length === 3 && parts[2] === "mod.ts";
}

/** Strongly connected components with more than one node (Tarjan), each sorted. */
function cycles(nodes: Iterable<string>, next: (n: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let i = 0;
  const visit = (v: string): void => {
    index.set(v, i);
    low.set(v, i++);
    stack.push(v);
    on.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const n of [...nodes].sort()) if (!index.has(n)) visit(n);
  return out;
}

/** One path around a cycle through `members`, starting at its first member. */
function cyclePath(members: string[], next: (n: string) => Iterable<string>): string[] {
  const inside = new Set(members);
  const start = members[0]!;
  // Breadth-first from start back to start within the component.
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next(v)) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...members, start];
}

/**
 * The violations of the layering rules (see the module doc) in `graph`, one line each,
 * sorted: `file:line: imports target (why)`, or `cycle: a → b → a` lines.
 */
export function checkLayers(graph: ImportGraph): string[] {
  const problems: string[] = [];
  const report = (file: string, e: ImportEdge, why: string): void => {
    problems.push(`${file}:${e.line}: imports ${e.target} (${why})`);
  };
  for (const [file, edges] of graph) {
    const from = packageOf(file);
    for (const e of edges) {
      if (e.external) {
        const remote = /^(npm|jsr|https?):/.test(e.target);
        if (remote && file.startsWith("src/") && !isSrcTest(file) && file !== "src/deps.ts") {
          report(file, e, "only src/deps.ts names npm:, jsr: or remote modules in the library");
        }
        continue;
      }
      const to = packageOf(e.target);
      const name = base(e.target);
      if (name.startsWith("_")) {
        const home = folder(e.target);
        const dir = folder(file);
        if (!(dir === home || (home !== "" && dir.startsWith(`${home}/`)) || home === "")) {
          report(file, e, `a private file, imported only from ${home}/`);
        }
      }
      if (file.startsWith("src/")) {
        if (!e.target.startsWith("src/")) {
          const testOk = isSrcTest(file) && (to === "fixtures" || e.target === "mod.ts");
          if (!testOk) report(file, e, "src/ imports nothing outside src/");
          continue;
        }
        if (isSrcTest(file) || from === to) continue;
        const allowed = LAYERS[from];
        if (!allowed) {
          report(file, e, `package ${from} is not in LAYERS of scripts/check_layers.ts`);
        } else if (!allowed.includes(to)) {
          report(
            file,
            e,
            `${from} may import only ${allowed.length ? allowed.join(", ") : "nothing of src/"}`,
          );
        }
        continue;
      }
      if (FACED.includes(from) && from !== to && !isFace(e.target)) {
        report(file, e, `${from}/ reaches src/ and fixtures/ only through their faces (mod.ts)`);
      }
    }
  }
  // 1. Cycles, between packages and between files, over the files that are not tests.
  const code = [...graph.keys()].filter((f) => !isTest(f));
  const codeSet = new Set(code);
  const fileNext = (f: string): string[] =>
    (graph.get(f) ?? []).filter((e) => !e.external && codeSet.has(e.target)).map((e) => e.target);
  const pkgEdges = new Map<string, Set<string>>();
  for (const f of code) {
    const p = packageOf(f);
    if (!pkgEdges.has(p)) pkgEdges.set(p, new Set());
    for (const t of fileNext(f)) if (packageOf(t) !== p) pkgEdges.get(p)!.add(packageOf(t));
  }
  const pkgNext = (p: string): string[] => [...(pkgEdges.get(p) ?? [])].sort();
  for (const c of cycles(pkgEdges.keys(), pkgNext)) {
    problems.push(`cycle between packages: ${cyclePath(c, pkgNext).join(" → ")}`);
  }
  for (const c of cycles(code, fileNext)) {
    problems.push(`cycle between files: ${cyclePath(c, fileNext).join(" → ")}`);
  }
  // 7. What mod.ts reaches stays inside src/.
  if (graph.has("mod.ts")) {
    const seen = new Set<string>(["mod.ts"]);
    const queue = ["mod.ts"];
    while (queue.length) {
      const f = queue.shift()!;
      for (const e of graph.get(f) ?? []) {
        if (e.external || seen.has(e.target)) continue;
        seen.add(e.target);
        queue.push(e.target);
        if (e.target !== "mod.ts" && !e.target.startsWith("src/")) {
          report(f, e, "reachable from mod.ts, so every library user would load it");
        }
      }
    }
  }
  return [...new Set(problems)].sort();
}

interface InfoModule {
  specifier: string;
  error?: string;
  dependencies?: {
    specifier: string;
    code?: { specifier?: string; span?: { start: { line: number } } };
    type?: { specifier?: string; span?: { start: { line: number } } };
  }[];
}

/**
 * The import graph of `files` (repository-relative) under `root`, read with
 * `deno info --json` (no config, no lock, no npm or remote fetches).
 */
export async function readImportGraph(
  root: string,
  files: readonly string[],
): Promise<ImportGraph> {
  const tmp = await Deno.makeTempDir({ prefix: "check_layers_" });
  try {
    const entry = join(tmp, "all.ts");
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(pathToFileURL(resolve(root, f)).href)};\n`).join(
        "",
      ),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--no-npm", "--no-remote", "--no-lock", "--no-config", entry],
      cwd: tmp,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `Cannot read the import graph: deno info failed: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
    const rootUrl = pathToFileURL(resolve(root)).href + "/";
    const rel = (spec: string): string | null =>
      spec.startsWith(rootUrl) ? relative(resolve(root), fileURLToPath(spec)) : null;
    const graph: ImportGraph = new Map();
    for (const f of files) graph.set(f, []);
    for (const m of info.modules) {
      const file = rel(m.specifier);
      if (file === null || !graph.has(file)) continue;
      const edges: ImportEdge[] = [];
      for (const d of m.dependencies ?? []) {
        for (const kind of [d.code, d.type]) {
          if (!kind) continue;
          const line = (kind.span?.start.line ?? 0) + 1;
          const resolved = kind.specifier;
          const inside = resolved ? rel(resolved) : null;
          if (inside !== null) edges.push({ target: inside, line });
          else edges.push({ target: resolved ?? d.specifier, line, external: true });
        }
      }
      const seen = new Set<string>();
      graph.set(
        file,
        edges.filter((e) => {
          const key = `${e.target}:${e.line}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        }),
      );
    }
    return graph;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

const SKIP = new Set([".git", "node_modules", "results", ".cache", ".gl", ".device", "vendor"]);

/** Every `.ts` file under `root` (repository-relative, sorted), skipping caches and outputs. */
export async function listTsFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(join(root, dir))) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory && !SKIP.has(entry.name)) await walk(path);
      else if (entry.isFile && /\.(ts|tsx|mts)$/.test(entry.name)) out.push(path);
    }
  };
  await walk("");
  return out.sort();
}

/** Checks the repository at `root`; prints the violations; returns the exit code. */
export async function main(root: string): Promise<number> {
  const files = await listTsFiles(root);
  const problems = checkLayers(await readImportGraph(root, files));
  for (const p of problems) console.log(p);
  if (problems.length) {
    console.error(
      `${problems.length} layering violation(s); the rules are in scripts/check_layers.ts`,
    );
    return 1;
  }
  console.error(`Layers OK: ${files.length} files`);
  return 0;
}

const SPEC = {
  name: "deno task lint:layers",
  usage: "[ROOT]",
  description: "Checks that the .ts files under ROOT (default: this repository) import only\n" +
    "along the layering of DESIGN §7; prints each violation and exits 1 when there is one.",
  options: {},
  positionals: true,
} satisfies CommandSpec;

if (import.meta.main) {
  Deno.exit(
    await runSpec(SPEC, Deno.args, ({ positionals }) => {
      if (positionals.length > 1) throw new UsageError(`Expected at most one ROOT`);
      return main(positionals[0] ?? resolve(dirname(fileURLToPath(import.meta.url)), ".."));
    }),
  );
}
