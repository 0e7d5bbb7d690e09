/**
 * The kubelets of all nodes: a pod bound to a registered node shows ContainerCreating, then after
 * the profile's delay (the `cilium` delay for Cilium's pods, `rollout` for the rest) its
 * containers run and it becomes Ready with a pod IP from the node's pod CIDR (the node IP for
 * hostNetwork pods). Pods on the pod network only start on a Ready node (no CNI, no sandbox).
 * Run-to-completion pods (restartPolicy Never/OnFailure) finish shortly after starting: Succeeded
 * when their node is Ready and its CNI agent pod is ready (the network works), Failed otherwise.
 * The CNI agent pod on a node named in `sim.cniNeverStarts` crash-loops forever. Deleted pods are
 * stopped and removed.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [kubeletController()]);
 * ```
 */
import type { KubeObject } from "../types.ts";
import { rfc3339 } from "../types.ts";
import { isNodeReady, isPodReady, keyOf, type Obj, recordEvent, setCondition, splitKey } from "./common.ts";
import type { Controller, ControllerContext } from "./manager.ts";
import { cniPodOn, isCniPod } from "./nodes.ts";

const MANAGER = "kubelet";

function isCiliumPod(pod: KubeObject): boolean {
  const l = pod.metadata.labels ?? {};
  return l["app.kubernetes.io/part-of"] === "cilium" || l["k8s-app"] === "cilium" ||
    l["io.cilium/app"] === "operator";
}

function containerNames(pod: KubeObject): { name: string; image: string }[] {
  return ((pod.spec?.containers ?? []) as Obj[]).map((c) => ({ name: c.name, image: c.image }));
}

function podIpFor(ctx: ControllerContext, pod: KubeObject, node: KubeObject): string | undefined {
  if (pod.spec?.hostNetwork) {
    return ((node.status?.addresses ?? []) as Obj[]).find((a) => a.type === "InternalIP")?.address;
  }
  const cidr = node.spec?.podCIDR as string | undefined;
  if (!cidr) return undefined;
  const base = cidr.split("/")[0].split(".").map(Number);
  const used = new Set(
    ctx.cluster.store.podsOn(node.metadata.name!)
      .filter((p) => p.status?.podIP)
      .map((p) => p.status!.podIP),
  );
  for (let i = 2; i < 255; i++) {
    const ip = `${base[0]}.${base[1]}.${base[2]}.${i}`;
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

export function kubeletController(): Controller {
  /** pod uid → virtual time its containers start / finish / are removed. */
  const startAt = new Map<string, number>();
  const finishAt = new Map<string, number>();
  const killAt = new Map<string, number>();

  const due = (map: Map<string, number>, uid: string, now: number) => {
    const at = map.get(uid);
    return at !== undefined && now + 0.5 >= at;
  };

  return {
    name: "kubelet",
    keysFor(e, ctx) {
      if (e.group === "" && e.resource === "pods") {
        if (e.type === "DELETED") {
          const uid = e.object.metadata.uid!;
          startAt.delete(uid);
          finishAt.delete(uid);
          killAt.delete(uid);
          return [];
        }
        return e.object.spec?.nodeName ? [keyOf(e.object)] : [];
      }
      if (e.group === "" && e.resource === "nodes") {
        // readiness of a node changes what its pods can do
        return ctx.cluster.store.podsOn(e.name).filter((p) => p.spec?.nodeName === e.name).map(keyOf);
      }
      return [];
    },
    initialKeys: (ctx) =>
      ctx.cluster.scan(ctx.cluster.resource("", "pods")).filter((p) => p.spec?.nodeName).map(keyOf),
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const pods = ctx.cluster.resource("", "pods");
      const pod = ctx.cluster.peek(pods, ns, name);
      if (!pod?.spec?.nodeName) return;
      const uid = pod.metadata.uid!;
      const now = ctx.clock.now();
      const node = ctx.cluster.peek(ctx.cluster.resource("", "nodes"), "", pod.spec.nodeName);

      if (pod.metadata.deletionTimestamp) {
        if (!killAt.has(uid)) {
          const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
          killAt.set(uid, now + Math.min(grace, ctx.pick(ctx.profile.apiCall)));
          ctx.after("kubelet", key, killAt.get(uid)! - now);
          return;
        }
        if (due(killAt, uid, now) || !node) ctx.cluster.forceRemove(pods, ns, name);
        return;
      }
      if (!node) return; // the kubelet of that node has not registered
      const phase = pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") return;
      const status = (pod.status ?? {}) as Obj;
      const t = rfc3339(now);
      const names = containerNames(pod);

      // first sight: ContainerCreating
      if (!status.containerStatuses) {
        let conditions = (status.conditions ?? []) as Obj[];
        conditions = setCondition(conditions, { type: "PodReadyToStartContainers", status: "False" }, now, {
          probeTimes: true,
        });
        conditions = setCondition(conditions, { type: "Initialized", status: "True" }, now, {
          probeTimes: true,
        });
        const notReady = `containers with unready status: [${names.map((c) => c.name).join(" ")}]`;
        conditions = setCondition(
          conditions,
          { type: "Ready", status: "False", reason: "ContainersNotReady", message: notReady },
          now,
          {
            probeTimes: true,
          },
        );
        conditions = setCondition(
          conditions,
          { type: "ContainersReady", status: "False", reason: "ContainersNotReady", message: notReady },
          now,
          {
            probeTimes: true,
          },
        );
        conditions = setCondition(conditions, { type: "PodScheduled", status: "True" }, now, {
          probeTimes: true,
        });
        const hostIP = ((node.status?.addresses ?? []) as Obj[]).find((a) => a.type === "InternalIP")
          ?.address;
        ctx.cluster.update(pods, ns, name, {
          ...pod,
          status: {
            ...status,
            phase: "Pending",
            conditions,
            hostIP,
            hostIPs: hostIP ? [{ ip: hostIP }] : undefined,
            startTime: t,
            containerStatuses: names.map((c) => ({
              image: c.image,
              imageID: "",
              lastState: {},
              name: c.name,
              ready: false,
              restartCount: 0,
              started: false,
              state: { waiting: { reason: "ContainerCreating" } },
            })),
          },
        }, { manager: MANAGER, subresource: "status" });
        return;
      }

      const running = phase === "Running";
      if (!running) {
        // no pod network without a CNI: the sandbox cannot be created
        if (!pod.spec.hostNetwork && !isNodeReady(node)) return;
        if (!startAt.has(uid)) {
          const delay = ctx.pick(isCiliumPod(pod) ? ctx.profile.cilium : ctx.profile.rollout);
          startAt.set(uid, now + delay);
          ctx.after("kubelet", key, delay);
          return;
        }
        if (!due(startAt, uid, now)) return;
        if (isCniPod(ctx, pod) && ctx.sim.cniNeverStarts.has(pod.spec.nodeName)) {
          crashLoop(ctx, pod, names, now);
          return;
        }
        start(ctx, pod, node, names, now);
        const restart = pod.spec.restartPolicy ?? "Always";
        if (restart !== "Always") {
          const run = ctx.pick(ctx.profile.apiCall) + 1;
          finishAt.set(uid, now + run);
          ctx.after("kubelet", key, run);
        }
        return;
      }
      // a run-to-completion pod finishes: the network decides how
      if (finishAt.has(uid) || (pod.spec.restartPolicy ?? "Always") !== "Always") {
        if (!finishAt.has(uid)) {
          finishAt.set(uid, now);
        }
        if (!due(finishAt, uid, now)) return;
        const cni = cniPodOn(ctx, pod.spec.nodeName);
        const ok = pod.spec.hostNetwork || (isNodeReady(node) && !!cni && isPodReady(cni));
        finish(ctx, pod, names, now, ok);
        finishAt.delete(uid);
      }
    },
  };
}

function start(
  ctx: ControllerContext,
  pod: KubeObject,
  node: KubeObject,
  names: { name: string; image: string }[],
  now: number,
) {
  const pods = ctx.cluster.resource("", "pods");
  const t = rfc3339(now);
  let conditions = (pod.status?.conditions ?? []) as Obj[];
  for (
    const type of ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
  ) {
    conditions = setCondition(conditions, { type, status: "True" }, now, { probeTimes: true });
  }
  const podIP = podIpFor(ctx, pod, node);
  for (const c of names) {
    ctx.sim.logs.set(
      `${pod.metadata.namespace}/${pod.metadata.name}/${c.name}`,
      ctx.sim.logs.get(`${pod.metadata.namespace}/${pod.metadata.name}/${c.name}`) ?? "",
    );
  }
  ctx.cluster.update(pods, pod.metadata.namespace!, pod.metadata.name!, {
    ...pod,
    status: {
      ...pod.status,
      phase: "Running",
      conditions,
      podIP,
      podIPs: podIP ? [{ ip: podIP }] : undefined,
      containerStatuses: names.map((c) => ({
        containerID: `containerd://${crypto.randomUUID().replaceAll("-", "")}`,
        image: c.image,
        imageID: `${c.image.split(":")[0].split("@")[0]}@sha256:${"0".repeat(64)}`,
        lastState: {},
        name: c.name,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: t } },
      })),
    },
  }, { manager: MANAGER, subresource: "status" });
  recordEvent(
    ctx,
    pod,
    "Normal",
    "Started",
    `Started container ${names.map((c) => c.name).join(", ")}`,
    "kubelet",
  );
}

function finish(
  ctx: ControllerContext,
  pod: KubeObject,
  names: { name: string; image: string }[],
  now: number,
  ok: boolean,
) {
  const pods = ctx.cluster.resource("", "pods");
  const t = rfc3339(now);
  let conditions = (pod.status?.conditions ?? []) as Obj[];
  for (const type of ["Ready", "ContainersReady"]) {
    conditions = setCondition(
      conditions,
      { type, status: "False", reason: ok ? "PodCompleted" : "PodFailed" },
      now,
      { probeTimes: true },
    );
  }
  conditions = setCondition(conditions, { type: "PodReadyToStartContainers", status: "False" }, now, {
    probeTimes: true,
  });
  for (const c of names) {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}/${c.name}`;
    if (!ok) {
      ctx.sim.logs.set(
        key,
        (ctx.sim.logs.get(key) ?? "") +
          "lab: the pod network on this node is not working (no ready CNI agent)\n",
      );
    }
  }
  ctx.cluster.update(pods, pod.metadata.namespace!, pod.metadata.name!, {
    ...pod,
    status: {
      ...pod.status,
      phase: ok ? "Succeeded" : "Failed",
      conditions,
      containerStatuses: names.map((c) => {
        const prev = ((pod.status?.containerStatuses ?? []) as Obj[]).find((s) => s.name === c.name) ?? {};
        return {
          ...prev,
          ready: false,
          started: false,
          state: {
            terminated: {
              containerID: prev.containerID,
              exitCode: ok ? 0 : 1,
              finishedAt: t,
              reason: ok ? "Completed" : "Error",
              startedAt: prev.state?.running?.startedAt ?? t,
            },
          },
        };
      }),
    },
  }, { manager: MANAGER, subresource: "status" });
}

function crashLoop(
  ctx: ControllerContext,
  pod: KubeObject,
  names: { name: string; image: string }[],
  now: number,
) {
  const pods = ctx.cluster.resource("", "pods");
  const t = rfc3339(now);
  let conditions = (pod.status?.conditions ?? []) as Obj[];
  conditions = setCondition(conditions, { type: "PodReadyToStartContainers", status: "True" }, now, {
    probeTimes: true,
  });
  ctx.cluster.update(pods, pod.metadata.namespace!, pod.metadata.name!, {
    ...pod,
    status: {
      ...pod.status,
      phase: "Running",
      conditions,
      containerStatuses: names.map((c) => ({
        image: c.image,
        imageID: "",
        lastState: { terminated: { exitCode: 1, finishedAt: t, reason: "Error", startedAt: t } },
        name: c.name,
        ready: false,
        restartCount: 5,
        started: false,
        state: {
          waiting: {
            reason: "CrashLoopBackOff",
            message:
              `back-off 5m0s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          },
        },
      })),
    },
  }, { manager: MANAGER, subresource: "status" });
  recordEvent(ctx, pod, "Warning", "BackOff", "Back-off restarting failed container", "kubelet");
}
