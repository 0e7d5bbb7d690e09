/**
 * Multi-document manifests: parsed from YAML (empty documents skipped, `List`s expanded),
 * checked for apiVersion/kind/name, ordered the way installers order them (namespaces and CRDs
 * first, then RBAC and config, then workloads), and applied by server-side apply. Custom
 * resources wait until the CRDs in the same batch are Established.
 *
 * @example
 * ```ts
 * const results = await applyManifests(kube, parseManifests(yamlText), { signal });
 * ```
 */
import { parseAllDocuments } from "yaml";
import { UsageError } from "../errors.ts";
import { type ApplyResult, describeRef, type KubeClient, type KubeObject, refOf } from "./client.ts";
import { waitForCondition } from "./wait.ts";

/** Parses multi-document YAML into objects. */
export function parseManifests(text: string, source = "manifest"): KubeObject[] {
  const out: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length) throw new UsageError(`${source}: document ${i + 1}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value === null || value === undefined) return;
    const push = (o: unknown, where: string) => {
      if (typeof o !== "object" || o === null || Array.isArray(o)) {
        throw new UsageError(`${source}: ${where} is not an object`);
      }
      const obj = o as KubeObject;
      if (!obj.apiVersion || !obj.kind) throw new UsageError(`${source}: ${where} has no apiVersion or kind`);
      if (!obj.metadata?.name) throw new UsageError(`${source}: ${where} (${obj.kind}) has no metadata.name`);
      out.push(obj);
    };
    if (value.kind === "List" && Array.isArray(value.items)) {
      value.items.forEach((it: unknown, j: number) => push(it, `document ${i + 1} item ${j + 1}`));
    } else push(value, `document ${i + 1}`);
  });
  return out;
}

/** Install order by kind (helm's InstallOrder, shortened). */
const ORDER = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodSecurityPolicy",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "SecretList",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleList",
  "ClusterRoleBinding",
  "ClusterRoleBindingList",
  "Role",
  "RoleList",
  "RoleBinding",
  "RoleBindingList",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
];

/** Objects in install order (stable within a kind; unknown kinds, e.g. custom resources, last). */
export function installOrder(objs: KubeObject[]): KubeObject[] {
  const rank = (k: string) => {
    const i = ORDER.indexOf(k);
    return i < 0 ? ORDER.length : i;
  };
  return objs.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o.kind) - rank(b.o.kind) || a.i - b.i).map((
    x,
  ) => x.o);
}

export interface ApplyManifestsOptions {
  /** Take fields other managers own (kubectl's --force-conflicts). Default false. */
  force?: boolean;
  fieldManager?: string;
  signal?: AbortSignal;
  /** How long CRDs of the batch may take to become Established (virtual ms). */
  crdTimeoutMs?: number;
  /** How many applies may be in flight at once (default 8; 1 applies one after another). */
  concurrency?: number;
  /** Called as each object is applied (in completion order, which within a stage may differ from install order). */
  onApplied?(r: ApplyResult): void;
}

/** Kinds applied first, on their own: everything namespaced needs its namespace. */
const NAMESPACES = new Set(["Namespace"]);
/** What workloads use (identity, RBAC, config, CRDs, services): applied before any workload. */
const PREREQUISITES = new Set(ORDER.slice(ORDER.indexOf("NetworkPolicy"), ORDER.indexOf("DaemonSet")));

/**
 * Which stage an object is applied in: 0 namespaces, 1 what workloads use (ServiceAccounts,
 * Secrets, ConfigMaps, CRDs, RBAC, Services, …), 2 workloads and the other built-in kinds, 3
 * custom resources (after the batch's CRDs are Established). Objects of one stage go
 * concurrently; a stage starts once the previous one is applied.
 */
function stageOf(obj: KubeObject): number {
  if (NAMESPACES.has(obj.kind)) return 0;
  if (PREREQUISITES.has(obj.kind)) return 1;
  return ORDER.includes(obj.kind) ? 2 : 3;
}

/**
 * Applies every object by server-side apply, in install order by stages (see {@link stageOf}):
 * up to `concurrency` applies in flight within a stage. Results come back in install order. On
 * the first failure no further apply starts; those in flight finish, then it is thrown.
 */
export async function applyManifests(
  kube: KubeClient,
  objs: KubeObject[],
  opts: ApplyManifestsOptions = {},
): Promise<ApplyResult[]> {
  const ordered = installOrder(objs);
  const results: ApplyResult[] = new Array(ordered.length);
  const limit = Math.max(1, Math.floor(opts.concurrency ?? 8));
  const crds = ordered.filter((o) => o.kind === "CustomResourceDefinition");
  const stages = new Map<number, number[]>();
  ordered.forEach((o, i) => {
    const s = stageOf(o);
    stages.set(s, [...stages.get(s) ?? [], i]);
  });
  const applyOne = async (i: number) => {
    const obj = ordered[i];
    let r: ApplyResult;
    try {
      r = await kube.apply(obj, { force: opts.force, fieldManager: opts.fieldManager, signal: opts.signal });
    } catch (err) {
      if (err instanceof Error && !err.message.includes(describeRef(refOf(obj)))) {
        err.message = `apply ${describeRef(refOf(obj))}: ${err.message}`;
      }
      throw err;
    }
    results[i] = r;
    opts.onApplied?.(r);
  };
  for (const stage of [...stages.keys()].sort()) {
    if (stage === 3 && crds.length) {
      for (const crd of crds) {
        await waitForCondition(kube, refOf(crd), "Established", {
          timeoutMs: opts.crdTimeoutMs ?? 60_000,
          signal: opts.signal,
        });
      }
      kube.refreshDiscovery();
    }
    await pooled(stages.get(stage)!, limit, ordered, applyOne);
  }
  return results;
}

/**
 * Runs `work` over `indexes` with at most `limit` in flight; the same object twice in a batch
 * is applied one after the other (in order). Rejects with the first error once the work in
 * flight has settled, starting nothing new after it.
 */
async function pooled(
  indexes: number[],
  limit: number,
  objs: KubeObject[],
  work: (i: number) => Promise<void>,
): Promise<void> {
  const queue = [...indexes];
  const busy = new Set<string>();
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (!failure) {
      // the first queued object not already being applied by another lane
      const at = queue.findIndex((i) => !busy.has(objectId(objs[i])));
      if (at < 0) return;
      const [i] = queue.splice(at, 1);
      const id = objectId(objs[i]);
      busy.add(id);
      try {
        await work(i);
      } catch (err) {
        failure ??= { err };
      } finally {
        busy.delete(id);
      }
    }
  };
  // a lane that found only objects busy elsewhere ends; the lane applying them carries on
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, lane));
  if (failure) throw failure.err;
  if (queue.length) await pooled(queue, limit, objs, work);
}

function objectId(o: KubeObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}
