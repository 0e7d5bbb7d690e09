// The monitor's checks and state machine, run inside workerd (Miniflare) against local targets.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { systemClock } from "../../lib/clock/clock.ts";
import { startMonitor } from "../../workers/tools/miniflare.ts";
import { DAY, HOUR, MINUTE, minuteAt, putDefinitions, stateRow, states } from "./helpers.ts";
import { closedPort, TargetServer, TcpTarget } from "./targets.ts";

const SECRETS = {
  MONITOR_SECRET_HEALTH: "health-secret-value-42",
  ALERT_WEBHOOK_SECRET: "webhook-hmac-key",
  TELEGRAM_BOT_TOKEN: "123456:telegram-secret-token",
  NTFY_TOKEN: "ntfy-secret-token",
};
const CHANNEL_PATHS = [
  "/hook",
  "/slack",
  "/discord",
  `/tg/bot${SECRETS.TELEGRAM_BOT_TOKEN}/sendMessage`,
  "/ntfy",
];

Deno.test("edge monitor checks, state machine and alerts in workerd", async (t) => {
  const targets = new TargetServer();
  const tcp = new TcpTarget();
  let flapDown = false;
  targets.routes.set("/up", () => new Response("ok: all good"));
  targets.routes.set("/down", () => new Response("oops", { status: 503 }));
  targets.routes.set("/hang", () => targets.hang());
  targets.routes.set("/slow", async () => {
    await systemClock.sleep(150); // latency floor: the check must see >= 150 ms
    return new Response("ok: all good");
  });
  targets.routes.set(
    "/flap",
    () => new Response(flapDown ? "down" : "ok", { status: flapDown ? 500 : 200 }),
  );
  targets.routes.set("/wrong", () => new Response("status: error"));
  targets.routes.set(
    "/json",
    () => Response.json({ status: "green", checks: [{ ok: true }] }),
  );
  targets.routes.set(
    "/redirect",
    () => new Response(null, { status: 302, headers: { location: "/up" } }),
  );
  targets.routes.set(
    "/loop",
    () => new Response(null, { status: 302, headers: { location: "/loop" } }),
  );
  targets.routes.set(
    "/auth",
    (req) =>
      req.headers.get("authorization") ===
          `Bearer ${SECRETS.MONITOR_SECRET_HEALTH}`
        ? new Response("ok")
        : new Response("no", { status: 401 }),
  );
  for (const p of CHANNEL_PATHS) {
    targets.routes.set(p, () => new Response("{}"));
  }

  const w = await startMonitor({
    ...SECRETS,
    RETENTION_DAYS: "1",
    ALERT_WEBHOOK_URL: `${targets.url}/hook`,
    SLACK_WEBHOOK_URL: `${targets.url}/slack`,
    DISCORD_WEBHOOK_URL: `${targets.url}/discord`,
    TELEGRAM_CHAT_ID: "-100200300",
    TELEGRAM_API_URL: `${targets.url}/tg`,
    NTFY_URL: `${targets.url}/ntfy`,
  });
  const alertsSent = () => targets.captured.filter((c) => CHANNEL_PATHS.includes(c.path));
  const slackTexts = () =>
    targets.captured.filter((c) => c.path === "/slack").map((c) => JSON.parse(c.body).text);
  const http = (
    id: string,
    path: string,
    extra: Record<string, unknown> = {},
  ) => ({
    id,
    name: id.toUpperCase(),
    type: "http",
    url: `${targets.url}${path}`,
    failureThreshold: 1,
    retries: 0,
    ...extra,
  });

  try {
    await t.step("HTTP and TCP check options", async () => {
      const put = await putDefinitions(w, {
        monitors: [
          http("up", "/up", { keyword: "all good" }),
          http("down", "/down", { retries: 1 }),
          http("hang", "/hang", { timeoutMs: 300 }),
          http("slow", "/slow", { degradedAboveMs: 50 }),
          http("wrong", "/wrong", { keyword: "all good" }),
          http("absent", "/wrong", { keywordAbsent: "error" }),
          http("json-ok", "/json", {
            jsonPath: { path: "$.checks[0].ok", equals: true },
          }),
          http("json-bad", "/json", {
            jsonPath: { path: "$.status", equals: "red" },
          }),
          http("regex", "/up", { regex: "^ok: (all|some) good$" }),
          http("redirect", "/redirect", { keyword: "all good" }),
          http("no-follow", "/redirect", {
            followRedirects: false,
            expectedStatus: [302],
          }),
          http("loop", "/loop", { maxRedirects: 2 }),
          http("status-range", "/down", { expectedStatus: ["500-599"] }),
          http("head", "/up", { method: "HEAD", expectedStatus: ["2xx"] }),
          http("auth", "/auth", {
            headers: {
              Authorization: "Bearer ${secret:MONITOR_SECRET_HEALTH}",
            },
          }),
          http("no-secret", "/auth", {
            headers: { Authorization: "Bearer ${secret:MONITOR_SECRET_NOPE}" },
          }),
          {
            id: "tcp-up",
            name: "TCP up",
            type: "tcp",
            host: "127.0.0.1",
            port: tcp.port,
            failureThreshold: 1,
          },
          {
            id: "tcp-down",
            name: "TCP down",
            type: "tcp",
            host: "127.0.0.1",
            port: closedPort(),
            failureThreshold: 1,
            retries: 0,
          },
        ],
      });
      assert.equal(put.monitors, 18);
      assert.match(
        put.warnings.join("\n"),
        /"tcp-up": TCP checks cannot reach hosts behind the Cloudflare proxy/,
      );
      await w.tick(minuteAt(DAY));
      const s = await states(w, [
        "up",
        "down",
        "hang",
        "slow",
        "wrong",
        "absent",
        "json-ok",
        "json-bad",
        "regex",
        "redirect",
        "no-follow",
        "loop",
        "status-range",
        "head",
        "auth",
        "no-secret",
        "tcp-up",
        "tcp-down",
      ]);
      assert.deepEqual(s, {
        up: "UP",
        down: "DOWN",
        hang: "DOWN",
        slow: "DEGRADED",
        wrong: "DOWN",
        absent: "DOWN",
        "json-ok": "UP",
        "json-bad": "DOWN",
        regex: "UP",
        redirect: "UP",
        "no-follow": "UP",
        loop: "DOWN",
        "status-range": "UP",
        head: "UP",
        auth: "UP",
        "no-secret": "DOWN",
        "tcp-up": "UP",
        "tcp-down": "DOWN",
      });
      const err = async (id: string) => (await stateRow(w, id)).last_error;
      assert.equal(await err("down"), "expected status 200-299, got 503");
      assert.equal(await err("hang"), "timed out after 300 ms");
      assert.equal(
        await err("wrong"),
        'keyword "all good" not found in the body',
      );
      assert.equal(
        await err("absent"),
        'keyword "error" found in the body but must be absent',
      );
      assert.equal(
        await err("json-bad"),
        '$.status is "green", expected "red"',
      );
      assert.match(await err("slow"), /^slow: \d+ ms > 50 ms$/);
      assert.ok((await stateRow(w, "slow")).last_latency_ms >= 150);
      assert.match(
        await err("no-secret"),
        /secret MONITOR_SECRET_NOPE is not set/,
      );
      assert.match(await err("tcp-down"), /connect to 127\.0\.0\.1:\d+ failed/);
      assert.equal(tcp.accepted, 1);
      // retries within the run: one failure, one retry, both recorded as attempts of one result
      assert.equal(targets.count("/down"), 3); // "down" twice (retry) + "status-range" once
      const downResult = await w.db.prepare(
        "SELECT * FROM results WHERE monitor_id = 'down'",
      ).all();
      assert.equal(downResult.results.length, 1);
      assert.equal(downResult.results[0].attempts, 2);
      assert.equal(targets.count("/loop"), 3); // first request + 2 redirects, then give up
    });

    await t.step(
      "state machine: no alert on a blip, one alert on sustained failure, reminders, recovery",
      async () => {
        await putDefinitions(w, {
          monitors: [
            http("flap", "/flap", {
              failureThreshold: 3,
              recoveryThreshold: 2,
              resendIntervalMinutes: 5,
            }),
          ],
        });
        const base = minuteAt(2 * DAY);
        const run = async (minute: number, down: boolean) => {
          flapDown = down;
          await w.tick(base + minute * MINUTE);
          return (await stateRow(w, "flap")).state;
        };
        const before = alertsSent().length;
        assert.equal(await run(0, false), "UP");
        assert.equal(await run(1, true), "PENDING");
        assert.equal(await run(2, false), "UP");
        assert.equal(
          alertsSent().length,
          before,
          "a single blip must not alert",
        );
        assert.equal(await run(3, true), "PENDING");
        assert.equal(await run(4, true), "PENDING");
        assert.equal(await run(5, true), "DOWN");
        assert.equal(
          alertsSent().length,
          before + 5,
          "one alert per channel on DOWN",
        );
        assert.match(
          slackTexts().at(-1)!,
          /🔴 FLAP \(flap\) is DOWN: expected status 200-299, got 500/,
        );
        assert.equal(await run(6, true), "DOWN");
        assert.equal(await run(9, true), "DOWN");
        assert.equal(
          alertsSent().length,
          before + 5,
          "no duplicate while DOWN within the resend interval",
        );
        assert.equal(await run(10, true), "DOWN");
        assert.equal(
          alertsSent().length,
          before + 10,
          "reminder after the resend interval",
        );
        assert.match(slackTexts().at(-1)!, /is still DOWN/);
        assert.equal(
          await run(11, false),
          "DOWN",
          "M=2: one success is not enough",
        );
        assert.equal(await run(12, false), "UP");
        assert.equal(alertsSent().length, before + 15);
        assert.match(slackTexts().at(-1)!, /🟢 FLAP \(flap\) is UP again/);

        const incidents = await w.db.prepare(
          "SELECT * FROM incidents WHERE monitor_id = 'flap'",
        ).all();
        assert.equal(incidents.results.length, 1);
        assert.equal(incidents.results[0].started_at, base + 5 * MINUTE);
        assert.equal(incidents.results[0].resolved_at, base + 12 * MINUTE);
        const logged = await w.db.prepare(
          "SELECT kind FROM alerts WHERE monitor_id = 'flap' ORDER BY at",
        ).all();
        assert.deepEqual(logged.results.map((r: { kind: string }) => r.kind), [
          "down",
          "reminder",
          "up",
        ]);
      },
    );

    await t.step(
      "alert payloads per channel carry no secrets in the wrong places",
      () => {
        const last = (path: string) => targets.captured.filter((c) => c.path === path).at(-1)!;
        const hook = last("/hook");
        const expected = createHmac("sha256", SECRETS.ALERT_WEBHOOK_SECRET)
          .update(hook.body).digest("hex");
        assert.equal(hook.headers["x-strata-signature"], `sha256=${expected}`);
        assert.deepEqual(JSON.parse(hook.body).alerts[0].monitor, "flap");
        assert.match(JSON.parse(last("/discord").body).content, /FLAP/);
        const tg = JSON.parse(
          last(`/tg/bot${SECRETS.TELEGRAM_BOT_TOKEN}/sendMessage`).body,
        );
        assert.equal(tg.chat_id, "-100200300");
        const ntfy = last("/ntfy");
        assert.equal(
          ntfy.headers.authorization,
          `Bearer ${SECRETS.NTFY_TOKEN}`,
        );
        assert.equal(ntfy.headers.title, "FLAP is UP again");
        const logs = w.logs.join("\n");
        for (const secret of Object.values(SECRETS)) {
          assert.ok(!logs.includes(secret), "secret leaked into logs");
        }
      },
    );

    await t.step(
      "heartbeat: silence beyond the grace period is DOWN, a ping recovers",
      async () => {
        const put = await putDefinitions(w, {
          monitors: [{
            id: "cron",
            name: "Backup job",
            type: "heartbeat",
            intervalSeconds: 120,
            graceSeconds: 60,
            failureThreshold: 1,
            recoveryThreshold: 1,
          }],
        });
        const token = put.heartbeats[0].token;
        const ping = async () => {
          const res = await w.fetch(`/api/v1/heartbeat/${token}`, {
            method: "POST",
            token: null,
          });
          assert.equal(res.status, 200);
          return Date.now();
        };
        const pinged = await ping();
        await w.tick(pinged + 2 * MINUTE);
        assert.equal((await stateRow(w, "cron")).state, "UP");
        await w.tick(pinged + 3 * MINUTE + 30_000); // 180 s allowed
        const row = await stateRow(w, "cron");
        assert.equal(row.state, "DOWN");
        assert.match(
          row.last_error,
          /no heartbeat for 21\d s \(expected every 120 s \+ 60 s grace\)/,
        );
        const again = await ping();
        await w.tick(again + MINUTE);
        assert.equal((await stateRow(w, "cron")).state, "UP");
        const wrong = await w.fetch(
          `/api/v1/heartbeat/${token.slice(0, -2)}xx`,
          { method: "POST", token: null },
        );
        assert.equal(wrong.status, 404);
        assert.equal((await wrong.json()).error.code, "unknown_heartbeat");
      },
    );

    await t.step(
      "parent DOWN suppresses children: one alert, children unknown (parent down)",
      async () => {
        const children = Array.from(
          { length: 6 },
          (_, i) => http(`svc-${i}`, "/down", { parent: "wan" }),
        );
        children.push(http("deep", "/down", { parent: "svc-0" }));
        const put = await putDefinitions(w, {
          monitors: [
            {
              id: "wan",
              name: "Home WAN",
              type: "heartbeat",
              graceSeconds: 0,
              failureThreshold: 1,
            },
            ...children,
          ],
        });
        assert.equal(put.heartbeats.length, 1);
        const before = alertsSent().length;
        await w.tick(Date.now() + 10 * MINUTE); // never pinged: silent since creation
        const s = await states(w, ["wan", "svc-0", "deep"]);
        assert.deepEqual(s, { wan: "DOWN", "svc-0": "DOWN", deep: "DOWN" });
        assert.equal((await stateRow(w, "svc-3")).effective, "UNKNOWN");
        assert.equal((await stateRow(w, "deep")).effective, "UNKNOWN");
        assert.equal(
          alertsSent().length,
          before + 5,
          "one message per channel",
        );
        const text = slackTexts().at(-1)!;
        assert.match(text, /Home WAN \(wan\) is DOWN/);
        assert.doesNotMatch(text, /svc-|deep/);
        const status = await (await w.fetch("/api/v1/status", { token: null }))
          .json();
        const svc = status.monitors.find((m: { id: string }) => m.id === "svc-1");
        assert.equal(svc.state, "UNKNOWN");
        assert.equal(svc.stateLabel, "unknown (parent down)");
        const open = await w.db.prepare(
          "SELECT monitor_id FROM incidents WHERE resolved_at IS NULL",
        ).all();
        assert.deepEqual(
          open.results.map((r: { monitor_id: string }) => r.monitor_id),
          ["wan"],
        );
        assert.equal(status.overall, "outage");
      },
    );

    await t.step(
      "maintenance windows (one-off and recurring cron) suppress alerts and show on the status page",
      async () => {
        const base = minuteAt(3 * DAY);
        const day = Math.floor(base / DAY) * DAY + 5 * DAY;
        await putDefinitions(w, {
          monitors: [http("db", "/down"), http("nas", "/down")],
          maintenance: [
            {
              id: "upgrade",
              title: "Database upgrade",
              monitors: ["db"],
              start: new Date(day + 10 * HOUR).toISOString(),
              end: new Date(day + 11 * HOUR).toISOString(),
            },
            {
              id: "scrub",
              title: "Nightly scrub",
              monitors: ["nas"],
              cron: "0 3 * * *",
              durationMinutes: 60,
            },
          ],
        });
        const before = alertsSent().length;
        await w.tick(day + 3 * HOUR + 30 * MINUTE); // nas in its nightly window, db not yet
        assert.equal((await stateRow(w, "nas")).effective, "MAINTENANCE");
        assert.equal((await stateRow(w, "db")).effective, "DOWN");
        assert.match(slackTexts().at(-1)!, /DB \(db\) is DOWN/);
        assert.doesNotMatch(slackTexts().at(-1)!, /NAS/);
        await w.tick(day + 10 * HOUR + 5 * MINUTE); // db in its one-off window, nas window over
        assert.equal((await stateRow(w, "db")).effective, "MAINTENANCE");
        assert.equal((await stateRow(w, "nas")).effective, "DOWN");
        assert.match(slackTexts().at(-1)!, /NAS \(nas\) is DOWN/);
        assert.equal(alertsSent().length, before + 10);
        await w.tick(day + 10 * HOUR + 6 * MINUTE);
        assert.equal(
          alertsSent().length,
          before + 10,
          "db stays silent in maintenance",
        );
        const status = await (await w.fetch("/api/v1/status", { token: null }))
          .json();
        assert.ok(
          status.maintenance.some((m: { id: string }) => m.id === "scrub"),
        );
      },
    );

    await t.step("hourly/daily rollups and raw-result retention", async () => {
      await putDefinitions(w, { monitors: [http("rolled", "/up")] });
      const hour = Math.floor(minuteAt(40 * DAY) / HOUR) * HOUR;
      for (let i = 0; i < 3; i++) {
        await w.tick(hour + i * MINUTE);
      }
      await w.tick(hour + HOUR + 5 * MINUTE); // next hour: rolls the previous one up
      const rollups = await w.db.prepare(
        "SELECT period, start, checks, up FROM rollups WHERE monitor_id = 'rolled' ORDER BY period DESC, start",
      ).all();
      assert.deepEqual(rollups.results, [
        { period: "hour", start: hour, checks: 3, up: 3 },
        {
          period: "day",
          start: Math.floor(hour / DAY) * DAY,
          checks: 3,
          up: 3,
        },
      ]);
      await w.tick(hour + 3 * DAY); // RETENTION_DAYS=1: raw results older than a day go, rollups stay
      const raw = await w.db.prepare(
        "SELECT at FROM results WHERE monitor_id = 'rolled'",
      ).all();
      assert.deepEqual(
        raw.results.map((r: { at: number }) => r.at),
        [hour + 3 * DAY],
      );
      const kept = await w.db.prepare(
        "SELECT count(*) AS n FROM rollups WHERE monitor_id = 'rolled'",
      ).first();
      assert.ok(kept.n >= 2);
    });
  } finally {
    await w.close();
    await targets.close();
    await tcp.close();
  }
});
