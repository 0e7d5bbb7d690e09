/**
 * The scheduler: binds each pending pod (schedulerName default-scheduler, no nodeName) to a node
 * that fits — node selector and required node affinity, untolerated NoSchedule/NoExecute taints
 * (a NotReady node carries `node.kubernetes.io/not-ready`, so only pods that tolerate it, like
 * the CNI's, land there), unschedulable nodes — preferring the node with the fewest pods. A pod
 * that fits nowhere gets PodScheduled=False/Unschedulable with the scheduler's message and waits
 * for a node change.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [schedulerController()]);
 * ```
 */
import type { KubeObject } from "../types.ts";
import { ineligibility, keyOf, type Obj, recordEvent, setCondition, splitKey } from "./common.ts";
import type { Controller } from "./manager.ts";

export function schedulerController(): Controller {
  return {
    name: "scheduler",
    keysFor(e, ctx) {
      if (e.group === "" && e.resource === "pods" && e.type !== "DELETED") {
        return e.object.spec?.nodeName ? [] : [keyOf(e.object)];
      }
      if (e.group === "" && (e.resource === "nodes" || (e.resource === "pods" && e.type === "DELETED"))) {
        // a node changed (or freed room): every pending pod may fit now
        return ctx.cluster.store.podsOn("")
          .filter((p) => !p.spec?.nodeName && !p.metadata.deletionTimestamp)
          .map(keyOf);
      }
      return [];
    },
    initialKeys: (ctx) =>
      ctx.cluster.scan(ctx.cluster.resource("", "pods")).filter((p) => !p.spec?.nodeName).map(keyOf),
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const pods = ctx.cluster.resource("", "pods");
      const pod = ctx.cluster.peek(pods, ns, name);
      if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
      if ((pod.spec?.schedulerName ?? "default-scheduler") !== "default-scheduler") return;
      if ((pod.spec?.schedulingGates ?? []).length) return;
      const nodes = ctx.cluster.scan(ctx.cluster.resource("", "nodes"));
      const placed = ctx.cluster.scan(pods).filter((p) => p.spec?.nodeName);
      const reasons = new Map<string, number>();
      const fit: KubeObject[] = [];
      for (const n of nodes) {
        const why = ineligibility(n, pod.spec ?? {}, { pod, pods: placed });
        if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
        else fit.push(n);
      }
      const now = ctx.clock.now();
      if (!fit.length) {
        const detail = [...reasons.entries()].map(([why, n]) => `${n} ${why}`).sort().join(", ");
        const message = `0/${nodes.length} nodes are available${
          detail ? `: ${detail}` : ""
        }. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`;
        const conditions = setCondition(
          (pod.status?.conditions ?? []) as Obj[],
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message,
          },
          now,
          { probeTimes: true },
        );
        if (JSON.stringify(conditions) !== JSON.stringify(pod.status?.conditions ?? [])) {
          ctx.cluster.update(pods, ns, name, {
            ...pod,
            status: { ...pod.status, phase: "Pending", conditions },
          }, {
            manager: "kube-scheduler",
            subresource: "status",
          });
          recordEvent(ctx, pod, "Warning", "FailedScheduling", message, "default-scheduler");
        }
        return;
      }
      const load = new Map<string, number>();
      for (const p of ctx.cluster.scan(pods)) {
        if (p.spec?.nodeName) load.set(p.spec.nodeName, (load.get(p.spec.nodeName) ?? 0) + 1);
      }
      fit.sort((a, b) =>
        (load.get(a.metadata.name!) ?? 0) - (load.get(b.metadata.name!) ?? 0) ||
        (a.metadata.name! < b.metadata.name! ? -1 : 1)
      );
      const node = fit[0].metadata.name!;
      // the binding subresource: nodeName set once, PodScheduled=True
      const bound = { ...pod, spec: { ...pod.spec, nodeName: node } };
      const stored = ctx.cluster.store.put("", "pods", bound);
      const conditions = setCondition(
        (stored.status?.conditions ?? []) as Obj[],
        { type: "PodScheduled", status: "True" },
        now,
        {
          probeTimes: true,
        },
      );
      ctx.cluster.update(pods, ns, name, { ...stored, status: { ...stored.status, conditions } }, {
        manager: "kube-scheduler",
        subresource: "status",
      });
      recordEvent(
        ctx,
        stored,
        "Normal",
        "Scheduled",
        `Successfully assigned ${ns}/${name} to ${node}`,
        "default-scheduler",
      );
    },
  };
}
