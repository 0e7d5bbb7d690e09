/**
 * Lab rules. Always: foreign VMs sit on configured hosts, and fault rates add up to at most 1.
 * With `lab: true` (the config is about to run against the lab): every address the lab listens
 * on maps onto its own loopback address (`lab/address.ts`), none onto 127.0.0.0 or 127.0.0.1,
 * and no two onto the same one.
 *
 * @example
 * ```ts
 * const found = new Findings();
 * checkLab(config, found, { lab: true });
 * ```
 */
import { labAddress } from "../../lab/address.ts";
import type { Findings } from "./findings.ts";
import { ipToInt } from "./net.ts";
import { LAB_SYSTEMS } from "./schema_lab.ts";
import type { ClusterConfig } from "./schema.ts";

export function checkLab(config: ClusterConfig, found: Findings, options: { lab?: boolean } = {}): void {
  const lab = config.lab;
  const hostNames = config.proxmox.hosts.map((h) => h.name);
  lab.foreignVms.forEach((vm, i) => {
    const at = `lab.foreignVms[${i}]`;
    if (!hostNames.includes(vm.host)) {
      found.error(
        `${at}.host`,
        `"${vm.host}" is not a Proxmox host in proxmox.hosts`,
        `use one of: ${hostNames.join(", ")}`,
      );
    }
    const node = config.nodes.findIndex((n) => n.vmid === vm.vmid);
    if (node >= 0) {
      found.warn(
        `${at}.vmid`,
        `vmid ${vm.vmid} is also nodes[${node}]'s vmid: preflight will refuse to touch the foreign VM`,
        "keep it only to test that refusal",
      );
    }
  });
  if (options.lab) checkLabAddresses(config, found);
}

/** Per system, the fault shares add up to at most every request. */
export function checkLabFaults(config: ClusterConfig, found: Findings): void {
  const lab = config.lab;
  for (const system of LAB_SYSTEMS) {
    const knobs = lab.faults[system];
    if (!knobs) continue;
    const sum = (knobs.errorRate ?? 0) + (knobs.dropRate ?? 0) + (knobs.spikeRate ?? 0);
    if (sum > 1) {
      found.error(
        `lab.faults.${system}`,
        `errorRate + dropRate + spikeRate is ${Number(sum.toFixed(6))}, more than 1`,
        "each is a share of all requests; together they can be at most 1",
      );
    }
  }
}

/** Every address the lab emulates, by the YAML path that sets it. */
function labAddresses(config: ClusterConfig): [string, string][] {
  return [
    ...config.proxmox.hosts.flatMap((h, i): [string, string][] => {
      const api = new URL(h.api).hostname;
      const out: [string, string][] = [[`proxmox.hosts[${i}].api`, api]];
      if (h.ssh.address !== api) out.push([`proxmox.hosts[${i}].ssh.address`, h.ssh.address]);
      return out;
    }),
    ...config.nodes.map((n, i): [string, string] => [`nodes[${i}].ip`, n.ip]),
    ["network.vip", config.network.vip],
  ];
}

function checkLabAddresses(config: ClusterConfig, found: Findings): void {
  const taken = new Map<string, string>();
  for (const [path, address] of labAddresses(config)) {
    if (ipToInt(address) === undefined) {
      found.error(
        path,
        `the lab needs an IPv4 address here, not "${address}"`,
        "the lab maps a.b.c.d onto 127.b.c.d",
      );
      continue;
    }
    let loopback: string;
    try {
      loopback = labAddress(address);
    } catch (err) {
      found.error(path, `in the lab, ${(err as Error).message}`, "the lab maps a.b.c.d onto 127.b.c.d");
      continue;
    }
    const other = taken.get(loopback);
    if (other && !sameMachine(path, other)) {
      found.error(
        path,
        `in the lab, ${address} maps onto ${loopback}, as ${other} does`,
        "the lab keeps the last three octets of an address; make them differ",
      );
    } else if (!other) taken.set(loopback, path);
  }
}

/** A host's API and SSH address may be one machine. */
function sameMachine(a: string, b: string): boolean {
  const host = (p: string) => /^proxmox\.hosts\[\d+\]/.exec(p)?.[0];
  return host(a) !== undefined && host(a) === host(b);
}
