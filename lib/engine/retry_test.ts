import { assert, assertEquals, assertRejects } from "../../tests/testing.ts";
import { ManualClock, TimeoutError } from "../clock/clock.ts";
import { TransientError, UsageError } from "../errors.ts";
import { untilSleeping } from "./_testing.ts";
import {
  backoffDelay,
  RetriesExhaustedError,
  type RetryOptions,
  runWithRetries,
  settleOrAbandon,
  StepAbandonedError,
  StepTimeoutError,
} from "./retry.ts";

function options(clock: ManualClock, over: Partial<RetryOptions> = {}): RetryOptions & { retries: number[] } {
  const retries: number[] = [];
  return {
    clock,
    what: "create VM cp-1",
    retry: { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 5_000 },
    timeoutMs: 600_000,
    signal: new AbortController().signal,
    random: () => 0.5,
    graceMs: 10_000,
    onRetry: (_n, ms) => retries.push(ms),
    retries,
    ...over,
  };
}

Deno.test("backoff: full jitter below a ceiling that doubles and is capped", () => {
  const policy = { attempts: 10, baseDelayMs: 1_000, maxDelayMs: 5_000 };
  assertEquals([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0.999999)), [
    999,
    1999,
    3999,
    4999,
    4999,
  ]);
  assertEquals(backoffDelay(policy, 3, () => 0), 0);
  assertEquals(backoffDelay(policy, 3, () => 0.25), 1000);
});

Deno.test("transient errors are retried after backoff waits on the clock; then the result", async () => {
  const clock = new ManualClock(0);
  const opts = options(clock);
  let calls = 0;
  const run = runWithRetries(opts, () => {
    calls++;
    return calls < 3 ? Promise.reject(new TransientError("HTTP 503")) : Promise.resolve("done");
  });
  await untilSleeping(clock, 2); // the step's budget and the first backoff
  assertEquals(calls, 1);
  await clock.advance(499);
  assertEquals(calls, 1, "no retry before the backoff has passed");
  await clock.advance(1);
  await untilSleeping(clock, 2);
  assertEquals(calls, 2);
  await clock.advance(1_000);
  assertEquals(await run, "done");
  assertEquals(opts.retries, [500, 1000]);
  assertEquals(clock.pending, 0, "the budget's timer is cancelled");
});

Deno.test("errors marked transient on foreign objects are retried too", async () => {
  const clock = new ManualClock(0);
  let calls = 0;
  const run = runWithRetries(options(clock, { random: () => 0 }), () => {
    if (++calls === 1) throw Object.assign(new Error("ECONNRESET"), { transient: true });
    return Promise.resolve(calls);
  });
  await untilSleeping(clock, 2);
  await clock.advance(0);
  assertEquals(await run, 2);
});

Deno.test("a permanent error is not retried and keeps its message and remedy", async () => {
  const clock = new ManualClock(0);
  let calls = 0;
  const err = await assertRejects(() =>
    runWithRetries(options(clock), () => {
      calls++;
      throw new UsageError("vmid 1101 is taken by another VM", "pick a free vmid in nodes[0].vmid");
    })
  );
  assertEquals(calls, 1);
  assert(err instanceof UsageError && err.remedy === "pick a free vmid in nodes[0].vmid");
});

Deno.test("a step's own timeout is not transient and is not mistaken for the budget", async () => {
  const clock = new ManualClock(0);
  let calls = 0;
  const own = new TimeoutError("the API", 5_000);
  const err = await assertRejects(() =>
    runWithRetries(options(clock), () => {
      calls++;
      return Promise.reject(own);
    })
  );
  assertEquals([calls, err === own], [1, true]);
});

Deno.test("attempts run out: the last error, the count, and its remedy", async () => {
  const clock = new ManualClock(0);
  const opts = options(clock, { retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 100 } });
  let calls = 0;
  const run = runWithRetries(opts, () => {
    calls++;
    throw new TransientError(`HTTP 502 (${calls})`, { remedy: "check pveproxy on pve1" });
  });
  const settled = run.catch((e) => e);
  for (let i = 0; i < 2; i++) {
    await untilSleeping(clock, 2);
    await clock.advance(50); // 0.5 × 100 ms
  }
  const err = await settled;
  assert(err instanceof RetriesExhaustedError, String(err));
  assertEquals(calls, 3);
  assertEquals(err.message, "HTTP 502 (3) (gave up after 3 attempts)");
  assertEquals(err.remedy, "check pveproxy on pve1");
});

Deno.test("the budget covers every attempt and backoff: it ends the retries with the last error", async () => {
  const clock = new ManualClock(0);
  const opts = options(clock, {
    timeoutMs: 10_000,
    retry: { attempts: 100, baseDelayMs: 4_000, maxDelayMs: 4_000 },
    random: () => 0.999,
  });
  let calls = 0;
  const settled = runWithRetries(opts, () => {
    calls++;
    return Promise.reject(new TransientError("connection refused"));
  }).catch((e) => e);
  for (let i = 0; i < 3; i++) {
    await untilSleeping(clock, 2);
    await clock.advance(3_996);
  }
  const err = await settled;
  assert(err instanceof StepTimeoutError, String(err));
  assertEquals(calls, 3, "attempts at 0 s, ~4 s and ~8 s; the budget ends during the third wait");
  assertEquals(
    err.message,
    "create VM cp-1: timed out after 10.0s (3 attempt(s); last error: connection refused)",
  );
  assertEquals(clock.now(), 11_988);
});

Deno.test("the budget aborts a running attempt through its signal and waits for it", async () => {
  const clock = new ManualClock(0);
  let reason: unknown;
  let cleanedUp = false;
  const settled = runWithRetries(options(clock, { timeoutMs: 5_000 }), async (signal) => {
    try {
      await clock.sleep(60_000, signal);
    } catch (err) {
      reason = err;
      await Promise.resolve(); // its safe point
      cleanedUp = true;
      throw err;
    }
  }).catch((e) => e);
  await untilSleeping(clock, 2);
  await clock.advance(5_000);
  const err = await settled;
  assert(err instanceof StepTimeoutError && reason instanceof TimeoutError && cleanedUp, String(err));
  assertEquals(err.message, "create VM cp-1: timed out after 5.0s");
});

Deno.test("work that ignores its signal is abandoned after the grace period", async () => {
  const clock = new ManualClock(0);
  let finishLate!: (v: string) => void;
  const settled = runWithRetries(
    options(clock, { timeoutMs: 5_000, graceMs: 2_000 }),
    () => new Promise<string>((r) => finishLate = r),
  ).catch((e) => e);
  await untilSleeping(clock, 1);
  await clock.advance(5_000);
  await untilSleeping(clock, 1); // the grace period
  await clock.advance(1_999);
  await clock.advance(1);
  const err = await settled;
  assert(err instanceof StepTimeoutError, String(err));
  finishLate("too late");
});

Deno.test("an aborted caller signal stops retrying at once", async () => {
  const clock = new ManualClock(0);
  const ctl = new AbortController();
  let calls = 0;
  const settled = runWithRetries(options(clock, { signal: ctl.signal }), () => {
    calls++;
    return Promise.reject(new TransientError("503"));
  }).catch((e) => e);
  await untilSleeping(clock, 2);
  ctl.abort(new Error("SIGINT"));
  const err = await settled;
  assertEquals([calls, (err as Error).message], [1, "SIGINT"]);
  assertEquals(clock.pending, 0);
});

Deno.test("settleOrAbandon passes results through and rejects only after the grace", async () => {
  const clock = new ManualClock(0);
  const ctl = new AbortController();
  assertEquals(await settleOrAbandon(Promise.resolve(1), ctl.signal, clock, 100), 1);
  const stuck = settleOrAbandon(new Promise(() => {}), ctl.signal, clock, 100).catch((e) => e);
  ctl.abort(new Error("stop"));
  await untilSleeping(clock, 1);
  await clock.advance(100);
  const err = await stuck;
  assert(err instanceof StepAbandonedError && err.message.includes("stop"), String(err));
});
