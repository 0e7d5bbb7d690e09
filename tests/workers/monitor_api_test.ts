// The monitor's HTTP API inside workerd: auth, validation, definitions as code, outputs, no leaks.
import assert from "node:assert/strict";
import { API_TOKEN, MONITOR_DIR, startMonitor } from "../../workers/tools/miniflare.ts";
import { DAY, minuteAt, putDefinitions } from "./helpers.ts";
import { applyMigrations } from "../../workers/tools/migrations.ts";
import { TargetServer } from "./targets.ts";

const HEALTH_SECRET = "do-not-leak-health-secret";
const PROTECTED: [string, string][] = [
  ["GET", "/api/v1/monitors"],
  ["PUT", "/api/v1/monitors"],
  ["POST", "/api/v1/monitors/hb/heartbeat-token"],
  ["GET", "/metrics"],
];

Deno.test("edge monitor API in workerd", async (t) => {
  const targets = new TargetServer();
  targets.routes.set("/up", () => new Response("ok"));
  const w = await startMonitor({
    MONITOR_SECRET_HEALTH: HEALTH_SECRET,
    SLACK_WEBHOOK_URL: `${targets.url}/slack`,
  });
  const definitions = {
    monitors: [
      {
        id: "web",
        name: 'Web <b>"front"</b>',
        description: "Public site",
        type: "http",
        url: `${targets.url}/up`,
        headers: { Authorization: "Bearer ${secret:MONITOR_SECRET_HEALTH}" },
        publicTarget: true,
      },
      {
        id: "internal",
        name: "Internal admin",
        type: "http",
        url: `${targets.url}/up?internal=1`,
        public: false,
      },
      { id: "api", name: "API", type: "http", url: `${targets.url}/up?api` },
      { id: "hb", name: "Cluster heartbeat", type: "heartbeat" },
    ],
    maintenance: [{
      id: "patch",
      title: "Patch Tuesday",
      monitors: ["*"],
      cron: "0 3 * * 2",
      durationMinutes: 120,
    }],
  };

  try {
    await t.step(
      "D1 migrations create the schema and re-applying is a no-op",
      async () => {
        const tables = await w.db.prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        ).all();
        const names = tables.results.map((r: { name: string }) => r.name);
        for (
          const table of [
            "alerts",
            "incidents",
            "maintenance",
            "meta",
            "monitor_state",
            "monitors",
            "results",
            "rollups",
          ]
        ) {
          assert.ok(names.includes(table), `table ${table} missing`);
        }
        assert.deepEqual(
          await applyMigrations(w.db, `${MONITOR_DIR}/migrations`),
          [],
        );
        const applied = await w.db.prepare("SELECT name FROM d1_migrations")
          .all();
        assert.deepEqual(applied.results.map((r: { name: string }) => r.name), [
          "0001_initial.sql",
        ]);
      },
    );

    await t.step("every protected route needs the bearer token", async () => {
      for (const [method, path] of PROTECTED) {
        for (
          const token of [
            null,
            "wrong",
            API_TOKEN.slice(0, -1),
            `${API_TOKEN}x`,
          ]
        ) {
          const res = await w.fetch(path, {
            method,
            token,
            body: method === "GET" ? undefined : "{}",
          });
          assert.equal(res.status, 401, `${method} ${path} with ${token}`);
          assert.equal(
            res.headers.get("www-authenticate"),
            'Bearer realm="strata"',
          );
          assert.equal((await res.json()).error.code, "unauthorized");
        }
      }
      const ok = await w.fetch("/api/v1/monitors");
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { monitors: [], maintenance: [] });
    });

    await t.step("unknown routes and methods are 404 JSON", async () => {
      // (protected paths check the token before routing, so the unknown method is sent with it)
      for (
        const [method, path] of [["GET", "/nope"], [
          "DELETE",
          "/api/v1/monitors",
        ], ["GET", "/api/v2/status"]]
      ) {
        const res = await w.fetch(path, { method });
        assert.equal(res.status, 404);
        assert.match(res.headers.get("content-type")!, /application\/json/);
        assert.equal((await res.json()).error.code, "not_found");
      }
    });

    let heartbeatToken = "";
    await t.step(
      "PUT replaces the whole set; GET lists it; heartbeat tokens are unguessable and shown once",
      async () => {
        const put = await putDefinitions(w, definitions);
        assert.equal(put.monitors, 4);
        assert.equal(put.heartbeats.length, 1);
        heartbeatToken = put.heartbeats[0].token;
        assert.match(heartbeatToken, /^[A-Za-z0-9_-]{43}$/); // 256 random bits
        assert.equal(
          put.heartbeats[0].url,
          `http://monitor.test/api/v1/heartbeat/${heartbeatToken}`,
        );
        const stored = await w.db.prepare(
          "SELECT heartbeat_token_hash AS h FROM monitors WHERE id = 'hb'",
        ).first();
        assert.match(stored.h, /^[0-9a-f]{64}$/);
        const listed = await (await w.fetch("/api/v1/monitors")).json();
        assert.equal(listed.monitors.length, 4);
        assert.equal(
          listed.monitors[0].headers.Authorization,
          "Bearer ${secret:MONITOR_SECRET_HEALTH}",
        );
        assert.ok(!JSON.stringify(listed).includes(heartbeatToken));
        // GET output is a valid PUT body; re-PUT keeps the heartbeat token (no new one issued)
        const again = await putDefinitions(w, listed);
        assert.deepEqual(again.heartbeats, []);
        const ping = await w.fetch(`/api/v1/heartbeat/${heartbeatToken}`, {
          method: "POST",
          token: null,
        });
        assert.deepEqual(await ping.json(), { ok: true, monitor: "hb" });
      },
    );

    await t.step(
      "a malformed set is rejected as a whole with an error per bad field",
      async () => {
        const bad = {
          monitors: [
            ...definitions.monitors,
            {
              id: "x",
              name: "X",
              type: "http",
              url: "not a url",
              timeoutMs: 5,
            },
            { id: "web", name: "dup", type: "tcp", host: "h", port: 0 },
            { id: "y", name: "Y", type: "ping" },
          ],
        };
        const res = await w.fetch("/api/v1/monitors", {
          method: "PUT",
          body: JSON.stringify(bad),
        });
        assert.equal(res.status, 400);
        const body = await res.json();
        assert.equal(body.error.code, "invalid_definitions");
        const paths = body.error.details.map((d: { path: string }) => d.path);
        for (
          const p of [
            "monitors[4].url",
            "monitors[4].timeoutMs",
            "monitors[5].port",
            "monitors[6].type",
          ]
        ) {
          assert.ok(paths.includes(p), `${p} not in ${paths}`);
        }
        const dup = await w.fetch("/api/v1/monitors", {
          method: "PUT",
          body: JSON.stringify({
            monitors: [...definitions.monitors, {
              ...definitions.monitors[2],
              name: "again",
            }],
          }),
        });
        assert.deepEqual((await dup.json()).error.details, [
          {
            path: "monitors[4].id",
            message: 'duplicate id "api" (also monitors[2])',
          },
        ]);
        const listed = await (await w.fetch("/api/v1/monitors")).json();
        assert.equal(listed.monitors.length, 4, "nothing applied");
        const notJson = await w.fetch("/api/v1/monitors", {
          method: "PUT",
          body: "{nope",
        });
        assert.equal(notJson.status, 400);
        assert.equal((await notJson.json()).error.code, "invalid_json");
      },
    );

    await t.step("rotating a heartbeat token revokes the old one", async () => {
      const res = await w.fetch("/api/v1/monitors/hb/heartbeat-token", {
        method: "POST",
      });
      const rotated = await res.json();
      assert.notEqual(rotated.token, heartbeatToken);
      assert.equal(
        (await w.fetch(`/api/v1/heartbeat/${heartbeatToken}`, {
          method: "POST",
          token: null,
        })).status,
        404,
      );
      assert.equal(
        (await w.fetch(`/api/v1/heartbeat/${rotated.token}`, {
          method: "POST",
          token: null,
        })).status,
        200,
      );
      assert.equal(
        (await w.fetch("/api/v1/monitors/web/heartbeat-token", {
          method: "POST",
        })).status,
        404,
      );
    });

    await t.step(
      "status page, status JSON and badges: public fields only, escaped, no secrets",
      async () => {
        await w.tick(minuteAt(0));
        const page = await w.fetch("/", { token: null });
        assert.equal(page.status, 200);
        assert.match(page.headers.get("content-type")!, /text\/html/);
        const html = await page.text();
        assert.match(html, /<h1>Homelab status<\/h1>/);
        assert.match(html, /All systems operational|Maintenance in progress/);
        assert.match(html, /Web &lt;b&gt;&quot;front&quot;&lt;\/b&gt;/);
        assert.ok(!html.includes("<b>"), "names are escaped");
        assert.match(html, /class="bars"/);
        assert.equal(
          (html.match(/class="bar"/g) ?? []).length,
          3 * 90,
          "90 daily bars per public monitor",
        );
        assert.match(html, /Patch Tuesday/);
        assert.match(html, new RegExp(`${targets.url}/up`)); // publicTarget: true
        for (
          const leak of [
            API_TOKEN,
            HEALTH_SECRET,
            "Internal admin",
            "internal=1",
            "?api",
            "MONITOR_SECRET",
            targets.url + "/slack",
          ]
        ) {
          assert.ok(!html.includes(leak), `status page leaks ${leak}`);
        }
        const json = await (await w.fetch("/api/v1/status", { token: null }))
          .json();
        assert.deepEqual(json.monitors.map((m: { id: string }) => m.id), [
          "web",
          "api",
          "hb",
        ]);
        const text = JSON.stringify(json);
        for (
          const leak of [
            API_TOKEN,
            HEALTH_SECRET,
            "internal",
            "?api",
            "headers",
            heartbeatToken,
          ]
        ) {
          assert.ok(!text.includes(leak), `status JSON leaks ${leak}`);
        }
        const badge = await w.fetch("/badge/api.svg", { token: null });
        assert.equal(badge.status, 200);
        assert.match(badge.headers.get("content-type")!, /image\/svg\+xml/);
        assert.match(await badge.text(), /<svg[^>]*aria-label="API: up/);
        assert.equal(
          (await w.fetch("/badge/internal.svg", { token: null })).status,
          404,
        );
        assert.equal(
          (await w.fetch("/badge/api.png", { token: null })).status,
          404,
        );
      },
    );

    await t.step(
      "metrics: Prometheus text with per-monitor series",
      async () => {
        const res = await w.fetch("/metrics");
        assert.equal(res.status, 200);
        assert.match(
          res.headers.get("content-type")!,
          /text\/plain; version=0\.0\.4/,
        );
        const text = await res.text();
        assert.match(text, /^# HELP strata_monitor_up /m);
        assert.match(text, /^# TYPE strata_monitor_checks_total counter$/m);
        assert.match(
          text,
          /^strata_monitor_up\{monitor="api",name="API",type="http"\} 1$/m,
        );
        assert.match(
          text,
          /^strata_monitor_up\{monitor="web",name="Web <b>\\"front\\"<\/b>",type="http"\} 1$/m,
        );
        assert.match(
          text,
          /^strata_monitor_state\{monitor="api",name="API",type="http",state="DOWN"\} 0$/m,
        );
        assert.match(
          text,
          /^strata_monitor_consecutive_failures\{monitor="api",name="API",type="http"\} 0$/m,
        );
        assert.match(
          text,
          /^strata_monitor_checks_total\{monitor="internal",name="Internal admin",type="http"\} 1$/m,
        );
        assert.match(
          text,
          /^strata_monitor_latency_seconds\{monitor="api",name="API",type="http"\} [\d.]+$/m,
        );
        assert.match(text, /^strata_tick_subrequest_limit 50$/m);
        for (const line of text.trim().split("\n")) {
          assert.match(
            line,
            /^(# (HELP|TYPE) \w+ .+|\w+(\{.*\})? -?[\d.e+-]+)$/,
            `bad exposition line: ${line}`,
          );
        }
      },
    );

    await t.step(
      "removing monitors from the set deletes them with their history",
      async () => {
        await putDefinitions(w, { monitors: [definitions.monitors[2]] });
        const left = await w.db.prepare(
          "SELECT DISTINCT monitor_id FROM results",
        ).all();
        assert.deepEqual(
          left.results.map((r: { monitor_id: string }) => r.monitor_id),
          ["api"],
        );
        const st = await w.db.prepare("SELECT count(*) AS n FROM monitor_state")
          .first();
        assert.equal(st.n, 1);
        await w.tick(minuteAt(DAY));
      },
    );
  } finally {
    await w.close();
    await targets.close();
  }
});

Deno.test("without API_TOKEN every protected route fails closed with 503", async () => {
  const w = await startMonitor({ API_TOKEN: "" });
  try {
    for (const [method, path] of PROTECTED) {
      const res = await w.fetch(path, {
        method,
        body: method === "GET" ? undefined : "{}",
      });
      assert.equal(res.status, 503);
      assert.match((await res.json()).error.message, /API_TOKEN is not set/);
    }
    assert.equal(
      (await w.fetch("/api/v1/status", { token: null })).status,
      200,
    );
  } finally {
    await w.close();
  }
});
