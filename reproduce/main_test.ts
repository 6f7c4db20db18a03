import assert from "node:assert/strict";
import { join } from "node:path";
import type { Results } from "./results.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

/** The cells of the Markdown table row that starts with `name`, after `heading`. */
function row(report: string, heading: string, name: string): string[] {
  const section = report.slice(report.indexOf(heading));
  const line = section.split("\n").find((l) => l.startsWith(`| ${name} |`));
  assert.ok(line, `no row "${name}" under "${heading}"`);
  return line.split("|").slice(1, -1).map((c) => c.trim());
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

Deno.test({
  name: "reproduce writes every artifact, and the report's numbers are those of results.json",
  fn: async () => {
    const out = await Deno.makeTempDir();
    const empty = await Deno.makeTempDir(); // no real data: every protocol on its stand-in
    const child = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-run",
        "--allow-sys",
        "--allow-ffi",
        MAIN,
        "--profile",
        "smoke",
        "--backend",
        "wasm",
        "--synthetic",
        "--out",
        out,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(child.stderr);
    assert.equal(child.code, 0, stderr.slice(-3000));
    const results = JSON.parse(await Deno.readTextFile(join(out, "results.json"))) as Results;
    const report = await Deno.readTextFile(join(out, "report.md"));
    for (const p of ["lfw-parts", "aflw", "pascal-person"] as const) {
      const r = results.protocols[p]!;
      assert.equal(r.status, "ok", `${p}: ${r.error}`);
      assert.equal(r.data.kind, "synthetic");
      assert.ok(r.runs.length > 0, `${p} has runs`);
    }
    for (const f of results.figures) {
      const png = await Deno.readFile(join(out, f));
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], `${f} is a PNG`);
      await Deno.stat(join(out, f.replace(/\.png$/, ".svg")));
    }
    assert.ok(results.figures.some((f) => f.startsWith("fig15")), "the convergence figure");
    assert.ok(results.figures.some((f) => f.startsWith("fig11")), "the z1 figure");
    assert.ok(results.figures.some((f) => f.startsWith("fig12")), "the parts-of-z1 figure");
    assert.ok(results.figures.some((f) => f.startsWith("fig14")), "the Pascal curves");
    // Table 1: our column is the mean superpixel accuracy of results.json.
    const lfw = results.protocols["lfw-parts"]!;
    for (const variant of lfw.variants) {
      const values = lfw.runs.filter((r) => r.variant === variant).map((r) =>
        r.scores.lfw!.superpixelAccuracy
      );
      assert.equal(row(report, "## LFW-Parts", variant)[2], mean(values).toFixed(2), variant);
    }
    assert.equal(
      row(report, "## LFW-Parts", "oracle")[2],
      lfw.oracle!.lfw!.superpixelAccuracy.toFixed(2),
    );
    // Table 2 and Fig. 14: pixel accuracy, and % of instances under 10%.
    const pascal = results.protocols["pascal-person"]!;
    const segRun = pascal.runs.find((r) => r.variant === "CLVM2-seg")!;
    assert.equal(
      row(report, "## Pascal Person", "CLVM2-seg")[2],
      segRun.scores.pascal!.pixelAccuracy.toFixed(2),
    );
    const kpRun = pascal.runs.find((r) => r.variant === "CLVM2-kp")!;
    const kpSection = report.slice(report.indexOf("error < 10%"));
    assert.equal(
      row(kpSection, "", "CLVM2-kp")[2],
      (100 * kpRun.scores.keypoints!.below["0.1"]!).toFixed(2),
    );
    // AFLW: % of faces ≤ 5% and the mean error.
    const aflw = results.protocols.aflw!;
    const a = aflw.runs.find((r) => r.variant === "CLVM1-kp")!;
    const cells = row(report, "## AFLW", "CLVM1-kp");
    assert.equal(cells[2], (100 * a.scores.keypoints!.below["0.05"]!).toFixed(2));
    assert.equal(cells[4], a.scores.keypoints!.meanError.toFixed(4));
    // Claims are decided, and each is listed in the report; on stand-ins they are pipeline
    // checks in their own table, never counted as the paper's.
    for (const c of results.claims) assert.ok(report.includes(c.claim), c.claim);
    assert.equal(results.schemaVersion, 2);
    assert.ok(results.claims.some((c) => c.synthetic && c.difference), "a decided synthetic check");
    assert.ok(
      results.claims.filter((c) => c.protocol !== "convergence" && c.protocol !== "table3")
        .every((c) => c.synthetic),
    );
    assert.match(report, /## Pipeline checks on synthetic data — not evidence about the paper/);
    assert.match(report, /\*\*Did it learn\?\*\*/);
    assert.match(report, /baseline: per-position majority/);
    assert.match(report, /error reduction vs the CRF \(93\.23%\)/);
    // Synthetic tables show no difference column against the paper's real-data numbers.
    assert.doesNotMatch(report.slice(report.indexOf("## LFW-Parts")).split("\n")[4]!, /difference/);
    // Per-image scores are kept for the claims.
    assert.equal(lfw.runs[0]!.scores.perImage!.superpixel!.length, lfw.testImages);
    // results.csv: one row per protocol × variant × seed × metric, matching results.json.
    const csv = (await Deno.readTextFile(join(out, "results.csv"))).trim().split("\n");
    assert.equal(csv[0], "protocol,variant,seed,metric,value");
    const first = lfw.runs[0]!;
    assert.ok(
      csv.includes(
        `lfw-parts,${first.variant},${first.seed},superpixel_accuracy,${
          first.scores.lfw!.superpixelAccuracy
        }`,
      ),
    );
    // Training curves: one PNG per protocol, from the runs' log.jsonl.
    for (const p of ["lfw-parts", "aflw", "pascal-person"]) {
      assert.ok(results.figures.includes(`training_${p}.png`), `training curves of ${p}`);
    }
    assert.ok(first.curve && first.curve.length === first.training.epochs);
    // This machine's Table 3 beside the paper's.
    assert.ok(results.table3, "Table 3 measured");
    assert.match(report, /ours ms \(median\)/);
    // A rerun with --resume reuses every trained model.
    const again = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "aflw",
        "--profile",
        "smoke",
        "--backend",
        "wasm",
        "--synthetic",
        "--out",
        out,
        "--resume",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(again.stderr);
    assert.equal(again.code, 0, log.slice(-2000));
    assert.match(log, /reused: aflw CLVM1-kp seed 1/);
    assert.doesNotMatch(log, /trained: aflw/);
    // The AFLW-only command kept LFW-Parts, Pascal Person and the convergence study.
    const merged = JSON.parse(await Deno.readTextFile(join(out, "results.json"))) as Results;
    assert.deepEqual(Object.keys(merged.protocols).sort(), ["aflw", "lfw-parts", "pascal-person"]);
    assert.ok(merged.convergence, "convergence kept");
    assert.equal(merged.history!.length, 2);
    assert.equal(
      merged.protocols["lfw-parts"]!.runs.length,
      results.protocols["lfw-parts"]!.runs.length,
    );
    const mergedReport = await Deno.readTextFile(join(out, "report.md"));
    assert.match(mergedReport, /## LFW-Parts/);
    assert.match(mergedReport, /## Fig\. 15/);
    // `deno task report RUN_DIR --table3 FILE` re-renders from results.json alone.
    await Deno.remove(join(out, "report.md"));
    const t3 = join(out, "other_table3.json");
    await Deno.writeTextFile(t3, JSON.stringify({ ...results.table3, rows: [] }));
    const rendered = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./report_cli.ts", import.meta.url).pathname,
        out,
        "--table3",
        t3,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(rendered.code, 0, new TextDecoder().decode(rendered.stderr));
    const again2 = await Deno.readTextFile(join(out, "report.md"));
    assert.match(again2, /## Pascal Person/);
    await Deno.remove(out, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  },
});
