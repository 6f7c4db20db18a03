import assert from "node:assert/strict";
import { join } from "node:path";
import { parseTrainingLog, readTrainingCurve, trainingCurvesFigure } from "./training_curves.ts";
import type { ProtocolResult } from "./results.ts";

const epoch = (e: number, loss: number, val: Record<string, number>) =>
  JSON.stringify({ event: "epoch", epoch: e, step: e * 10, train: { loss }, val });

Deno.test("parseTrainingLog() reads epoch records and keeps the last of a repeated epoch", () => {
  const text = [
    JSON.stringify({ event: "start", config: {} }),
    epoch(1, 2.5, { loss: 2.4, pixelAccuracy: 0.6 }),
    epoch(2, 1.5, { loss: 1.6, pixelAccuracy: 0.7 }),
    JSON.stringify({ event: "resume", epoch: 1 }),
    epoch(2, 1.4, { loss: 1.5, pixelAccuracy: 0.72 }),
    epoch(3, 1.0, { loss: 1.2, keypointError: 0.1, pixelAccuracy: 0.8 }),
    "",
  ].join("\n");
  assert.deepEqual(parseTrainingLog(text), [
    { epoch: 1, trainLoss: 2.5, valLoss: 2.4, valPixelAccuracy: 0.6 },
    { epoch: 2, trainLoss: 1.4, valLoss: 1.5, valPixelAccuracy: 0.72 },
    { epoch: 3, trainLoss: 1.0, valLoss: 1.2, valPixelAccuracy: 0.8, valKeypointError: 0.1 },
  ]);
});

Deno.test("parseTrainingLog() names the file and line of a broken record", () => {
  assert.throws(() => parseTrainingLog(`${epoch(1, 1, {})}\n{"event":"ep`, "runs/x/log.jsonl"), {
    message: /"runs\/x\/log\.jsonl" line 2: expected one JSON object/,
  });
  assert.throws(() => parseTrainingLog(`{"event":"epoch","epoch":1}`), /needs an integer epoch/);
});

Deno.test("trainingCurvesFigure() draws one PNG with a panel per metric", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "runs", "a"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "runs", "a", "log.jsonl"),
    [epoch(1, 2, { loss: 2, pixelAccuracy: 0.5 }), epoch(2, 1, { loss: 1, pixelAccuracy: 0.9 })]
      .join("\n"),
  );
  const curve = (await readTrainingCurve(join(dir, "runs", "a", "best.ckpt")))!;
  assert.equal(curve.length, 2);
  assert.equal(await readTrainingCurve(join(dir, "none", "best.ckpt")), undefined);
  const r = {
    protocol: "lfw-parts",
    data: { kind: "synthetic" },
    runs: [{ variant: "CLVM1-seg", seed: 1, curve }],
  } as unknown as ProtocolResult;
  const name = await trainingCurvesFigure(dir, r);
  assert.equal(name, "training_lfw-parts.png");
  const png = await Deno.readFile(join(dir, name!));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const svg = await Deno.readTextFile(join(dir, "training_lfw-parts.svg"));
  assert.match(svg, /training loss/);
  assert.match(svg, /validation pixel accuracy/);
  assert.doesNotMatch(svg, /validation keypoint error/);
  assert.equal(await trainingCurvesFigure(dir, { ...r, runs: [] }), null);
  await Deno.remove(dir, { recursive: true });
});
