// The slots that protocols run side by side share: never more than `size` at once, the
// lowest priority number first, first come first served within one, freed on failure.
import assert from "node:assert/strict";
import { Slots } from "./slots.ts";

/** A task that records when it starts and ends, and ends when `finish` is called. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const ended = new Promise<void>((r) => (finish = r));
  return {
    finish: () => finish(),
    work: async () => {
      log.push(`+${name}`);
      await ended;
      log.push(`-${name}`);
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("Slots never runs more than its size at once, and hands a freed slot to the most urgent waiter", async () => {
  const log: string[] = [];
  const slots = new Slots(2);
  const a = task(log, "a"), b = task(log, "b"), c = task(log, "c"), d = task(log, "d");
  const e = task(log, "e");
  const running = [
    slots.use(1, a.work),
    slots.use(1, b.work),
    slots.use(1, c.work), // waits: both slots taken
    slots.use(2, d.work), // waits behind c and any more urgent
    slots.use(0, e.work), // asked last, most urgent
  ];
  await tick();
  assert.deepEqual(log, ["+a", "+b"]);
  assert.equal(slots.waiting, 3);
  a.finish();
  await tick();
  assert.deepEqual(log.slice(2), ["-a", "+e"], "priority 0 overtakes earlier waiters");
  b.finish();
  await tick();
  assert.deepEqual(log.slice(4), ["-b", "+c"], "then priority 1, before priority 2");
  e.finish();
  await tick();
  assert.deepEqual(log.slice(6), ["-e", "+d"]);
  c.finish();
  d.finish();
  await Promise.all(running);
  const live = log.reduce(
    (acc, s) => {
      acc.now += s.startsWith("+") ? 1 : -1;
      acc.max = Math.max(acc.max, acc.now);
      return acc;
    },
    { now: 0, max: 0 },
  );
  assert.equal(live.max, 2);
  assert.equal(slots.waiting, 0);
});

Deno.test("Slots frees the slot of a task that throws, and passes the error on", async () => {
  const slots = new Slots(1);
  await assert.rejects(
    slots.use(0, () => Promise.reject(new Error("broken model"))),
    /broken model/,
  );
  assert.equal(await slots.use(0, () => Promise.resolve(42)), 42);
});

Deno.test("Slots of size 0 or less still run one task at a time", async () => {
  const slots = new Slots(0);
  const log: string[] = [];
  const a = task(log, "a"), b = task(log, "b");
  const both = [slots.use(0, a.work), slots.use(0, b.work)];
  await tick();
  assert.deepEqual(log, ["+a"]);
  a.finish();
  await tick();
  b.finish();
  await Promise.all(both);
  assert.deepEqual(log, ["+a", "-a", "+b", "-b"]);
});
