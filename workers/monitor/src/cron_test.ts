import assert from "node:assert/strict";
import { cronMatches, nextFire, parseCron, previousFire } from "./cron.ts";

Deno.test("parseCron accepts lists, ranges, steps and names", () => {
  const s = parseCron("*/15 2-4 * jan,jul mon-fri");
  assert.deepEqual([...s.minutes], [0, 15, 30, 45]);
  assert.deepEqual([...s.hours], [2, 3, 4]);
  assert.deepEqual([...s.months], [1, 7]);
  assert.deepEqual([...s.daysOfWeek], [1, 2, 3, 4, 5]);
  assert.deepEqual([...parseCron("0 0 * * 7").daysOfWeek], [0]);
});

Deno.test("parseCron names the bad field", () => {
  assert.throws(() => parseCron("61 * * * *"), {
    message: new RegExp(RegExp.escape("minute: 61 is outside 0-59")),
  });
  assert.throws(() => parseCron("* * * *"), {
    message: new RegExp(RegExp.escape("must have 5 fields")),
  });
  assert.throws(() => parseCron("* 5-2 * * *"), {
    message: new RegExp(RegExp.escape("hour: range 5-2 runs backwards")),
  });
  assert.throws(() => parseCron("* * * foo *"), {
    message: new RegExp(RegExp.escape('month: "foo" is not a number')),
  });
});

Deno.test("cronMatches uses the OR rule when both day fields are restricted", () => {
  const s = parseCron("0 3 1 * sun");
  assert.deepEqual(cronMatches(s, Date.UTC(2025, 0, 5, 3, 0)), true); // Sunday the 5th
  assert.deepEqual(cronMatches(s, Date.UTC(2025, 0, 1, 3, 0)), true); // Wednesday the 1st
  assert.deepEqual(cronMatches(s, Date.UTC(2025, 0, 2, 3, 0)), false);
  assert.deepEqual(cronMatches(s, Date.UTC(2025, 0, 5, 3, 1)), false);
});

Deno.test("previousFire and nextFire find the neighbouring fire times", () => {
  const s = parseCron("30 3 * * sun");
  const wed = Date.UTC(2025, 0, 8, 12, 0); // Wednesday
  assert.deepEqual(
    previousFire(s, wed, 7 * 24 * 60),
    Date.UTC(2025, 0, 5, 3, 30),
  );
  assert.deepEqual(previousFire(s, wed, 60), null);
  assert.deepEqual(nextFire(s, wed, 7 * 24 * 60), Date.UTC(2025, 0, 12, 3, 30));
  assert.deepEqual(
    nextFire(s, Date.UTC(2025, 0, 12, 3, 30), 1),
    Date.UTC(2025, 0, 12, 3, 30),
  );
});
