/**
 * The paper's qualitative claims, each decided from this run's numbers (never typed in).
 *
 * @module
 */
import type { ProtocolName } from "./evaluate.ts";
import {
  type Claim,
  type ConvergenceResult,
  headline,
  mean,
  type ProtocolResult,
  valuesOf,
} from "./results.ts";

type Task = "segmentation" | "keypoints";

function compare(
  protocols: Partial<Record<ProtocolName, ProtocolResult>>,
  protocol: ProtocolName,
  task: Task,
  claim: string,
  better: string,
  worse: string,
  relation: ">" | ">=",
): Claim {
  const result = protocols[protocol];
  // Keypoints: decided by the mean normalized error (lower is better), which still
  // separates models that no threshold does; segmentation by the table's accuracy.
  const score = (variant: string) =>
    task === "keypoints"
      ? (result?.runs ?? []).filter((r) => r.variant === variant && r.scores.keypoints)
        .map((r) => -r.scores.keypoints!.meanError)
      : valuesOf(result, variant, task);
  const a = score(better);
  const b = score(worse);
  if (!result || result.status !== "ok" || a.length === 0 || b.length === 0) {
    const missing = [a.length === 0 ? better : null, b.length === 0 ? worse : null]
      .filter(Boolean).join(" and ");
    return {
      protocol,
      claim,
      held: null,
      evidence: result ? `not testable: no ${task} scores for ${missing}` : "protocol not run",
    };
  }
  const ma = mean(a), mb = mean(b);
  const held = relation === ">" ? ma > mb : ma >= mb;
  return {
    protocol,
    claim,
    held,
    evidence: task === "keypoints"
      ? `mean error ${better} ${(-ma).toFixed(4)} vs ${worse} ${(-mb).toFixed(4)} ` +
        `(mean of ${a.length}/${b.length} seed(s))`
      : `${better} ${ma.toFixed(2)} vs ${worse} ${
        mb.toFixed(2)
      } (mean of ${a.length}/${b.length} seed(s))`,
  };
}

/** Every claim of the paper this suite checks, decided from the results. */
export function checkClaims(
  protocols: Partial<Record<ProtocolName, ProtocolResult>>,
  convergence: ConvergenceResult | null,
  table3: { ratios?: Record<string, number> } | null,
): Claim[] {
  const claims: Claim[] = [
    compare(
      protocols,
      "lfw-parts",
      "segmentation",
      "CLVM₂ beats CLVM₁ on LFW-Parts segmentation (Table 1)",
      "CLVM2-seg",
      "CLVM1-seg",
      ">",
    ),
    compare(
      protocols,
      "lfw-parts",
      "segmentation",
      "M-CLVM₂ beats M-CLVM₁ on LFW-Parts (Table 1)",
      "M-CLVM2",
      "M-CLVM1",
      ">",
    ),
    compare(
      protocols,
      "lfw-parts",
      "segmentation",
      "M-CLVM₂ beats CLVM₂ on LFW-Parts: multi-task helps (Table 1)",
      "M-CLVM2",
      "CLVM2-seg",
      ">",
    ),
    compare(
      protocols,
      "lfw-parts",
      "segmentation",
      "Untied M-CLVM₂ performs about as well as tied M-CLVM₂ (≥ means within the run)",
      "M-CLVM2-untied",
      "M-CLVM2",
      ">=",
    ),
    compare(
      protocols,
      "aflw",
      "keypoints",
      "Two-pass beats one-pass on AFLW keypoints (Fig. 8)",
      "CLVM2-kp",
      "CLVM1-kp",
      ">",
    ),
    compare(
      protocols,
      "pascal-person",
      "segmentation",
      "CLVM₂ beats CLVM₁ on Pascal Person segmentation (Table 2)",
      "CLVM2-seg",
      "CLVM1-seg",
      ">",
    ),
    compare(
      protocols,
      "pascal-person",
      "segmentation",
      "Multi-task hurts CLVM₁ on Pascal segmentation: M-CLVM₁ < CLVM₁ (Table 2)",
      "CLVM1-seg",
      "M-CLVM1",
      ">",
    ),
    compare(
      protocols,
      "pascal-person",
      "segmentation",
      "Multi-task does not hurt CLVM₂ on Pascal segmentation: M-CLVM₂ ≥ CLVM₂ (Table 2)",
      "M-CLVM2",
      "CLVM2-seg",
      ">=",
    ),
    compare(
      protocols,
      "pascal-person",
      "keypoints",
      "Two-pass beats one-pass on Pascal keypoints (Fig. 14)",
      "CLVM2-kp",
      "CLVM1-kp",
      ">",
    ),
    compare(
      protocols,
      "pascal-person",
      "keypoints",
      "Multi-task hurts CLVM₁ on Pascal keypoints: M-CLVM₁ < CLVM₁ (Fig. 14)",
      "CLVM1-kp",
      "M-CLVM1",
      ">",
    ),
    compare(
      protocols,
      "pascal-person",
      "keypoints",
      "Multi-task does not hurt CLVM₂ on Pascal keypoints: M-CLVM₂ ≥ CLVM₂ (Fig. 14)",
      "M-CLVM2",
      "CLVM2-kp",
      ">=",
    ),
  ];
  // Fig. 8: CLVM₂ closes much of CLVM₁'s gap to the oracle ("halves" it).
  const aflw = protocols.aflw;
  if (aflw?.status === "ok" && aflw.oracle) {
    const o = headline("aflw", "keypoints", aflw.oracle);
    const c1 = mean(valuesOf(aflw, "CLVM1-kp", "keypoints"));
    const c2 = mean(valuesOf(aflw, "CLVM2-kp", "keypoints"));
    if (o !== undefined && Number.isFinite(c1) && Number.isFinite(c2) && o > c1) {
      const closed = (c2 - c1) / (o - c1);
      claims.push({
        protocol: "aflw",
        claim: "CLVM₂ halves CLVM₁'s gap to the oracle on AFLW (Fig. 8)",
        held: closed >= 0.5,
        evidence: `gap closed: ${(100 * closed).toFixed(1)}% (oracle ${o.toFixed(2)}, CLVM1 ${
          c1.toFixed(2)
        }, CLVM2 ${c2.toFixed(2)})`,
      });
    }
  }
  if (convergence) {
    for (const s of convergence.series) {
      const increments = s.score.slice(1).map((v, i) => v - s.score[i]!);
      const never = increments.every((d) => d >= -1e-4 * Math.max(1, Math.abs(s.score.at(-1)!)));
      claims.push({
        protocol: "convergence",
        claim: `S never decreases over coordinate ascent (Fig. 15, ${s.name})`,
        held: never,
        evidence: `S after passes 1..${s.score.length}: ${
          s.score.map((v) => v.toPrecision(4)).join(", ")
        }`,
      });
    }
  }
  const r = table3?.ratios;
  if (r) {
    const ratio = (k: string) => r[k];
    const c = ratio("clvm2OverClvm1Seg");
    if (c !== undefined) {
      claims.push({
        protocol: "table3",
        claim: "CLVM₂ costs about 2× CLVM₁ (1.6–2.6) for segmentation (Table 3)",
        held: c >= 1.6 && c <= 2.6,
        evidence: `ratio ${c.toFixed(2)} (paper 2.00)`,
      });
    }
    const k = ratio("clvm2KpOverClvm2Seg");
    if (k !== undefined) {
      claims.push({
        protocol: "table3",
        claim: "CLVM₂ keypoints is faster than CLVM₂ segmentation: lazy top-down (Table 3)",
        held: k < 1,
        evidence: `ratio ${k.toFixed(2)} (paper 0.69)`,
      });
    }
    for (
      const [key, name] of [["mclvm1OverClvm1", "M-CLVM₁/CLVM₁"], [
        "mclvm2OverClvm2",
        "M-CLVM₂/CLVM₂",
      ]] as const
    ) {
      const m = ratio(key);
      if (m !== undefined) {
        claims.push({
          protocol: "table3",
          claim: `Multi-task costs under 10% more: ${name} (Table 3)`,
          held: m < 1.1,
          evidence: `ratio ${m.toFixed(2)} (paper ${key === "mclvm1OverClvm1" ? "1.04" : "1.01"})`,
        });
      }
    }
  }
  return claims;
}
