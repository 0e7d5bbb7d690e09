-- Edge monitor schema. Applied by `wrangler d1 migrations apply` (deploy/dev) and by tests/workers.
-- Monitor definitions: one row per monitor; `definition` is the validated JSON (secrets only as placeholders).
CREATE TABLE monitors (
  id TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('http', 'tcp', 'heartbeat')),
  parent_id TEXT,
  interval_s INTEGER NOT NULL,
  definition TEXT NOT NULL,
  heartbeat_token_hash TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Current state per monitor (the only per-monitor row a tick reads; history lives in results/rollups).
CREATE TABLE monitor_state (
  monitor_id TEXT PRIMARY KEY REFERENCES monitors(id) ON DELETE CASCADE,
  state TEXT NOT NULL DEFAULT 'PENDING',
  effective TEXT NOT NULL DEFAULT 'PENDING',
  fail_streak INTEGER NOT NULL DEFAULT 0,
  ok_streak INTEGER NOT NULL DEFAULT 0,
  slow_streak INTEGER NOT NULL DEFAULT 0,
  checks_total INTEGER NOT NULL DEFAULT 0,
  failures_total INTEGER NOT NULL DEFAULT 0,
  last_checked_at INTEGER,
  last_latency_ms INTEGER,
  last_status INTEGER,
  last_error TEXT,
  last_heartbeat_at INTEGER,
  state_since INTEGER,
  alerted_state TEXT,
  last_alert_at INTEGER
);

-- Raw check results: one row per result, kept RETENTION_DAYS.
CREATE TABLE results (
  id INTEGER PRIMARY KEY,
  monitor_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('up', 'degraded', 'down')),
  latency_ms INTEGER,
  status INTEGER,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX results_monitor_at ON results (monitor_id, at);
CREATE INDEX results_at ON results (at);

-- Hourly and daily rollups of results (what the 90-day bars read).
CREATE TABLE rollups (
  monitor_id TEXT NOT NULL,
  period TEXT NOT NULL CHECK (period IN ('hour', 'day')),
  start INTEGER NOT NULL,
  checks INTEGER NOT NULL,
  up INTEGER NOT NULL,
  degraded INTEGER NOT NULL,
  down INTEGER NOT NULL,
  latency_sum INTEGER NOT NULL,
  latency_count INTEGER NOT NULL,
  latency_max INTEGER,
  PRIMARY KEY (monitor_id, period, start)
);

-- Incidents: one per period a monitor is effectively DOWN.
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  monitor_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  resolved_at INTEGER,
  cause TEXT
);
CREATE INDEX incidents_monitor_open ON incidents (monitor_id, resolved_at);
CREATE INDEX incidents_started ON incidents (started_at);

-- Maintenance windows: one row per window, definition as validated JSON.
CREATE TABLE maintenance (
  id TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  definition TEXT NOT NULL
);

-- Alert log (what was sent, to which channels, delivered or not). No secrets.
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  monitor_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  message TEXT NOT NULL,
  channels TEXT NOT NULL,
  delivered TEXT NOT NULL
);
CREATE INDEX alerts_at ON alerts (at);

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
