import assert from "node:assert/strict";
import { validateDefinitions } from "./validate.ts";
import { depths, downAncestor, isDue } from "./tick.ts";
import type { MonitorRecord } from "./store.ts";

function records(monitors: unknown[]): MonitorRecord[] {
  const r = validateDefinitions({ monitors });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value.monitors.map((definition) => ({
    definition,
    createdAt: 0,
    state: "UP",
    effective: "UP",
    failStreak: 0,
    okStreak: 0,
    slowStreak: 0,
    checksTotal: 0,
    failuresTotal: 0,
    lastCheckedAt: null,
    lastLatencyMs: null,
    lastStatus: null,
    lastError: null,
    lastHeartbeatAt: null,
    stateSince: null,
    alertedState: null,
    lastAlertAt: null,
  }));
}

const http = (id: string, extra = {}) => ({
  id,
  name: id,
  type: "http",
  url: "https://example.com",
  ...extra,
});

Deno.test("isDue derives per-monitor intervals from the one-minute tick", () => {
  const [m] = records([http("a", { intervalSeconds: 300 })]);
  assert.ok(isDue(m, 0));
  m.lastCheckedAt = 1_000_000;
  assert.ok(!isDue(m, 1_000_000 + 240_000));
  assert.ok(isDue(m, 1_000_000 + 299_000 - 25_000)); // a tick firing a little early still counts
  assert.ok(isDue(m, 1_000_000 - 60_000)); // clock went backwards
  const [hb] = records([{
    id: "hb",
    name: "hb",
    type: "heartbeat",
    intervalSeconds: 3600,
  }]);
  hb.lastCheckedAt = 5;
  assert.ok(isDue(hb, 6));
});

Deno.test("depths and downAncestor follow the parent tree", () => {
  const rs = records([
    http("wan"),
    http("ingress", { parent: "wan" }),
    http("app", { parent: "ingress" }),
  ]);
  const d = depths(rs);
  assert.deepEqual([d.get("wan"), d.get("ingress"), d.get("app")], [0, 1, 2]);
  const parentOf = new Map(
    rs.map((r) => [r.definition.id, r.definition.parent]),
  );
  assert.equal(
    downAncestor(
      "app",
      parentOf,
      new Map([["wan", "DOWN"], ["ingress", "UP"]]),
    ),
    "wan",
  );
  assert.equal(
    downAncestor(
      "app",
      parentOf,
      new Map([["wan", "UP"], ["ingress", "PENDING"]]),
    ),
    undefined,
  );
});
