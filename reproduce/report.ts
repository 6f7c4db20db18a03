/**
 * `report.md`, built only from a `Results` object: every number in it comes from
 * `results.json` or, marked as such, from the paper.
 *
 * @module
 */
import {
  comparisonRow,
  formatMeanStd,
  formatNumber,
  markdownTable,
} from "../src/report/markdown.ts";
import type { ProtocolName } from "./evaluate.ts";
import { TABLE1, TABLE1_PRIOR, TABLE2, TABLE3 } from "./paper.ts";
import { inputSentence } from "./profiles.ts";
import { headline, headlineName, type ProtocolResult, type Results, valuesOf } from "./results.ts";

const digits = 2;

function protocolSentence(r: ProtocolResult, architecture: string): string {
  const s = r.settings;
  const sizes = r.protocol === "lfw-parts"
    ? inputSentence("lfw-parts", s.inputSize)
    : `the ${
      r.protocol === "aflw" ? "face rect" : "visible person box"
    }, squared and resized to ${s.inputSize}×${s.inputSize}`;
  const subset = s.trainLimit === null
    ? "all training samples"
    : `a seeded subset of ${s.trainLimit} training samples`;
  const val = s.valLimit === null ? "the validation split" : `${s.valLimit} validation samples`;
  const test = s.testLimit === null
    ? `all ${r.testImages} test samples`
    : `the first ${r.testImages} test samples`;
  return `**Protocol.** Data: ${r.data.description} (${r.data.kind}). Input: ${sizes}. ` +
    `Training: ${architecture} architecture, ${s.epochs} epochs, batch ${s.batchSize}, on ${subset}; ` +
    `the checkpoint with the lowest loss on ${val} is scored on ${test}. ` +
    `The oracle uses maps of stride ${r.oracleStride}. ${r.notes.join(" ")}`;
}

function segmentationTable(r: ProtocolResult): string {
  const paper = r.protocol === "lfw-parts" ? TABLE1 : null;
  const rows: string[][] = [];
  const variants = r.variants.filter((v) => valuesOf(r, v, "segmentation").length > 0);
  for (const v of variants) {
    const ours = valuesOf(r, v, "segmentation");
    const p = r.protocol === "lfw-parts" ? paper![v]?.accuracy ?? null : TABLE2[v] ?? null;
    const row: string[] = comparisonRow(v, p, ours, digits);
    if (r.protocol === "lfw-parts") {
      const er = r.runs.filter((x) => x.variant === v).map((x) => x.scores.lfw!.errorReduction);
      const pe = paper![v]?.errorReduction;
      row.push(
        pe === undefined || Number.isNaN(pe) ? "—" : formatNumber(pe, digits),
        formatMeanStd(er, digits),
      );
      const px = r.runs.filter((x) => x.variant === v).map((x) => x.scores.lfw!.pixelAccuracy);
      row.push(formatMeanStd(px, digits));
    } else {
      const per = r.runs.filter((x) => x.variant === v).map((x) =>
        x.scores.pascal!.meanPerInstance
      );
      row.push(formatMeanStd(per, digits));
    }
    rows.push(row);
  }
  if (r.oracle) {
    const o = headline(r.protocol, "segmentation", r.oracle);
    if (o !== undefined) {
      const p = r.protocol === "lfw-parts" ? TABLE1.oracle!.accuracy : TABLE2.oracle!;
      const row: string[] = comparisonRow("oracle", p, [o], digits);
      if (r.protocol === "lfw-parts") {
        row.push(
          formatNumber(TABLE1.oracle!.errorReduction, digits),
          formatNumber(r.oracle.lfw!.errorReduction, digits),
          formatNumber(r.oracle.lfw!.pixelAccuracy, digits),
        );
      } else row.push(formatNumber(r.oracle.pascal!.meanPerInstance, digits));
      rows.push(row);
    }
  }
  const metric = headlineName(r.protocol, "segmentation");
  const headers = r.protocol === "lfw-parts"
    ? [
      "variant",
      `paper ${metric}`,
      "ours",
      "difference",
      "paper error reduction (%)",
      "ours",
      "our pixel accuracy (%)",
    ]
    : ["variant", `paper ${metric}`, "ours (pooled)", "difference", "ours (mean per instance)"];
  let md = markdownTable(headers, rows, headers.map((_, i) => (i === 0 ? "left" : "right")));
  if (r.protocol === "lfw-parts") {
    md += "\n\nPrior art in Table 1 (paper): " +
      Object.entries(TABLE1_PRIOR).map(([k, v]) => `${k} ${formatNumber(v, 2)}%`).join(", ") + ".";
  }
  return md;
}

function keypointTable(r: ProtocolResult): string {
  const thresholds = r.protocol === "pascal-person" ? ["0.1"] : ["0.05", "0.1"];
  const rows: string[][] = [];
  const variants = r.variants.filter((v) => valuesOf(r, v, "keypoints").length > 0);
  const cells = (list: { keypoints?: { below: Record<string, number>; meanError: number } }[]) => [
    ...thresholds.map((t) => formatMeanStd(list.map((s) => 100 * s.keypoints!.below[t]!), digits)),
    formatMeanStd(list.map((s) => s.keypoints!.meanError), 4),
  ];
  for (const v of variants) {
    rows.push([v, "—", ...cells(r.runs.filter((x) => x.variant === v).map((x) => x.scores))]);
  }
  if (r.oracle?.keypoints) rows.push(["oracle", "—", ...cells([r.oracle])]);
  const rel = r.protocol === "pascal-person" ? "<" : "≤";
  const headers = [
    "variant",
    "paper",
    ...thresholds.map((t) => `ours: % with error ${rel} ${Number(t) * 100}%`),
    "mean error",
  ];
  return markdownTable(headers, rows, headers.map((_, i) => (i === 0 ? "left" : "right"))) +
    "\n\nThe paper plots these as curves only (its text gives no values), so its column is empty; the claims below compare variants.";
}

function table3(results: Results): string {
  const t = results.table3 as
    | {
      rows?: { variant: string; task: string; backend: string; medianMs: number }[];
      ratios?: Record<string, number>;
      environment?: Record<string, unknown>;
    }
    | null;
  const paperRows = TABLE3.map((p) => [p.variant, p.task, formatNumber(p.ms, 1)]);
  if (!t?.rows) {
    return markdownTable(["variant", "task", "paper ms (K40c)"], paperRows) +
      "\n\nThis machine's timings: run `deno task table3 --json results/table3.json` and rerun the report.";
  }
  const rows = TABLE3.map((p) => {
    const ours = t.rows!.filter((r) =>
      r.variant.replace(/-(seg|kp)$/, "") === p.variant &&
      (p.task === "both" || r.task === p.task)
    );
    return [
      p.variant,
      p.task,
      formatNumber(p.ms, 1),
      ...[ours[0]].map((o) => o ? `${formatNumber(o.medianMs, 1)} (${o.backend})` : "—"),
    ];
  });
  let md = markdownTable(["variant", "task", "paper ms (K40c)", "ours ms (median)"], rows);
  if (t.ratios) {
    md += "\n\n" + markdownTable(
      ["ratio", "paper", "ours"],
      [
        ["CLVM₂ / CLVM₁ (seg)", "2.00", formatNumber(t.ratios.clvm2OverClvm1Seg ?? NaN, 2)],
        ["CLVM₂ kp / CLVM₂ seg", "0.69", formatNumber(t.ratios.clvm2KpOverClvm2Seg ?? NaN, 2)],
        ["M-CLVM₁ / CLVM₁", "1.04", formatNumber(t.ratios.mclvm1OverClvm1 ?? NaN, 2)],
        ["M-CLVM₂ / CLVM₂", "1.01", formatNumber(t.ratios.mclvm2OverClvm2 ?? NaN, 2)],
      ],
    );
  }
  return md;
}

const TITLES: Record<ProtocolName, string> = {
  "lfw-parts": "LFW-Parts — Table 1 (segmentation)",
  aflw: "AFLW — Fig. 8 (keypoints)",
  "pascal-person": "Pascal Person — Table 2 (segmentation) and Fig. 14 (keypoints)",
};

/** The Markdown report of a run. */
export function buildReport(results: Results): string {
  const env = results.environment;
  const cfg = results.config;
  const out: string[] = [];
  out.push(
    "# Reproduction of Hu & Ramanan, *Bottom-up and top-down reasoning with convolutional latent-variable models*",
  );
  out.push(
    `Run of ${env.date} at commit ${env.commit} on ${env.cpu} (backend ${env.backend}; Deno ${env.deno}, tfjs ${env.tfjs}). ` +
      `Profile **${cfg.profile}** (${cfg.profileDescription}); seeds ${
        (cfg.seeds as number[]).join(", ")
      }; ` +
      `${
        (results.seconds / 60).toFixed(1)
      } minutes. Paper numbers are the paper's; ours are computed in this run ` +
      "(`results.json`). Differences are ours − paper.",
  );
  for (const protocol of ["lfw-parts", "aflw", "pascal-person"] as const) {
    const r = results.protocols[protocol];
    if (!r) continue;
    out.push(`## ${TITLES[protocol]}`);
    if (r.status === "failed") {
      out.push(`**Failed:** ${r.error}`);
      if (r.runs.length === 0) continue;
    }
    out.push(protocolSentence(r, String(cfg.architecture)));
    if (protocol !== "aflw") out.push(segmentationTable(r));
    if (r.runs.some((x) => x.scores.keypoints) || r.oracle?.keypoints) out.push(keypointTable(r));
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
  out.push("## The paper's claims in this run");
  out.push(markdownTable(
    ["claim", "held?", "evidence"],
    results.claims.map((
      c,
    ) => [
      c.claim,
      c.held === null ? "not testable" : c.held ? "held" : "did not hold",
      c.evidence,
    ]),
  ));
  if (results.figures.length > 0) {
    out.push("## Figures");
    out.push(results.figures.map((f) => `![${f}](${f})`).join("\n\n"));
  }
  return out.join("\n\n") + "\n";
}
