import { assert, assertEquals } from "../../tests/testing.ts";
import { describe, exampleText, issuesOf, issuesOfEdited, parseEdited } from "../../tests/config/helpers.ts";
import { parseConfig } from "./load.ts";
import { TALOS_MIN_MEMORY_MIB } from "./rules_nodes.ts";

/** The lab example with every node block for which `keep` is false removed. */
function nodesWhere(keep: (name: string) => boolean): string {
  return exampleText().replace(/^ {2}- name: (\S+)\n( {4}.*\n)+/gm, (block, name) => keep(name) ? block : "");
}

Deno.test("Talos' memory minimums: 2GiB on a control plane, 1GiB on a worker, exactly", () => {
  assertEquals(TALOS_MIN_MEMORY_MIB, { controlplane: 2048, worker: 1024 });
  const { config } = parseEdited([
    ["memory: 4GiB\n    disk: 32GiB\n    ip: 10.0.1.11", "memory: 2GiB\n    disk: 32GiB\n    ip: 10.0.1.11"],
    [
      "memory: 4GiB\n    disk: 32GiB\n    ip: 10.0.2.21",
      "memory: 1024MiB\n    disk: 32GiB\n    ip: 10.0.2.21",
    ],
  ]);
  assertEquals([config.nodes[0].memoryMiB, config.nodes[3].memoryMiB], [2048, 1024]);
  const low = issuesOfEdited([
    [
      "memory: 4GiB\n    disk: 32GiB\n    ip: 10.0.1.11",
      "memory: 2047MiB\n    disk: 32GiB\n    ip: 10.0.1.11",
    ],
    [
      "memory: 4GiB\n    disk: 32GiB\n    ip: 10.0.2.21",
      "memory: 1023MiB\n    disk: 32GiB\n    ip: 10.0.2.21",
    ],
  ]);
  assertEquals(low.map((i) => [i.path, i.hint]), [
    ["nodes[0].memory", "use at least 2GiB (4GiB or more is comfortable)"],
    ["nodes[3].memory", "use at least 1GiB"],
  ]);
});

Deno.test("a memory size that is not a whole number of MiB is refused", () => {
  const issues = issuesOfEdited([[
    "memory: 4GiB\n    disk: 32GiB\n    ip: 10.0.1.11",
    "memory: 4.0001GiB\n    disk: 32GiB\n    ip: 10.0.1.11",
  ]]);
  assertEquals(issues.map((i) => i.path), ["nodes[0].memory"], describe(issues));
});

Deno.test("an even number of control planes is a warning; the run goes on", () => {
  const { warnings } = parseConfig(nodesWhere((n) => n !== "cp-3"), "c.yaml");
  assertEquals(warnings.map((w) => [w.path, w.hint]), [["nodes", "use 1 or 3"]]);
  assert(warnings[0].line && warnings[0].column, "the warning is located");
  const four = parseConfig(
    exampleText().replace(
      "  - name: worker-1\n    role: worker",
      "  - name: worker-1\n    role: controlplane",
    ),
    "c.yaml",
  );
  assertEquals(four.warnings.map((w) => w.message), [
    "4 control planes: an even number adds no etcd fault tolerance over 3",
  ]);
});

Deno.test("no control plane is an error; control planes only needs scheduling on them", () => {
  const none = issuesOf(nodesWhere((n) => n.startsWith("worker")));
  assertEquals(none.map((i) => i.path), ["nodes"], describe(none));
  const cpsOnly = nodesWhere((n) => n.startsWith("cp"));
  assertEquals(issuesOf(cpsOnly).map((i) => i.path), ["talos.allowSchedulingOnControlPlanes"]);
  parseConfig(cpsOnly.replace("talos:\n", "talos:\n  allowSchedulingOnControlPlanes: true\n"), "c.yaml");
});

Deno.test("duplicates name the first holder; MACs compare without case", () => {
  const issues = issuesOfEdited([
    ["  - name: cp-2", "  - name: cp-1"],
    ["vmid: 1202", "vmid: 1201"],
    ['mac: "BC:24:11:00:02:22"', 'mac: "bc:24:11:00:02:21"'],
  ]);
  assertEquals(issues.map((i) => i.message), [
    'duplicate node name "cp-1" (also nodes[0])',
    "duplicate vmid 1201 (also nodes[3], worker-1)",
    "duplicate mac BC:24:11:00:02:21 (also nodes[3], worker-1)",
  ]);
});

Deno.test("a node's address is checked against gateways, Proxmox hosts and subnet edges", () => {
  const issues = issuesOfEdited([["ip: 10.0.1.12", "ip: 10.0.0.10"], ["ip: 10.0.1.13", "ip: 10.0.0.0"]]);
  assertEquals(issues.map((i) => [i.path, i.message]), [
    ["nodes[1].ip", "10.0.0.10 is the address of the Proxmox host (proxmox.hosts[0].api)"],
    ["nodes[2].ip", "10.0.0.0 is the network or broadcast address of 10.0.0.0/16"],
  ]);
});

Deno.test("disks: whole GiB, at least 10GiB; TiB and MiB spellings of whole GiB are fine", () => {
  const { config } = parseEdited([
    ["disk: 32GiB\n    ip: 10.0.1.11", "disk: 10240MiB\n    ip: 10.0.1.11"],
    ["disk: 32GiB\n    ip: 10.0.2.21", "disk: 1TiB\n    ip: 10.0.2.21"],
  ]);
  assertEquals([config.nodes[0].diskGiB, config.nodes[3].diskGiB], [10, 1024]);
  const issues = issuesOfEdited([["disk: 32GiB\n    ip: 10.0.1.11", "disk: 10000MiB\n    ip: 10.0.1.11"]]);
  assertEquals(issues.map((i) => [i.path, i.hint]), [["nodes[0].disk", "use 10GiB"]]);
});

Deno.test("per-node patches must name nodes; JSON 6902 operations must be complete", () => {
  const issues = issuesOfEdited([[
    "  extensions:",
    `  patches:
    nodes:
      cp-1: [{ machine: { sysctls: { a: "1" } } }]
      worker-9: []
    global:
      - - { op: add, path: /machine/sysctls/b, value: "2" }
        - { op: move, path: /machine/sysctls/c }
        - { op: test, path: /machine/sysctls/b, value: null }
      - []
  extensions:`,
  ]]);
  assertEquals(issues.map((i) => [i.path, i.message]), [
    ["talos.patches.nodes.worker-9", '"worker-9" is not a node name'],
    ["talos.patches.global[0][1]", 'a "move" operation needs from'],
    ["talos.patches.global[1]", "is an empty JSON 6902 patch"],
  ]);
  assertEquals(issues[0].hint, 'did you mean "worker-1"?');
});
