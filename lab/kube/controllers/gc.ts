/**
 * The garbage collector: objects whose owners (by uid) are gone are deleted (background
 * propagation); an owner being deleted with `foregroundDeletion` waits until its dependents are
 * gone, and with `orphan` its dependents lose their owner reference, before the finalizer is
 * removed.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [garbageCollector()]);
 * ```
 */
import type { ResourceType } from "../resources/resource.ts";
import { storeKey } from "../store.ts";
import type { KubeObject } from "../types.ts";
import type { Controller, ControllerContext } from "./manager.ts";

const MANAGER = "kube-controller-manager";

interface Ref {
  rt: ResourceType;
  obj: KubeObject;
}

function allObjects(ctx: ControllerContext): Ref[] {
  const out: Ref[] = [];
  for (const rt of ctx.cluster.registry.all()) for (const obj of ctx.cluster.scan(rt)) out.push({ rt, obj });
  return out;
}

function refKey(rt: ResourceType, obj: KubeObject): string {
  return storeKey(rt.group, rt.plural, obj.metadata.namespace ?? "", obj.metadata.name!);
}

function parseRefKey(ctx: ControllerContext, key: string): Ref | undefined {
  const [group, plural, ns, name] = key.split("/");
  const rt = ctx.cluster.registry.byPlural(group, plural);
  if (!rt) return undefined;
  const obj = ctx.cluster.peek(rt, ns, name);
  return obj ? { rt, obj } : undefined;
}

/** Whether the owner an ownerReference names still exists (same uid). */
function ownerExists(
  ctx: ControllerContext,
  dependent: KubeObject,
  ref: { apiVersion: string; kind: string; name: string; uid: string },
): boolean {
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
  const rt = ctx.cluster.registry.byKind(group, ref.kind);
  if (!rt) return true; // unknown kinds are left alone, as the real collector does until discovery knows them
  const owner = ctx.cluster.peek(rt, rt.namespaced ? dependent.metadata.namespace ?? "" : "", ref.name);
  return !!owner && owner.metadata.uid === ref.uid;
}

/** The served objects with an ownerReference to `uid` (read-only), in the order a walk of every
 * served resource in registry order finds them (from the store's owner index). */
function dependentsOf(ctx: ControllerContext, uid: string): Ref[] {
  const keys = ctx.cluster.store.dependentKeys(uid);
  if (!keys.length) return [];
  const all = ctx.cluster.registry.all();
  const order = new Map<string, number>();
  all.forEach((rt, i) => {
    const k = `${rt.group}/${rt.plural}`;
    if (!order.has(k)) order.set(k, i);
  });
  const out: (Ref & { rank: number; key: string })[] = [];
  for (const key of keys) {
    const [group, plural, ns, name] = key.split("/");
    const rank = order.get(`${group}/${plural}`);
    if (rank === undefined) continue;
    const rt = all[rank];
    const obj = ctx.cluster.store.peek(group, plural, ns, name);
    if (obj) out.push({ rt, obj, rank, key });
  }
  out.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.map(({ rt, obj }) => ({ rt, obj }));
}

/** The served object with this uid (read-only). */
function objectWithUid(ctx: ControllerContext, uid: string): Ref | undefined {
  const key = ctx.cluster.store.keyOfUid(uid);
  if (!key) return undefined;
  const [group, plural, ns, name] = key.split("/");
  const rt = ctx.cluster.registry.byPlural(group, plural);
  const obj = rt && ctx.cluster.store.peek(group, plural, ns, name);
  return rt && obj ? { rt, obj } : undefined;
}

export function garbageCollector(): Controller {
  return {
    name: "garbage-collector",
    keysFor(e, ctx) {
      const rt = ctx.cluster.registry.byPlural(e.group, e.resource);
      if (!rt) return [];
      const keys: string[] = [];
      if (e.type === "DELETED") {
        for (const d of dependentsOf(ctx, e.object.metadata.uid!)) keys.push(refKey(d.rt, d.obj));
      } else {
        if (e.object.metadata.ownerReferences?.length) keys.push(refKey(rt, e.object));
        const f = e.object.metadata.finalizers ?? [];
        if (
          e.object.metadata.deletionTimestamp && (f.includes("foregroundDeletion") || f.includes("orphan"))
        ) {
          keys.push(refKey(rt, e.object));
        }
        // a dependent going away may unblock a foreground owner
        for (const r of e.object.metadata.ownerReferences ?? []) {
          if (e.object.metadata.deletionTimestamp) keys.push(`owner:${r.uid}`);
        }
      }
      return keys;
    },
    initialKeys: (ctx) =>
      allObjects(ctx).filter(({ obj }) =>
        obj.metadata.ownerReferences?.length || obj.metadata.deletionTimestamp
      )
        .map(({ rt, obj }) => refKey(rt, obj)),
    reconcile(key, ctx) {
      if (key.startsWith("owner:")) {
        const uid = key.slice(6);
        const owner = objectWithUid(ctx, uid);
        if (owner) ctx.enqueue("garbage-collector", refKey(owner.rt, owner.obj));
        return;
      }
      const ref = parseRefKey(ctx, key);
      if (!ref) return;
      const { rt, obj } = ref;
      const ns = obj.metadata.namespace ?? "";
      const finalizers = obj.metadata.finalizers ?? [];
      if (obj.metadata.deletionTimestamp && finalizers.includes("orphan")) {
        for (const d of dependentsOf(ctx, obj.metadata.uid!)) {
          const refs = (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== obj.metadata.uid);
          ctx.cluster.update(d.rt, d.obj.metadata.namespace ?? "", d.obj.metadata.name!, {
            ...d.obj,
            metadata: { ...d.obj.metadata, ownerReferences: refs.length ? refs : undefined },
          }, { manager: MANAGER });
        }
        removeFinalizer(ctx, rt, obj, "orphan");
        return;
      }
      if (obj.metadata.deletionTimestamp && finalizers.includes("foregroundDeletion")) {
        const deps = dependentsOf(ctx, obj.metadata.uid!);
        for (const d of deps) {
          if (!d.obj.metadata.deletionTimestamp) {
            ctx.cluster.delete(d.rt, d.obj.metadata.namespace ?? "", d.obj.metadata.name!, {
              propagationPolicy: "Foreground",
            });
          }
        }
        if (!dependentsOf(ctx, obj.metadata.uid!).length) removeFinalizer(ctx, rt, obj, "foregroundDeletion");
        return;
      }
      const refs = obj.metadata.ownerReferences ?? [];
      if (!refs.length || obj.metadata.deletionTimestamp) return;
      const live = refs.filter((r) => ownerExists(ctx, obj, r));
      if (live.length === refs.length) return;
      if (live.length === 0) {
        ctx.cluster.delete(rt, ns, obj.metadata.name!, { propagationPolicy: "Background" });
      } else {
        ctx.cluster.update(rt, ns, obj.metadata.name!, {
          ...obj,
          metadata: { ...obj.metadata, ownerReferences: live },
        }, { manager: MANAGER });
      }
    },
  };
}

function removeFinalizer(ctx: ControllerContext, rt: ResourceType, obj: KubeObject, finalizer: string): void {
  const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  ctx.cluster.update(rt, obj.metadata.namespace ?? "", obj.metadata.name!, {
    ...obj,
    metadata: { ...obj.metadata, finalizers: rest.length ? rest : undefined },
  }, { manager: MANAGER });
}
