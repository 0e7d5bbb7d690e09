/**
 * Layer 01's Cilium and node steps run by the real engine against the Kubernetes emulator (fast
 * profile, scaled clock): Cilium's rendered objects applied by server-side apply, every node
 * Ready once its agent pod runs, a ClusterIP probe per node that succeeds and is cleaned up; a
 * re-run changes nothing; a new Cilium version rolls the agents; and a node whose Cilium pod
 * never starts fails the layer with a message naming the node.
 */
import { applyLayer, type EngineOptions } from "../../lib/engine/run.ts";
import type { EngineEvent, Step } from "../../lib/engine/types.ts";
import { ScaledClock } from "../../lib/clock/clock.ts";
import { StateStore } from "../../lib/state/store.ts";
import { type CiliumInputs, ciliumInstall } from "../../lib/cilium/mod.ts";
import { ciliumSteps } from "../../layers/01-infrastructure/cilium.ts";
import { NODES_READY_STEP, nodeSteps, probeStepId } from "../../layers/01-infrastructure/nodes.ts";
import { assert, assertEquals, assertMatch } from "../testing.ts";
import { registerNodes, startTestKube, type TestKube } from "./helpers.ts";

function inputs(version = "1.18.2"): CiliumInputs {
  return {
    version,
    ipam: "kubernetes",
    routingMode: "tunnel",
    mtu: 1450,
    podCidr: "10.244.0.0/16",
    nodeCount: 5,
  };
}

function steps(
  t: TestKube,
  names: string[],
  version = "1.18.2",
  timeouts?: { readyMs: number; probeMs: number },
): Step[] {
  const kube = () => Promise.resolve(t.client);
  return [
    ...ciliumSteps({ inputs: inputs(version), kube, after: [], nodesReadyStep: NODES_READY_STEP }),
    ...nodeSteps({
      nodes: names.map((name) => ({ name, role: name.startsWith("cp") ? "controlplane" : "worker" })),
      kube,
      after: ["cilium.install"],
      timeouts,
    }),
  ];
}

async function run(clock: ScaledClock, state: StateStore, s: Step[]) {
  const events: EngineEvent[] = [];
  const opts: EngineOptions = {
    clock,
    state,
    signal: new AbortController().signal,
    random: () => 0.5,
    reporter: { event: (e) => void events.push(e), close: () => Promise.resolve() },
  };
  const outcome = await applyLayer({ id: "01-infrastructure", steps: s }, opts);
  return { outcome, events };
}

async function openState(dir: string) {
  return await StateStore.open({
    dir: `${dir}/.strata`,
    cluster: "homelab",
    env: { HOME: dir, XDG_CONFIG_HOME: dir },
  });
}

Deno.test("Cilium to all nodes Ready and probes passing (fast profile), re-run unchanged, then an upgrade", async () => {
  const dir = await Deno.makeTempDir();
  const clock = new ScaledClock(1);
  const t = await startTestKube({ clock });
  try {
    const names = registerNodes(t.kube, { controlPlanes: 3, workers: 2 });
    const state = await openState(dir);
    const first = await run(clock, state, steps(t, names));
    assert(first.outcome.ok, JSON.stringify(first.events.find((e) => e.type === "step.failed")));
    const c = t.kube.cluster;
    const nodes = c.list(c.resource("", "nodes"));
    assertEquals(
      nodes.filter((n) =>
        n.status.conditions.some((x: { type: string; status: string }) =>
          x.type === "Ready" && x.status === "True"
        )
      ).length,
      5,
    );
    // the node's not-ready taint is gone, Cilium's objects are there, the probes cleaned up
    assert(
      nodes.every((n) =>
        !(n.spec.taints ?? []).some((x: { key: string }) => x.key === "node.kubernetes.io/not-ready")
      ),
    );
    const ds = c.get(c.resource("apps", "daemonsets"), "kube-system", "cilium");
    assertEquals([ds.status.desiredNumberScheduled, ds.status.numberReady], [5, 5]);
    assertEquals(ds.spec.template.spec.containers[0].image, "quay.io/cilium/cilium:v1.18.2");
    const cm = c.get(c.resource("", "configmaps"), "kube-system", "cilium-config");
    assertEquals(
      [cm.data["kube-proxy-replacement"], cm.data["mtu"], cm.data["ipam"], cm.data["cgroup-root"]],
      ["true", "1450", "kubernetes", "/sys/fs/cgroup"],
    );
    assertEquals(cm.metadata.managedFields?.[0].manager, "strata");
    const op = c.get(c.resource("apps", "deployments"), "kube-system", "cilium-operator");
    assertEquals(op.status.availableReplicas, 2);
    const probes = c.list(c.resource("", "pods"), "kube-system").filter((p) =>
      p.metadata.name!.startsWith("strata-probe-")
    );
    assertEquals(probes.length, 0, "probe pods are deleted");
    for (const n of names) {
      assert(first.events.some((e) => e.type === "step.finished" && e.step === probeStepId(n)), n);
    }
    const progress = first.events.filter((e) => e.type === "step.progress" && e.step === NODES_READY_STEP);
    assert(
      progress.some((e) => e.type === "step.progress" && /5\/5 nodes Ready/.test(e.message)),
      "progress counts Ready nodes",
    );

    // the same again: nothing to change
    const again = await run(clock, state, steps(t, names));
    assert(again.outcome.ok);
    const install = again.events.find((e) => e.type === "step.finished" && e.step === "cilium.install");
    assertEquals(install?.type === "step.finished" && install.changed, false);

    // a new version: server-side apply of the new manifests, the agents roll
    const upgrade = await run(clock, state, steps(t, names, "1.18.3"));
    assert(upgrade.outcome.ok, JSON.stringify(upgrade.events.find((e) => e.type === "step.failed")));
    const after = c.get(c.resource("apps", "daemonsets"), "kube-system", "cilium");
    assertEquals(after.spec.template.spec.containers[0].image, "quay.io/cilium/cilium:v1.18.3");
    assertEquals([after.status.updatedNumberScheduled, after.status.numberAvailable], [5, 5]);
    const agents = c.list(c.resource("", "pods"), "kube-system").filter((p) =>
      p.metadata.labels?.["k8s-app"] === "cilium"
    );
    assert(
      agents.every((p) => p.spec.containers[0].image.endsWith("v1.18.3")),
      "every agent runs the new image",
    );
    assert(
      upgrade.events.some((e) =>
        e.type === "notice" && /Cilium upgraded from 1\.18\.2 to 1\.18\.3/.test(e.message)
      ),
    );
  } finally {
    await t.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a node whose Cilium pod never starts fails the layer, named with its agent's state", async () => {
  const dir = await Deno.makeTempDir();
  const clock = new ScaledClock(200);
  const t = await startTestKube({ clock, cniNeverStarts: ["w-2"] });
  try {
    const names = registerNodes(t.kube, { controlPlanes: 1, workers: 2 });
    const state = await openState(dir);
    const r = await run(clock, state, steps(t, names, "1.18.2", { readyMs: 120_000, probeMs: 60_000 }));
    assert(!r.outcome.ok, "the layer fails");
    const failed = r.events.find((e) => e.type === "step.failed");
    assert(failed?.type === "step.failed");
    assertEquals(failed.step, NODES_READY_STEP);
    assertMatch(
      failed.error,
      /node w-2 is not Ready \(KubeletNotReady: container runtime network not ready.*\); its Cilium agent pod cilium-\w+ is CrashLoopBackOff/,
    );
    assert(!/node w-1|node cp-1/.test(failed.error), `only w-2 is named: ${failed.error}`);
    assertMatch(
      failed.remedy ?? "",
      /kubectl -n kube-system describe pod cilium-\w+; kubectl -n kube-system logs cilium-\w+ -c cilium-agent --previous/,
    );
  } finally {
    await t.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("render: DIR/cilium/ holds the chart values (MTU, capital M) and the manifests applied", () => {
  const { files, objects, values } = ciliumInstall(inputs());
  assertEquals(Object.keys(files).sort(), ["cilium/manifests.yaml", "cilium/values.yaml"]);
  assertMatch(files["cilium/values.yaml"], /^MTU: 1450$/m);
  assert(!/^mtu:/m.test(files["cilium/values.yaml"]));
  assertEquals(values.k8sServiceHost, "localhost");
  assertEquals(values.k8sServicePort, 7445);
  assertEquals(values.securityContext.capabilities.ciliumAgent.includes("SYS_MODULE"), false);
  assertEquals(values.cgroup, { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" });
  assertEquals(objects.map((o) => `${o.kind}/${o.metadata.name}`), [
    "ServiceAccount/cilium",
    "ServiceAccount/cilium-operator",
    "ConfigMap/cilium-config",
    "ClusterRole/cilium",
    "ClusterRole/cilium-operator",
    "ClusterRoleBinding/cilium",
    "ClusterRoleBinding/cilium-operator",
    "Role/cilium-config-agent",
    "RoleBinding/cilium-config-agent",
    "DaemonSet/cilium",
    "Deployment/cilium-operator",
  ]);
  assertEquals((files["cilium/manifests.yaml"].match(/^---$/gm) ?? []).length, objects.length);
});
