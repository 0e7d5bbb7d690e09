import { assert, assertEquals } from "../../tests/testing.ts";
import { describe, edit, exampleText, issuesOf, parseEdited } from "../../tests/config/helpers.ts";
import { labAddress } from "../../lab/address.ts";
import { parseConfig } from "./load.ts";

Deno.test("every address in examples/lab.yaml has its own loopback twin, none on 127.0.0.0 or 127.0.0.1", () => {
  const { config } = parseConfig(exampleText(), "lab.yaml", { lab: true });
  const addresses = [
    ...config.proxmox.hosts.map((h) => new URL(h.api).hostname),
    ...config.nodes.map((n) => n.ip),
    config.network.vip,
  ];
  const twins = addresses.map(labAddress);
  assertEquals(new Set(twins).size, twins.length);
  assert(twins.every((t) => t.startsWith("127.") && t !== "127.0.0.1" && t !== "127.0.0.0"), twins.join());
});

Deno.test("lab address rules apply only when the config runs against the lab", () => {
  const text = edit(exampleText(), ["gateway: 10.0.0.1", "gateway: 10.0.0.254"], [
    "nameservers: [10.0.0.1]",
    "nameservers: [10.0.0.254]",
  ], [
    "ip: 10.0.1.11",
    "ip: 10.0.0.1",
  ]);
  parseConfig(text, "c.yaml");
  const issues = issuesOf(text, { lab: true });
  assertEquals(issues.map((i) => i.path), ["nodes[0].ip"], describe(issues));
  assert(issues[0].message.includes("127.0.0.1"), describe(issues));
});

Deno.test("in the lab, a DNS name cannot be emulated; an API and SSH address of one host may coincide", () => {
  const text = edit(exampleText(), ["api: https://10.0.0.10:8006", "api: https://pve1.lan:8006"]);
  parseConfig(text, "c.yaml");
  const issues = issuesOf(text, { lab: true });
  assertEquals(issues.map((i) => [i.path, i.message]), [[
    "proxmox.hosts[0].api",
    'the lab needs an IPv4 address here, not "pve1.lan"',
  ]]);
});

Deno.test("foreign VMs sit on known hosts; one sharing a node's vmid is a warning (preflight refuses it)", () => {
  const { warnings } = parseEdited([[
    "  seed: 1\n",
    "  seed: 1\n  foreignVms: [{ host: pve1, vmid: 1101, name: squatter }]\n",
  ]]);
  assertEquals(warnings.map((w) => w.path), ["lab.foreignVms[0].vmid"]);
});

Deno.test("fault shares add up to at most 1; each system takes its own knobs", () => {
  const { config } = parseEdited([[
    "  seed: 1\n",
    "  seed: 1\n  faults:\n    proxmox: { errorRate: 0.5, dropRate: 0.5 }\n    factory: { spikeRate: 0.1, spikeMs: 100, seed: 7 }\n",
  ]]);
  assertEquals(config.lab.faults.factory, { spikeRate: 0.1, spikeMs: 100, seed: 7 });
});
