// 1,000 monitors in one tick inside workerd, within the free plan's per-invocation budget.
import assert from "node:assert/strict";
import { PLAN_LIMITS, tickBudget } from "../../workers/monitor/src/budget.ts";
import { startMonitor } from "../../workers/tools/miniflare.ts";
import { MINUTE, minuteAt, putDefinitions } from "./helpers.ts";
import { TargetServer } from "./targets.ts";

function monitors(n: number, url: string) {
  return Array.from({ length: n }, (_, i) => ({
    id: `m-${i}`,
    name: `Service ${i}`,
    type: "http",
    url: `${url}/ok/${i}`,
    keyword: "ok",
    // the first ten hang off a parent heartbeat so the tick has two levels
    ...(i < 10 ? { parent: "m-999" } : {}),
  }));
}

Deno.test("1,000 monitors complete in one tick within the free plan's subrequest and connection limits", async () => {
  const targets = new TargetServer();
  const defs = monitors(1000, targets.url);
  for (const m of defs) {
    targets.routes.set(new URL(m.url).pathname, () => new Response("ok"));
  }
  const w = await startMonitor({
    PLAN: "free",
    SLACK_WEBHOOK_URL: `${targets.url}/slack`,
  });
  try {
    await putDefinitions(w, { monitors: defs });
    await w.tick(minuteAt(0));
    const report = await w.lastTick();
    const free = PLAN_LIMITS.free;
    const budget = tickBudget(free, 1);
    assert.equal(report.due, 1000);
    assert.equal(report.checked, 1000);
    assert.equal(report.deferred, 0);
    assert.equal(report.skipped, 0);
    assert.equal(report.failedShards, 0);
    assert.equal(report.levels, 2);
    assert.ok(
      report.shards <= budget.shardCalls,
      `${report.shards} shard calls`,
    );
    assert.ok(report.usage.tickSubrequests <= free.subrequests);
    assert.ok(report.usage.tickPeakConnections <= free.connections);
    assert.ok(report.usage.maxShardSubrequests <= free.subrequests);
    assert.ok(report.usage.maxShardPeakConnections <= free.connections);
    assert.ok(report.usage.maxShardD1Queries <= 4);
    assert.ok(report.usage.tickD1Queries <= 16);
    const hits = [...targets.hits.entries()].filter(([p]) => p.startsWith("/ok/")).length;
    assert.equal(hits, 1000, "every target was requested once");
    const results = await w.db.prepare("SELECT count(*) AS n FROM results")
      .first();
    assert.equal(results.n, 1000, "one row per result");
    const up = await w.db.prepare(
      "SELECT count(*) AS n FROM monitor_state WHERE state = 'UP'",
    ).first();
    assert.equal(up.n, 1000);
  } finally {
    await w.close();
    await targets.close();
  }
});

Deno.test("monitors beyond a tick's budget are deferred to the next tick, least recently checked first", async () => {
  const targets = new TargetServer();
  const defs = monitors(100, targets.url).map((m) => ({
    ...m,
    parent: undefined,
  }));
  for (const m of defs) {
    targets.routes.set(new URL(m.url).pathname, () => new Response("ok"));
  }
  // 10 subrequests per invocation: 7 shard calls × 5 checks = 35 monitors per tick
  const w = await startMonitor({ SUBREQUEST_LIMIT: "10" });
  try {
    await putDefinitions(w, { monitors: defs });
    const t0 = minuteAt(0);
    await w.tick(t0);
    const first = await w.lastTick();
    assert.deepEqual([first.checked, first.deferred, first.shards], [
      35,
      65,
      7,
    ]);
    assert.ok(
      first.usage.maxShardSubrequests <= 10 &&
        first.usage.tickSubrequests <= 10,
    );
    await w.tick(t0 + MINUTE);
    await w.tick(t0 + 2 * MINUTE);
    const checked = await w.db.prepare(
      "SELECT count(*) AS n FROM monitor_state WHERE checks_total > 0",
    ).first();
    assert.equal(checked.n, 100, "three ticks reach every monitor");
  } finally {
    await w.close();
    await targets.close();
  }
});
