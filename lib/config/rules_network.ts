/**
 * Network rules: subnets and their gateways, overlaps between node, pod and service networks,
 * and where the Kubernetes API VIP may sit.
 *
 * @example
 * ```ts
 * const found = new Findings();
 * checkNetwork(config, found);
 * ```
 */
import type { Findings } from "./findings.ts";
import { type Cidr, cidrBounds, cidrContains, cidrsOverlap, intToIp, ipToInt, parseCidr } from "./net.ts";
import type { ClusterConfig } from "./schema.ts";

/** A parsed node subnet with its index in `network.subnets`. */
export interface IndexedSubnet {
  index: number;
  cidr: Cidr;
  gateway: string;
}

/** The node subnets (all valid CIDRs once the schema passed). */
export function subnetsOf(config: ClusterConfig): IndexedSubnet[] {
  return config.network.subnets.map((s, index) => ({ index, cidr: parseCidr(s.cidr)!, gateway: s.gateway }));
}

/** The subnet an address is in, if any. */
export function subnetOf(subnets: IndexedSubnet[], ip: string): IndexedSubnet | undefined {
  const n = ipToInt(ip);
  return n === undefined ? undefined : subnets.find((s) => cidrContains(s.cidr, n));
}

/** True for the network or broadcast address of a subnet with room for hosts (prefix up to /30). */
export function isEdgeAddress(subnet: IndexedSubnet, ip: string): boolean {
  return subnet.cidr.prefix <= 30 && cidrBounds(subnet.cidr).includes(ipToInt(ip)!);
}

function range(c: Cidr): string {
  const [first, last] = cidrBounds(c);
  return `${intToIp(first)}-${intToIp(last)}`;
}

export function checkNetwork(config: ClusterConfig, found: Findings): void {
  const net = config.network;
  const subnets = subnetsOf(config);

  for (const s of subnets) {
    const at = `network.subnets[${s.index}]`;
    const gw = ipToInt(s.gateway)!;
    if (!cidrContains(s.cidr, gw)) {
      found.error(
        `${at}.gateway`,
        `${s.gateway} is outside its subnet ${s.cidr.text} (${range(s.cidr)})`,
        `use the router's address inside ${s.cidr.text}, e.g. ${intToIp(s.cidr.base + 1)}`,
      );
    } else if (isEdgeAddress(s, s.gateway)) {
      found.error(
        `${at}.gateway`,
        `${s.gateway} is the network or broadcast address of ${s.cidr.text}`,
        `use the router's address, e.g. ${intToIp(s.cidr.base + 1)}`,
      );
    }
  }

  // every pair of node, pod and service networks must be disjoint
  const networks = [
    ...subnets.map((s) => ({ path: `network.subnets[${s.index}].cidr`, cidr: s.cidr, what: "node subnet" })),
    { path: "network.podCidr", cidr: parseCidr(net.podCidr)!, what: "pod network" },
    { path: "network.serviceCidr", cidr: parseCidr(net.serviceCidr)!, what: "service network" },
  ];
  for (let b = 1; b < networks.length; b++) {
    for (let a = 0; a < b; a++) {
      if (!cidrsOverlap(networks[a].cidr, networks[b].cidr)) continue;
      found.error(
        networks[b].path,
        `the ${networks[b].what} ${networks[b].cidr.text} overlaps the ${networks[a].what} ` +
          `${networks[a].cidr.text} (${networks[a].path})`,
        networks[b].path === "network.podCidr"
          ? "pick a range no node uses, e.g. 10.244.0.0/16"
          : networks[b].path === "network.serviceCidr"
          ? "pick a range apart from the others, e.g. 10.96.0.0/12"
          : "node subnets, the pod network and the service network must not share addresses",
      );
    }
  }

  const vip = net.vip;
  const vipSubnet = subnetOf(subnets, vip);
  if (!vipSubnet) {
    found.error(
      "network.vip",
      `${vip} is outside every node subnet (${subnets.map((s) => s.cidr.text).join(", ")})`,
      "the VIP is taken over by one control plane at a time (an L2 VIP), so it must be a free address " +
        "in the control planes' subnet",
    );
  } else if (isEdgeAddress(vipSubnet, vip)) {
    found.error("network.vip", `${vip} is the network or broadcast address of ${vipSubnet.cidr.text}`);
  }
  const gateway = subnets.find((s) => s.gateway === vip);
  if (gateway) {
    found.error(
      "network.vip",
      `${vip} is the gateway of network.subnets[${gateway.index}]`,
      "use a free address for the VIP",
    );
  }
  const node = config.nodes.findIndex((n) => n.ip === vip);
  if (node >= 0) {
    found.error(
      "network.vip",
      `${vip} is also the address of nodes[${node}] (${config.nodes[node].name})`,
      "the VIP must be an address no machine owns; it floats between the control planes",
    );
  }
  const apart = vipSubnet &&
    config.nodes.findIndex((n) =>
      n.role === "controlplane" && subnetOf(subnets, n.ip) && subnetOf(subnets, n.ip) !== vipSubnet
    );
  if (vipSubnet && apart !== undefined && apart >= 0) {
    const n = config.nodes[apart];
    found.error(
      "network.vip",
      `${vip} is in ${vipSubnet.cidr.text}, but control plane nodes[${apart}] (${n.name}) is in ` +
        `${subnetOf(subnets, n.ip)!.cidr.text}`,
      "an L2 VIP can only move between control planes on its own network",
    );
  }
}

/** Cilium cannot use a larger MTU than the node interfaces have. */
export function checkCiliumMtu(config: ClusterConfig, found: Findings): void {
  const net = config.network;
  if (config.cilium.mtu !== undefined && config.cilium.mtu > net.mtu) {
    found.error(
      "cilium.mtu",
      `${config.cilium.mtu} is larger than the node interfaces' MTU (network.mtu ${net.mtu})`,
      `use at most ${net.mtu}, or leave it out to let Cilium detect it`,
    );
  }
}
