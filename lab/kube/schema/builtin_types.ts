/**
 * The merge-relevant parts of the built-in kinds' schemas, from the Go types' markers
 * (`+listType`, `+listMapKey`, `+mapType`, `+structType`, `patchStrategy`, `patchMergeKey`) in
 * k8s.io/api. Only fields whose merge behaviour differs from the default (objects merge field by
 * field; lists replace / are atomic) need to be listed.
 *
 * @example
 * ```ts
 * BUILTIN_TYPES["apps/Deployment"]; // the Deployment's type model
 * ```
 */
import {
  atomicList,
  listMap,
  map,
  scalar,
  setList,
  struct,
  type StructType,
  type TypeNode,
} from "./types.ts";

const labelSelector = struct({ matchLabels: map(), matchExpressions: atomicList() }, { atomic: true });

export const objectMeta: StructType = struct({
  labels: map(),
  annotations: map(),
  finalizers: setList(),
  ownerReferences: listMap(["uid"], struct({}), "uid"),
  managedFields: atomicList(),
});

const conditions = listMap(["type"], struct({}), "type");

const probe = struct({
  exec: struct({ command: atomicList() }),
  httpGet: struct({ httpHeaders: atomicList() }),
});

const container = struct({
  command: atomicList(),
  args: atomicList(),
  ports: listMap(["containerPort", "protocol"], struct({}), "containerPort", false, { protocol: "TCP" }),
  env: listMap(["name"], struct({}), "name"),
  envFrom: atomicList(),
  volumeMounts: listMap(["mountPath"], struct({}), "mountPath"),
  volumeDevices: listMap(["devicePath"], struct({}), "devicePath"),
  resources: struct({ limits: map(), requests: map(), claims: listMap(["name"], struct({}), null) }),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  securityContext: struct({ capabilities: struct({ add: atomicList(), drop: atomicList() }) }),
});

const podSpec = struct({
  volumes: listMap(["name"], struct({}), "name", true),
  initContainers: listMap(["name"], container, "name"),
  containers: listMap(["name"], container, "name"),
  ephemeralContainers: listMap(["name"], container, "name"),
  nodeSelector: map(scalar, true),
  imagePullSecrets: listMap(["name"], struct({}), "name"),
  tolerations: atomicList(),
  hostAliases: listMap(["ip"], struct({ hostnames: atomicList() }), "ip"),
  topologySpreadConstraints: listMap(["topologyKey", "whenUnsatisfiable"], struct({}), "topologyKey"),
  readinessGates: atomicList(),
  schedulingGates: listMap(["name"], struct({}), "name"),
  resourceClaims: listMap(["name"], struct({}), "name", true),
  overhead: map(),
  affinity: struct({}),
  dnsConfig: struct({ nameservers: atomicList(), searches: atomicList(), options: atomicList() }),
});

const podTemplate = struct({ metadata: objectMeta, spec: podSpec });

const podStatus = struct({
  conditions,
  podIPs: listMap(["ip"], struct({}), "ip"),
  hostIPs: listMap(["ip"], struct({}), "ip"),
  containerStatuses: atomicList(),
  initContainerStatuses: atomicList(),
  ephemeralContainerStatuses: atomicList(),
});

const withMeta = (fields: Record<string, TypeNode>): StructType =>
  struct({ metadata: objectMeta, ...fields });

/** Type models by "group/Kind" ("" group for core: "/Pod"). */
export const BUILTIN_TYPES: Record<string, StructType> = {
  "/Namespace": withMeta({
    spec: struct({ finalizers: atomicList() }),
    status: struct({ conditions }),
  }),
  "/Node": withMeta({
    spec: struct({ podCIDRs: setList(), taints: atomicList() }),
    status: struct({
      conditions,
      addresses: atomicList(struct({}), "type"),
      capacity: map(),
      allocatable: map(),
      images: atomicList(),
      volumesInUse: atomicList(),
      volumesAttached: atomicList(),
    }),
  }),
  "/Pod": withMeta({ spec: podSpec, status: podStatus }),
  "/Service": withMeta({
    spec: struct({
      ports: listMap(["port", "protocol"], struct({}), "port", false, { protocol: "TCP" }),
      selector: map(scalar, true),
      clusterIPs: atomicList(),
      externalIPs: atomicList(),
      ipFamilies: atomicList(),
      loadBalancerSourceRanges: atomicList(),
    }),
    status: struct({ conditions, loadBalancer: struct({ ingress: atomicList() }) }),
  }),
  "/Endpoints": withMeta({ subsets: atomicList() }),
  "/Secret": withMeta({ data: map(), stringData: map() }),
  "/ConfigMap": withMeta({ data: map(), binaryData: map() }),
  "/ServiceAccount": withMeta({
    secrets: listMap(["name"], struct({}), "name"),
    imagePullSecrets: atomicList(),
  }),
  "/Event": withMeta({}),
  "apps/Deployment": withMeta({
    spec: struct({ selector: labelSelector, template: podTemplate }),
    status: struct({ conditions }),
  }),
  "apps/ReplicaSet": withMeta({
    spec: struct({ selector: labelSelector, template: podTemplate }),
    status: struct({ conditions }),
  }),
  "apps/DaemonSet": withMeta({
    spec: struct({ selector: labelSelector, template: podTemplate }),
    status: struct({ conditions }),
  }),
  "apps/StatefulSet": withMeta({
    spec: struct({ selector: labelSelector, template: podTemplate, volumeClaimTemplates: atomicList() }),
    status: struct({ conditions }),
  }),
  "batch/Job": withMeta({
    spec: struct({ selector: labelSelector, template: podTemplate }),
    status: struct({ conditions: atomicList(struct({}), "type") }),
  }),
  "rbac.authorization.k8s.io/Role": withMeta({ rules: atomicList() }),
  "rbac.authorization.k8s.io/ClusterRole": withMeta({
    rules: atomicList(),
    aggregationRule: struct({ clusterRoleSelectors: atomicList() }),
  }),
  "rbac.authorization.k8s.io/RoleBinding": withMeta({
    subjects: atomicList(),
    roleRef: struct({}, { atomic: true }),
  }),
  "rbac.authorization.k8s.io/ClusterRoleBinding": withMeta({
    subjects: atomicList(),
    roleRef: struct({}, { atomic: true }),
  }),
  "apiextensions.k8s.io/CustomResourceDefinition": withMeta({
    spec: struct({
      versions: atomicList(),
      names: struct({ shortNames: atomicList(), categories: atomicList() }),
    }),
    status: struct({ conditions, storedVersions: atomicList() }),
  }),
  "coordination.k8s.io/Lease": withMeta({}),
};

/** The type model for custom resources without a schema: only metadata is known. */
export const UNSTRUCTURED: StructType = withMeta({});
