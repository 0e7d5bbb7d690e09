/**
 * The ReplicaSet controller: keeps `spec.replicas` pods (owned by the ReplicaSet, from its
 * template) and reports replicas, fullyLabeledReplicas, readyReplicas, availableReplicas and
 * observedGeneration.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [replicaSetController()]);
 * ```
 */
import type { KubeObject } from "../types.ts";
import { selectorFromObject } from "../selectors.ts";
import {
  controlledBy,
  controllerOf,
  controllerRef,
  dependentsIn,
  isPodActive,
  isPodReady,
  keyOf,
  type Obj,
  randomSuffix,
  recordEvent,
  splitKey,
  writeStatus,
} from "./common.ts";
import type { Controller, ControllerContext } from "./manager.ts";

const MANAGER = "kube-controller-manager";

/** A pod from a template, owned by `owner`. */
export function podFromTemplate(
  owner: KubeObject,
  template: Obj,
  name: string,
  extraLabels: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...extraLabels },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

/** The pods `owner` controls (read-only: as the store holds them). */
export function ownedPods(ctx: ControllerContext, owner: KubeObject): KubeObject[] {
  return dependentsIn(ctx, owner, "", "pods").filter((p) => controlledBy(p, owner));
}

export function replicaSetController(): Controller {
  return {
    name: "replicaset",
    keysFor(e) {
      if (e.group === "apps" && e.resource === "replicasets" && e.type !== "DELETED") {
        return [keyOf(e.object)];
      }
      if (e.group === "" && e.resource === "pods") {
        const ref = controllerOf(e.object);
        if (ref?.kind === "ReplicaSet") return [`${e.namespace}/${ref.name}`];
      }
      return [];
    },
    initialKeys: (ctx) => ctx.cluster.scan(ctx.cluster.resource("apps", "replicasets")).map(keyOf),
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const rt = ctx.cluster.resource("apps", "replicasets");
      const rs = ctx.cluster.peek(rt, ns, name);
      if (!rs || rs.metadata.deletionTimestamp) return;
      const pods = ctx.cluster.resource("", "pods");
      const active = ownedPods(ctx, rs).filter(isPodActive);
      const want = rs.spec?.replicas ?? 1;
      if (active.length < want) {
        for (let i = active.length; i < want; i++) {
          const pod = podFromTemplate(rs, rs.spec.template, `${name}-${randomSuffix(ctx.random)}`);
          const created = ctx.cluster.create(pods, ns, pod, { manager: MANAGER }).object;
          recordEvent(
            ctx,
            rs,
            "Normal",
            "SuccessfulCreate",
            `Created pod: ${created.metadata.name}`,
            "replicaset-controller",
          );
        }
      } else if (active.length > want) {
        // unready and unscheduled pods go first, as the real controller prefers
        const victims = [...active].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b))).slice(
          0,
          active.length - want,
        );
        for (const p of victims) {
          ctx.cluster.delete(pods, ns, p.metadata.name!);
          recordEvent(
            ctx,
            rs,
            "Normal",
            "SuccessfulDelete",
            `Deleted pod: ${p.metadata.name}`,
            "replicaset-controller",
          );
        }
      }
      const current = ownedPods(ctx, rs).filter(isPodActive);
      const sel = selectorFromObject(rs.spec?.selector);
      const ready = current.filter(isPodReady).length;
      const status: Obj = {
        replicas: current.length,
        fullyLabeledReplicas: current.filter((p) => sel.matches(p.metadata.labels)).length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: rs.metadata.generation,
      };
      if (!status.readyReplicas) delete status.readyReplicas;
      if (!status.availableReplicas) delete status.availableReplicas;
      if (!status.fullyLabeledReplicas) delete status.fullyLabeledReplicas;
      writeStatus(ctx, rt, rs, status, MANAGER);
    },
  };
}
