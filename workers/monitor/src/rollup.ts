import type { D1Database, D1PreparedStatement } from "../../shared/platform.ts";
import { setMeta } from "./store.ts";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** How long each kind of history is kept. */
export interface Retention {
  /** Raw results (RETENTION_DAYS, default 7). */
  resultsDays: number;
  /** Hourly rollups. */
  hourlyDays: number;
  /** Daily rollups (what the 90-day bars read). */
  dailyDays: number;
}

export function retentionFromEnv(env: { RETENTION_DAYS?: string }): Retention {
  const days = Number(env.RETENTION_DAYS);
  const resultsDays = Number.isFinite(days) && days >= 1 ? Math.floor(days) : 7;
  return { resultsDays, hourlyDays: Math.max(30, resultsDays), dailyDays: 400 };
}

/**
 * The statements that roll completed hours up (hourly, then the touched days from the hourly rows) and
 * delete history past retention. Only the hours since the last rollup (at most 48) are scanned, through
 * the `results_at` index, so a run never reads all history. Empty when no new hour has completed.
 *
 * @example
 * ```ts
 * // const stmts = rollupStatements(db, now, lastRolledHourStart, retentionFromEnv(env));
 * // if (stmts.length) await db.batch(stmts);
 * ```
 */
export function rollupStatements(
  db: D1Database,
  now: number,
  lastRolledHour: number | null,
  retention: Retention,
): D1PreparedStatement[] {
  const currentHour = Math.floor(now / HOUR) * HOUR;
  const from = Math.max(
    lastRolledHour === null ? 0 : lastRolledHour + HOUR,
    currentHour - 48 * HOUR,
  );
  if (from >= currentHour) return [];
  const dayFrom = Math.floor(from / DAY) * DAY;
  const counts = `count(*), sum(outcome = 'up'), sum(outcome = 'degraded'), sum(outcome = 'down'),
    coalesce(sum(latency_ms), 0), count(latency_ms), max(latency_ms)`;
  const update =
    `ON CONFLICT (monitor_id, period, start) DO UPDATE SET checks = excluded.checks, up = excluded.up,
    degraded = excluded.degraded, down = excluded.down, latency_sum = excluded.latency_sum,
    latency_count = excluded.latency_count, latency_max = excluded.latency_max`;
  return [
    db.prepare(
      `INSERT INTO rollups (monitor_id, period, start, checks, up, degraded, down, latency_sum, latency_count, latency_max)
       SELECT monitor_id, 'hour', (at / ${HOUR}) * ${HOUR}, ${counts}
       FROM results WHERE at >= ?1 AND at < ?2 GROUP BY monitor_id, at / ${HOUR} ${update}`,
    ).bind(from, currentHour),
    db.prepare(
      `INSERT INTO rollups (monitor_id, period, start, checks, up, degraded, down, latency_sum, latency_count, latency_max)
       SELECT monitor_id, 'day', (start / ${DAY}) * ${DAY}, sum(checks), sum(up), sum(degraded), sum(down),
         sum(latency_sum), sum(latency_count), max(latency_max)
       FROM rollups WHERE period = 'hour' AND start >= ?1 AND start < ?2 GROUP BY monitor_id, start / ${DAY} ${update}`,
    ).bind(dayFrom, currentHour),
    db.prepare("DELETE FROM results WHERE at < ?1").bind(
      now - retention.resultsDays * DAY,
    ),
    db.prepare("DELETE FROM rollups WHERE period = 'hour' AND start < ?1").bind(
      now - retention.hourlyDays * DAY,
    ),
    db.prepare("DELETE FROM rollups WHERE period = 'day' AND start < ?1").bind(
      now - retention.dailyDays * DAY,
    ),
    db.prepare("DELETE FROM incidents WHERE resolved_at < ?1").bind(
      now - retention.dailyDays * DAY,
    ),
    db.prepare("DELETE FROM alerts WHERE at < ?1").bind(
      now - retention.hourlyDays * DAY,
    ),
    setMeta(db, "last_rollup_hour", String(currentHour - HOUR)),
  ];
}
