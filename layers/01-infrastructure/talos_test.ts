/** The Talos step graph: ids, dependencies and what each waits for. (The sequence runs in tests/talos-api.) */
import assert from "node:assert/strict";
import { orderSteps } from "../../lib/engine/run.ts";
import { type TalosNode, talosSteps } from "./talos.ts";

const nodes: TalosNode[] = [
  { name: "cp-1", role: "controlplane", ip: "10.0.1.11" },
  { name: "cp-2", role: "controlplane", ip: "10.0.1.12" },
  { name: "w-1", role: "worker", ip: "10.0.2.21" },
];

const inputs = {
  cluster: "homelab",
  nodes,
  vip: "10.0.3.10",
  secrets: () => Promise.reject(new Error("not used")),
  machineConfig: () => "",
  clusterDir: "/tmp/x",
  after: (n: TalosNode) => [`infra.vm.${n.name}`],
};

Deno.test("one step per stage and per node, in an order the engine accepts", () => {
  const steps = talosSteps(inputs);
  const graph = steps.map((s) => ({
    ...s,
    dependsOn: (s.dependsOn ?? []).filter((d) => !d.startsWith("infra.")),
  }));
  assert.deepEqual(orderSteps(graph).map((s) => s.id), [
    "talos.admin-cert",
    "talos.apply.cp-1",
    "talos.apply.cp-2",
    "talos.apply.w-1",
    "talos.installed.cp-1",
    "talos.installed.cp-2",
    "talos.installed.w-1",
    "talos.bootstrap",
    "talos.etcd",
    "talos.kube-api",
    "talos.kubeconfig",
    "talos.client-files",
  ]);
  const by = Object.fromEntries(steps.map((s) => [s.id, s]));
  assert.deepEqual(by["talos.apply.w-1"].dependsOn, ["talos.admin-cert", "infra.vm.w-1"]);
  assert.deepEqual(by["talos.bootstrap"].dependsOn, ["talos.installed.cp-1"]);
  assert.deepEqual(by["talos.etcd"].dependsOn, [
    "talos.bootstrap",
    "talos.installed.cp-1",
    "talos.installed.cp-2",
  ]);
  assert.ok(by["talos.admin-cert"].reuseCheckpoint);
  assert.ok(by["talos.client-files"].destroy);
});

Deno.test("a cluster needs a control plane", () => {
  assert.throws(
    () => talosSteps({ ...inputs, nodes: [nodes[2]] }),
    /at least one node must be a control plane/,
  );
});
