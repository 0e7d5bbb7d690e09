import assert from "node:assert/strict";
import { renderBadge } from "./badge.ts";
import { escapeLabel, renderMetrics } from "./metrics.ts";
import { renderStatusPage, sparkline } from "./page.ts";
import type { PublicMonitor, PublicStatus } from "./status.ts";
import type { MonitorRecord } from "./store.ts";
import { validateDefinitions } from "./validate.ts";

const monitor: PublicMonitor = {
  id: "web",
  name: "<Web>",
  type: "http",
  state: "UNKNOWN",
  stateLabel: "unknown (parent down)",
  since: null,
  lastCheckedAt: null,
  latencyMs: 12,
  uptime90d: 0.9995,
  days: Array.from(
    { length: 90 },
    (_, i) => ({ date: `d${i}`, uptime: i % 2 ? 1 : null }),
  ),
  sparkline: [10, 20, 15],
};

Deno.test("status page renders escaped monitors, bars, incidents and maintenance", () => {
  const status: PublicStatus = {
    title: "Lab & co",
    generatedAt: "now",
    overall: "degraded",
    monitors: [monitor],
    incidents: [{
      monitorId: "web",
      name: "<Web>",
      startedAt: "t0",
      resolvedAt: null,
      cause: null,
    }],
    maintenance: [{
      id: "w",
      title: "Upgrade",
      active: true,
      start: "a",
      end: "b",
      recurring: false,
      monitors: ["web"],
    }],
  };
  const html = renderStatusPage(status);
  assert.match(html, /<title>Lab &amp; co<\/title>/);
  assert.match(html, /&lt;Web&gt;/);
  assert.ok(!html.includes("<Web>"));
  assert.equal((html.match(/class="bar"/g) ?? []).length, 90);
  assert.match(html, /unknown \(parent down\)/);
  assert.match(html, /Upgrade<\/strong> in progress/);
  assert.match(html, /\(ongoing\)/);
  assert.match(sparkline([1, 2, 3]), /<polyline[^>]+points="0\.0,/);
});

Deno.test("badge is an SVG with label and state", () => {
  const svg = renderBadge(
    { ...monitor, state: "UP", stateLabel: "up" },
    "site",
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /aria-label="site: up · 99\.95%"/);
});

Deno.test("metrics escape label values and one-hot the state", () => {
  assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  const r = validateDefinitions({
    monitors: [{ id: "w", name: 'say "hi"', type: "http", url: "https://x" }],
  });
  assert.ok(r.ok);
  const record = {
    definition: r.value.monitors[0],
    createdAt: 0,
    state: "DOWN",
    effective: "DOWN",
    failStreak: 4,
    okStreak: 0,
    slowStreak: 0,
    checksTotal: 9,
    failuresTotal: 4,
    lastCheckedAt: 1000,
    lastLatencyMs: 250,
    lastStatus: 503,
    lastError: "x",
    lastHeartbeatAt: null,
    stateSince: 0,
    alertedState: "DOWN",
    lastAlertAt: 0,
  } as MonitorRecord;
  const text = renderMetrics([record], new Map([["w", "DOWN"]]), null);
  assert.match(
    text,
    /^strata_monitor_up\{monitor="w",name="say \\"hi\\"",type="http"\} 0$/m,
  );
  assert.match(text, /^strata_monitor_state\{.*state="DOWN"\} 1$/m);
  assert.match(text, /^strata_monitor_state\{.*state="UP"\} 0$/m);
  assert.match(text, /^strata_monitor_consecutive_failures\{.*\} 4$/m);
  assert.match(text, /^strata_monitor_latency_seconds\{.*\} 0\.25$/m);
});
