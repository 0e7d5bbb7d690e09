import { Hono } from "hono";
import { bearerAuth } from "../../shared/auth.ts";
import { jsonError, notFound, onError } from "../../shared/errors.ts";
import { log } from "../../shared/log.ts";
import { renderBadge } from "./badge.ts";
import type { MonitorEnv } from "./env.ts";
import { activeMaintenance, maintenanceFor } from "./maintenance.ts";
import { renderMetrics } from "./metrics.ts";
import { renderStatusPage } from "./page.ts";
import { effectiveState } from "./state.ts";
import { loadPublicStatus } from "./status.ts";
import {
  getMeta,
  loadMaintenance,
  loadMonitors,
  recordHeartbeat,
  replaceDefinitions,
  rotateHeartbeatToken,
} from "./store.ts";
import { downAncestor, type TickReport } from "./tick.ts";
import { validateDefinitions } from "./validate.ts";

/** Largest accepted definitions document. */
const MAX_DEFINITIONS_BYTES = 2_000_000;

const title = (env: MonitorEnv) => env.STATUS_PAGE_TITLE || "Status";

/**
 * The monitor Worker's HTTP API.
 *
 * Public: `GET /`, `GET /api/v1/status`, `GET /badge/:id.svg`, `POST /api/v1/heartbeat/:token`.
 * Bearer `API_TOKEN`: `GET|PUT /api/v1/monitors`, `POST /api/v1/monitors/:id/heartbeat-token`, `GET /metrics`.
 * Everything else: 404 JSON.
 *
 * @example
 * ```ts
 * // export default { fetch: app.fetch, scheduled }
 * ```
 */
export const app = new Hono<{ Bindings: MonitorEnv }>();
app.notFound(notFound);
app.onError(onError);

app.get("/", async (c) => {
  const status = await loadPublicStatus(c.env.DB, Date.now(), title(c.env));
  c.header("cache-control", "public, max-age=30");
  c.header(
    "content-security-policy",
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
  );
  return c.html(renderStatusPage(status));
});

app.get("/api/v1/status", async (c) => {
  c.header("cache-control", "public, max-age=30");
  return c.json(await loadPublicStatus(c.env.DB, Date.now(), title(c.env)));
});

app.get("/badge/:file", async (c) => {
  const file = c.req.param("file");
  if (!file.endsWith(".svg")) {
    return jsonError(
      c,
      404,
      "not_found",
      "badges are served as /badge/<monitor-id>.svg",
    );
  }
  const id = file.slice(0, -4);
  const status = await loadPublicStatus(c.env.DB, Date.now(), title(c.env));
  const monitor = status.monitors.find((m) => m.id === id);
  if (!monitor) {
    return jsonError(c, 404, "not_found", `no public monitor "${id}"`);
  }
  const label = c.req.query("label")?.slice(0, 60) || monitor.name;
  return c.body(renderBadge(monitor, label), 200, {
    "content-type": "image/svg+xml; charset=utf-8",
    "cache-control": "public, max-age=60",
  });
});

app.post("/api/v1/heartbeat/:token", async (c) => {
  const token = c.req.param("token");
  const id = token.length >= 20 && token.length <= 128
    ? await recordHeartbeat(c.env.DB, token, Date.now())
    : null;
  if (!id) {
    return jsonError(
      c,
      404,
      "unknown_heartbeat",
      "no heartbeat monitor has this token",
    );
  }
  return c.json({ ok: true, monitor: id });
});

app.use("/api/v1/monitors", bearerAuth());
app.use("/api/v1/monitors/*", bearerAuth());
app.use("/metrics", bearerAuth());

app.get("/api/v1/monitors", async (c) => {
  const [records, maintenance] = await Promise.all([
    loadMonitors(c.env.DB),
    loadMaintenance(c.env.DB),
  ]);
  return c.json({ monitors: records.map((r) => r.definition), maintenance });
});

app.put("/api/v1/monitors", async (c) => {
  const length = Number(c.req.header("content-length") ?? 0);
  if (length > MAX_DEFINITIONS_BYTES) {
    return jsonError(
      c,
      413,
      "too_large",
      `definitions must be at most ${MAX_DEFINITIONS_BYTES} bytes`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch (e) {
    return jsonError(
      c,
      400,
      "invalid_json",
      `request body is not JSON: ${(e as Error).message}`,
    );
  }
  const result = validateDefinitions(body);
  if (!result.ok) {
    return jsonError(
      c,
      400,
      "invalid_definitions",
      `${result.errors.length} invalid field(s); nothing was changed`,
      result.errors,
    );
  }
  const created = await replaceDefinitions(c.env.DB, result.value, Date.now());
  const origin = new URL(c.req.url).origin;
  log("info", "definitions_replaced", {
    monitors: result.value.monitors.length,
    maintenance: result.value.maintenance.length,
  });
  return c.json({
    monitors: result.value.monitors.length,
    maintenance: result.value.maintenance.length,
    warnings: result.warnings,
    // Shown once: only the hash is stored. Rotate with POST /api/v1/monitors/:id/heartbeat-token.
    heartbeats: created.map(({ id, token }) => ({
      id,
      token,
      url: `${origin}/api/v1/heartbeat/${token}`,
    })),
  });
});

app.post("/api/v1/monitors/:id/heartbeat-token", async (c) => {
  const id = c.req.param("id");
  const token = await rotateHeartbeatToken(c.env.DB, id);
  if (!token) {
    return jsonError(c, 404, "not_found", `no heartbeat monitor "${id}"`);
  }
  return c.json({
    id,
    token,
    url: `${new URL(c.req.url).origin}/api/v1/heartbeat/${token}`,
  });
});

app.get("/metrics", async (c) => {
  const now = Date.now();
  const [records, windows, tick] = await Promise.all([
    loadMonitors(c.env.DB),
    loadMaintenance(c.env.DB),
    getMeta(c.env.DB, "last_tick"),
  ]);
  const active = activeMaintenance(windows, now);
  const parentOf = new Map(
    records.map((r) => [r.definition.id, r.definition.parent]),
  );
  const states = new Map(records.map((r) => [r.definition.id, r.state]));
  const effective = new Map(records.map((r) => [
    r.definition.id,
    r.lastCheckedAt === null ? "PENDING" as const : effectiveState(r.state, {
      maintenance: maintenanceFor(active, r.definition.id),
      parentDown: downAncestor(r.definition.id, parentOf, states),
    }),
  ]));
  return c.text(
    renderMetrics(
      records,
      effective,
      tick ? JSON.parse(tick) as TickReport : null,
    ),
    200,
    {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    },
  );
});
