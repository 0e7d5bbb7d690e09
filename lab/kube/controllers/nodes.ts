/**
 * Nodes: a kubelet registers its Node when its Talos machine has joined ({@link registerNode}),
 * and the node lifecycle controller keeps the Ready condition honest — NotReady with the
 * kubelet's "cni plugin not initialized" message and the `node.kubernetes.io/not-ready` taint
 * until the CNI's DaemonSet pod on the node runs and is ready, Ready after. Nodes also get their
 * pod CIDR (node IPAM) and a heartbeat Lease.
 *
 * @example
 * ```ts
 * registerNode(ctx, { name: "cp-1", ip: "10.0.1.11", role: "controlplane", labels: {}, taints: [] });
 * ```
 */
import { type KubeObject, rfc3339 } from "../types.ts";
import { isPodReady, type Obj, setCondition, type Taint } from "./common.ts";
import type { Controller, ControllerContext } from "./manager.ts";
import type { StoreEvent } from "../store.ts";

export interface NodeRegistration {
  name: string;
  /** The node's IP (InternalIP). */
  ip: string;
  role: "controlplane" | "worker";
  labels?: Record<string, string>;
  taints?: Taint[];
  /** e.g. "Talos (v1.13.9)". */
  osImage?: string;
  kernelVersion?: string;
  cpu?: number;
  memoryMiB?: number;
}

const NOT_READY_TAINT = { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" };

/** Which /24 of the pod CIDR a node gets (the lowest free one). */
function allocatePodCidr(ctx: ControllerContext, name: string): string | undefined {
  const nodes = ctx.cluster.scan(ctx.cluster.resource("", "nodes"));
  const mine = nodes.find((n) => n.metadata.name === name)?.spec?.podCIDR;
  if (mine) return mine;
  const [base, bits] = ctx.sim.podCidr.split("/");
  const prefix = Number(bits);
  if (prefix > 24) return undefined;
  const start = base.split(".").reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
  const used = new Set(nodes.map((n) => n.spec?.podCIDR).filter(Boolean));
  for (let i = 0; i < 2 ** (24 - prefix); i++) {
    const v = (start + i * 256) >>> 0;
    const cidr = `${[24, 16, 8, 0].map((s) => (v >>> s) & 255).join(".")}/24`;
    if (!used.has(cidr)) return cidr;
  }
  return undefined;
}

/** What the kubelet creates when it registers (idempotent: a second call updates labels and taints). */
export function registerNode(ctx: ControllerContext, reg: NodeRegistration): KubeObject {
  const rt = ctx.cluster.resource("", "nodes");
  const existing = ctx.cluster.peek(rt, "", reg.name);
  const labels: Record<string, string> = {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": reg.name,
    "kubernetes.io/os": "linux",
    ...(reg.role === "controlplane" ? { "node-role.kubernetes.io/control-plane": "" } : {}),
    ...(reg.labels ?? {}),
  };
  const taints: Taint[] = [...(reg.taints ?? [])];
  if (!isNodeReadyNow(existing) && !taints.some((t) => t.key === NOT_READY_TAINT.key)) {
    taints.push(NOT_READY_TAINT);
  }
  const now = ctx.clock.now();
  const podCIDR = allocatePodCidr(ctx, reg.name);
  const cpu = String(reg.cpu ?? 4);
  const memory = `${(reg.memoryMiB ?? 8192) * 1024}Ki`;
  const node: KubeObject = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      ...(existing?.metadata ?? {}),
      name: reg.name,
      labels: { ...(existing?.metadata.labels ?? {}), ...labels },
      annotations: {
        ...(existing?.metadata.annotations ?? {}),
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: { ...(existing?.spec ?? {}), ...(podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {}), taints },
    status: existing?.status ?? {
      addresses: [{ address: reg.ip, type: "InternalIP" }, { address: reg.name, type: "Hostname" }],
      allocatable: { cpu, "ephemeral-storage": "60000000000", memory, pods: "110" },
      capacity: { cpu, "ephemeral-storage": "65000000Ki", memory, pods: "110" },
      conditions: notReadyConditions([], now),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: "amd64",
        bootID: crypto.randomUUID(),
        containerRuntimeVersion: "containerd://2.1.4",
        kernelVersion: reg.kernelVersion ?? "6.12.45-talos",
        kubeProxyVersion: "",
        kubeletVersion: ctx.sim.kubeletVersion,
        machineID: crypto.randomUUID().replaceAll("-", ""),
        operatingSystem: "linux",
        osImage: reg.osImage ?? "Talos (v1.13.9)",
        systemUUID: crypto.randomUUID(),
      },
    },
  };
  let stored: KubeObject;
  if (existing) {
    stored = ctx.cluster.update(rt, "", reg.name, {
      ...node,
      metadata: { ...node.metadata, resourceVersion: undefined },
    }, {
      manager: "kubelet",
    }).object;
  } else {
    stored = ctx.cluster.create(rt, "", node, { manager: "kubelet" }).object;
  }
  const leases = ctx.cluster.resource("coordination.k8s.io", "leases");
  if (!ctx.cluster.peek(leases, "kube-node-lease", reg.name)) {
    try {
      ctx.cluster.create(leases, "kube-node-lease", {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: reg.name,
          namespace: "kube-node-lease",
          ownerReferences: [{ apiVersion: "v1", kind: "Node", name: reg.name, uid: stored.metadata.uid! }],
        },
        spec: {
          holderIdentity: reg.name,
          leaseDurationSeconds: 40,
          renewTime: new Date(now).toISOString().replace("Z", "000Z"),
        },
      }, { manager: "kubelet" });
    } catch {
      // kube-node-lease may not exist in a bare test cluster
    }
  }
  return stored;
}

function isNodeReadyNow(node: KubeObject | undefined): boolean {
  return ((node?.status?.conditions ?? []) as Obj[]).some((c) => c.type === "Ready" && c.status === "True");
}

function pressure(conds: Obj[], now: number): Obj[] {
  let out = conds;
  for (
    const [type, reason, message] of [
      ["MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
      ["DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
      ["PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
    ]
  ) out = setCondition(out, { type, status: "False", reason, message }, now, { probeTimes: true });
  return out;
}

function notReadyConditions(conds: Obj[], now: number): Obj[] {
  return setCondition(
    pressure(conds, now),
    {
      type: "Ready",
      status: "False",
      reason: "KubeletNotReady",
      message:
        "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
    },
    now,
    { probeTimes: true },
  ).map(heartbeat(now));
}

function readyConditions(conds: Obj[], now: number): Obj[] {
  return setCondition(
    pressure(conds, now),
    {
      type: "Ready",
      status: "True",
      reason: "KubeletReady",
      message: "kubelet is posting ready status",
    },
    now,
    { probeTimes: true },
  ).map(heartbeat(now));
}

const heartbeat = (now: number) => (c: Obj) => {
  const { type, status, lastProbeTime: _p, lastHeartbeatTime, lastTransitionTime, reason, message } = c;
  return {
    type,
    status,
    lastHeartbeatTime: lastHeartbeatTime ?? rfc3339(now),
    lastTransitionTime,
    reason,
    message,
  };
};

/** Whether a pod is the CNI agent pod (by the simulation's selector). */
export function isCniPod(ctx: ControllerContext, pod: KubeObject): boolean {
  if (pod.metadata.namespace !== ctx.sim.cni.namespace) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(ctx.sim.cni.labels).every(([k, v]) => labels[k] === v);
}

/** The CNI agent pod on a node, if any. */
export function cniPodOn(ctx: ControllerContext, node: string): KubeObject | undefined {
  return ctx.cluster.store.podsOn(node).find((p) =>
    p.metadata.namespace === ctx.sim.cni.namespace && p.spec?.nodeName === node && isCniPod(ctx, p) &&
    !p.metadata.deletionTimestamp
  );
}

/** The node lifecycle controller: Ready iff the node's CNI agent pod is ready. */
export function nodeLifecycleController(): Controller {
  return {
    name: "node-lifecycle",
    keysFor(e: StoreEvent, ctx) {
      if (e.group === "" && e.resource === "nodes" && e.type !== "DELETED") return [e.name];
      if (e.group === "" && e.resource === "pods") {
        const node = e.object.spec?.nodeName ?? e.previous?.spec?.nodeName;
        if (node && (isCniPod(ctx, e.object) || (e.previous && isCniPod(ctx, e.previous)))) return [node];
      }
      return [];
    },
    initialKeys: (ctx) => ctx.cluster.scan(ctx.cluster.resource("", "nodes")).map((n) => n.metadata.name!),
    reconcile(name, ctx) {
      const rt = ctx.cluster.resource("", "nodes");
      const node = ctx.cluster.peek(rt, "", name);
      if (!node) return;
      const cni = cniPodOn(ctx, name);
      const ready = !!cni && isPodReady(cni);
      const now = ctx.clock.now();
      const conds = (node.status?.conditions ?? []) as Obj[];
      const wasReady = isNodeReadyNow(node);
      const nextConds = ready ? readyConditions(conds, now) : notReadyConditions(conds, now);
      const taints = ((node.spec?.taints ?? []) as Taint[]).filter((t) => t.key !== NOT_READY_TAINT.key);
      if (!ready) taints.push(NOT_READY_TAINT);
      let current = node;
      if (JSON.stringify(taints) !== JSON.stringify(node.spec?.taints ?? [])) {
        current = ctx.cluster.update(rt, "", name, { ...node, spec: { ...node.spec, taints } }, {
          manager: "kube-controller-manager",
        }).object;
      }
      if (ready !== wasReady || !conds.some((c) => c.type === "Ready")) {
        ctx.cluster.update(
          rt,
          "",
          name,
          { ...current, status: { ...current.status, conditions: nextConds } },
          {
            manager: "kubelet",
            subresource: "status",
          },
        );
      }
    },
  };
}
