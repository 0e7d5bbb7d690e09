/**
 * The DaemonSet controller: one pod per eligible node (node selector, required node affinity,
 * NoSchedule/NoExecute taints against the pod's tolerations plus those the controller adds), pinned
 * with a `metadata.name` node-affinity term as the real controller does; rolling updates replace
 * old pods at most `maxUnavailable` at a time; status reports desiredNumberScheduled,
 * currentNumberScheduled, numberReady, numberAvailable, numberUnavailable, updatedNumberScheduled,
 * numberMisscheduled and observedGeneration.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [daemonSetController()]);
 * ```
 */
import type { KubeObject } from "../types.ts";
import {
  controllerOf,
  ineligibility,
  intOrPercent,
  isPodActive,
  isPodReady,
  keyOf,
  type Obj,
  randomSuffix,
  recordEvent,
  splitKey,
  templateHash,
  writeStatus,
} from "./common.ts";
import type { Controller, ControllerContext } from "./manager.ts";
import { ownedPods, podFromTemplate } from "./replicaset.ts";

const MANAGER = "kube-controller-manager";

/** The tolerations the DaemonSet controller adds to its pods (AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(spec: Obj): Obj[] {
  const t = [...(spec.tolerations ?? [])] as Obj[];
  const add = (key: string, effect: string) => {
    if (!t.some((x) => x.key === key && x.effect === effect && x.operator === "Exists")) {
      t.push({ key, operator: "Exists", effect });
    }
  };
  add("node.kubernetes.io/not-ready", "NoExecute");
  add("node.kubernetes.io/unreachable", "NoExecute");
  add("node.kubernetes.io/disk-pressure", "NoSchedule");
  add("node.kubernetes.io/memory-pressure", "NoSchedule");
  add("node.kubernetes.io/pid-pressure", "NoSchedule");
  add("node.kubernetes.io/unschedulable", "NoSchedule");
  if (spec.hostNetwork) add("node.kubernetes.io/network-unavailable", "NoSchedule");
  return t;
}

function nodeOf(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms as Obj[]) {
    for (const f of (term.matchFields ?? []) as Obj[]) if (f.key === "metadata.name") return f.values?.[0];
  }
  return undefined;
}

function daemonPod(ds: KubeObject, node: string, hash: string, random: () => number): KubeObject {
  const pod = podFromTemplate(ds, ds.spec.template, `${ds.metadata.name}-${randomSuffix(random)}`, {
    "controller-revision-hash": hash,
    "pod-template-generation": String(ds.metadata.generation ?? 1),
  });
  pod.spec.tolerations = daemonTolerations(pod.spec);
  pod.spec.affinity = {
    ...(pod.spec.affinity ?? {}),
    nodeAffinity: {
      ...(pod.spec.affinity?.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
      },
    },
  };
  return pod;
}

export function daemonSetController(): Controller {
  return {
    name: "daemonset",
    keysFor(e, ctx) {
      if (e.group === "apps" && e.resource === "daemonsets" && e.type !== "DELETED") return [keyOf(e.object)];
      if (e.group === "" && e.resource === "pods") {
        const ref = controllerOf(e.object);
        if (ref?.kind === "DaemonSet") return [`${e.namespace}/${ref.name}`];
      }
      if (e.group === "" && e.resource === "nodes") {
        return ctx.cluster.scan(ctx.cluster.resource("apps", "daemonsets")).map(keyOf);
      }
      return [];
    },
    initialKeys: (ctx) => ctx.cluster.scan(ctx.cluster.resource("apps", "daemonsets")).map(keyOf),
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const rt = ctx.cluster.resource("apps", "daemonsets");
      const ds = ctx.cluster.peek(rt, ns, name);
      if (!ds || ds.metadata.deletionTimestamp) return;
      reconcileDaemonSet(ctx, rt, ds);
    },
  };
}

function reconcileDaemonSet(
  ctx: ControllerContext,
  rt: ReturnType<ControllerContext["cluster"]["resource"]>,
  ds: KubeObject,
) {
  const pods = ctx.cluster.resource("", "pods");
  const ns = ds.metadata.namespace!;
  const nodes = ctx.cluster.scan(ctx.cluster.resource("", "nodes"));
  const hash = templateHash(ds.spec.template);
  const spec = { ...(ds.spec.template?.spec ?? {}) };
  spec.tolerations = daemonTolerations(spec);
  const eligible = new Set(nodes.filter((n) => !ineligibility(n, spec)).map((n) => n.metadata.name!));
  const owned = ownedPods(ctx, ds).filter(isPodActive);
  const byNode = new Map<string, KubeObject[]>();
  for (const p of owned) {
    const n = nodeOf(p);
    if (n) byNode.set(n, [...byNode.get(n) ?? [], p]);
  }
  const isCurrent = (p: KubeObject) => p.metadata.labels?.["controller-revision-hash"] === hash;
  // misscheduled pods and duplicates go
  for (const [node, list] of byNode) {
    if (!eligible.has(node)) {
      for (const p of list) ctx.cluster.delete(pods, ns, p.metadata.name!);
      byNode.delete(node);
    } else if (list.length > 1) {
      const keep = list.find(isCurrent) ?? list[0];
      for (const p of list) if (p !== keep) ctx.cluster.delete(pods, ns, p.metadata.name!);
      byNode.set(node, [keep]);
    }
  }
  for (const node of eligible) {
    if (byNode.has(node)) continue;
    const created =
      ctx.cluster.create(pods, ns, daemonPod(ds, node, hash, ctx.random), { manager: MANAGER }).object;
    byNode.set(node, [created]);
    recordEvent(
      ctx,
      ds,
      "Normal",
      "SuccessfulCreate",
      `Created pod: ${created.metadata.name}`,
      "daemonset-controller",
    );
  }
  // rolling update: replace old pods, at most maxUnavailable unavailable at a time
  if ((ds.spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
    const maxUnavailable = Math.max(
      1,
      intOrPercent(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, eligible.size, false),
    );
    let unavailable = [...byNode.values()].filter((l) => !isPodReady(l[0])).length;
    for (const [, list] of byNode) {
      const p = list[0];
      if (isCurrent(p)) continue;
      if (isPodReady(p) && unavailable >= maxUnavailable) continue;
      ctx.cluster.delete(pods, ns, p.metadata.name!);
      if (isPodReady(p)) unavailable++;
    }
  }
  const current = ownedPods(ctx, ds).filter(isPodActive);
  const scheduled = new Set(current.map(nodeOf).filter((n): n is string => !!n && eligible.has(n)));
  const ready = current.filter((p) => isPodReady(p) && eligible.has(nodeOf(p)!));
  const status: Obj = {
    currentNumberScheduled: scheduled.size,
    desiredNumberScheduled: eligible.size,
    numberMisscheduled: current.filter((p) => !eligible.has(nodeOf(p) ?? "")).length,
    numberReady: ready.length,
    observedGeneration: ds.metadata.generation,
    updatedNumberScheduled: current.filter((p) => isCurrent(p) && eligible.has(nodeOf(p)!)).length,
    numberAvailable: ready.length,
    numberUnavailable: Math.max(0, eligible.size - ready.length),
  };
  if (!status.numberAvailable) delete status.numberAvailable;
  if (!status.numberUnavailable) delete status.numberUnavailable;
  if (!status.updatedNumberScheduled) delete status.updatedNumberScheduled;
  writeStatus(ctx, rt, ds, status, MANAGER);
}
