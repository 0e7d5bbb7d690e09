/**
 * CustomResourceDefinition cleanup: a CRD being deleted stops serving its kind, has its custom
 * resources removed, and loses the `customresourcecleanup.apiextensions.k8s.io` finalizer (with
 * the Terminating condition meanwhile), as apiextensions-apiserver's finalizer controller does.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [crdController()]);
 * ```
 */
import { type Obj, setCondition } from "./common.ts";
import type { Controller } from "./manager.ts";

const FINALIZER = "customresourcecleanup.apiextensions.k8s.io";
const MANAGER = "kube-apiserver";

export function crdController(): Controller {
  return {
    name: "crd",
    keysFor(e) {
      if (
        e.group === "apiextensions.k8s.io" && e.resource === "customresourcedefinitions" &&
        e.type !== "DELETED"
      ) {
        return e.object.metadata.deletionTimestamp ? [e.name] : [];
      }
      return [];
    },
    initialKeys: (ctx) =>
      ctx.cluster.scan(ctx.cluster.resource("apiextensions.k8s.io", "customresourcedefinitions"))
        .filter((c) => c.metadata.deletionTimestamp).map((c) => c.metadata.name!),
    reconcile(name, ctx) {
      const rt = ctx.cluster.resource("apiextensions.k8s.io", "customresourcedefinitions");
      const crd = ctx.cluster.peek(rt, "", name);
      if (!crd?.metadata.deletionTimestamp) return;
      const served = ctx.cluster.registry.custom(name);
      if (served) {
        const instances = ctx.cluster.scan(served);
        ctx.cluster.unserveTerminating(crd);
        for (const obj of instances) {
          ctx.cluster.forceRemove(served, obj.metadata.namespace ?? "", obj.metadata.name!);
        }
      }
      const conditions = setCondition((crd.status?.conditions ?? []) as Obj[], {
        type: "Terminating",
        status: "True",
        reason: "InstanceDeletionCompleted",
        message: "removed all instances",
      }, ctx.clock.now());
      const withStatus = ctx.cluster.update(rt, "", name, { ...crd, status: { ...crd.status, conditions } }, {
        manager: MANAGER,
        subresource: "status",
      }).object;
      const rest = (withStatus.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
      ctx.cluster.update(rt, "", name, {
        ...withStatus,
        metadata: { ...withStatus.metadata, finalizers: rest.length ? rest : undefined },
      }, {
        manager: MANAGER,
      });
    },
  };
}
