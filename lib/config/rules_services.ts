/**
 * Rules on the GitOps and configuration-layer sections: Flux's known_hosts covers its git host;
 * DNS records fit their zone and Cloudflare's rules; SSO slugs are unique; monitor definitions
 * pass the edge Worker's own cross-field checks (unique ids, parents, maintenance windows).
 *
 * @example
 * ```ts
 * const found = new Findings();
 * checkFlux(config, found);
 * checkDns(config, raw, found);
 * ```
 */
import { validateDefinitions } from "../../workers/monitor/src/validate.ts";
import { knownHostsFor } from "../keys/known_hosts.ts";
import type { Findings } from "./findings.ts";
import { formatProblem, FORMATS } from "./formats.ts";
import { ipToInt } from "./net.ts";
import type { ClusterConfig, RawConfig } from "./schema.ts";

/** `flux.knownHosts` holds a key for the repository's host. */
export function checkFlux(config: ClusterConfig, found: Findings): void {
  if (!config.flux) return;
  try {
    knownHostsFor(config.flux.url, config.flux.knownHosts);
  } catch (err) {
    const host = /^ssh:\/\/(?:[^@/]+@)?([^:/]+)/.exec(config.flux.url)?.[1] ?? "HOST";
    found.error(
      "flux.knownHosts",
      (err as Error).message.replace(/^flux\.knownHosts /, ""),
      `paste the output of \`ssh-keyscan ${host}\` (and check its fingerprint against the git host's docs)`,
    );
  }
}

/** SSO application slugs are unique. */
export function checkSso(config: ClusterConfig, found: Findings): void {
  const seen = new Map<string, number>();
  config.sso?.applications.forEach((app, i) => {
    const first = seen.get(app.slug);
    if (first !== undefined) {
      found.error(
        `sso.applications[${i}].slug`,
        `duplicate slug "${app.slug}" (also sso.applications[${first}])`,
      );
    } else seen.set(app.slug, i);
  });
}

/** The edge Worker's own cross-field rules on the monitor definitions. */
export function checkMonitors(config: ClusterConfig, found: Findings): void {
  if (!config.monitors) return;
  const result = validateDefinitions({
    monitors: config.monitors.monitors,
    maintenance: config.monitors.maintenance,
  });
  if (!result.ok) {
    for (const e of result.errors) found.error(`monitors.${e.path}`, e.message);
  } else {
    for (const w of result.warnings) found.warn("monitors.monitors", w);
  }
}

/** DNS records fit their type, their zone and Cloudflare's rules. */
export function checkDns(config: ClusterConfig, raw: RawConfig, found: Findings): void {
  if (!config.dns) return;
  const dns = config.dns;
  const byName = new Map<string, { type: string; index: number }[]>();
  dns.records.forEach((r, i) => {
    const at = `dns.records[${i}]`;
    const given = raw.dns!.records[i].name;
    if (
      given !== "@" && given !== dns.zone && !given.endsWith(`.${dns.zone}`) && given.split(".").length > 2
    ) {
      found.warn(
        `${at}.name`,
        `"${given}" is not inside the zone ${dns.zone}, so it is read as relative: ${r.name}`,
        `write a name inside ${dns.zone}, or ${r.name} to keep it`,
      );
    }
    const content = r.content;
    if (r.type === "A" && ipToInt(content) === undefined) {
      found.error(
        `${at}.content`,
        `"${content}" is not an IPv4 address (an A record holds one)`,
        "use a CNAME for a name",
      );
    } else if (r.type === "AAAA" && formatProblem(FORMATS.ipv6, content)) {
      found.error(`${at}.content`, `"${content}" is not an IPv6 address (an AAAA record holds one)`);
    } else if (
      r.type === "CNAME" &&
      (ipToInt(content) !== undefined || formatProblem(FORMATS.dnsName, content.replace(/\.$/, "")))
    ) {
      found.error(
        `${at}.content`,
        `"${content}" is not a host name (a CNAME points at a name)`,
        ipToInt(content) !== undefined ? "use type: A for an address" : undefined,
      );
    } else if (r.type === "CNAME" && content.replace(/\.$/, "") === r.name) {
      found.error(`${at}.content`, "a CNAME cannot point at itself");
    }
    if (r.proxied && r.type === "TXT") {
      found.error(`${at}.proxied`, "only A, AAAA and CNAME records can be proxied", "remove proxied: true");
    }
    if (r.ttl !== 1 && r.ttl < 60) {
      found.error(
        `${at}.ttl`,
        `${r.ttl} is not a TTL Cloudflare takes`,
        "use 1 (automatic) or 60-86400 seconds",
      );
    }
    const list = byName.get(r.name) ?? [];
    for (const other of list) {
      if (r.type === "CNAME" || other.type === "CNAME") {
        found.error(
          `${at}.name`,
          `${r.name} has a CNAME and another record (dns.records[${other.index}], ${other.type})`,
          "a name with a CNAME can have no other record (RFC 1034)",
        );
      } else if (other.type === r.type && dns.records[other.index].content === content) {
        found.error(`${at}`, `duplicate of dns.records[${other.index}]`, "list each record once");
      }
    }
    list.push({ type: r.type, index: i });
    byName.set(r.name, list);
  });
}
