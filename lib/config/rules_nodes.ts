/**
 * Machine rules: Proxmox hosts, and nodes (unique names, vmids, IPs and MACs; a known host; an
 * address in a subnet; Talos' memory and disk minimums; a workable number of control planes),
 * and the Talos settings that refer to nodes.
 *
 * @example
 * ```ts
 * const found = new Findings();
 * checkNodes(config, found);
 * ```
 */
import { didYouMean } from "./did_you_mean.ts";
import type { Findings } from "./findings.ts";
import { isEdgeAddress, subnetOf, subnetsOf } from "./rules_network.ts";
import type { ClusterConfig } from "./schema.ts";
import { formatMiB, sizeToMiB } from "./size.ts";

/** Talos' minimum memory per role, in MiB. */
export const TALOS_MIN_MEMORY_MIB = { controlplane: 2048, worker: 1024 } as const;
/** Talos' minimum system disk, in GiB. */
export const TALOS_MIN_DISK_GIB = 10;

/** Reports the second and later entries that repeat a value, naming the first. */
function duplicates<T>(
  items: readonly T[],
  value: (item: T) => string | undefined,
  report: (index: number, first: number, value: string) => void,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const v = value(item);
    if (v === undefined) return;
    const first = seen.get(v);
    if (first === undefined) seen.set(v, i);
    else report(i, first, v);
  });
}

export function checkNodes(config: ClusterConfig, found: Findings): void {
  const hosts = config.proxmox.hosts;
  duplicates(hosts, (h) => h.name, (i, first, name) =>
    found.error(
      `proxmox.hosts[${i}].name`,
      `duplicate host name "${name}" (also proxmox.hosts[${first}])`,
      "each Proxmox node appears once",
    ));

  const nodes = config.nodes;
  const hostNames = hosts.map((h) => h.name);
  const hostAddresses = new Map<string, string>();
  hosts.forEach((h, i) => {
    for (const [address, field] of [[new URL(h.api).hostname, "api"], [h.ssh.address, "ssh.address"]]) {
      if (!hostAddresses.has(address)) hostAddresses.set(address, `proxmox.hosts[${i}].${field}`);
    }
  });
  const subnets = subnetsOf(config);

  duplicates(
    nodes,
    (n) => n.name,
    (i, first, v) =>
      found.error(
        `nodes[${i}].name`,
        `duplicate node name "${v}" (also nodes[${first}])`,
        "node names are unique",
      ),
  );
  duplicates(nodes, (n) => String(n.vmid), (i, first, v) =>
    found.error(
      `nodes[${i}].vmid`,
      `duplicate vmid ${v} (also nodes[${first}], ${nodes[first].name})`,
      "every VM needs its own vmid",
    ));
  duplicates(nodes, (n) => n.ip, (i, first, v) =>
    found.error(
      `nodes[${i}].ip`,
      `duplicate ip ${v} (also nodes[${first}], ${nodes[first].name})`,
      "every node needs its own address",
    ));
  duplicates(nodes, (n) => n.mac, (i, first, v) =>
    found.error(
      `nodes[${i}].mac`,
      `duplicate mac ${v} (also nodes[${first}], ${nodes[first].name})`,
      "every NIC needs its own MAC; leave mac out to let Proxmox generate one",
    ));

  nodes.forEach((n, i) => {
    const at = `nodes[${i}]`;
    if (!hostNames.includes(n.host)) {
      const guess = didYouMean(n.host, hostNames);
      found.error(
        `${at}.host`,
        `"${n.host}" is not a Proxmox host in proxmox.hosts`,
        guess ? `did you mean "${guess}"?` : `use one of: ${hostNames.join(", ")}`,
      );
    }

    const subnet = subnetOf(subnets, n.ip);
    if (!subnet) {
      found.error(
        `${at}.ip`,
        `${n.ip} is outside every node subnet (${subnets.map((s) => s.cidr.text).join(", ")})`,
        "use an address inside network.subnets, or add its subnet there",
      );
    } else if (isEdgeAddress(subnet, n.ip)) {
      found.error(`${at}.ip`, `${n.ip} is the network or broadcast address of ${subnet.cidr.text}`);
    }
    const gateway = subnets.find((s) => s.gateway === n.ip);
    if (gateway) {
      found.error(
        `${at}.ip`,
        `${n.ip} is the gateway of network.subnets[${gateway.index}]`,
        "use a free address",
      );
    }
    const host = hostAddresses.get(n.ip);
    if (host) {
      found.error(`${at}.ip`, `${n.ip} is the address of the Proxmox host (${host})`, "use a free address");
    }

    const min = TALOS_MIN_MEMORY_MIB[n.role];
    if (!Number.isInteger(n.memoryMiB)) {
      found.error(
        `${at}.memory`,
        `${n.memory} is not a whole number of MiB`,
        `e.g. ${formatMiB(Math.round(n.memoryMiB))}`,
      );
    } else if (n.memoryMiB < min) {
      found.error(
        `${at}.memory`,
        `${n.memory} is below Talos' minimum for a ${n.role} (${formatMiB(min)})`,
        `use at least ${formatMiB(min)}${n.role === "controlplane" ? " (4GiB or more is comfortable)" : ""}`,
      );
    }
    const diskGiB = sizeToMiB(n.disk)! / 1024;
    if (!Number.isInteger(diskGiB)) {
      found.error(
        `${at}.disk`,
        `${n.disk} is not a whole number of GiB (Proxmox sizes disks in GiB)`,
        `use ${Math.ceil(diskGiB)}GiB`,
      );
    } else if (diskGiB < TALOS_MIN_DISK_GIB) {
      found.error(
        `${at}.disk`,
        `${n.disk} is below Talos' minimum system disk (${TALOS_MIN_DISK_GIB}GiB)`,
        `use at least ${TALOS_MIN_DISK_GIB}GiB`,
      );
    }
  });

  const controlPlanes = nodes.filter((n) => n.role === "controlplane").length;
  if (controlPlanes === 0) {
    found.error("nodes", "no node has role: controlplane", "make one node (or three) role: controlplane");
  } else if (controlPlanes % 2 === 0) {
    found.warn(
      "nodes",
      `${controlPlanes} control planes: an even number adds no etcd fault tolerance over ${
        controlPlanes - 1
      }`,
      `use ${controlPlanes - 1} or ${controlPlanes + 1}`,
    );
  }
}

/**
 * Rules on `talos` against the nodes: somewhere to run pods, per-node patches name real nodes,
 * JSON 6902 operations are complete, extensions listed once.
 */
export function checkTalos(config: ClusterConfig, found: Findings): void {
  const nodes = config.nodes;
  const controlPlanes = nodes.filter((n) => n.role === "controlplane").length;
  if (controlPlanes > 0 && controlPlanes === nodes.length && !config.talos.allowSchedulingOnControlPlanes) {
    found.error(
      "talos.allowSchedulingOnControlPlanes",
      "there is no worker and control planes do not take ordinary pods, so nothing (Flux, your apps) could run",
      "set talos.allowSchedulingOnControlPlanes: true, or add a node with role: worker",
    );
  }

  const names = nodes.map((n) => n.name);
  for (const name of Object.keys(config.talos.patches.nodes)) {
    if (names.includes(name)) continue;
    const guess = didYouMean(name, names);
    found.error(
      `talos.patches.nodes.${name}`,
      `"${name}" is not a node name`,
      guess ? `did you mean "${guess}"?` : `node names: ${names.join(", ")}`,
      { atKey: true },
    );
  }

  const scopes: [string, unknown[]][] = [
    ["talos.patches.global", config.talos.patches.global],
    ["talos.patches.controlplane", config.talos.patches.controlplane],
    ["talos.patches.worker", config.talos.patches.worker],
    ...Object.entries(config.talos.patches.nodes).map((
      [n, p],
    ): [string, unknown[]] => [`talos.patches.nodes.${n}`, p]),
  ];
  for (const [at, patches] of scopes) {
    patches.forEach((patch, i) => {
      if (!Array.isArray(patch)) return;
      if (patch.length === 0) {
        found.error(`${at}[${i}]`, "is an empty JSON 6902 patch", "remove it or add operations");
      }
      patch.forEach((op: { op: string; value?: unknown; from?: string }, j) => {
        const path = `${at}[${i}][${j}]`;
        if (["add", "replace", "test"].includes(op.op) && !("value" in op)) {
          found.error(path, `a "${op.op}" operation needs a value`, "add value: <the new value>");
        }
        if (["move", "copy"].includes(op.op) && op.from === undefined) {
          found.error(path, `a "${op.op}" operation needs from`, "add from: <JSON pointer of the source>");
        }
      });
    });
  }

  duplicates(
    config.talos.extensions,
    (e) => e,
    (i, first, v) =>
      found.error(
        `talos.extensions[${i}]`,
        `${v} is listed twice (also talos.extensions[${first}])`,
        "list it once",
      ),
  );
}
