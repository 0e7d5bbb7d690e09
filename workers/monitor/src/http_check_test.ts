import assert from "node:assert/strict";
import { checkHttp, statusMatches } from "./http_check.ts";
import { ShardBudget } from "./budget.ts";
import { validateDefinitions } from "./validate.ts";
import type { HttpMonitorDefinition } from "./definitions.ts";

function monitor(extra: Record<string, unknown>): HttpMonitorDefinition {
  const r = validateDefinitions({
    monitors: [{ id: "m", name: "m", type: "http", url: "http://x", ...extra }],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value.monitors[0] as HttpMonitorDefinition;
}

Deno.test("statusMatches understands codes, classes and ranges", () => {
  assert.ok(statusMatches(204, ["2xx"]));
  assert.ok(statusMatches(301, [200, "300-302"]));
  assert.ok(!statusMatches(404, ["200-299", 301]));
});

Deno.test("checkHttp (in Deno's fetch): redirects, POST bodies, budget exhaustion", async () => {
  const seen: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      seen.push(`${req.method} ${path} ${await req.text()}`);
      if (path === "/see-other") {
        return new Response(null, {
          status: 303,
          headers: { location: "/done" },
        });
      }
      return new Response("done");
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const post = monitor({
      url: `${base}/see-other`,
      method: "POST",
      body: "{}",
      keyword: "done",
    });
    const ok = await checkHttp(post, {}, new ShardBudget(10, 1));
    assert.equal(ok.outcome, "up");
    assert.deepEqual(seen, ["POST /see-other {}", "GET /done "]);
    // one subrequest for the first attempt only: the redirect hop cannot be paid
    const poor = await checkHttp(post, {}, new ShardBudget(1, 1));
    assert.equal(poor.outcome, "down");
    assert.match(
      poor.error!,
      /subrequest budget exhausted while following redirects/,
    );
    const none = await checkHttp(post, {}, new ShardBudget(0, 1));
    assert.equal(none.outcome, "skipped");
    assert.equal(none.attempts, 0);
  } finally {
    await server.shutdown();
  }
});
