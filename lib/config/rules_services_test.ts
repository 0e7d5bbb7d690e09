import { assert, assertEquals } from "../../tests/testing.ts";
import { describe, edit, exampleText, issuesOf } from "../../tests/config/helpers.ts";
import { parseConfig } from "./load.ts";

const withSection = (yaml: string) => edit(exampleText(), ["lab:\n", `${yaml}\nlab:\n`]);
const GITHUB = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

Deno.test("flux.knownHosts must hold a key for the repository's host (and port)", () => {
  const text = edit(exampleText(), [
    "url: ssh://git@git.lab.internal/homelab/cluster.git",
    "url: ssh://git@git.lab.internal:2222/homelab/cluster.git",
  ]);
  const issues = issuesOf(text);
  assertEquals(issues.map((i) => i.path), ["flux.knownHosts"], describe(issues));
  assert(issues[0].message.includes("[git.lab.internal]:2222"), describe(issues));
  parseConfig(
    text.replace('knownHosts: "git.lab.internal', 'knownHosts: "[git.lab.internal]:2222'),
    "c.yaml",
  );
  parseConfig(
    edit(exampleText(), [
      "url: ssh://git@git.lab.internal/homelab/cluster.git",
      "url: ssh://git@github.com/me/x.git",
    ], [
      /knownHosts: ".*"/.exec(exampleText())![0],
      `knownHosts: "${GITHUB}"`,
    ]),
    "c.yaml",
  );
});

Deno.test("DNS: record names normalized into the zone; content checked per type; Cloudflare's TTLs", () => {
  const { config, warnings } = parseConfig(
    withSection(`dns:
  provider: cloudflare
  zone: example.com
  records:
    - { name: "@", type: A, content: 203.0.113.7, proxied: true }
    - { name: www, type: CNAME, content: example.com, proxied: true }
    - { name: v6, type: AAAA, content: "2001:db8::7", ttl: 300 }
    - { name: "@", type: TXT, content: "v=spf1 -all" }
    - { name: grafana.lab.example.org, type: A, content: 10.0.2.21 }
`),
    "c.yaml",
  );
  assertEquals(config.dns?.records.map((r) => r.name), [
    "example.com",
    "www.example.com",
    "v6.example.com",
    "example.com",
    "grafana.lab.example.org.example.com",
  ]);
  assertEquals(warnings.map((w) => w.path), ["dns.records[4].name"]);

  const issues = issuesOf(withSection(`dns:
  provider: cloudflare
  zone: example.com
  records:
    - { name: a, type: A, content: "2001:db8::7" }
    - { name: b, type: AAAA, content: 203.0.113.7 }
    - { name: c, type: CNAME, content: 203.0.113.7 }
    - { name: d, type: CNAME, content: d.example.com }
    - { name: e, type: TXT, content: hello, proxied: true }
    - { name: f, type: A, content: 203.0.113.8, ttl: 30 }
    - { name: f, type: A, content: 203.0.113.8 }
`));
  assertEquals(issues.map((i) => i.path), [
    "dns.records[0].content",
    "dns.records[1].content",
    "dns.records[2].content",
    "dns.records[3].content",
    "dns.records[4].proxied",
    "dns.records[5].ttl",
    "dns.records[6]",
  ], describe(issues));
});

Deno.test("monitors: the Worker's own rules (unique ids, parents, maintenance) apply, its warnings pass through", () => {
  const issues = issuesOf(withSection(`monitors:
  endpoint: https://monitor.example.workers.dev
  monitors:
    - { id: wan, name: WAN, type: heartbeat }
    - { id: wan, name: WAN again, type: heartbeat }
  maintenance:
    - { id: w1, title: Upgrade, monitors: [nas], cron: "0 3 * * 0", durationMinutes: 60 }
`));
  assertEquals(
    issues.map((i) => i.path),
    ["monitors.monitors[1].id", "monitors.maintenance[0].monitors[0]"],
    describe(issues),
  );
  const { warnings } = parseConfig(
    withSection(`monitors:
  endpoint: https://monitor.example.workers.dev
  monitors: [{ id: ssh, name: SSH, type: tcp, host: home.example.com, port: 22 }]
`),
    "c.yaml",
  );
  assert(
    warnings.some((w) => w.path === "monitors.monitors" && w.message.includes("TCP")),
    describe(warnings),
  );
});

Deno.test("SSO application slugs are unique", () => {
  const issues = issuesOf(withSection(`sso:
  provider: authentik
  domain: auth.example.com
  applications:
    - { slug: grafana, name: Grafana, redirectUris: ["https://grafana.example.com/login/generic_oauth"] }
    - { slug: grafana, name: Grafana 2, redirectUris: ["https://g2.example.com/login"] }
`));
  assertEquals(issues.map((i) => i.path), ["sso.applications[1].slug"], describe(issues));
});
