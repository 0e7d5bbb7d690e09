import assert from "node:assert/strict";
import { validateDefinitions } from "./validate.ts";

const web = {
  id: "web",
  name: "Web",
  type: "http",
  url: "https://example.com/health",
};

Deno.test("valid definitions get defaults and TCP monitors a proxy warning", () => {
  const r = validateDefinitions({
    monitors: [web, {
      id: "ssh",
      name: "SSH",
      type: "tcp",
      host: "203.0.113.7",
      port: 22,
      parent: "web",
    }],
  });
  assert.ok(r.ok);
  const m = r.value.monitors[0];
  assert.equal(m.type === "http" && m.method, "GET");
  assert.equal(m.intervalSeconds, 60);
  assert.equal(m.failureThreshold, 3);
  assert.deepEqual(r.value.maintenance, []);
  assert.match(r.warnings[0], /Cloudflare proxy/);
});

Deno.test("every bad field is named at once", () => {
  const r = validateDefinitions({
    monitors: [
      { ...web, url: "ftp://x", intervalSeconds: 30, extra: 1 },
      { id: "Bad Id", name: "", type: "tcp", host: "h", port: 70000 },
      {
        ...web,
        id: "web2",
        expectedStatus: ["99x"],
        regex: "(",
        jsonPath: { path: "status", equals: 1 },
      },
    ],
  });
  assert.ok(!r.ok);
  const paths = r.errors.map((e) => e.path).sort();
  for (
    const p of [
      "monitors[0]",
      "monitors[0].intervalSeconds",
      "monitors[0].url",
      "monitors[1].id",
      "monitors[1].name",
      "monitors[1].port",
      "monitors[2].expectedStatus[0]",
      "monitors[2].regex",
      "monitors[2].jsonPath.path",
    ]
  ) assert.ok(paths.includes(p), `${p} missing from ${paths.join(", ")}`);
  assert.match(
    r.errors.find((e) => e.path === "monitors[0]")!.message,
    /extra/,
  );
});

Deno.test("cross-field rules: duplicates, parents, cycles, maintenance", () => {
  const dup = validateDefinitions({ monitors: [web, web] });
  assert.ok(!dup.ok && dup.errors[0].path === "monitors[1].id");
  const orphan = validateDefinitions({
    monitors: [{ ...web, parent: "nope" }],
  });
  assert.ok(
    !orphan.ok && /unknown monitor id "nope"/.test(orphan.errors[0].message),
  );
  const cycle = validateDefinitions({
    monitors: [{ ...web, id: "a", parent: "b" }, {
      ...web,
      id: "b",
      parent: "a",
    }],
  });
  assert.ok(!cycle.ok && /cycle/.test(cycle.errors[0].message));
  const windows = validateDefinitions({
    monitors: [web],
    maintenance: [
      {
        id: "w1",
        title: "x",
        monitors: ["web"],
        start: "2025-01-02T00:00:00Z",
        end: "2025-01-01T00:00:00Z",
      },
      {
        id: "w2",
        title: "x",
        monitors: ["nope"],
        cron: "0 3 * * *",
        durationMinutes: 30,
      },
      {
        id: "w3",
        title: "x",
        monitors: ["*"],
        cron: "0 25 * * *",
        durationMinutes: 30,
      },
      { id: "w4", title: "x", monitors: ["*"] },
      { id: "w5", title: "x", monitors: ["*"], start: "2025-01-01T00:00:00Z" },
    ],
  });
  assert.ok(!windows.ok);
  assert.deepEqual(windows.errors.map((e) => e.path), [
    "maintenance[0].end",
    "maintenance[1].monitors[0]",
    "maintenance[2].cron",
    "maintenance[3]",
    "maintenance[4].end",
  ]);
});

Deno.test("secret placeholders are limited to MONITOR_SECRET_* names", () => {
  const ok = validateDefinitions({
    monitors: [{
      ...web,
      headers: { Authorization: "Bearer ${secret:MONITOR_SECRET_HEALTH}" },
    }],
  });
  assert.ok(ok.ok);
  const bad = validateDefinitions({
    monitors: [{
      ...web,
      headers: { Authorization: "Bearer ${secret:API_TOKEN}" },
    }],
  });
  assert.ok(
    !bad.ok && bad.errors[0].path === "monitors[0].headers.Authorization",
  );
});
