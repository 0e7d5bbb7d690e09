import { deepStrictEqual } from "node:assert";
import { MINIMAL } from "../../tests/config/helpers.ts";
import { assert, assertEquals } from "../../tests/testing.ts";
import { parseConfig } from "./load.ts";
import { ConfigSchema } from "./schema.ts";

Deno.test("a minimal config gets every default", () => {
  const { config, warnings } = parseConfig(MINIMAL, "minimal.yaml");
  assertEquals(warnings, []);
  assertEquals(config.proxmox.vmCreateConcurrency, 3);
  deepStrictEqual(config.proxmox.hosts[0], {
    name: "pve1",
    api: "https://10.0.0.10:8006",
    ssh: { address: "10.0.0.10", port: 22, user: "root" },
    storage: "local-lvm",
    imageStorage: "local",
    bridge: "vmbr0",
    insecure: false,
  });
  assertEquals(config.network, {
    subnets: [{ cidr: "10.0.0.0/16", gateway: "10.0.0.1" }],
    nameservers: ["1.1.1.1", "8.8.8.8"],
    vip: "10.0.3.10",
    podCidr: "10.244.0.0/16",
    serviceCidr: "10.96.0.0/12",
    mtu: 1500,
  });
  assertEquals(config.nodes[0], {
    name: "cp-1",
    role: "controlplane",
    host: "pve1",
    vmid: 1101,
    cores: 2,
    memory: "4GiB",
    disk: "32GiB",
    ip: "10.0.1.11",
    labels: {},
    taints: [],
    memoryMiB: 4096,
    diskGiB: 32,
  });
  assertEquals(config.talos, {
    version: "v1.13.9",
    factory: "https://factory.talos.dev",
    extensions: ["siderolabs/qemu-guest-agent"],
    cpuType: "host",
    diskBus: "scsi",
    allowSchedulingOnControlPlanes: false,
    patches: { global: [], controlplane: [], worker: [], nodes: {} },
  });
  assertEquals(config.kubernetes, { version: "v1.33.4", dnsNames: [] });
  assertEquals(config.cilium, { version: "1.18.2", ipam: "kubernetes", routingMode: "tunnel" });
  assertEquals(config.lab, { profile: "fast", seed: 1, faults: {}, foreignVms: [], ciliumNeverStarts: [] });
  assertEquals([config.flux, config.sso, config.dns, config.monitors], [
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

Deno.test("flux, dns and monitors defaults", () => {
  const { config } = parseConfig(
    MINIMAL + `
flux: { url: "ssh://git@github.com/me/homelab.git", knownHosts: "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl" }
dns: { provider: cloudflare, zone: example.com, records: [{ name: "@", type: A, content: 203.0.113.7 }] }
monitors: { endpoint: "https://monitor.example.workers.dev", monitors: [{ id: web, name: Web, type: http, url: "https://example.com" }] }
sso: { provider: authentik, domain: auth.example.com }
`,
    "m.yaml",
  );
  assertEquals([config.flux?.branch, config.flux?.path], ["main", "flux"]);
  assertEquals(config.dns?.records, [{
    name: "example.com",
    type: "A",
    content: "203.0.113.7",
    proxied: false,
    ttl: 1,
  }]);
  assertEquals(config.monitors?.monitors[0].intervalSeconds, 60);
  assertEquals(config.monitors?.maintenance, []);
  assertEquals(config.sso?.applications, []);
});

Deno.test("every top-level section is in the schema, and only the known ones", () => {
  assertEquals(Object.keys(ConfigSchema.shape), [
    "cluster",
    "proxmox",
    "network",
    "nodes",
    "talos",
    "kubernetes",
    "cilium",
    "flux",
    "sso",
    "dns",
    "monitors",
    "lab",
  ]);
  assert(!ConfigSchema.safeParse({ extra: 1 }).success);
});
