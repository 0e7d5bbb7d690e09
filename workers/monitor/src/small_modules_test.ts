import assert from "node:assert/strict";
import { jsonEqual, readJsonPath } from "./jsonpath.ts";
import { resolveSecrets } from "./secrets.ts";
import { newHeartbeatToken, sha256Hex } from "./tokens.ts";
import { checkHeartbeat } from "./heartbeat_check.ts";
import { escapeHtml } from "./html.ts";
import { validateDefinitions } from "./validate.ts";
import type { HeartbeatMonitorDefinition } from "./definitions.ts";

Deno.test("readJsonPath and jsonEqual", () => {
  const doc = { a: { b: [{ c: 1 }, { c: [1, { d: null }] }] } };
  assert.deepEqual(readJsonPath(doc, "$.a.b[1].c[1].d"), {
    found: true,
    value: null,
  });
  assert.deepEqual(readJsonPath(doc, "$.a.x"), { found: false });
  assert.deepEqual(readJsonPath(doc, "$.a.b[5]"), { found: false });
  assert.ok(jsonEqual({ x: [1, { y: "z" }] }, { x: [1, { y: "z" }] }));
  assert.ok(!jsonEqual({ x: 1 }, { x: 1, y: 2 }));
  assert.ok(!jsonEqual([1], { 0: 1 }));
});

Deno.test("resolveSecrets only reads MONITOR_SECRET_* and names what is missing", () => {
  assert.deepEqual(
    resolveSecrets("a ${secret:MONITOR_SECRET_X} b", { MONITOR_SECRET_X: "1" }),
    { value: "a 1 b" },
  );
  assert.deepEqual(resolveSecrets("${secret:MONITOR_SECRET_Y}", {}), {
    missing: "MONITOR_SECRET_Y",
  });
  assert.deepEqual(resolveSecrets("${secret:API_TOKEN}", { API_TOKEN: "t" }), {
    missing: "API_TOKEN",
  });
});

Deno.test("heartbeat tokens: 256 random bits, stored as SHA-256", async () => {
  const tokens = new Set(Array.from({ length: 100 }, newHeartbeatToken));
  assert.equal(tokens.size, 100);
  for (const t of tokens) assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("checkHeartbeat: silence beyond interval + grace is down", () => {
  const r = validateDefinitions({
    monitors: [{
      id: "h",
      name: "h",
      type: "heartbeat",
      intervalSeconds: 60,
      graceSeconds: 30,
    }],
  });
  assert.ok(r.ok);
  const m = r.value.monitors[0] as HeartbeatMonitorDefinition;
  assert.equal(checkHeartbeat(m, 1_000, 0, 91_000).outcome, "up");
  const late = checkHeartbeat(m, 1_000, 0, 92_000);
  assert.equal(late.outcome, "down");
  assert.match(late.error!, /no heartbeat for 91 s/);
  assert.match(
    checkHeartbeat(m, null, 0, 100_000).error!,
    /no heartbeat received yet/,
  );
});

Deno.test("escapeHtml escapes markup and quotes", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
});
