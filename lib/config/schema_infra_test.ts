import { deepStrictEqual } from "node:assert";
import { assert, assertEquals } from "../../tests/testing.ts";
import { NetworkSchema, NodeSchema, ProxmoxHostSchema } from "./schema_infra.ts";

const NODE = {
  name: "cp-1",
  role: "controlplane" as const,
  host: "pve1",
  vmid: 1101,
  memory: "4GiB",
  disk: "32GiB",
  ip: "10.0.1.11",
};

Deno.test("a node: required fields, defaults, labels and taints checked as Kubernetes does", () => {
  deepStrictEqual(NodeSchema.parse(NODE), { ...NODE, cores: 2, labels: {}, taints: [] });
  for (const key of Object.keys(NODE)) {
    const partial: Record<string, unknown> = { ...NODE };
    delete partial[key];
    assert(!NodeSchema.safeParse(partial).success, `${key} is required`);
  }
  assert(NodeSchema.safeParse({ ...NODE, labels: { "topology.kubernetes.io/zone": "rack-1" } }).success);
  assert(!NodeSchema.safeParse({ ...NODE, labels: { zone: "rack 1" } }).success);
  assert(!NodeSchema.safeParse({ ...NODE, labels: { zone: 1 } }).success);
  assert(NodeSchema.safeParse({ ...NODE, taints: [{ key: "dedicated", effect: "NoSchedule" }] }).success);
  assert(
    !NodeSchema.safeParse({ ...NODE, taints: [{ key: "dedicated", effect: "NoSchedule", extra: 1 }] })
      .success,
  );
});

Deno.test("a Proxmox host: https API, optional SSH with defaults, storage defaults", () => {
  const host = ProxmoxHostSchema.parse({
    name: "pve1",
    api: "https://10.0.0.10:8006",
    ssh: { address: "pve1.lan" },
  });
  assertEquals(host.ssh, { address: "pve1.lan", port: 22, user: "root" });
  assertEquals([host.storage, host.imageStorage, host.bridge, host.insecure], [
    "local-lvm",
    "local",
    "vmbr0",
    false,
  ]);
  assert(
    !ProxmoxHostSchema.safeParse({
      name: "pve1",
      api: "https://10.0.0.10:8006",
      ssh: { address: "bad host" },
    }).success,
  );
});

Deno.test("the network: at least one subnet, VLAN tags 1-4094, MTU 1280-9216", () => {
  const base = { subnets: [{ cidr: "10.0.0.0/16", gateway: "10.0.0.1" }], vip: "10.0.3.10" };
  assertEquals(NetworkSchema.parse(base).mtu, 1500);
  assert(!NetworkSchema.safeParse({ ...base, subnets: [] }).success);
  assert(NetworkSchema.safeParse({ ...base, subnets: [{ ...base.subnets[0], vlan: 4094 }] }).success);
  assert(!NetworkSchema.safeParse({ ...base, subnets: [{ ...base.subnets[0], vlan: 0 }] }).success);
  assert(NetworkSchema.safeParse({ ...base, mtu: 9000 }).success);
  assert(!NetworkSchema.safeParse({ ...base, mtu: 1279 }).success);
});
