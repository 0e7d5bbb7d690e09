import assert from "node:assert/strict";
import { type AlertEvent, alertText, buildRequest, configuredChannels, deliverAlerts } from "./notify.ts";

const down: AlertEvent = {
  monitorId: "web",
  name: "Web",
  kind: "down",
  state: "DOWN",
  error: "expected status 200-299, got 503",
  at: Date.UTC(2025, 0, 1),
};

Deno.test("configuredChannels only lists channels with credentials", () => {
  assert.deepEqual(configuredChannels({}), []);
  assert.deepEqual(
    configuredChannels({ SLACK_WEBHOOK_URL: "x", TELEGRAM_BOT_TOKEN: "t" }),
    ["slack"],
  );
});

Deno.test("message formats per channel", async () => {
  const env = {
    ALERT_WEBHOOK_URL: "http://127.0.0.1:1/hook",
    ALERT_WEBHOOK_SECRET: "k",
    TELEGRAM_BOT_TOKEN: "123:abc",
    TELEGRAM_CHAT_ID: "42",
    TELEGRAM_API_URL: "http://127.0.0.1:1/tg/",
    NTFY_URL: "http://127.0.0.1:1/topic",
    NTFY_TOKEN: "tk",
  };
  const hook = await buildRequest("webhook", [down], env);
  assert.match(
    String((hook.init.headers as Record<string, string>)["x-strata-signature"]),
    /^sha256=[0-9a-f]{64}$/,
  );
  assert.equal(JSON.parse(String(hook.init.body)).alerts[0].monitor, "web");
  const tg = await buildRequest("telegram", [down], env);
  assert.equal(tg.url, "http://127.0.0.1:1/tg/bot123:abc/sendMessage");
  assert.equal(JSON.parse(String(tg.init.body)).chat_id, "42");
  const ntfy = await buildRequest("ntfy", [down], env);
  assert.equal((ntfy.init.headers as Record<string, string>).priority, "5");
  assert.equal(
    (ntfy.init.headers as Record<string, string>).authorization,
    "Bearer tk",
  );
  assert.match(
    alertText([down, { ...down, monitorId: "api", kind: "up" }]),
    /2 changes\n🔴 Web \(web\) is DOWN: .*\n🟢/,
  );
});

Deno.test("deliverAlerts sends one message per channel and respects the budget", async () => {
  const seen: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      seen.push(`${new URL(req.url).pathname} ${await req.text()}`);
      return new Response("ok");
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const env = {
    SLACK_WEBHOOK_URL: `${base}/slack`,
    DISCORD_WEBHOOK_URL: `${base}/discord`,
  };
  const events = [down, {
    ...down,
    monitorId: "api",
    name: "API",
    channels: ["discord" as const],
  }];
  let budget = 1;
  const result = await deliverAlerts(events, env, () => budget-- > 0);
  await server.shutdown();
  assert.equal(Object.values(result).filter((r) => r === "ok").length, 1);
  assert.equal(
    Object.values(result).filter((r) => r?.startsWith("skipped")).length,
    1,
  );
  assert.equal(seen.length, 1);
});
