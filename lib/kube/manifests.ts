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
  onApplied?(r: ApplyResult): void;
}

/** Applies every object by server-side apply, in install order. */
export async function applyManifests(
  kube: KubeClient,
  objs: KubeObject[],
  opts: ApplyManifestsOptions = {},
): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  const crds: KubeObject[] = [];
  let crdsReady = false;
  for (const obj of installOrder(objs)) {
    const builtinOrCrd = ORDER.includes(obj.kind);
    if (!builtinOrCrd && crds.length && !crdsReady) {
      for (const crd of crds) {
        await waitForCondition(kube, refOf(crd), "Established", {
          timeoutMs: opts.crdTimeoutMs ?? 60_000,
          signal: opts.signal,
        });
      }
      kube.refreshDiscovery();
      crdsReady = true;
    }
    let r: ApplyResult;
    try {
      r = await kube.apply(obj, { force: opts.force, fieldManager: opts.fieldManager, signal: opts.signal });
    } catch (err) {
      if (err instanceof Error && !err.message.includes(describeRef(refOf(obj)))) {
        err.message = `apply ${describeRef(refOf(obj))}: ${err.message}`;
      }
      throw err;
    }
    if (obj.kind === "CustomResourceDefinition") crds.push(obj);
    results.push(r);
    opts.onApplied?.(r);
  }
  return results;
}
