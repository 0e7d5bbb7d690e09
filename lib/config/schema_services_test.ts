import { assert, assertEquals } from "../../tests/testing.ts";
import { DnsSchema, MonitorsSchema, SsoSchema } from "./schema_services.ts";

Deno.test("DNS records: Cloudflare types, defaults proxied false and TTL automatic", () => {
  const dns = DnsSchema.parse({
    provider: "cloudflare",
    zone: "example.com",
    records: [{ name: "@", type: "A", content: "203.0.113.7" }],
  });
  assertEquals(dns.records[0], { name: "@", type: "A", content: "203.0.113.7", proxied: false, ttl: 1 });
  assert(
    DnsSchema.safeParse({
      provider: "cloudflare",
      zone: "example.com",
      records: [{ name: "*.apps", type: "CNAME", content: "x.example.com" }],
    }).success,
  );
  assert(!DnsSchema.safeParse({ provider: "route53", zone: "example.com" }).success);
  assert(!DnsSchema.safeParse({ provider: "cloudflare", zone: "Example.com" }).success);
});

Deno.test("monitors use the edge Worker's definitions; the endpoint is an origin without credentials", () => {
  const m = MonitorsSchema.parse({
    endpoint: "https://monitor.example.workers.dev",
    monitors: [{ id: "web", name: "Web", type: "http", url: "https://example.com" }],
  });
  assertEquals([m.monitors[0].intervalSeconds, m.maintenance], [60, []]);
  assert(!MonitorsSchema.safeParse({ endpoint: "https://u:p@monitor.example.workers.dev" }).success);
  assert(
    !MonitorsSchema.safeParse({
      endpoint: "https://m.example.com",
      monitors: [{ id: "x", name: "X", type: "ping" }],
    }).success,
  );
});

Deno.test("SSO: authentik at a domain, applications with https redirect URIs", () => {
  assert(SsoSchema.safeParse({ provider: "authentik", domain: "auth.example.com" }).success);
  assert(
    !SsoSchema.safeParse({
      provider: "authentik",
      domain: "auth.example.com",
      applications: [{ slug: "g", name: "G", redirectUris: ["http://g.example.com"] }],
    }).success,
  );
});
