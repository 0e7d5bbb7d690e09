import { ConnectionPool, limitsFromEnv, SubrequestBudget, TICK_D1_QUERIES, tickBudget } from "./budget.ts";
import { chunk } from "./budget.ts";
import type { MonitorEnv } from "./env.ts";
import { activeMaintenance, maintenanceFor } from "./maintenance.ts";
import { type AlertEvent, configuredChannels, deliverAlerts } from "./notify.ts";
import { HOUR, retentionFromEnv, rollupStatements } from "./rollup.ts";
import type { ShardItem, ShardRequest, ShardResponse } from "./shard.ts";
import type { MachineState } from "./state.ts";
import { getMeta, loadMaintenance, loadMonitors, type MonitorRecord, setMeta } from "./store.ts";
import { log } from "../../shared/log.ts";

/** What one tick did; stored in meta `last_tick` and exported by /metrics. */
export interface TickReport {
  at: number;
  monitors: number;
  due: number;
  checked: number;
  skipped: number;
  deferred: number;
  failedShards: number;
  shards: number;
  levels: number;
  alerts: number;
  delivered: Record<string, string>;
  budget: {
    plan: string;
    subrequestLimit: number;
    shardCalls: number;
    checksPerShard: number;
    capacity: number;
  };
  usage: {
    tickSubrequests: number;
    tickD1Queries: number;
    tickPeakConnections: number;
    maxShardSubrequests: number;
    maxShardPeakConnections: number;
    maxShardD1Queries: number;
  };
}

/** Half a tick of slack so a cron firing a little early does not skip a monitor for a whole interval. */
const DUE_SLACK_MS = 30_000;

/** Is the monitor due at `now`? Heartbeats are judged every tick; the rest every `intervalSeconds`. */
export function isDue(r: MonitorRecord, now: number): boolean {
  // A last check "in the future" (clock skew, a replayed tick) counts as due rather than stalling.
  if (
    r.definition.type === "heartbeat" || r.lastCheckedAt === null ||
    r.lastCheckedAt > now
  ) {
    return true;
  }
  return now - r.lastCheckedAt >=
    r.definition.intervalSeconds * 1000 - DUE_SLACK_MS;
}

/** Depth of each monitor in the parent tree (roots are 0). */
export function depths(records: readonly MonitorRecord[]): Map<string, number> {
  const parent = new Map(
    records.map((r) => [r.definition.id, r.definition.parent]),
  );
  const out = new Map<string, number>();
  const depth = (id: string): number => {
    const known = out.get(id);
    if (known !== undefined) return known;
    const p = parent.get(id);
    const d = p === undefined || !parent.has(p) ? 0 : depth(p) + 1;
    out.set(id, d);
    return d;
  };
  for (const r of records) depth(r.definition.id);
  return out;
}

/** The nearest ancestor whose machine state is DOWN, if any. */
export function downAncestor(
  id: string,
  parentOf: Map<string, string | undefined>,
  states: Map<string, MachineState>,
): string | undefined {
  for (let p = parentOf.get(id); p !== undefined; p = parentOf.get(p)) {
    if (states.get(p) === "DOWN") return p;
  }
  return undefined;
}

/**
 * One cron tick: picks the due monitors, fans them out to checker shard Durable Objects level by level of
 * the parent tree (parents first, so children see their parent's fresh state and a home outage is one
 * alert), sends the batched alerts, and rolls history up once per hour. Every subrequest, connection and
 * D1 query is counted against the plan's per-invocation limits; monitors beyond the tick's capacity are
 * deferred to the next tick (least recently checked first), never dropped silently.
 *
 * @example
 * ```ts
 * // export default { scheduled: (c, env) => runTick(env, c.scheduledTime) }
 * ```
 */
export async function runTick(
  env: MonitorEnv,
  now: number,
): Promise<TickReport> {
  const limits = limitsFromEnv(env);
  const plan = tickBudget(limits, configuredChannels(env).length);
  const subrequests = new SubrequestBudget(limits.subrequests);
  let d1Queries = 2;
  const [records, windows] = await Promise.all([
    loadMonitors(env.DB),
    loadMaintenance(env.DB),
  ]);
  const active = activeMaintenance(windows, now);
  const parentOf = new Map(
    records.map((r) => [r.definition.id, r.definition.parent]),
  );
  const states = new Map(records.map((r) => [r.definition.id, r.state]));
  const names = new Map(
    records.map((r) => [r.definition.id, r.definition.name]),
  );
  const depthOf = depths(records);

  const due = records.filter((r) => isDue(r, now))
    .sort((a, b) => (a.lastCheckedAt ?? -Infinity) - (b.lastCheckedAt ?? -Infinity));
  const admitted = due.slice(0, plan.capacity);
  const levels = new Map<number, MonitorRecord[]>();
  for (const r of admitted) {
    const d = depthOf.get(r.definition.id) ?? 0;
    levels.set(d, [...(levels.get(d) ?? []), r]);
  }

  const report: TickReport = {
    at: now,
    monitors: records.length,
    due: due.length,
    checked: 0,
    skipped: 0,
    deferred: due.length - admitted.length,
    failedShards: 0,
    shards: 0,
    levels: levels.size,
    alerts: 0,
    delivered: {},
    budget: {
      plan: env.PLAN === "paid" ? "paid" : "free",
      subrequestLimit: limits.subrequests,
      shardCalls: plan.shardCalls,
      checksPerShard: plan.checksPerShard,
      capacity: plan.capacity,
    },
    usage: {
      tickSubrequests: 0,
      tickD1Queries: 0,
      tickPeakConnections: 0,
      maxShardSubrequests: 0,
      maxShardPeakConnections: 0,
      maxShardD1Queries: 0,
    },
  };
  const alerts: AlertEvent[] = [];
  const pool = new ConnectionPool(plan.concurrency);
  let shardIndex = 0;
  for (const depth of [...levels.keys()].sort((a, b) => a - b)) {
    const items: ShardItem[] = levels.get(depth)!.map((record) => {
      const id = record.definition.id;
      const parent = downAncestor(id, parentOf, states);
      return {
        record,
        suppression: {
          maintenance: maintenanceFor(active, id),
          parentDown: parent && names.get(parent),
        },
      };
    });
    const responses = await Promise.all(
      chunk(items, plan.checksPerShard).map((group) => {
        if (report.shards >= plan.shardCalls || !subrequests.take()) {
          report.deferred += group.length;
          return null;
        }
        report.shards++;
        const name = `shard-${shardIndex++}`;
        const body: ShardRequest = {
          now,
          items: group,
          subrequestLimit: limits.subrequests,
          concurrency: plan.concurrency,
        };
        return pool.run(async () => {
          try {
            const stub = env.CHECKER.get(env.CHECKER.idFromName(name));
            const res = await stub.fetch("https://checker/run", {
              method: "POST",
              body: JSON.stringify(body),
            });
            if (!res.ok) {
              throw new Error(
                `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`,
              );
            }
            return await res.json() as ShardResponse;
          } catch (e) {
            report.failedShards++;
            report.deferred += group.length;
            log("error", "shard_failed", {
              shard: name,
              monitors: group.length,
              message: String((e as Error).message),
            });
            return null;
          }
        });
      }),
    );
    for (const r of responses) {
      if (!r) continue;
      for (const u of r.updates) states.set(u.id, u.state);
      alerts.push(...r.alerts);
      report.checked += r.usage.checks;
      report.skipped += r.usage.skipped;
      report.usage.maxShardSubrequests = Math.max(
        report.usage.maxShardSubrequests,
        r.usage.subrequests,
      );
      report.usage.maxShardPeakConnections = Math.max(
        report.usage.maxShardPeakConnections,
        r.usage.peakConnections,
      );
      report.usage.maxShardD1Queries = Math.max(
        report.usage.maxShardD1Queries,
        r.usage.d1Queries,
      );
    }
  }

  report.alerts = alerts.length;
  const statements = [];
  if (alerts.length) {
    report.delivered = await deliverAlerts(
      alerts,
      env,
      () => subrequests.take(),
    ) as Record<string, string>;
    statements.push(
      env.DB.prepare(
        `INSERT INTO alerts (at, monitor_id, kind, state, message, channels, delivered)
         SELECT ?2, json_extract(value, '$.monitorId'), json_extract(value, '$.kind'), json_extract(value, '$.state'),
           coalesce(json_extract(value, '$.error'), ''), ?3, ?4 FROM json_each(?1)`,
      ).bind(
        JSON.stringify(alerts),
        now,
        JSON.stringify(Object.keys(report.delivered)),
        JSON.stringify(report.delivered),
      ),
    );
  }
  const lastRolled = await getMeta(env.DB, "last_rollup_hour");
  d1Queries++;
  statements.push(
    ...rollupStatements(
      env.DB,
      now,
      lastRolled === null ? now - 2 * HOUR : Number(lastRolled),
      retentionFromEnv(env),
    ),
  );
  report.usage.tickSubrequests = subrequests.used;
  report.usage.tickPeakConnections = pool.peak;
  report.usage.tickD1Queries = d1Queries + statements.length + 1;
  statements.push(setMeta(env.DB, "last_tick", JSON.stringify(report)));
  await env.DB.batch(statements);
  if (report.usage.tickD1Queries > TICK_D1_QUERIES) {
    log("warn", "tick_d1_budget", {
      used: report.usage.tickD1Queries,
      budget: TICK_D1_QUERIES,
    });
  }
  log(report.deferred || report.failedShards ? "warn" : "info", "tick", {
    at: new Date(now).toISOString(),
    monitors: report.monitors,
    due: report.due,
    checked: report.checked,
    deferred: report.deferred,
    shards: report.shards,
    alerts: report.alerts,
  });
  return report;
}
