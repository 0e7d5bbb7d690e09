import { z } from "zod";

/** Monitor and maintenance ids: DNS-label-like, stable, used in URLs and metric labels. */
const Id = z.string().regex(
  /^[a-z0-9][a-z0-9_-]{0,62}$/,
  "must be 1-63 chars of a-z, 0-9, '-' or '_'",
);

/** Notification channels a monitor may name (their credentials live in Worker secrets only). */
export const CHANNELS = [
  "webhook",
  "slack",
  "discord",
  "telegram",
  "ntfy",
] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** `${secret:MONITOR_SECRET_X}` placeholders are resolved from the Worker env at check time. */
export const SECRET_PLACEHOLDER = /\$\{secret:([A-Za-z0-9_]+)\}/g;
const withSecretNames = (s: string) =>
  [...s.matchAll(SECRET_PLACEHOLDER)].every((m) => /^MONITOR_SECRET_[A-Z0-9_]+$/.test(m[1]));
const SecretText = z.string().refine(withSecretNames, {
  message:
    "secret placeholders must look like ${secret:MONITOR_SECRET_NAME} (only MONITOR_SECRET_* env vars)",
});

/** One expected status: a code (200), a class ("2xx") or a range ("200-299"). */
const StatusSpec = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(
    /^([1-5]xx|[1-5]\d\d(-[1-5]\d\d)?)$/,
    'must be a code like 200, a class like "2xx" or a range',
  ),
]);

const common = {
  id: Id,
  name: z.string().min(1).max(100),
  description: z.string().max(500).optional(),
  intervalSeconds: z.number().int().min(
    60,
    "must be at least 60 (one cron tick)",
  ).max(86_400)
    .refine(
      (n) => n % 60 === 0,
      "must be a whole number of minutes (multiple of 60)",
    ).default(60),
  parent: Id.optional(),
  failureThreshold: z.number().int().min(1).max(20).default(3),
  recoveryThreshold: z.number().int().min(1).max(20).default(2),
  retries: z.number().int().min(0).max(3).default(1),
  resendIntervalMinutes: z.number().int().min(0).max(10_080).default(60),
  channels: z.array(z.enum(CHANNELS)).optional(),
  public: z.boolean().default(true),
  publicTarget: z.boolean().default(false),
};

const HttpMonitor = z.strictObject({
  ...common,
  type: z.literal("http"),
  url: SecretText.pipe(
    z.url({
      protocol: /^https?$/,
      error: "must be an http:// or https:// URL",
    }),
  ),
  method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    .default("GET"),
  headers: z.record(
    z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "invalid header name"),
    SecretText,
  )
    .default({}),
  body: SecretText.max(65_536).optional(),
  expectedStatus: z.array(StatusSpec).min(1).default(["200-299"]),
  keyword: z.string().min(1).optional(),
  keywordAbsent: z.string().min(1).optional(),
  regex: z.string().min(1).refine((s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, "not a valid JavaScript regular expression").optional(),
  jsonPath: z.strictObject({
    path: z.string().regex(
      /^\$(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/,
      'must look like "$.a.b[0].c"',
    ),
    equals: z.json(),
  }).optional(),
  degradedAboveMs: z.number().int().min(1).max(60_000).optional(),
  followRedirects: z.boolean().default(true),
  maxRedirects: z.number().int().min(0).max(10).default(5),
  timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
});

const TcpMonitor = z.strictObject({
  ...common,
  type: z.literal("tcp"),
  host: z.string().min(1).max(253).regex(
    /^[A-Za-z0-9.:-]+$/,
    "must be a hostname or IP address",
  ),
  port: z.number().int().min(1).max(65_535),
  degradedAboveMs: z.number().int().min(1).max(60_000).optional(),
  timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
});

const HeartbeatMonitor = z.strictObject({
  ...common,
  type: z.literal("heartbeat"),
  graceSeconds: z.number().int().min(0).max(86_400).default(60),
});

export const MonitorSchema = z.discriminatedUnion("type", [
  HttpMonitor,
  TcpMonitor,
  HeartbeatMonitor,
]);

const DateTime = z.iso.datetime({
  offset: true,
  error: "must be an ISO 8601 date-time like 2025-01-31T22:00:00Z",
});

export const MaintenanceSchema = z.strictObject({
  id: Id,
  title: z.string().min(1).max(200),
  monitors: z.array(z.union([Id, z.literal("*")])).min(1),
  start: DateTime.optional(),
  end: DateTime.optional(),
  cron: z.string().optional(),
  durationMinutes: z.number().int().min(1).max(10_080).optional(),
});

export const DefinitionsSchema = z.strictObject({
  monitors: z.array(MonitorSchema).max(5_000),
  maintenance: z.array(MaintenanceSchema).max(200).default([]),
});

export type MonitorDefinition = z.output<typeof MonitorSchema>;
export type HttpMonitorDefinition = z.output<typeof HttpMonitor>;
export type TcpMonitorDefinition = z.output<typeof TcpMonitor>;
export type HeartbeatMonitorDefinition = z.output<typeof HeartbeatMonitor>;
export type MaintenanceDefinition = z.output<typeof MaintenanceSchema>;
export type Definitions = z.output<typeof DefinitionsSchema>;
