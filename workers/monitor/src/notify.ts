import { type ChannelName, CHANNELS } from "./definitions.ts";
import type { AlertKind, EffectiveState } from "./state.ts";
import { log } from "../../shared/log.ts";

/** One alert produced by a tick. */
export interface AlertEvent {
  monitorId: string;
  name: string;
  kind: AlertKind;
  state: EffectiveState;
  error: string | null;
  at: number;
  channels?: ChannelName[];
}

/** Notification credentials: Worker secrets/vars only (never D1, never the API or the status page). */
export interface NotifyEnv {
  ALERT_WEBHOOK_URL?: string;
  ALERT_WEBHOOK_SECRET?: string;
  SLACK_WEBHOOK_URL?: string;
  DISCORD_WEBHOOK_URL?: string;
  TELEGRAM_BOT_TOKEN?: string;
  TELEGRAM_CHAT_ID?: string;
  TELEGRAM_API_URL?: string;
  NTFY_URL?: string;
  NTFY_TOKEN?: string;
  STATUS_PAGE_URL?: string;
}

/** Channels whose credentials are present in the env. */
export function configuredChannels(env: NotifyEnv): ChannelName[] {
  return CHANNELS.filter((c) => {
    switch (c) {
      case "webhook":
        return !!env.ALERT_WEBHOOK_URL;
      case "slack":
        return !!env.SLACK_WEBHOOK_URL;
      case "discord":
        return !!env.DISCORD_WEBHOOK_URL;
      case "telegram":
        return !!env.TELEGRAM_BOT_TOKEN && !!env.TELEGRAM_CHAT_ID;
      case "ntfy":
        return !!env.NTFY_URL;
    }
  });
}

const ICON: Record<AlertKind, string> = {
  down: "🔴",
  degraded: "🟡",
  up: "🟢",
  reminder: "🔁",
};
const VERB: Record<AlertKind, string> = {
  down: "is DOWN",
  degraded: "is DEGRADED",
  up: "is UP again",
  reminder: "is still DOWN",
};

/** One human line per alert. */
export function alertLine(e: AlertEvent): string {
  return `${ICON[e.kind]} ${e.name} (${e.monitorId}) ${VERB[e.kind]}${
    e.error && e.kind !== "up" ? `: ${e.error}` : ""
  }`;
}

/** The plain-text summary of a batch of alerts (one message per channel per tick). */
export function alertText(events: AlertEvent[], statusUrl?: string): string {
  const head = events.length === 1 ? "strata edge monitor" : `strata edge monitor: ${events.length} changes`;
  return [head, ...events.map(alertLine), ...(statusUrl ? [statusUrl] : [])]
    .join("\n");
}

async function hmacHex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(body),
  );
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The HTTP request that delivers `events` to `channel`. */
export async function buildRequest(
  channel: ChannelName,
  events: AlertEvent[],
  env: NotifyEnv,
): Promise<{ url: string; init: RequestInit }> {
  const text = alertText(events, env.STATUS_PAGE_URL);
  const json = (
    url: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) => ({
    url,
    init: {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    },
  });
  switch (channel) {
    case "webhook": {
      const body = JSON.stringify({
        source: "strata-edge-monitor",
        alerts: events.map((e) => ({
          monitor: e.monitorId,
          name: e.name,
          kind: e.kind,
          state: e.state,
          error: e.error,
          at: new Date(e.at).toISOString(),
        })),
      });
      const headers: Record<string, string> = {
        "content-type": "application/json",
      };
      if (env.ALERT_WEBHOOK_SECRET) {
        headers["x-strata-signature"] = `sha256=${await hmacHex(
          env.ALERT_WEBHOOK_SECRET,
          body,
        )}`;
      }
      return {
        url: env.ALERT_WEBHOOK_URL!,
        init: { method: "POST", headers, body },
      };
    }
    case "slack":
      return json(env.SLACK_WEBHOOK_URL!, { text });
    case "discord":
      return json(env.DISCORD_WEBHOOK_URL!, {
        content: text.slice(0, 2000),
        allowed_mentions: { parse: [] },
      });
    case "telegram": {
      const base = (env.TELEGRAM_API_URL ?? "https://api.telegram.org").replace(
        /\/$/,
        "",
      );
      return json(`${base}/bot${env.TELEGRAM_BOT_TOKEN}/sendMessage`, {
        chat_id: env.TELEGRAM_CHAT_ID,
        text: text.slice(0, 4096),
        disable_web_page_preview: true,
      });
    }
    case "ntfy": {
      const worst = events.some((e) => e.kind === "down" || e.kind === "reminder");
      const headers: Record<string, string> = {
        "content-type": "text/plain; charset=utf-8",
        title: events.length === 1
          ? `${events[0].name} ${VERB[events[0].kind]}`
          : `${events.length} monitor changes`,
        priority: worst ? "5" : "3",
        tags: worst ? "rotating_light" : "white_check_mark",
      };
      if (env.NTFY_TOKEN) headers.authorization = `Bearer ${env.NTFY_TOKEN}`;
      return {
        url: env.NTFY_URL!,
        init: { method: "POST", headers, body: text },
      };
    }
  }
}

/**
 * Sends a tick's alerts: one message per configured channel (so an outage of forty monitors is one
 * message, and a tick spends at most five subrequests on alerts). Each event goes only to the channels
 * its monitor names (all configured ones by default). Returns per-channel delivery results; failures are
 * logged by channel name and status only, never by URL (webhook URLs are secrets).
 *
 * @example
 * ```ts
 * // const delivered = await deliverAlerts(events, env, () => budget.take());
 * ```
 */
export async function deliverAlerts(
  events: AlertEvent[],
  env: NotifyEnv,
  take: () => boolean,
): Promise<Partial<Record<ChannelName, string>>> {
  const out: Partial<Record<ChannelName, string>> = {};
  await Promise.all(
    configuredChannels(env).map(async (channel) => {
      const mine = events.filter((e) => !e.channels || e.channels.includes(channel));
      if (!mine.length) return;
      if (!take()) {
        out[channel] = "skipped: subrequest budget exhausted";
        return;
      }
      try {
        const { url, init } = await buildRequest(channel, mine, env);
        const res = await fetch(url, {
          ...init,
          signal: AbortSignal.timeout(10_000),
        });
        await res.body?.cancel().catch(() => {});
        out[channel] = res.ok ? "ok" : `error: HTTP ${res.status}`;
      } catch (e) {
        out[channel] = `error: ${(e as Error).name}`;
      }
      if (out[channel] !== "ok") {
        log("warn", "alert_delivery_failed", { channel, result: out[channel] });
      }
    }),
  );
  return out;
}
