/**
 * The StatefulSet controller: pods `<name>-0 … <name>-(n-1)`, created in order (OrderedReady waits
 * for each to be ready; Parallel does not), removed from the highest ordinal down, replaced on a
 * template change from the highest ordinal down; status reports replicas, readyReplicas,
 * currentReplicas, updatedReplicas, availableReplicas, currentRevision, updateRevision,
 * collisionCount and observedGeneration.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [statefulSetController()]);
 * ```
 */
import type { KubeObject } from "../types.ts";
import {
  controllerOf,
  isPodActive,
  isPodReady,
  keyOf,
  type Obj,
  recordEvent,
  splitKey,
  templateHash,
  writeStatus,
} from "./common.ts";
import type { Controller } from "./manager.ts";
import { ownedPods, podFromTemplate } from "./replicaset.ts";

const MANAGER = "kube-controller-manager";

export function statefulSetController(): Controller {
  return {
    name: "statefulset",
    keysFor(e) {
      if (e.group === "apps" && e.resource === "statefulsets" && e.type !== "DELETED") {
        return [keyOf(e.object)];
      }
      if (e.group === "" && e.resource === "pods") {
        const ref = controllerOf(e.object);
        if (ref?.kind === "StatefulSet") return [`${e.namespace}/${ref.name}`];
      }
      return [];
    },
    initialKeys: (ctx) => ctx.cluster.scan(ctx.cluster.resource("apps", "statefulsets")).map(keyOf),
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const rt = ctx.cluster.resource("apps", "statefulsets");
      const pods = ctx.cluster.resource("", "pods");
      const sts = ctx.cluster.peek(rt, ns, name);
      if (!sts || sts.metadata.deletionTimestamp) return;
      const replicas = sts.spec?.replicas ?? 1;
      const revision = `${name}-${templateHash(sts.spec.template)}`;
      const parallel = sts.spec?.podManagementPolicy === "Parallel";
      const owned = ownedPods(ctx, sts);
      const byOrdinal = new Map<number, KubeObject>();
      for (const p of owned) {
        const m = new RegExp(`^${name}-(\\d+)$`).exec(p.metadata.name!);
        if (m) byOrdinal.set(Number(m[1]), p);
      }
      // scale up, in order
      for (let i = 0; i < replicas; i++) {
        const p = byOrdinal.get(i);
        if (!p) {
          const pod = podFromTemplate(sts, sts.spec.template, `${name}-${i}`, {
            "controller-revision-hash": revision,
            "statefulset.kubernetes.io/pod-name": `${name}-${i}`,
            "apps.kubernetes.io/pod-index": String(i),
          });
          pod.spec.hostname = `${name}-${i}`;
          if (sts.spec.serviceName) pod.spec.subdomain = sts.spec.serviceName;
          ctx.cluster.create(pods, ns, pod, { manager: MANAGER });
          recordEvent(
            ctx,
            sts,
            "Normal",
            "SuccessfulCreate",
            `create Pod ${name}-${i} in StatefulSet ${name} successful`,
            "statefulset-controller",
          );
          if (!parallel) break;
          continue;
        }
        if (!parallel && !isPodReady(p)) break;
      }
      // scale down, highest ordinal first
      for (const [i, p] of [...byOrdinal].sort(([a], [b]) => b - a)) {
        if (i < replicas || !isPodActive(p)) continue;
        ctx.cluster.delete(pods, ns, p.metadata.name!);
        recordEvent(
          ctx,
          sts,
          "Normal",
          "SuccessfulDelete",
          `delete Pod ${p.metadata.name} in StatefulSet ${name} successful`,
          "statefulset-controller",
        );
        if (!parallel) break;
      }
      // rolling update from the highest ordinal, one at a time
      const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
      if ((sts.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
        const all = [...byOrdinal].filter(([i]) => i < replicas).sort(([a], [b]) => b - a);
        if (all.every(([, p]) => isPodReady(p))) {
          const stale = all.find(([i, p]) =>
            i >= partition && p.metadata.labels?.["controller-revision-hash"] !== revision
          );
          if (stale) ctx.cluster.delete(pods, ns, stale[1].metadata.name!);
        }
      }
      const current = ownedPods(ctx, sts).filter(isPodActive);
      const ready = current.filter(isPodReady).length;
      const updated =
        current.filter((p) => p.metadata.labels?.["controller-revision-hash"] === revision).length;
      const status: Obj = {
        availableReplicas: ready,
        collisionCount: 0,
        currentReplicas: updated,
        currentRevision: revision,
        observedGeneration: sts.metadata.generation,
        readyReplicas: ready,
        replicas: current.length,
        updateRevision: revision,
        updatedReplicas: updated,
      };
      if (!status.readyReplicas) delete status.readyReplicas;
      if (!status.currentReplicas) delete status.currentReplicas;
      if (!status.updatedReplicas) delete status.updatedReplicas;
      writeStatus(ctx, rt, sts, status, MANAGER);
    },
  };
}
