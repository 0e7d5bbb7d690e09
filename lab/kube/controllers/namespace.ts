/**
 * Namespaces: every active namespace gets its `default` ServiceAccount and the `kube-root-ca.crt`
 * ConfigMap; a namespace being deleted has all its content deleted, reports the
 * NamespaceContentRemaining/NamespaceFinalizersRemaining conditions while it waits, and is removed
 * once empty and its `kubernetes` finalizer is gone (the namespace lifecycle controller).
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [namespaceController()]);
 * ```
 */
import type { KubeObject } from "../types.ts";
import { type Obj, setCondition } from "./common.ts";
import type { Controller, ControllerContext } from "./manager.ts";

const MANAGER = "kube-controller-manager";

function contentOf(
  ctx: ControllerContext,
  ns: string,
): { rt: ReturnType<ControllerContext["cluster"]["resource"]>; obj: KubeObject }[] {
  const out = [];
  for (const rt of ctx.cluster.registry.all()) {
    if (!rt.namespaced) continue;
    for (const obj of ctx.cluster.scan(rt, ns)) out.push({ rt, obj });
  }
  return out;
}

export function namespaceController(): Controller {
  return {
    name: "namespace",
    keysFor(e) {
      if (e.group === "" && e.resource === "namespaces" && e.type !== "DELETED") return [e.name];
      if (e.namespace && (e.type === "DELETED" || e.object.metadata.deletionTimestamp)) return [e.namespace];
      if (
        e.namespace && e.group === "" && (e.resource === "serviceaccounts" || e.resource === "configmaps")
      ) return [e.namespace];
      return [];
    },
    initialKeys: (ctx) =>
      ctx.cluster.scan(ctx.cluster.resource("", "namespaces")).map((n) => n.metadata.name!),
    reconcile(name, ctx) {
      const nsRt = ctx.cluster.resource("", "namespaces");
      const ns = ctx.cluster.peek(nsRt, "", name);
      if (!ns) return;
      if (!ns.metadata.deletionTimestamp) {
        ensureDefaults(ctx, name);
        return;
      }
      const content = contentOf(ctx, name);
      for (const { rt, obj } of content) {
        if (!obj.metadata.deletionTimestamp) {
          try {
            ctx.cluster.delete(rt, name, obj.metadata.name!, { propagationPolicy: "Background" });
          } catch {
            // gone meanwhile
          }
        }
      }
      const remaining = contentOf(ctx, name);
      const now = ctx.clock.now();
      let conditions = (ns.status?.conditions ?? []) as Obj[];
      conditions = setCondition(conditions, {
        type: "NamespaceDeletionDiscoveryFailure",
        status: "False",
        reason: "ResourcesDiscovered",
        message: "All resources successfully discovered",
      }, now);
      conditions = setCondition(conditions, {
        type: "NamespaceDeletionGroupVersionParsingFailure",
        status: "False",
        reason: "ParsedGroupVersions",
        message: "All legacy kube types successfully parsed",
      }, now);
      conditions = setCondition(conditions, {
        type: "NamespaceDeletionContentFailure",
        status: "False",
        reason: "ContentDeleted",
        message: "All content successfully deleted, may be waiting on finalization",
      }, now);
      if (remaining.length) {
        const counts = new Map<string, number>();
        for (const { rt } of remaining) {
          const r = rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
          counts.set(r, (counts.get(r) ?? 0) + 1);
        }
        conditions = setCondition(conditions, {
          type: "NamespaceContentRemaining",
          status: "True",
          reason: "SomeResourcesRemain",
          message: `Some resources are remaining: ${
            [...counts].sort().map(([r, n]) => `${r} has ${n} resource instances`).join(", ")
          }`,
        }, now);
        const finalizers = new Map<string, number>();
        for (const { obj } of remaining) {
          for (const f of obj.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
        }
        conditions = setCondition(
          conditions,
          finalizers.size
            ? {
              type: "NamespaceFinalizersRemaining",
              status: "True",
              reason: "SomeFinalizersRemain",
              message: `Some content in the namespace has finalizers remaining: ${
                [...finalizers].sort().map(([f, n]) => `${f} in ${n} resource instances`).join(", ")
              }`,
            }
            : {
              type: "NamespaceFinalizersRemaining",
              status: "False",
              reason: "ContentHasNoFinalizers",
              message: "All content-preserving finalizers finished",
            },
          now,
        );
        if (JSON.stringify(conditions) !== JSON.stringify(ns.status?.conditions ?? [])) {
          ctx.cluster.update(nsRt, "", name, { ...ns, status: { ...ns.status, conditions } }, {
            manager: MANAGER,
            subresource: "status",
          });
        }
        return;
      }
      // empty: drop the "kubernetes" finalizer (namespaces/finalize), then the namespace goes
      if ((ns.spec?.finalizers ?? []).includes("kubernetes")) {
        const next = {
          ...ns,
          spec: {
            ...ns.spec,
            finalizers: (ns.spec.finalizers as string[]).filter((f) => f !== "kubernetes"),
          },
        };
        ctx.cluster.update(nsRt, "", name, next, { manager: MANAGER });
      }
      const after = ctx.cluster.peek(nsRt, "", name);
      if (after && !(after.spec?.finalizers ?? []).length && !(after.metadata.finalizers ?? []).length) {
        ctx.cluster.forceRemove(nsRt, "", name);
      }
    },
  };
}

function ensureDefaults(ctx: ControllerContext, ns: string): void {
  const sa = ctx.cluster.resource("", "serviceaccounts");
  if (!ctx.cluster.peek(sa, ns, "default")) {
    ctx.cluster.create(sa, ns, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "default", namespace: ns },
    }, {
      manager: MANAGER,
    });
  }
  const cm = ctx.cluster.resource("", "configmaps");
  if (ctx.sim.caPem && !ctx.cluster.peek(cm, ns, "kube-root-ca.crt")) {
    ctx.cluster.create(cm, ns, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "kube-root-ca.crt",
        namespace: ns,
        annotations: {
          "kubernetes.io/description":
            "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.",
        },
      },
      data: { "ca.crt": ctx.sim.caPem },
    }, { manager: MANAGER });
  }
}
