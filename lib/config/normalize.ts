/**
 * Turns the schema's output into the config every layer reads: sizes as numbers, defaults that
 * depend on other fields filled in, and values in one canonical spelling.
 *
 * - `nodes[].memoryMiB`, `nodes[].diskGiB` from `memory`, `disk` (`diskGiB` rounded up; the rules
 *   reject a disk that is not a whole number of GiB);
 * - `nodes[].mac` upper-cased, as Proxmox writes it;
 * - `proxmox.hosts[].api` as its origin (`https://host:port`); `ssh.address` defaults to its host;
 * - `dns.records[].name` as a full name inside the zone (`@` → the zone, `www` → `www.<zone>`).
 *
 * @example
 * ```ts
 * normalize(raw).nodes[0].memoryMiB; // 8192 for "8GiB"
 * ```
 */
import type { ClusterConfig, RawConfig } from "./schema.ts";
import { sizeToMiB } from "./size.ts";

export function normalize(raw: RawConfig): ClusterConfig {
  return {
    ...raw,
    proxmox: {
      ...raw.proxmox,
      hosts: raw.proxmox.hosts.map((host) => {
        const api = new URL(host.api);
        return {
          ...host,
          api: api.origin,
          ssh: {
            ...host.ssh,
            address: host.ssh?.address ?? api.hostname,
            port: host.ssh?.port ?? 22,
            user: host.ssh?.user ?? "root",
          },
        };
      }),
    },
    nodes: raw.nodes.map((node) => ({
      ...node,
      ...(node.mac ? { mac: node.mac.toUpperCase() } : {}),
      memoryMiB: sizeToMiB(node.memory) ?? NaN,
      diskGiB: Math.ceil((sizeToMiB(node.disk) ?? NaN) / 1024),
    })),
    ...(raw.dns
      ? {
        dns: {
          ...raw.dns,
          records: raw.dns.records.map((r) => ({ ...r, name: fullName(r.name, raw.dns!.zone) })),
        },
      }
      : {}),
  };
}

/** A record name as a full name: `@` is the zone, a name outside the zone gets the zone appended. */
export function fullName(name: string, zone: string): string {
  if (name === "@") return zone;
  return name === zone || name.endsWith(`.${zone}`) ? name : `${name}.${zone}`;
}
