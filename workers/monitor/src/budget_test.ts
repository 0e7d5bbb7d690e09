import assert from "node:assert/strict";
import {
  chunk,
  ConnectionPool,
  limitsFromEnv,
  PLAN_LIMITS,
  ShardBudget,
  SubrequestBudget,
  tickBudget,
} from "./budget.ts";

Deno.test("tick budgets: 1,000 monitors fit one tick on both plans", () => {
  const free = tickBudget(PLAN_LIMITS.free);
  assert.deepEqual([free.shardCalls, free.checksPerShard, free.concurrency], [
    42,
    25,
    6,
  ]);
  assert.ok(free.capacity >= 1000);
  assert.ok(
    free.shardCalls + free.alertReserve <= PLAN_LIMITS.free.subrequests,
  );
  assert.ok(tickBudget(PLAN_LIMITS.paid).capacity >= 100_000);
});

Deno.test("limitsFromEnv defaults to the free plan and honours SUBREQUEST_LIMIT", () => {
  assert.equal(limitsFromEnv({}).subrequests, 50);
  assert.equal(limitsFromEnv({ PLAN: "paid" }).subrequests, 1000);
  assert.equal(
    limitsFromEnv({ PLAN: "paid", SUBREQUEST_LIMIT: "10000" }).subrequests,
    10000,
  );
  assert.equal(limitsFromEnv({ SUBREQUEST_LIMIT: "x" }).subrequests, 50);
});

Deno.test("SubrequestBudget never goes past its limit", () => {
  const b = new SubrequestBudget(3);
  assert.ok(b.take(2));
  assert.ok(!b.take(2));
  assert.ok(b.take());
  assert.ok(!b.take());
  assert.equal(b.used, 3);
});

Deno.test("ConnectionPool keeps at most max tasks in flight", async () => {
  const pool = new ConnectionPool(2);
  const gates: (() => void)[] = [];
  let started = 0;
  const tasks = Array.from({ length: 5 }, () =>
    pool.run(() => {
      started++;
      return new Promise<void>((resolve) => gates.push(resolve));
    }));
  await Promise.resolve();
  assert.equal(started, 2);
  while (gates.length) {
    gates.shift()!();
    await new Promise<void>((r) => queueMicrotask(r));
    await Promise.resolve();
  }
  await Promise.all(tasks.map((t) => t.catch(() => {})));
  assert.equal(pool.peak, 2);
  assert.deepEqual(chunk([1, 2, 3], 2), [[1, 2], [3]]);
});

Deno.test("ShardBudget keeps first attempts for every check", () => {
  const b = new ShardBudget(4, 3);
  assert.ok(b.first());
  assert.ok(b.extra()); // 1 used + 1 extra + 2 reserved = 4
  assert.ok(!b.extra());
  assert.ok(b.first());
  assert.ok(b.first());
  assert.ok(!b.first());
  assert.equal(b.used, 4);
});
