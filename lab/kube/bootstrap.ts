/**
 * What a freshly bootstrapped cluster holds before anyone applies anything: the `default`,
 * `kube-system`, `kube-public` and `kube-node-lease` namespaces, the `kubernetes` Service and its
 * Endpoints on the control planes, and the bootstrap RBAC roles kubectl users rely on
 * (cluster-admin bound to system:masters, admin/edit/view, discovery for authenticated users).
 * Idempotent: running it again changes nothing.
 *
 * @example
 * ```ts
 * seedCluster(cluster, { apiServerIps: ["10.0.1.11"] });
 * ```
 */
import type { KubeCluster } from "./cluster.ts";
import type { KubeObject } from "./types.ts";

function ensure(
  cluster: KubeCluster,
  group: string,
  plural: string,
  namespace: string,
  obj: KubeObject,
): void {
  const rt = cluster.resource(group, plural);
  if (cluster.tryGet(rt, namespace, obj.metadata.name!)) return;
  cluster.create(rt, namespace, obj, { manager: "kube-apiserver" });
}

const ALL = ["*"];

export interface SeedOptions {
  /** Control-plane node IPs (the `kubernetes` Endpoints). */
  apiServerIps: string[];
}

export function seedCluster(cluster: KubeCluster, opts: SeedOptions): void {
  for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
    ensure(cluster, "", "namespaces", "", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
  ensure(cluster, "", "services", "default", {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { component: "apiserver", provider: "kubernetes" },
    },
    spec: {
      clusterIP: cluster.firstServiceIp(),
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }],
      sessionAffinity: "None",
      type: "ClusterIP",
    },
  });
  syncKubernetesEndpoints(cluster, opts.apiServerIps);
  const rbac = "rbac.authorization.k8s.io";
  const role = (name: string, rules: unknown[], aggregate?: string): KubeObject => ({
    apiVersion: `${rbac}/v1`,
    kind: "ClusterRole",
    metadata: {
      name,
      labels: {
        "kubernetes.io/bootstrapping": "rbac-defaults",
        ...(aggregate ? { [aggregate]: "true" } : {}),
      },
      annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
    },
    rules,
  });
  ensure(
    cluster,
    rbac,
    "clusterroles",
    "",
    role("cluster-admin", [
      { apiGroups: ALL, resources: ALL, verbs: ALL },
      { nonResourceURLs: ALL, verbs: ALL },
    ]),
  );
  ensure(
    cluster,
    rbac,
    "clusterroles",
    "",
    role("system:discovery", [
      {
        nonResourceURLs: [
          "/api",
          "/api/*",
          "/apis",
          "/apis/*",
          "/healthz",
          "/livez",
          "/openapi",
          "/openapi/*",
          "/readyz",
          "/version",
          "/version/",
        ],
        verbs: ["get"],
      },
    ]),
  );
  ensure(
    cluster,
    rbac,
    "clusterroles",
    "",
    role("view", [
      { apiGroups: ["", "apps", "batch"], resources: ALL, verbs: ["get", "list", "watch"] },
    ], "rbac.authorization.k8s.io/aggregate-to-edit"),
  );
  ensure(
    cluster,
    rbac,
    "clusterroles",
    "",
    role("edit", [
      {
        apiGroups: ["", "apps", "batch"],
        resources: ALL,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
      },
    ], "rbac.authorization.k8s.io/aggregate-to-admin"),
  );
  ensure(
    cluster,
    rbac,
    "clusterroles",
    "",
    role("admin", [
      {
        apiGroups: ["", "apps", "batch", rbac],
        resources: ALL,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
      },
    ]),
  );
  const binding = (name: string, roleName: string, group: string): KubeObject => ({
    apiVersion: `${rbac}/v1`,
    kind: "ClusterRoleBinding",
    metadata: {
      name,
      labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
      annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
    },
    roleRef: { apiGroup: rbac, kind: "ClusterRole", name: roleName },
    subjects: [{ apiGroup: rbac, kind: "Group", name: group }],
  });
  ensure(
    cluster,
    rbac,
    "clusterrolebindings",
    "",
    binding("cluster-admin", "cluster-admin", "system:masters"),
  );
  ensure(
    cluster,
    rbac,
    "clusterrolebindings",
    "",
    binding("system:discovery", "system:discovery", "system:authenticated"),
  );
}

/** The `kubernetes` Endpoints: one address per control plane, port 6443. */
export function syncKubernetesEndpoints(cluster: KubeCluster, ips: string[]): void {
  const rt = cluster.resource("", "endpoints");
  const desired: KubeObject = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { "endpointslice.kubernetes.io/skip-mirror": "true" },
    },
    subsets: ips.length
      ? [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: "https", port: 6443, protocol: "TCP" }] }]
      : [],
  };
  const cur = cluster.tryGet(rt, "default", "kubernetes");
  if (!cur) cluster.create(rt, "default", desired, { manager: "kube-apiserver" });
  else {cluster.update(rt, "default", "kubernetes", {
      ...desired,
      metadata: { ...cur.metadata, ...desired.metadata },
    }, { manager: "kube-apiserver" });}
}
