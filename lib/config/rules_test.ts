import { assertEquals } from "../../tests/testing.ts";
import { describe, issuesOfEdited, parseEdited } from "../../tests/config/helpers.ts";

Deno.test("schema errors and the rules of the sections that parsed are reported together", () => {
  const issues = issuesOfEdited([
    ["  profile: fast", "  profile: fats"],
    ["vmid: 1102", "vmid: 1101"],
    ["podCidr: 10.244.0.0/16", "podCidr: 10.0.0.0/12"],
  ]);
  assertEquals(
    issues.map((i) => i.path),
    ["network.podCidr", "nodes[1].vmid", "lab.profile"],
    describe(issues),
  );
});

Deno.test("rules that read a broken section do not run (no noise from half-parsed input)", () => {
  const issues = issuesOfEdited([["    vmid: 1102", "    vmid: 11o2"], ["ip: 10.0.2.22", "ip: 10.0.2.21"]]);
  assertEquals(issues.map((i) => i.path), ["nodes[1].vmid"], describe(issues));
});

Deno.test("insecure: true is a warning on every run", () => {
  const { warnings } = parseEdited([[
    "      bridge: vmbr0\n",
    "      bridge: vmbr0\n      insecure: true\n",
  ]]);
  assertEquals(warnings.map((w) => w.path), ["proxmox.hosts[0].insecure"]);
});

Deno.test("the cluster name lab is reserved for the lab world", () => {
  assertEquals(issuesOfEdited([["name: strata-lab", "name: lab"]]).map((i) => i.path), ["cluster.name"]);
});
