/**
 * Config sections for the configuration layer: `sso`, `dns` and `monitors`. Each is optional;
 * the layer that uses one extends it.
 *
 * `monitors` reuses the edge monitor Worker's own definition schema, so a config that validates
 * here is one `PUT /api/v1/monitors` accepts.
 *
 * @example
 * ```ts
 * DnsSchema.parse({ provider: "cloudflare", zone: "example.com", records: [] });
 * ```
 */
import { MaintenanceSchema, MonitorSchema } from "../../workers/monitor/src/definitions.ts";
import { FORMATS, formatSchema, urlFormat } from "./formats.ts";
import { flag, listOf, oneOf, section, text, wholeNumber } from "./schema_parts.ts";
import { z } from "zod";

export const SsoApplicationSchema = section({
  slug: formatSchema(FORMATS.dnsLabel).describe("Application slug (a DNS label), unique."),
  name: text("an application name").describe("Name shown to users."),
  redirectUris: listOf(
    formatSchema(
      urlFormat({ protocols: ["https"], example: "https://grafana.example.com/login", what: "a redirect" }),
    ),
    "redirect URI",
    1,
  ).describe("OAuth2/OIDC redirect URIs."),
}, "an SSO application");

export const SsoSchema = section({
  provider: oneOf(["authentik"]).describe("Identity provider strata deploys."),
  domain: formatSchema(FORMATS.dnsName).describe(
    "Host name the provider is served at, e.g. auth.example.com.",
  ),
  applications: listOf(SsoApplicationSchema, "application").default([]).describe(
    "OIDC applications to register.",
  ),
}, "SSO");

export const DnsRecordSchema = section({
  name: z.string({
    error: "must be a record name: @, a name in the zone (www) or a full name (www.example.com)",
  })
    .regex(/^(@|(\*\.)?[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*)$/, {
      error: "must be a record name: @, a name in the zone (www) or a full name (www.example.com)",
    })
    .describe("@ for the zone apex, a name relative to the zone, or a full name inside the zone."),
  type: oneOf(["A", "AAAA", "CNAME", "TXT"]).describe("Record type."),
  content: text("the record's content").describe(
    "A: an IPv4 address, AAAA: an IPv6 address, CNAME: a host name, TXT: text.",
  ),
  proxied: flag().default(false).describe("Through Cloudflare's proxy (A, AAAA and CNAME only)."),
  ttl: wholeNumber(1, 86400, "seconds; 1 = automatic").default(1).describe(
    "TTL in seconds: 1 (automatic) or 60-86400.",
  ),
}, "a DNS record");

export const DnsSchema = section({
  provider: oneOf(["cloudflare"]).describe("DNS provider (the token comes from CLOUDFLARE_API_TOKEN)."),
  zone: formatSchema(FORMATS.dnsName).describe("The zone, e.g. example.com."),
  records: listOf(DnsRecordSchema, "record").default([]).describe("Records strata keeps in the zone."),
}, "DNS");

export const MonitorsSchema = section({
  endpoint: formatSchema(urlFormat({
    protocols: ["http", "https"],
    originOnly: true,
    example: "https://monitor.example.workers.dev",
    what: "the edge monitor Worker",
  })).describe("URL of the edge monitor Worker (workers/monitor); the token comes from the environment."),
  monitors: z.array(MonitorSchema).default([]).describe(
    "Monitor definitions, as the Worker's PUT /api/v1/monitors takes them (http, tcp, heartbeat).",
  ),
  maintenance: z.array(MaintenanceSchema).default([]).describe("Maintenance windows (one-off or cron)."),
}, "the edge monitors");
