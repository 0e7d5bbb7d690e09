/**
 * Helpers the simulated controllers share: owner references, pod readiness, conditions with
 * stable transition times, taints and tolerations, node eligibility, pod-template hashes, status
 * writes through the status subresource, and Events.
 *
 * @example
 * ```ts
 * setCondition(status.conditions, { type: "Available", status: "True", reason: "MinimumReplicasAvailable" }, now);
 * ```
 */
import type { ResourceType } from "../resources/resource.ts";
import { selectorFromObject } from "../selectors.ts";
import { clone, isObject, jsonEqual, type KubeObject, type OwnerReference, rfc3339 } from "../types.ts";
import type { ControllerContext } from "./manager.ts";

// deno-lint-ignore no-explicit-any
export type Obj = Record<string, any>;

export const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(random: () => number, n = 5): string {
  let s = "";
  for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(random() * NAME_CHARS.length)];
  return s;
}

/** FNV-32a of the template's JSON, spelled with rand.SafeEncodeString as pod-template-hash is. */
export function templateHash(template: unknown, collisionCount = 0): string {
  const text = JSON.stringify(template) + (collisionCount ? String(collisionCount) : "");
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((c) => NAME_CHARS[c.charCodeAt(0) % NAME_CHARS.length]).join("");
}

export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion!,
    kind: owner.kind!,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === owner.metadata.uid);
}

/** Objects of group/resource in `owner`'s namespace with an ownerReference to it, in key order. */
export function dependentsIn(
  ctx: ControllerContext,
  owner: KubeObject,
  group: string,
  resource: string,
): KubeObject[] {
  const store = ctx.cluster.store;
  const ns = owner.metadata.namespace ?? "";
  const prefix = `${group}/${resource}/${ns}/`;
  const out: KubeObject[] = [];
  for (const key of store.dependentKeys(owner.metadata.uid!)) {
    if (!key.startsWith(prefix)) continue;
    const obj = store.peek(group, resource, ns, key.slice(prefix.length));
    if (obj) out.push(obj);
  }
  return out;
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller);
}

export function podCondition(pod: KubeObject, type: string): Obj | undefined {
  return ((pod.status?.conditions ?? []) as Obj[]).find((c) => c.type === type);
}

export function isPodReady(pod: KubeObject): boolean {
  return pod.status?.phase === "Running" && podCondition(pod, "Ready")?.status === "True" &&
    !pod.metadata.deletionTimestamp;
}

export function isPodActive(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

/** Sets a condition, keeping lastTransitionTime when the status does not change. */
export function setCondition(
  conditions: Obj[],
  c: { type: string; status: string; reason?: string; message?: string },
  now: number,
  opts: { probeTimes?: boolean; updateTime?: boolean } = {},
): Obj[] {
  const t = rfc3339(now);
  const prev = conditions.find((x) => x.type === c.type);
  const next: Obj = { type: c.type, status: c.status };
  if (opts.probeTimes) next.lastProbeTime = null;
  if (opts.updateTime) {
    next.lastUpdateTime = prev && prev.status === c.status && prev.reason === c.reason
      ? prev.lastUpdateTime
      : t;
  }
  next.lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : t;
  if (c.reason) next.reason = c.reason;
  if (c.message) next.message = c.message;
  if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message) {
    return conditions;
  }
  return [...conditions.filter((x) => x.type !== c.type), next];
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export function tolerates(tolerations: Obj[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

function matchExpression(e: Obj, value: string | undefined): boolean {
  switch (e.operator) {
    case "In":
      return value !== undefined && (e.values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(e.values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
      return value !== undefined && Number(value) > Number(e.values?.[0]);
    case "Lt":
      return value !== undefined && Number(value) < Number(e.values?.[0]);
  }
  return false;
}

/** Why `node` cannot run a pod with this spec, or undefined when it can. `others` (the pods already
 * placed) turns on the required pod anti-affinity check for `pod`. */
export function ineligibility(
  node: KubeObject,
  spec: Obj,
  others?: { pod: KubeObject; pods: KubeObject[] },
): string | undefined {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((spec.nodeSelector ?? {}) as Record<string, string>)) {
    if (labels[k] !== v) return "node(s) didn't match Pod's node affinity/selector";
  }
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms as
      | Obj[]
      | undefined;
  if (terms?.length) {
    const ok = terms.some((term) =>
      ((term.matchExpressions ?? []) as Obj[]).every((e) => matchExpression(e, labels[e.key])) &&
      ((term.matchFields ?? []) as Obj[]).every((e) =>
        matchExpression(e, e.key === "metadata.name" ? node.metadata.name : undefined)
      )
    );
    if (!ok) return "node(s) didn't match Pod's node affinity/selector";
  }
  if (
    node.spec?.unschedulable &&
    !tolerates(spec.tolerations, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })
  ) {
    return "node(s) were unschedulable";
  }
  for (const t of (node.spec?.taints ?? []) as Taint[]) {
    if (t.effect !== "NoSchedule" && t.effect !== "NoExecute") continue;
    if (!tolerates(spec.tolerations, t)) return `node(s) had untolerated taint {${t.key}: ${t.value ?? ""}}`;
  }
  if (others) {
    const terms =
      (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[];
    for (const term of terms) {
      if (term.topologyKey !== "kubernetes.io/hostname") continue;
      const sel = selectorFromObject(term.labelSelector ?? {});
      const namespaces = (term.namespaces as string[] | undefined) ?? [others.pod.metadata.namespace];
      const clash = others.pods.some((p) =>
        p.metadata.uid !== others.pod.metadata.uid && p.spec?.nodeName === node.metadata.name &&
        namespaces.includes(p.metadata.namespace) && isPodActive(p) && sel.matches(p.metadata.labels)
      );
      if (clash) return "node(s) didn't match pod anti-affinity rules";
    }
  }
  return undefined;
}

export function isNodeReady(node: KubeObject | undefined): boolean {
  return ((node?.status?.conditions ?? []) as Obj[]).some((c) => c.type === "Ready" && c.status === "True");
}

/** Writes `status` through the status subresource when it changed. */
export function writeStatus(
  ctx: ControllerContext,
  rt: ResourceType,
  obj: KubeObject,
  status: Obj,
  manager: string,
): KubeObject {
  if (jsonEqual(obj.status, status)) return obj;
  const next = clone(obj);
  next.status = status;
  return ctx.cluster.update(rt, obj.metadata.namespace ?? "", obj.metadata.name!, next, {
    manager,
    subresource: rt.statusSubresource ? "status" : undefined,
  }).object;
}

/** Records an Event about `obj` (aggregating repeats as the event recorder does). */
export function recordEvent(
  ctx: ControllerContext,
  obj: KubeObject,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
  component: string,
): void {
  const cluster = ctx.cluster;
  const rt = cluster.resource("", "events");
  const namespace = obj.metadata.namespace || "default";
  const now = rfc3339(ctx.clock.now());
  const uid = obj.metadata.uid;
  // by the involved object's uid (an index) rather than every Event of the namespace
  const candidates = typeof uid === "string"
    ? cluster.store.eventsAbout(uid).filter((e) => (e.metadata.namespace ?? "") === namespace)
    : cluster.scan(rt, namespace);
  const existing = candidates.find((e) =>
    e.involvedObject?.uid === obj.metadata.uid && e.reason === reason && e.message === message
  );
  try {
    if (existing) {
      cluster.update(rt, namespace, existing.metadata.name!, {
        ...existing,
        count: (existing.count ?? 1) + 1,
        lastTimestamp: now,
      }, {
        manager: component,
      });
      return;
    }
    cluster.create(rt, namespace, {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${obj.metadata.name}.${
          (ctx.clock.now() * 1000 + Math.floor(ctx.random() * 1000)).toString(16)
        }`,
        namespace,
      },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      source: {
        component,
        ...(isObject(obj.spec) && obj.kind === "Pod" && obj.spec.nodeName ? { host: obj.spec.nodeName } : {}),
      },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: "",
    }, { manager: component });
  } catch {
    // events are best effort (the namespace may be going away)
  }
}

/** "namespace/name" keys. */
export function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Resolves an intstr like "25%" or 2 against a total (rounding up for surge, down for unavailable). */
export function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.endsWith("%")) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return Number(v ?? 0) || 0;
}
