import assert from "node:assert/strict";
import { createProgress, formatDuration } from "./progress.ts";

Deno.test("formatDuration() writes m:ss and h:mm:ss", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(75.4), "1:15");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(NaN), "?");
});

Deno.test("createProgress() on a terminal redraws one line with count, rate and ETA", () => {
  let t = 0;
  const out: string[] = [];
  const bar = createProgress("masks", 100, { write: (s) => out.push(s), tty: true, now: () => t });
  t = 100;
  bar.update(1);
  assert.equal(
    out.pop(),
    "\r\x1b[Kmasks [........................] 1/100 1% -/s ETA ?",
    "no rate yet",
  );
  t = 2000; // 2 s for 25 items: 12.5/s, 75 left → 6 s
  bar.update(25);
  assert.equal(out.length, 1);
  assert.equal(out[0], "\r\x1b[Kmasks [######..................] 25/100 25% 12.5/s ETA 0:06");
  t = 2050; // within 100 ms: no redraw
  bar.tick();
  assert.equal(out.length, 1);
  t = 4000;
  bar.update(100);
  bar.done();
  assert.equal(out.at(-2), "\r\x1b[Kmasks [########################] 100/100 100% 25.0/s in 0:04");
  assert.equal(out.at(-1), "\n");
  bar.done();
  bar.tick();
  assert.equal(out.at(-1), "\n", "nothing after done()");
});

Deno.test("createProgress() off a terminal prints a line per 10 % and shows bytes as MB", () => {
  let t = 0;
  const out: string[] = [];
  const bar = createProgress("x.tgz", 10e6, {
    write: (s) => out.push(s),
    tty: false,
    now: () => t,
    unit: "bytes",
  });
  for (let i = 1; i <= 100; i++) {
    t = i * 100;
    bar.update(i * 1e5);
  }
  bar.done();
  assert.equal(out.length, 10, "nine steps (10 %..90 %) and the final line");
  assert.ok(out.every((l) => l.endsWith("\n")));
  assert.match(out[9]!, /100% 1\.0 MB\/s in 0:10\n$/);
  assert.equal(out[0], "x.tgz [##......................] 1.0 MB/10.0 MB 10% 1.0 MB/s ETA 0:09\n");
});

Deno.test("createProgress() resumed part-way shows a note, the rate in its own unit and a summary", () => {
  let t = 0;
  const out: string[] = [];
  const bar = createProgress("epoch 2/3", 10, {
    write: (s) => out.push(s),
    tty: false,
    now: () => t,
    startAt: 4,
    rateUnit: "img",
  });
  t = 1000; // batches 5 and 6 of 10 in 1 s, 16 images: 16 img/s, 4 batches left → 2 s
  bar.update(5, { work: 8, note: "loss 0.5000" });
  bar.update(6, { work: 16, note: "loss 0.2500" });
  assert.equal(out.length, 2, "decile 4 was done before the bar started; 5 and 6 print once each");
  t = 2000;
  bar.update(10, { work: 48, note: "loss 0.1250" });
  bar.done("epoch 2/3: loss 0.1250");
  assert.deepEqual(out, [
    "epoch 2/3 [############............] 5/10 50% loss 0.5000 8.0 img/s ETA 0:05\n",
    "epoch 2/3 [##############..........] 6/10 60% loss 0.2500 16.0 img/s ETA 0:02\n",
    "epoch 2/3: loss 0.1250\n",
  ]);
});

Deno.test("createProgress() on a terminal always draws the last count and replaces the line by the summary", () => {
  let t = 0;
  const out: string[] = [];
  const bar = createProgress("epoch 1/1", 2, {
    write: (s) => out.push(s),
    tty: true,
    now: () => t,
  });
  t = 500;
  bar.update(1, { work: 4 });
  t = 510; // within the redraw interval, but the last batch is always drawn
  bar.update(2, { work: 8 });
  bar.done("done");
  assert.equal(out.length, 3);
  assert.equal(out[1], `\r\x1b[Kepoch 1/1 [${"#".repeat(24)}] 2/2 100% 15.7/s ETA 0:00`);
  assert.equal(out[2], "\r\x1b[Kdone\n");
});
