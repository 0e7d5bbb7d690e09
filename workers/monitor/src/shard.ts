import type { DurableObjectState } from "../../shared/platform.ts";
import { ConnectionPool, SHARD_D1_QUERIES, ShardBudget } from "./budget.ts";
import type { CheckResult } from "./check.ts";
import type { MonitorEnv } from "./env.ts";
import { checkHeartbeat } from "./heartbeat_check.ts";
import { checkHttp } from "./http_check.ts";
import type { AlertEvent } from "./notify.ts";
import {
  decideAlert,
  type EffectiveState,
  effectiveState,
  type MachineState,
  nextState,
  type Suppression,
} from "./state.ts";
import { type CheckedRow, type MonitorRecord, shardWriteStatements } from "./store.ts";
import { checkTcp } from "./tcp_check.ts";

/** One monitor handed to a shard, with what suppresses its alerts right now. */
export interface ShardItem {
  record: MonitorRecord;
  suppression: Suppression;
}

/** What the tick sends a shard. */
export interface ShardRequest {
  now: number;
  items: ShardItem[];
  /** The shard invocation's subrequest limit. */
  subrequestLimit: number;
  /** Simultaneous connections the shard may hold. */
  concurrency: number;
}

/** What the shard reports back. */
export interface ShardResponse {
  updates: { id: string; state: MachineState; effective: EffectiveState }[];
  alerts: AlertEvent[];
  usage: {
    checks: number;
    skipped: number;
    subrequests: number;
    peakConnections: number;
    d1Queries: number;
  };
}

/**
 * Checks a batch of monitors inside one invocation: at most `concurrency` checks in flight, every
 * subrequest paid from a budget that reserves a first attempt per check, then one D1 batch with the
 * results (one row each), new states and incident changes.
 */
export async function runShard(
  env: MonitorEnv,
  req: ShardRequest,
): Promise<ShardResponse> {
  const paid = req.items.filter((i) => i.record.definition.type !== "heartbeat").length;
  const budget = new ShardBudget(req.subrequestLimit, paid);
  const pool = new ConnectionPool(req.concurrency);
  const rows: CheckedRow[] = [];
  const response: ShardResponse = {
    updates: [],
    alerts: [],
    usage: {
      checks: 0,
      skipped: 0,
      subrequests: 0,
      peakConnections: 0,
      d1Queries: 0,
    },
  };
  await Promise.all(req.items.map(async ({ record, suppression }) => {
    const m = record.definition;
    let result: CheckResult;
    if (m.type === "heartbeat") {
      result = checkHeartbeat(
        m,
        record.lastHeartbeatAt,
        record.createdAt,
        req.now,
      );
    } else if (m.type === "http") {
      result = await pool.run(() => checkHttp(m, env, budget));
    } else result = await pool.run(() => checkTcp(m, budget));
    if (result.outcome === "skipped") {
      response.usage.skipped++;
      return;
    }
    response.usage.checks++;
    const streaks = nextState(record, result.outcome, m);
    const effective = effectiveState(streaks.state, suppression);
    const alert = decideAlert(
      streaks.state,
      effective,
      { alertedState: record.alertedState, lastAlertAt: record.lastAlertAt },
      req.now,
      m.resendIntervalMinutes * 60_000,
    );
    const wasDown = record.effective === "DOWN", isDown = effective === "DOWN";
    rows.push({
      id: m.id,
      at: req.now,
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      status: result.status,
      error: result.error,
      attempts: result.attempts,
      ...streaks,
      effective,
      stateSince: effective !== record.effective || record.stateSince === null ? req.now : record.stateSince,
      alertedState: alert.memory.alertedState,
      lastAlertAt: alert.memory.lastAlertAt,
      incident: !wasDown && isDown ? "open" : wasDown && !isDown ? "close" : null,
    });
    response.updates.push({ id: m.id, state: streaks.state, effective });
    if (alert.kind) {
      response.alerts.push({
        monitorId: m.id,
        name: m.name,
        kind: alert.kind,
        state: effective,
        error: result.error,
        at: req.now,
        channels: m.channels,
      });
    }
  }));
  const statements = shardWriteStatements(env.DB, rows);
  if (statements.length) await env.DB.batch(statements);
  response.usage.subrequests = budget.used;
  response.usage.peakConnections = pool.peak;
  response.usage.d1Queries = statements.length;
  if (statements.length > SHARD_D1_QUERIES * Math.ceil(rows.length / 500)) {
    throw new Error(
      `shard used ${statements.length} D1 queries, over its budget`,
    );
  }
  return response;
}

/**
 * The checker shard Durable Object. The tick fans out to `shard-0 … shard-k` so every shard invocation
 * gets its own subrequest, connection and CPU limits (the tick itself would run out at ~50 checks on
 * the free plan).
 */
export class CheckerShard {
  constructor(readonly state: DurableObjectState, readonly env: MonitorEnv) {}

  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST" || new URL(request.url).pathname !== "/run") {
      return Response.json({
        error: {
          code: "not_found",
          message: "checker shards only answer POST /run",
        },
      }, {
        status: 404,
      });
    }
    const body = await request.json() as ShardRequest;
    return Response.json(await runShard(this.env, body));
  }
}
