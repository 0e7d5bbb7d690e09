import type { D1Database } from "../../shared/platform.ts";
import { activeMaintenance, maintenanceFor, windowSpan } from "./maintenance.ts";
import { DAY } from "./rollup.ts";
import { type EffectiveState, effectiveState } from "./state.ts";
import { loadMaintenance, loadMonitors } from "./store.ts";
import { downAncestor } from "./tick.ts";

/** Public view of one monitor: no headers, bodies, secrets or targets unless `publicTarget`. */
export interface PublicMonitor {
  id: string;
  name: string;
  description?: string;
  type: string;
  state: EffectiveState;
  stateLabel: string;
  since: string | null;
  lastCheckedAt: string | null;
  latencyMs: number | null;
  uptime90d: number | null;
  /** Oldest first, 90 entries: uptime ratio of each UTC day, null when there is no data. */
  days: { date: string; uptime: number | null }[];
  /** Latencies (ms) of the most recent checks, oldest first. */
  sparkline: number[];
  target?: string;
}

export interface PublicIncident {
  monitorId: string;
  name: string;
  startedAt: string;
  resolvedAt: string | null;
  cause: string | null;
}

export interface PublicMaintenance {
  id: string;
  title: string;
  active: boolean;
  start: string;
  end: string;
  recurring: boolean;
  monitors: string[];
}

export interface PublicStatus {
  title: string;
  generatedAt: string;
  overall: "operational" | "degraded" | "outage" | "maintenance" | "unknown";
  monitors: PublicMonitor[];
  incidents: PublicIncident[];
  maintenance: PublicMaintenance[];
}

const LABEL: Record<EffectiveState, string> = {
  UP: "up",
  PENDING: "pending",
  DOWN: "down",
  DEGRADED: "degraded",
  MAINTENANCE: "maintenance",
  UNKNOWN: "unknown (parent down)",
};

const SPARK_POINTS = 30;
const iso = (
  t: number | null,
) => (t === null ? null : new Date(t).toISOString());

/**
 * Builds the public status (page, JSON and badges all read this): current effective state per public
 * monitor (maintenance and parent suppression applied at read time), 90 daily uptime bars from the daily
 * rollups, the last 30 latencies, incidents of the last 7 days and current/upcoming maintenance.
 * Five D1 queries, each bounded by the number of public monitors, never by history length.
 */
export async function loadPublicStatus(
  db: D1Database,
  now: number,
  title: string,
): Promise<PublicStatus> {
  const [records, windows] = await Promise.all([
    loadMonitors(db),
    loadMaintenance(db),
  ]);
  const visible = records.filter((r) => r.definition.public);
  const ids = JSON.stringify(visible.map((r) => r.definition.id));
  const today = Math.floor(now / DAY) * DAY;
  const firstDay = today - 89 * DAY;
  const [days, sparks, incidents] = await Promise.all([
    db.prepare(
      `SELECT monitor_id, start, checks, up, degraded FROM rollups
       WHERE period = 'day' AND start >= ?2 AND monitor_id IN (SELECT value FROM json_each(?1))`,
    ).bind(ids, firstDay).all<
      {
        monitor_id: string;
        start: number;
        checks: number;
        up: number;
        degraded: number;
      }
    >(),
    db.prepare(
      `SELECT monitor_id, latency_ms FROM (
         SELECT monitor_id, latency_ms, at, row_number() OVER (PARTITION BY monitor_id ORDER BY at DESC) AS n
         FROM results WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND at >= ?2
       ) WHERE n <= ${SPARK_POINTS} ORDER BY monitor_id, at`,
    ).bind(ids, now - 2 * DAY).all<
      { monitor_id: string; latency_ms: number | null }
    >(),
    db.prepare(
      `SELECT monitor_id, started_at, resolved_at, cause FROM incidents
       WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND (resolved_at IS NULL OR resolved_at >= ?2)
       ORDER BY started_at DESC LIMIT 50`,
    ).bind(ids, now - 7 * DAY).all<
      {
        monitor_id: string;
        started_at: number;
        resolved_at: number | null;
        cause: string | null;
      }
    >(),
  ]);
  const dayMap = new Map<string, Map<number, number>>();
  for (const d of days.results) {
    if (!dayMap.has(d.monitor_id)) dayMap.set(d.monitor_id, new Map());
    dayMap.get(d.monitor_id)!.set(
      d.start,
      d.checks ? (d.up + d.degraded) / d.checks : 0,
    );
  }
  const sparkMap = new Map<string, number[]>();
  for (const s of sparks.results) {
    if (s.latency_ms === null) continue;
    if (!sparkMap.has(s.monitor_id)) sparkMap.set(s.monitor_id, []);
    sparkMap.get(s.monitor_id)!.push(s.latency_ms);
  }
  const active = activeMaintenance(windows, now);
  const parentOf = new Map(
    records.map((r) => [r.definition.id, r.definition.parent]),
  );
  const states = new Map(records.map((r) => [r.definition.id, r.state]));
  const byId = new Map(visible.map((r) => [r.definition.id, r]));

  const monitors: PublicMonitor[] = visible.map((r) => {
    const m = r.definition;
    const state = r.lastCheckedAt === null ? "PENDING" : effectiveState(r.state, {
      maintenance: maintenanceFor(active, m.id),
      parentDown: downAncestor(m.id, parentOf, states),
    });
    const perDay = dayMap.get(m.id) ?? new Map();
    const bars = Array.from({ length: 90 }, (_, i) => {
      const start = firstDay + i * DAY;
      return {
        date: new Date(start).toISOString().slice(0, 10),
        uptime: perDay.get(start) ?? null,
      };
    });
    const known = bars.filter((b) => b.uptime !== null);
    const out: PublicMonitor = {
      id: m.id,
      name: m.name,
      type: m.type,
      state,
      stateLabel: LABEL[state],
      since: iso(r.stateSince),
      lastCheckedAt: iso(r.lastCheckedAt),
      latencyMs: r.lastLatencyMs,
      uptime90d: known.length ? known.reduce((s, b) => s + b.uptime!, 0) / known.length : null,
      days: bars,
      sparkline: sparkMap.get(m.id) ?? [],
    };
    if (m.description) out.description = m.description;
    if (m.publicTarget) {
      out.target = m.type === "http"
        ? m.url.replace(/\$\{secret:[^}]+\}/g, "…")
        : m.type === "tcp"
        ? `${m.host}:${m.port}`
        : undefined;
    }
    if (out.target === undefined) delete out.target;
    return out;
  });

  const publicIncidents: PublicIncident[] = incidents.results.map((i) => {
    const r = byId.get(i.monitor_id)!;
    return {
      monitorId: i.monitor_id,
      name: r.definition.name,
      startedAt: iso(i.started_at)!,
      resolvedAt: iso(i.resolved_at),
      // Causes can name internal hosts; only monitors that publish their target publish causes.
      cause: r.definition.publicTarget ? i.cause : null,
    };
  });

  const visibleIds = new Set(byId.keys());
  const maintenance: PublicMaintenance[] = [];
  for (const w of windows) {
    const span = windowSpan(w, now);
    if (!span) continue;
    const covered = w.monitors.includes("*")
      ? [...visibleIds]
      : w.monitors.filter((id) => visibleIds.has(id));
    if (!covered.length) continue;
    maintenance.push({
      id: w.id,
      title: w.title,
      active: span.active,
      start: iso(span.start)!,
      end: iso(span.end)!,
      recurring: span.recurring,
      monitors: covered,
    });
  }

  const statesShown = monitors.map((m) => m.state);
  const overall: PublicStatus["overall"] = statesShown.length === 0
    ? "unknown"
    : statesShown.includes("DOWN")
    ? "outage"
    : statesShown.includes("DEGRADED") || statesShown.includes("UNKNOWN")
    ? "degraded"
    : statesShown.includes("MAINTENANCE")
    ? "maintenance"
    : "operational";
  return {
    title,
    generatedAt: iso(now)!,
    overall,
    monitors,
    incidents: publicIncidents,
    maintenance,
  };
}
