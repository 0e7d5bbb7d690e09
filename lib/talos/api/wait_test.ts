/** waitFor on a ManualClock: backoff, progress messages, transient vs permanent errors, deadline, abort. */
import assert from "node:assert/strict";
import { ManualClock } from "../../clock/clock.ts";
import { StrataError, TransientError } from "../../errors.ts";
import { waitFor, WaitTimeoutError } from "./wait.ts";

/** Lets pending promise callbacks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

Deno.test("polls with growing pauses, reports progress, returns the value", async () => {
  const clock = new ManualClock(0);
  const checksAt: number[] = [];
  const progress: string[] = [];
  let n = 0;
  const done = waitFor({
    what: "cp-1 to answer",
    clock,
    timeoutMs: 60_000,
    onProgress: (m) => progress.push(m),
    check: () => {
      checksAt.push(clock.now());
      return Promise.resolve(++n < 4 ? { pending: `attempt ${n}` } : "up");
    },
  });
  for (let i = 0; i < 10 && checksAt.length < 4; i++) {
    await settle();
    await clock.advance(2_000);
  }
  assert.equal(await done, "up");
  // pauses 250, 375, 562.5 ms (×1.5), checks right after each
  assert.deepEqual(checksAt.slice(0, 2), [0, 250]);
  assert.equal(checksAt.length, 4);
  assert.equal(progress[0], "waiting for cp-1 to answer (0ms): attempt 1");
  assert.match(progress[2], /^waiting for cp-1 to answer \(\d+ms\): attempt 3$/);
});

Deno.test("transient errors are 'not yet'; permanent ones end the wait", async () => {
  const clock = new ManualClock(0);
  let n = 0;
  const progress: string[] = [];
  const done = waitFor({
    what: "etcd",
    clock,
    timeoutMs: 60_000,
    onProgress: (m) => progress.push(m),
    check: () => {
      n++;
      if (n === 1) return Promise.reject(new TransientError("connection refused"));
      return Promise.reject(new StrataError("bad config"));
    },
  });
  const caught = done.then(() => undefined, (e) => e);
  await settle();
  await clock.advance(1_000);
  assert.match(String(await caught), /bad config/);
  assert.equal(n, 2);
  assert.match(progress[0], /connection refused/);
});

Deno.test("the deadline ends the wait with what, how long and the last reason", async () => {
  const clock = new ManualClock(0);
  const done = waitFor({
    what: "the Kubernetes API on 10.0.3.10:6443",
    clock,
    timeoutMs: 5_000,
    maxDelayMs: 1_000,
    remedy: "check the VIP",
    check: () => Promise.resolve({ pending: "connection refused" }),
  });
  const caught = done.catch((e) => e);
  for (let i = 0; i < 20; i++) {
    await settle();
    await clock.advance(1_000);
  }
  const err = await caught;
  assert.ok(err instanceof WaitTimeoutError);
  assert.match(
    err.message,
    /^gave up waiting for the Kubernetes API on 10\.0\.3\.10:6443 after 5\.0s \(last: connection refused\)$/,
  );
  assert.equal(err.remedy, "check the VIP");
});

Deno.test("an abort stops the wait with the signal's reason", async () => {
  const clock = new ManualClock(0);
  const ctl = new AbortController();
  const done = waitFor({
    what: "x",
    clock,
    signal: ctl.signal,
    timeoutMs: 60_000,
    check: () => Promise.resolve({ pending: "no" }),
  });
  const caught = done.then(() => undefined, (e) => e);
  await settle();
  ctl.abort(new Error("interrupted"));
  assert.match(String(await caught), /interrupted/);
  assert.equal(clock.pending, 0);
});
