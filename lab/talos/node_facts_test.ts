/** Facts the emulator reads from an applied config. */
import assert from "node:assert/strict";
import { generateClusterConfigs } from "../../lib/talos/machineconfig/mod.ts";
import { cluster, nodes } from "../../tests/talos/helpers.ts";
import { configFacts, tagOfImage } from "./node_facts.ts";

Deno.test("role, hostname, VIP and cluster of generated configs", () => {
  const [cp, , , w] = generateClusterConfigs(cluster(), nodes());
  const f = configFacts(cp.yaml, "v1.13.9");
  assert.deepEqual([f.role, f.hostname, f.vip], ["controlplane", "cp-1", "10.0.3.10"]);
  const g = configFacts(w.yaml, "v1.13.9");
  // workers carry no Layer2VIPConfig; the endpoint's IP still names the VIP
  assert.deepEqual([g.role, g.hostname, g.vip, g.clusterKey], ["worker", "w-1", "10.0.3.10", f.clusterKey]);
  assert.throws(() => configFacts("machine: [", "v1.13.9"), /no longer parses/);
});

Deno.test("image tags", () => {
  assert.equal(tagOfImage("factory.talos.dev/nocloud-installer/abc:v1.13.9"), "v1.13.9");
  assert.equal(tagOfImage("registry.k8s.io/kube-apiserver:v1.33.4@sha256:abc"), "v1.33.4");
  assert.equal(tagOfImage("ghcr.io/x/y:latest"), undefined);
});
