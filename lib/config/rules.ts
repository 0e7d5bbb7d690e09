/**
 * Cross-field rules of the cluster config: the mistakes real users trip over that no
 * per-field schema can see (overlapping networks, duplicates, a VIP on a node's address, …).
 */
import type { ConfigIssue } from "./load.ts";
import { cidrBounds, cidrContains, cidrsOverlap, ipToInt, parseCidr } from "./net.ts";
import type { ClusterConfig } from "./schema.ts";

/** Talos minimum memory per role, in MiB. */
export const TALOS_MIN_MEMORY_MIB = { controlplane: 2048, worker: 1024 } as const;

/** Returns the errors (the run stops) and warnings (shown, the run goes on). */
export function checkRules(config: ClusterConfig): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const err = (path: string, message: string, hint?: string) => errors.push({ path, message, hint });
  const net = config.network;
  if (config.cluster.name === "lab") {
    err("cluster.name", `"lab" is reserved: the lab world lives in <stateDir>/lab`, "choose another name");
  }

  const subnets = net.subnets.map((s, i) => ({ i, s, cidr: parseCidr(s.cidr) }));
  for (const { i, s, cidr } of subnets) {
    if (!cidr) {
      err(
        `network.subnets[${i}].cidr`,
        `${s.cidr} has host bits set`,
        "use the network address, e.g. 10.0.0.0/16",
      );
      continue;
    }
    if (!cidrContains(cidr, ipToInt(s.gateway)!)) {
      err(
        `network.subnets[${i}].gateway`,
        `${s.gateway} is outside ${s.cidr}`,
        "the gateway must be in its subnet",
      );
    }
  }
  const named: { path: string; text: string }[] = [
    ...net.subnets.map((s, i) => ({ path: `network.subnets[${i}].cidr`, text: s.cidr })),
    { path: "network.podCidr", text: net.podCidr },
    { path: "network.serviceCidr", text: net.serviceCidr },
  ];
  for (let a = 0; a < named.length; a++) {
    const ca = parseCidr(named[a].text);
    if (!ca) {
      if (a >= net.subnets.length) err(named[a].path, `${named[a].text} has host bits set`);
      continue;
    }
    for (let b = a + 1; b < named.length; b++) {
      const cb = parseCidr(named[b].text);
      if (cb && cidrsOverlap(ca, cb)) {
        err(
          named[b].path,
          `${named[b].text} overlaps ${named[a].path} (${named[a].text})`,
          "networks must not overlap",
        );
      }
    }
  }
  const valid = subnets.filter((s) => s.cidr).map((s) => s.cidr!);
  const inSubnets = (ip: number) => valid.some((c) => cidrContains(c, ip));
  const isEdge = (ip: number) => valid.some((c) => cidrBounds(c).includes(ip) && cidrContains(c, ip));

  const hosts = new Set(config.proxmox.hosts.map((h) => h.name));
  config.proxmox.hosts.forEach((h, i) => {
    if (config.proxmox.hosts.findIndex((o) => o.name === h.name) !== i) {
      err(`proxmox.hosts[${i}].name`, `duplicate host name "${h.name}"`);
    }
  });

  const seen = {
    name: new Map<string, number>(),
    vmid: new Map<string, number>(),
    ip: new Map<string, number>(),
  };
  const macs = new Map<string, number>();
  config.nodes.forEach((n, i) => {
    const p = `nodes[${i}]`;
    for (const key of ["name", "vmid", "ip"] as const) {
      const value = String(n[key]);
      const first = seen[key].get(value);
      if (first !== undefined) err(`${p}.${key}`, `duplicate ${key} ${value} (also nodes[${first}])`);
      else seen[key].set(value, i);
    }
    if (n.mac) {
      const mac = n.mac.toUpperCase();
      const first = macs.get(mac);
      if (first !== undefined) err(`${p}.mac`, `duplicate mac ${n.mac} (also nodes[${first}])`);
      else macs.set(mac, i);
    }
    if (!hosts.has(n.host)) {
      err(
        `${p}.host`,
        `"${n.host}" is not a Proxmox host in proxmox.hosts`,
        `one of: ${[...hosts].join(", ")}`,
      );
    }
    const ip = ipToInt(n.ip)!;
    if (!inSubnets(ip)) err(`${p}.ip`, `${n.ip} is outside every node subnet in network.subnets`);
    else if (isEdge(ip)) err(`${p}.ip`, `${n.ip} is a network or broadcast address`);
    if (net.subnets.some((s) => s.gateway === n.ip)) err(`${p}.ip`, `${n.ip} is the gateway's address`);
    const min = TALOS_MIN_MEMORY_MIB[n.role];
    if (n.memoryMiB < min) {
      err(
        `${p}.memory`,
        `${n.memory} is below the Talos minimum for a ${n.role}`,
        `use at least ${min / 1024}GiB`,
      );
    }
    if (n.diskGiB < 10) err(`${p}.disk`, `${n.disk} is too small for Talos`, "use at least 10GiB");
  });

  const vip = ipToInt(net.vip)!;
  if (!inSubnets(vip)) {
    err(
      "network.vip",
      `${net.vip} is outside every node subnet`,
      "the VIP must share the control planes' L2 network",
    );
  }
  if (seen.ip.has(net.vip)) {
    err("network.vip", `${net.vip} is also the address of nodes[${seen.ip.get(net.vip)}]`);
  }
  if (net.subnets.some((s) => s.gateway === net.vip)) {
    err("network.vip", `${net.vip} is the gateway's address`);
  }

  const controlPlanes = config.nodes.filter((n) => n.role === "controlplane").length;
  if (controlPlanes === 0) err("nodes", "no control plane", "give at least one node role: controlplane");
  else if (controlPlanes % 2 === 0) {
    warnings.push({
      path: "nodes",
      message: `${controlPlanes} control planes: an even number adds no etcd fault tolerance`,
      hint: `use ${controlPlanes - 1} or ${controlPlanes + 1}`,
    });
  }

  const names = new Set(config.nodes.map((n) => n.name));
  for (const name of Object.keys(config.talos.patches.nodes)) {
    if (!names.has(name)) err(`talos.patches.nodes.${name}`, `"${name}" is not a node name`);
  }
  config.lab.foreignVms.forEach((vm, i) => {
    if (!hosts.has(vm.host)) err(`lab.foreignVms[${i}].host`, `"${vm.host}" is not a Proxmox host`);
    if (config.nodes.some((n) => n.vmid === vm.vmid && n.host === vm.host)) {
      warnings.push({
        path: `lab.foreignVms[${i}].vmid`,
        message: `vmid ${vm.vmid} is also a node's vmid (preflight will refuse it)`,
      });
    }
  });
  return { errors, warnings };
}
