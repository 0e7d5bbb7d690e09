import { assert, assertEquals } from "../../tests/testing.ts";
import { describe, issuesOfEdited, parseEdited } from "../../tests/config/helpers.ts";

const SECOND_SUBNET: [string, string] = [
  "      gateway: 10.0.0.1\n",
  "      gateway: 10.0.0.1\n    - cidr: 10.1.0.0/16\n      gateway: 10.1.0.1\n      vlan: 20\n",
];

Deno.test("workers may sit in another subnet; the VIP stays with the control planes", () => {
  const { config } = parseEdited([SECOND_SUBNET, ["ip: 10.0.2.21", "ip: 10.1.2.21"], [
    "ip: 10.0.2.22",
    "ip: 10.1.2.22",
  ]]);
  assertEquals(config.network.subnets[1].vlan, 20);
});

Deno.test("every overlap is reported once, on the later network, naming the earlier", () => {
  const issues = issuesOfEdited([
    ["podCidr: 10.244.0.0/16", "podCidr: 10.0.0.0/8"],
    ["serviceCidr: 10.96.0.0/12", "serviceCidr: 10.96.0.0/16"],
  ]);
  assertEquals(issues.map((i) => i.path), ["network.podCidr", "network.serviceCidr"], describe(issues));
  assert(issues[1].message.includes("overlaps the pod network 10.0.0.0/8"), describe(issues));
});

Deno.test("a pod network inside the node subnet is one overlap, not one issue per node", () => {
  const issues = issuesOfEdited([["podCidr: 10.244.0.0/16", "podCidr: 10.0.2.0/24"]]);
  assertEquals(issues.map((i) => i.path), ["network.podCidr"], describe(issues));
});

Deno.test("point-to-point subnets (/31, /32) have no network or broadcast address to avoid", () => {
  const { config } = parseEdited([
    SECOND_SUBNET,
    ["cidr: 10.1.0.0/16\n      gateway: 10.1.0.1", "cidr: 10.1.0.0/31\n      gateway: 10.1.0.1"],
    ["ip: 10.0.2.22", "ip: 10.1.0.0"],
  ]);
  assertEquals(config.nodes[4].ip, "10.1.0.0");
});

Deno.test("the VIP: outside, on the gateway, on a node, away from a control plane", () => {
  const vip = (value: string, ...more: [string, string][]) =>
    issuesOfEdited([["vip: 10.0.3.10", `vip: ${value}`], ...more]).filter((i) => i.path === "network.vip");
  assert(vip("172.16.0.1")[0].message.includes("outside every node subnet"));
  assert(vip("10.0.0.1")[0].message.includes("gateway"));
  assert(vip("10.0.2.21")[0].message.includes("nodes[3] (worker-1)"));
  assert(vip("10.0.255.255")[0].message.includes("broadcast"));
  const apart = vip("10.1.3.10", SECOND_SUBNET, ["ip: 10.0.1.13", "ip: 10.1.1.13"]);
  assertEquals(apart.length, 1, describe(apart));
  assert(apart[0].message.includes("nodes[0] (cp-1) is in 10.0.0.0/16"), describe(apart));
});

Deno.test("Cilium's MTU may equal the interfaces' MTU but not exceed it", () => {
  parseEdited([["version: 1.18.2", "version: 1.18.2\n  mtu: 1500"]]);
  const issues = issuesOfEdited([["version: 1.18.2", "version: 1.18.2\n  mtu: 1450"], [
    "  serviceCidr: 10.96.0.0/12\n",
    "  serviceCidr: 10.96.0.0/12\n  mtu: 1400\n",
  ]]);
  assertEquals(issues.map((i) => [i.path, i.hint]), [[
    "cilium.mtu",
    "use at most 1400, or leave it out to let Cilium detect it",
  ]]);
});
