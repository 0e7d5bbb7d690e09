/**
 * The built-in resources the emulator serves, with their discovery names (short names,
 * categories, verbs, subresources) as a v1.33 kube-apiserver reports them, their field selectors,
 * defaulting, validation and table printers.
 *
 * @example
 * ```ts
 * BUILTIN_RESOURCES.find((r) => r.plural === "deployments")!.shortNames; // ["deploy"]
 * ```
 */
import { dns1123Label, dns1123Subdomain, type NameRule, pathSegmentName } from "../names.ts";
import { BUILTIN_TYPES } from "../schema/builtin_types.ts";
import type { KubeObject } from "../types.ts";
import { DEFAULTERS } from "./defaults.ts";
import { DEFAULT_PRINTER, PRINTERS } from "./printers.ts";
import { ALL_VERBS, type ResourceType, STATUS_VERBS, type SubresourceInfo } from "./resource.ts";
import { VALIDATORS } from "./validate.ts";

type Getter = (obj: KubeObject) => string | undefined;
const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));
const at = (path: string): Getter => (obj) => {
  let cur: unknown = obj;
  for (const p of path.split(".")) cur = (cur as Record<string, unknown> | undefined)?.[p];
  return str(cur);
};

interface Spec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  status?: boolean;
  scale?: boolean;
  extraSubresources?: SubresourceInfo[];
  generation?: boolean;
  nameRule?: NameRule;
  fields?: string[];
  createOnUpdate?: boolean;
}

const SPECS: Spec[] = [
  {
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    namespaced: false,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    status: true,
    extraSubresources: [{ name: "finalize", kind: "Namespace", verbs: ["update"] }],
    nameRule: dns1123Label,
    fields: ["status.phase"],
  },
  {
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    namespaced: false,
    shortNames: ["no"],
    status: true,
    fields: ["spec.unschedulable"],
  },
  {
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    status: true,
    extraSubresources: [
      { name: "binding", kind: "Binding", verbs: ["create"] },
      { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
      { name: "log", kind: "Pod", verbs: ["get"] },
    ],
    fields: [
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  },
  {
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    namespaced: true,
    shortNames: ["svc"],
    categories: ["all"],
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    status: true,
    fields: ["spec.clusterIP", "spec.type"],
  },
  {
    group: "",
    version: "v1",
    kind: "Endpoints",
    plural: "endpoints",
    namespaced: true,
    shortNames: ["ep"],
    createOnUpdate: true,
  },
  { group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true, fields: ["type"] },
  { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"] },
  {
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    namespaced: true,
    shortNames: ["sa"],
  },
  {
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    namespaced: true,
    shortNames: ["ev"],
    fields: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
  },
  ...(["Deployment", "ReplicaSet", "StatefulSet"] as const).map((kind): Spec => ({
    group: "apps",
    version: "v1",
    kind,
    plural: `${kind.toLowerCase()}s`,
    namespaced: true,
    shortNames: [{ Deployment: "deploy", ReplicaSet: "rs", StatefulSet: "sts" }[kind]],
    categories: ["all"],
    status: true,
    scale: true,
    generation: true,
    fields: kind === "ReplicaSet" ? ["status.replicas"] : [],
  })),
  {
    group: "apps",
    version: "v1",
    kind: "DaemonSet",
    plural: "daemonsets",
    namespaced: true,
    shortNames: ["ds"],
    categories: ["all"],
    status: true,
    generation: true,
  },
  {
    group: "batch",
    version: "v1",
    kind: "Job",
    plural: "jobs",
    namespaced: true,
    categories: ["all"],
    status: true,
    generation: true,
    fields: ["status.successful"],
  },
  ...(["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"] as const).map((kind): Spec => ({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind,
    plural: `${kind.toLowerCase()}s`,
    namespaced: !kind.startsWith("Cluster"),
    nameRule: pathSegmentName,
  })),
  {
    group: "apiextensions.k8s.io",
    version: "v1",
    kind: "CustomResourceDefinition",
    plural: "customresourcedefinitions",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    status: true,
    generation: true,
  },
  {
    group: "coordination.k8s.io",
    version: "v1",
    kind: "Lease",
    plural: "leases",
    namespaced: true,
    createOnUpdate: true,
  },
];

function build(s: Spec): ResourceType {
  const key = `${s.group}/${s.kind}`;
  const subresources: SubresourceInfo[] = [];
  if (s.status) subresources.push({ name: "status", kind: s.kind, verbs: STATUS_VERBS });
  if (s.scale) {
    subresources.push({
      name: "scale",
      kind: "Scale",
      group: "autoscaling",
      version: "v1",
      verbs: STATUS_VERBS,
    });
  }
  subresources.push(...s.extraSubresources ?? []);
  const fieldSelectors: Record<string, Getter> = {};
  for (const f of s.fields ?? []) fieldSelectors[f] = at(f);
  const defaulter = DEFAULTERS[key];
  const validator = VALIDATORS[key];
  return {
    group: s.group,
    versions: [s.version],
    kind: s.kind,
    listKind: `${s.kind}List`,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    namespaced: s.namespaced,
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    verbs: s.verbs ?? ALL_VERBS,
    subresources,
    statusSubresource: !!s.status,
    tracksGeneration: !!s.generation,
    builtin: true,
    nameRule: s.nameRule ?? dns1123Subdomain,
    typeFor: () => BUILTIN_TYPES[key],
    fieldSelectors,
    unsupportedField: (f) => `field label not supported: ${f}`,
    defaults: defaulter ? (obj, ctx) => defaulter(obj, ctx) : undefined,
    validate: validator ? (obj, old) => validator(obj, old) : undefined,
    table: PRINTERS[key] ?? DEFAULT_PRINTER,
    listItemsHaveKind: false,
    createOnUpdate: s.createOnUpdate,
  };
}

export const BUILTIN_RESOURCES: ResourceType[] = SPECS.map(build);
