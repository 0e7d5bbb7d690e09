import type { D1Database, D1PreparedStatement } from "../../shared/platform.ts";
import type { Definitions, MaintenanceDefinition, MonitorDefinition } from "./definitions.ts";
import type { EffectiveState, MachineState } from "./state.ts";
import { newHeartbeatToken, sha256Hex } from "./tokens.ts";
import { chunk } from "./budget.ts";

/** A monitor with its current state, as the tick and the status page read it. */
export interface MonitorRecord {
  definition: MonitorDefinition;
  createdAt: number;
  state: MachineState;
  effective: EffectiveState;
  failStreak: number;
  okStreak: number;
  slowStreak: number;
  checksTotal: number;
  failuresTotal: number;
  lastCheckedAt: number | null;
  lastLatencyMs: number | null;
  lastStatus: number | null;
  lastError: string | null;
  lastHeartbeatAt: number | null;
  stateSince: number | null;
  alertedState: MachineState | null;
  lastAlertAt: number | null;
}

/** Everything a shard writes for one checked monitor. */
export interface CheckedRow {
  id: string;
  at: number;
  outcome: "up" | "degraded" | "down";
  latencyMs: number | null;
  status: number | null;
  error: string | null;
  attempts: number;
  state: MachineState;
  effective: EffectiveState;
  failStreak: number;
  okStreak: number;
  slowStreak: number;
  stateSince: number;
  alertedState: MachineState | null;
  lastAlertAt: number | null;
  incident: "open" | "close" | null;
}

interface MonitorRow {
  definition: string;
  created_at: number;
  state: MachineState | null;
  effective: EffectiveState | null;
  fail_streak: number | null;
  ok_streak: number | null;
  slow_streak: number | null;
  checks_total: number | null;
  failures_total: number | null;
  last_checked_at: number | null;
  last_latency_ms: number | null;
  last_status: number | null;
  last_error: string | null;
  last_heartbeat_at: number | null;
  state_since: number | null;
  alerted_state: MachineState | null;
  last_alert_at: number | null;
}

/** Rows per json_each statement: keeps each bound JSON parameter well under D1's 1 MB value limit. */
const ROWS_PER_STATEMENT = 500;

/** Reads every monitor with its state, in definition order (one query). */
export async function loadMonitors(db: D1Database): Promise<MonitorRecord[]> {
  const { results } = await db.prepare(
    `SELECT m.definition, m.created_at, s.* FROM monitors m LEFT JOIN monitor_state s ON s.monitor_id = m.id
     ORDER BY m.position`,
  ).all<MonitorRow>();
  return results.map((r) => ({
    definition: JSON.parse(r.definition) as MonitorDefinition,
    createdAt: r.created_at,
    state: r.state ?? "PENDING",
    effective: r.effective ?? "PENDING",
    failStreak: r.fail_streak ?? 0,
    okStreak: r.ok_streak ?? 0,
    slowStreak: r.slow_streak ?? 0,
    checksTotal: r.checks_total ?? 0,
    failuresTotal: r.failures_total ?? 0,
    lastCheckedAt: r.last_checked_at,
    lastLatencyMs: r.last_latency_ms,
    lastStatus: r.last_status,
    lastError: r.last_error,
    lastHeartbeatAt: r.last_heartbeat_at,
    stateSince: r.state_since,
    alertedState: r.alerted_state,
    lastAlertAt: r.last_alert_at,
  }));
}

/** Reads all maintenance windows (one query). */
export async function loadMaintenance(
  db: D1Database,
): Promise<MaintenanceDefinition[]> {
  const { results } = await db.prepare(
    "SELECT definition FROM maintenance ORDER BY position",
  ).all<
    { definition: string }
  >();
  return results.map((r) => JSON.parse(r.definition) as MaintenanceDefinition);
}

/** Heartbeat tokens created by a definitions replacement: shown once, stored only as hashes. */
export interface NewHeartbeatToken {
  id: string;
  token: string;
}

/**
 * Replaces the whole definition set in one D1 batch (one transaction): monitors and windows that are not
 * in `defs` are deleted with their state, results and incidents; the rest are upserted (state kept).
 * Heartbeat monitors keep their token; new ones get a fresh token, returned here once.
 */
export async function replaceDefinitions(
  db: D1Database,
  defs: Definitions,
  now: number,
): Promise<NewHeartbeatToken[]> {
  const { results: existing } = await db.prepare(
    "SELECT id, heartbeat_token_hash FROM monitors",
  ).all<
    { id: string; heartbeat_token_hash: string | null }
  >();
  const hashes = new Map(existing.map((r) => [r.id, r.heartbeat_token_hash]));
  const created: NewHeartbeatToken[] = [];
  const rows = [];
  for (const [position, m] of defs.monitors.entries()) {
    let hash: string | null = null;
    if (m.type === "heartbeat") {
      hash = hashes.get(m.id) ?? null;
      if (hash === null) {
        const token = newHeartbeatToken();
        created.push({ id: m.id, token });
        hash = await sha256Hex(token);
      }
    }
    rows.push({
      id: m.id,
      position,
      name: m.name,
      type: m.type,
      parent: m.parent ?? null,
      interval: m.intervalSeconds,
      definition: JSON.stringify(m),
      hash,
    });
  }
  const ids = JSON.stringify(defs.monitors.map((m) => m.id));
  const keep = "(SELECT value FROM json_each(?1))";
  const statements: D1PreparedStatement[] = [
    db.prepare(`DELETE FROM results WHERE monitor_id NOT IN ${keep}`).bind(ids),
    db.prepare(`DELETE FROM incidents WHERE monitor_id NOT IN ${keep}`).bind(
      ids,
    ),
    db.prepare(`DELETE FROM monitor_state WHERE monitor_id NOT IN ${keep}`)
      .bind(ids),
    db.prepare(`DELETE FROM rollups WHERE monitor_id NOT IN ${keep}`).bind(ids),
    db.prepare(`DELETE FROM monitors WHERE id NOT IN ${keep}`).bind(ids),
  ];
  for (const part of chunk(rows, ROWS_PER_STATEMENT)) {
    statements.push(
      db.prepare(
        `INSERT INTO monitors (id, position, name, type, parent_id, interval_s, definition, heartbeat_token_hash,
           created_at, updated_at)
         SELECT json_extract(value, '$.id'), json_extract(value, '$.position'), json_extract(value, '$.name'),
           json_extract(value, '$.type'), json_extract(value, '$.parent'), json_extract(value, '$.interval'),
           json_extract(value, '$.definition'), json_extract(value, '$.hash'), ?2, ?2
         FROM json_each(?1) WHERE true
         ON CONFLICT (id) DO UPDATE SET position = excluded.position, name = excluded.name, type = excluded.type,
           parent_id = excluded.parent_id, interval_s = excluded.interval_s, definition = excluded.definition,
           heartbeat_token_hash = excluded.heartbeat_token_hash, updated_at = excluded.updated_at`,
      ).bind(JSON.stringify(part), now),
      db.prepare(
        `INSERT INTO monitor_state (monitor_id, state_since) SELECT json_extract(value, '$.id'), ?2
         FROM json_each(?1) WHERE true ON CONFLICT (monitor_id) DO NOTHING`,
      ).bind(JSON.stringify(part), now),
    );
  }
  statements.push(
    db.prepare("DELETE FROM maintenance"),
    db.prepare(
      `INSERT INTO maintenance (id, position, definition)
       SELECT json_extract(value, '$.id'), key, json(value) FROM json_each(?1)`,
    ).bind(JSON.stringify(defs.maintenance)),
    db.prepare(
      "INSERT INTO meta (key, value) VALUES ('definitions_updated_at', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
      .bind(String(now)),
  );
  await db.batch(statements);
  return created;
}

/** Gives a heartbeat monitor a new token (the old one stops working at once). Null if no such monitor. */
export async function rotateHeartbeatToken(
  db: D1Database,
  id: string,
): Promise<string | null> {
  const token = newHeartbeatToken();
  const row = await db.prepare(
    "UPDATE monitors SET heartbeat_token_hash = ?1 WHERE id = ?2 AND type = 'heartbeat' RETURNING id",
  ).bind(await sha256Hex(token), id).first<{ id: string }>();
  return row ? token : null;
}

/** Records a heartbeat ping; returns the monitor id, or null for an unknown token. */
export async function recordHeartbeat(
  db: D1Database,
  token: string,
  now: number,
): Promise<string | null> {
  const row = await db.prepare(
    `UPDATE monitor_state SET last_heartbeat_at = ?1
     WHERE monitor_id = (SELECT id FROM monitors WHERE heartbeat_token_hash = ?2 AND type = 'heartbeat')
     RETURNING monitor_id`,
  ).bind(now, await sha256Hex(token)).first<{ monitor_id: string }>();
  return row?.monitor_id ?? null;
}

/**
 * The statements a shard runs for its checked monitors: results (one row each), state upserts, incidents
 * opened and closed. Each is a single json_each statement per 500 rows, so a shard spends ≤ 4 D1 queries.
 */
export function shardWriteStatements(
  db: D1Database,
  rows: CheckedRow[],
): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (const part of chunk(rows, ROWS_PER_STATEMENT)) {
    const json = JSON.stringify(part);
    out.push(
      db.prepare(
        `INSERT INTO results (monitor_id, at, outcome, latency_ms, status, error, attempts)
         SELECT json_extract(value, '$.id'), json_extract(value, '$.at'), json_extract(value, '$.outcome'),
           json_extract(value, '$.latencyMs'), json_extract(value, '$.status'), json_extract(value, '$.error'),
           json_extract(value, '$.attempts')
         FROM json_each(?1) WHERE json_extract(value, '$.id') IN (SELECT id FROM monitors)`,
      ).bind(json),
      db.prepare(
        `INSERT INTO monitor_state (monitor_id, state, effective, fail_streak, ok_streak, slow_streak, checks_total,
           failures_total, last_checked_at, last_latency_ms, last_status, last_error, state_since, alerted_state,
           last_alert_at)
         SELECT json_extract(value, '$.id'), json_extract(value, '$.state'), json_extract(value, '$.effective'),
           json_extract(value, '$.failStreak'), json_extract(value, '$.okStreak'), json_extract(value, '$.slowStreak'),
           1, json_extract(value, '$.outcome') = 'down', json_extract(value, '$.at'),
           json_extract(value, '$.latencyMs'), json_extract(value, '$.status'), json_extract(value, '$.error'),
           json_extract(value, '$.stateSince'), json_extract(value, '$.alertedState'),
           json_extract(value, '$.lastAlertAt')
         FROM json_each(?1) WHERE json_extract(value, '$.id') IN (SELECT id FROM monitors)
         ON CONFLICT (monitor_id) DO UPDATE SET state = excluded.state, effective = excluded.effective,
           fail_streak = excluded.fail_streak, ok_streak = excluded.ok_streak, slow_streak = excluded.slow_streak,
           checks_total = monitor_state.checks_total + 1,
           failures_total = monitor_state.failures_total + excluded.failures_total,
           last_checked_at = excluded.last_checked_at, last_latency_ms = excluded.last_latency_ms,
           last_status = excluded.last_status, last_error = excluded.last_error,
           state_since = excluded.state_since, alerted_state = excluded.alerted_state,
           last_alert_at = excluded.last_alert_at`,
      ).bind(json),
    );
    const opened = part.filter((r) => r.incident === "open");
    if (opened.length) {
      out.push(
        db.prepare(
          `INSERT INTO incidents (monitor_id, started_at, cause)
           SELECT json_extract(value, '$.id'), json_extract(value, '$.at'), json_extract(value, '$.error')
           FROM json_each(?1)`,
        ).bind(JSON.stringify(opened)),
      );
    }
    const closed = part.filter((r) => r.incident === "close");
    if (closed.length) {
      out.push(
        db.prepare(
          `UPDATE incidents SET resolved_at = ?2
           WHERE resolved_at IS NULL AND monitor_id IN (SELECT json_extract(value, '$.id') FROM json_each(?1))`,
        ).bind(JSON.stringify(closed), closed[0].at),
      );
    }
  }
  return out;
}

/** Reads a meta value. */
export async function getMeta(
  db: D1Database,
  key: string,
): Promise<string | null> {
  const row = await db.prepare("SELECT value FROM meta WHERE key = ?1").bind(
    key,
  ).first<{ value: string }>();
  return row?.value ?? null;
}

/** Statement that sets a meta value. */
export function setMeta(
  db: D1Database,
  key: string,
  value: string,
): D1PreparedStatement {
  return db.prepare(
    "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  )
    .bind(key, value);
}
