/**
 * `report.md`, built only from a `Results` object: every number in it comes from
 * `results.json` or, marked as such, from the paper.
 *
 * @module
 */
import { comparisonRow, formatMeanStd, formatNumber, markdownTable } from "../src/report/mod.ts";
import { PAPER_TABLE3 } from "../src/eval/mod.ts";
import { learnedChecks, learnedLine } from "./learned.ts";
import { PROTOCOL_LIST, protocolOf, type ProtocolScores } from "./protocols/mod.ts";
import type { RowSettings } from "./profiles.ts";
import {
  type Claim,
  headline,
  headlineName,
  type ProtocolResult,
  type Results,
  valuesOf,
} from "./results.ts";

const digits = 2;

/**
 * The model options a run set on every variant (`config.model`: `--feedback`, `--tied`,
 * `--passes`), as a phrase; "" when none.
 */
export function modelPhrase(model: unknown): string {
  if (!model || typeof model !== "object") return "";
  const m = model as { feedback?: string; tied?: boolean; passes?: number };
  const parts: string[] = [];
  if (m.feedback !== undefined) parts.push(`${m.feedback} feedback`);
  if (m.tied !== undefined) parts.push(m.tied ? "tied weights" : "untied weights");
  if (m.passes !== undefined) parts.push(`${m.passes} pass${m.passes === 1 ? "" : "es"}`);
  return parts.length ? ` with ${parts.join(", ")} in every variant (overriding the presets)` : "";
}

/** "η X", "keypoint task weight Y": what `r` sets over the recipe. */
function recipeWords(r: RowSettings): string[] {
  return [
    r.learningRate !== undefined ? `η ${r.learningRate}` : "",
    r.keypointWeight !== undefined ? `keypoint task weight ${r.keypointWeight}` : "",
  ].filter(Boolean);
}

/** The learning rate and task weights, where the profile sets them over the recipe's. */
function recipePhrase(s: ProtocolResult["settings"]): string {
  const text = recipeWords(s).map((p) => `, ${p}`).join("");
  const own = Object.entries(s.perRow ?? {}).map(([row, r]) => [row, ...recipeWords(r)].join(" "));
  return own.length ? `${text} (per model, chosen on validation: ${own.join("; ")})` : text;
}

function protocolSentence(r: ProtocolResult, architecture: string): string {
  const s = r.settings;
  const sizes = protocolOf(r.protocol).inputSentence(s.inputSize);
  const subset = s.trainLimit === null
    ? "all training samples"
    : `a seeded subset of ${s.trainLimit} training samples`;
  const val = s.valLimit === null ? "the validation split" : `${s.valLimit} validation samples`;
  const test = s.testLimit === null
    ? `all ${r.testImages} test samples`
    : `the first ${r.testImages} test samples`;
  return `**Protocol.** Data: ${r.data.description} (${r.data.kind}). Input: ${sizes}. ` +
    `Training: ${s.architecture ?? architecture} architecture${
      modelPhrase(s.model)
    }, ${s.epochs} epochs, batch ${s.batchSize}${recipePhrase(s)}, on ${subset}; ` +
    `the checkpoint with the lowest loss on ${val} is scored on ${test}. ` +
    `The oracle uses maps of stride ${r.oracleStride}. ` +
    r.notes.map((n) => (/[.!?]$/.test(n) ? n : `${n}.`)).join(" ");
}

const isSynthetic = (r: ProtocolResult) => r.data?.kind === "synthetic";

/** Drops the difference column (index 3) of a paper-vs-ours row on synthetic data. */
function paperRow(r: ProtocolResult, row: string[]): string[] {
  return isSynthetic(r) ? [row[0]!, row[1]!, row[2]!, ...row.slice(4)] : row;
}

function segmentationTable(r: ProtocolResult): string {
  const task = protocolOf(r.protocol).segmentation!;
  const rows: string[][] = [];
  const variants = r.variants.filter((v) => valuesOf(r, v, "segmentation").length > 0);
  const extra = (name: string, list: ProtocolScores[]): string[] =>
    task.columns.map((c) => c.cell(name, list));
  for (const v of variants) {
    const ours = valuesOf(r, v, "segmentation");
    const row: string[] = comparisonRow(v, task.paper[v] ?? null, ours, digits);
    row.push(...extra(v, r.runs.filter((x) => x.variant === v).map((x) => x.scores)));
    rows.push(paperRow(r, row));
  }
  for (const [name, b] of Object.entries(r.baselines ?? {})) {
    const o = headline(r.protocol, "segmentation", b);
    if (o === undefined) continue;
    rows.push(paperRow(r, [...comparisonRow(name, null, [o], digits), ...extra(name, [b])]));
  }
  if (r.oracle) {
    const o = headline(r.protocol, "segmentation", r.oracle);
    if (o !== undefined) {
      const row = comparisonRow("oracle", task.paper.oracle ?? null, [o], digits);
      rows.push(paperRow(r, [...row, ...extra("oracle", [r.oracle])]));
    }
  }
  const metric = headlineName(r.protocol, "segmentation");
  const kind = isSynthetic(r) ? "ours (synthetic data)" : "ours";
  let headers = [
    "variant",
    `paper ${metric}`,
    `${kind}${task.oursNote}`,
    "difference",
    ...task.columns.map((c) => c.header),
  ];
  if (isSynthetic(r)) headers = [...headers.slice(0, 3), ...headers.slice(4)];
  let md = markdownTable(headers, rows, headers.map((_, i) => (i === 0 ? "left" : "right")));
  if (isSynthetic(r)) {
    md +=
      "\n\nOurs are measured on a **synthetic** stand-in: the paper's column is its real-data " +
      "number, shown for reference only, and no difference is taken.";
  }
  if (task.footnote) md += `\n\n${task.footnote}`;
  return md;
}

function keypointTable(r: ProtocolResult): string {
  const { thresholds: ts, rule } = protocolOf(r.protocol).keypoints;
  const thresholds = ts.map(String);
  const rows: string[][] = [];
  const variants = r.variants.filter((v) => valuesOf(r, v, "keypoints").length > 0);
  const cells = (list: { keypoints?: { below: Record<string, number>; meanError: number } }[]) => [
    ...thresholds.map((t) => formatMeanStd(list.map((s) => 100 * s.keypoints!.below[t]!), digits)),
    formatMeanStd(list.map((s) => s.keypoints!.meanError), 4),
  ];
  for (const v of variants) {
    rows.push([v, "—", ...cells(r.runs.filter((x) => x.variant === v).map((x) => x.scores))]);
  }
  for (const [name, b] of Object.entries(r.baselines ?? {})) {
    if (b.keypoints) rows.push([name, "—", ...cells([b])]);
  }
  if (r.oracle?.keypoints) rows.push(["oracle", "—", ...cells([r.oracle])]);
  const headers = [
    "variant",
    "paper",
    ...thresholds.map((t) => `ours: % with error ${rule} ${Number(t) * 100}%`),
    "mean error",
  ];
  return markdownTable(headers, rows, headers.map((_, i) => (i === 0 ? "left" : "right"))) +
    "\n\nThe paper plots these as curves only (its text gives no values), so its column is empty; the claims below compare variants." +
    (isSynthetic(r) ? " Ours are measured on a **synthetic** stand-in." : "");
}

/**
 * The rows beyond the paper (`r.beyond`): what each is, its scores over seeds beside the
 * paper row it starts from, and its training cost; no paper number and no claim.
 */
function beyondTable(r: ProtocolResult): string | null {
  const rows = (r.beyond ?? []).filter((b) => r.runs.some((x) => x.variant === b.name));
  if (rows.length === 0) return null;
  const p = protocolOf(r.protocol);
  const task = p.segmentation ? "segmentation" as const : "keypoints" as const;
  const seconds = (name: string) =>
    formatMeanStd(r.runs.filter((x) => x.variant === name).map((x) => x.training.seconds), 0);
  const line = (name: string, what: string) => [
    name,
    what,
    formatMeanStd(valuesOf(r, name, task), digits),
    seconds(name),
  ];
  const table: string[][] = [];
  for (const b of rows) {
    if (!table.some((t) => t[0] === b.variant) && r.runs.some((x) => x.variant === b.variant)) {
      table.push(line(b.variant, "the paper's row it starts from (above)"));
    }
    table.push(line(b.name, b.description));
  }
  return "**Beyond the paper.** Rows the paper does not report, trained on the same data, " +
    "subset and settings as its rows and scored in the same pass; no paper number, no " +
    "difference, and no claim rests on them.\n\n" +
    markdownTable(
      ["row", "what it is", `ours: ${headlineName(r.protocol, task)}`, "training seconds"],
      table,
      ["left", "left", "right", "right"],
    );
}

const paperMs = (model: string): number => PAPER_TABLE3.find((r) => r.model === model)?.ms ?? NaN;

/** Table 3's hardware-free ratios: label, key in the measured `ratios`, numerator, denominator. */
const RATIOS: readonly (readonly [string, string, string, string])[] = [
  ["CLVM₂ / CLVM₁ (seg)", "clvm2OverClvm1Seg", "CLVM2-seg", "CLVM1-seg"],
  ["CLVM₂ kp / CLVM₂ seg", "clvm2KpOverClvm2Seg", "CLVM2-kp", "CLVM2-seg"],
  ["M-CLVM₁ / CLVM₁", "mclvm1OverClvm1", "M-CLVM1", "CLVM1-seg"],
  ["M-CLVM₂ / CLVM₂", "mclvm2OverClvm2", "M-CLVM2", "CLVM2-seg"],
];

function table3(results: Results): string {
  const t = results.table3 as
    | {
      rows?: { variant: string; task: string; backend: string; medianMs: number; runs?: number }[];
      ratios?: Record<string, number>;
      environment?: Record<string, unknown>;
    }
    | null;
  const paperRows = PAPER_TABLE3.map((p) => [p.variant, p.task, formatNumber(p.ms, 1)]);
  if (!t?.rows) {
    return markdownTable(["variant", "task", "paper ms (K40c)"], paperRows) +
      "\n\nThis machine's timings were not measured in this run (`deno task table3 --json FILE`, " +
      "then `deno task report RUN_DIR --table3 FILE` folds them in).";
  }
  const rows = PAPER_TABLE3.map((p) => {
    const ours = t.rows!.filter((r) =>
      r.variant.replace(/-(seg|kp)$/, "") === p.variant &&
      (p.task === "both" || r.task === p.task)
    );
    return [
      p.variant,
      p.task,
      formatNumber(p.ms, 1),
      ...[ours[0]].map((o) =>
        o ? `${formatNumber(o.medianMs, 1)} (${o.backend}, ${o.runs ?? "?"} runs)` : "—"
      ),
    ];
  });
  const env = t.environment ?? {};
  let md = markdownTable(["variant", "task", "paper ms (K40c)", "ours ms (median)"], rows) +
    `\n\nOurs: ${env.cpu ?? "this machine"}, ${env.size ?? 180}×${env.size ?? 180} input, ` +
    "batch 1, paper architecture, median of the timed runs after one warm-up.";
  if (t.ratios) {
    md += "\n\n" + markdownTable(
      ["ratio", "paper", "ours"],
      RATIOS.map(([label, key, a, b]) => [
        label,
        formatNumber(paperMs(a) / paperMs(b), 2),
        formatNumber(t.ratios![key] ?? NaN, 2),
      ]),
    );
  }
  return md;
}

function claimRows(claims: readonly Claim[]): string[][] {
  return claims.map((c) => [
    c.claim,
    `“${c.quote.text.replace(/<\/?sub>/g, "").replace(/\s+/g, " ")}” (${c.quote.source})`,
    c.decision,
    c.evidence,
  ]);
}

function tally(claims: readonly Claim[]): string {
  const n = (d: string) => claims.filter((c) => c.decision === d).length;
  return `${n("held")} held, ${n("did not hold")} did not hold, ${
    n("inconclusive")
  } inconclusive, ` +
    `${n("not testable")} not testable.`;
}

function environmentLine(env: Record<string, unknown>): string {
  const mem = typeof env.memoryBytes === "number"
    ? `, ${(env.memoryBytes / 2 ** 30).toFixed(1)} GiB memory`
    : "";
  const cores = env.cores !== undefined ? `, ${env.cores} cores` : "";
  const a = env.adapter as { description?: string; vendor?: string } | string | null | undefined;
  const adapterName = typeof a === "string" ? a : a?.description || a?.vendor;
  const adapter = adapterName ? `; adapter ${adapterName}` : "";
  return `${
    env.cpuModel ?? env.cpu ?? "unknown CPU"
  }${cores}${mem} (backend ${env.backend}${adapter}; ` +
    `Deno ${env.deno}, tfjs ${env.tfjs})`;
}

/** The Markdown report of a run. */
export function buildReport(results: Results): string {
  const env = results.environment;
  const cfg = results.config;
  const out: string[] = [];
  out.push(
    "# Reproduction of Hu & Ramanan, *Bottom-up and top-down reasoning with convolutional latent-variable models*",
  );
  out.push(
    `Run of ${env.date} at commit ${env.commit} on ${environmentLine(env)}. ` +
      `Profile **${cfg.profile}** (${cfg.profileDescription}); seeds ${
        ((cfg.seeds as number[] | undefined) ?? []).join(", ")
      }; ` +
      `${
        (results.seconds / 60).toFixed(1)
      } minutes. Paper numbers are the paper's; ours are computed in this run ` +
      "(`results.json`, `results.csv`). Differences are ours − paper, and only on real data." +
      ((results.history?.length ?? 0) > 1
        ? ` Merged from ${results.history!.length} commands: ` +
          results.history!.map((h) => `\`${h.command}\` (${h.protocols.join(", ")})`).join("; ") +
          "."
        : ""),
  );
  for (const p of PROTOCOL_LIST) {
    const r = results.protocols[p.name];
    if (!r) continue;
    const kp = r.runs.some((x) => x.scores.keypoints);
    out.push(`## ${p.heading(kp)}${isSynthetic(r) ? " — synthetic stand-in" : ""}`);
    if (r.status === "failed") {
      out.push(`**Failed:** ${r.error}`);
      if (r.runs.length === 0) continue;
    }
    out.push(protocolSentence(r, String(cfg.architecture)));
    if (p.segmentation) out.push(segmentationTable(r));
    if (kp || r.oracle?.keypoints) out.push(keypointTable(r));
    const beyond = beyondTable(r);
    if (beyond) out.push(beyond);
    const checks = learnedChecks(r);
    if (checks.length > 0) {
      out.push(
        "**Did it learn?** Each model against the best trivial baseline on the same test images:\n\n" +
          checks.map((c) => `- ${learnedLine(c, r.data?.kind ?? "?")}`).join("\n"),
      );
    }
    const curves = results.figures.find((f) => f.startsWith(`training_${p.name}`));
    if (curves) {
      out.push(`Training curves (loss and validation metric per epoch): ![${curves}](${curves})`);
    }
    if (r.skipped.length > 0) {
      out.push(
        "Not trained: " + r.skipped.map((s) => `${s.variant} (${s.reason})`).join("; ") + ".",
      );
    }
  }
  out.push("## Table 3 — running time per 180×180 image");
  out.push(table3(results));
  if (results.convergence) {
    out.push("## Fig. 15 — the score S over coordinate-ascent passes");
    const c = results.convergence;
    out.push(c.note);
    out.push(
      markdownTable([
        "model",
        ...c.passes.map((k) => `k=${k}`),
      ], c.series.map((s) => [s.name, ...s.score.map((v) => v.toPrecision(5))])),
    );
  }
  const paperClaims = results.claims.filter((c) => !c.synthetic);
  const synthetic = results.claims.filter((c) => c.synthetic);
  const headers = ["claim", "the paper's words", "decision", "evidence"];
  out.push("## The paper's claims in this run");
  out.push(
    "Comparisons are decided from per-image paired differences on the test split " +
      "(claimed-better − other), by a seeded paired bootstrap pooled over seeds: held when the " +
      "95% interval lies above 0, did not hold when below, inconclusive otherwise; “about as " +
      "well” claims are equivalence tests with the stated margin. A claim resting on a model " +
      "that did not beat its trivial baseline is inconclusive. " + tally(paperClaims),
  );
  out.push(
    paperClaims.length > 0
      ? markdownTable(headers, claimRows(paperClaims))
      : "No claim was measured on real data in this run.",
  );
  if (synthetic.length > 0) {
    out.push("## Pipeline checks on synthetic data — not evidence about the paper");
    out.push(
      "The same claims measured on synthetic stand-ins: they show the pipeline can detect " +
        "the effects, and are not counted above.",
    );
    out.push(markdownTable(headers, claimRows(synthetic)));
  }
  if (results.figures.length > 0) {
    out.push("## Figures");
    out.push(results.figures.map((f) => `![${f}](${f})`).join("\n\n"));
  }
  return out.join("\n\n") + "\n";
}
