/**
 * Server-side table printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`): the
 * columns kube-apiserver's printers report for the built-in kinds, so `kubectl get` shows the
 * familiar NAME / READY / STATUS / AGE output.
 *
 * @example
 * ```ts
 * PRINTERS["/Pod"].row(pod, now); // ["web-1", "1/1", "Running", 0, "5m", …]
 * ```
 */
import type { TableColumn, TablePrinter } from "./resource.ts";
import type { KubeObject } from "../types.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

/** duration.HumanDuration, as `kubectl get` shows ages. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  const days = Math.floor(hours / 24) % 365;
  if (hours < 24 * 365 * 8) return days === 0 ? `${years}y` : `${years}y${days}d`;
  return `${years}y`;
}

export function age(obj: KubeObject, now: number): string {
  const t = obj.metadata.creationTimestamp;
  return t ? humanDuration(now - Date.parse(t)) : "<unknown>";
}

const col = (
  name: string,
  type: TableColumn["type"],
  description: string,
  priority = 0,
  format?: string,
) => ({
  name,
  type,
  ...(format ? { format } : {}),
  description,
  priority,
});

const NAME = col(
  "Name",
  "string",
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  0,
  "name",
);
const AGE = col(
  "Age",
  "string",
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
);

const none = (v: unknown) => (v === undefined || v === null || v === "" ? "<none>" : v);

/** The default table: Name and Created At (the real server's fallback for kinds without printers). */
export const DEFAULT_PRINTER: TablePrinter = {
  columns: [
    NAME,
    col(
      "Created At",
      "date",
      "CreationTimestamp is a timestamp representing the server time when this object was created.",
    ),
  ],
  row: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? null],
};

function podStatus(pod: Obj): string {
  let reason = pod.status?.reason || pod.status?.phase || "Unknown";
  for (const cs of (pod.status?.containerStatuses ?? []) as Obj[]) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
  }
  if (pod.metadata?.deletionTimestamp) reason = "Terminating";
  return reason;
}

function nodeRoles(node: Obj): string {
  const roles = Object.keys(node.metadata?.labels ?? {})
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(",") : "<none>";
}

function nodeStatus(node: Obj): string {
  const ready = ((node.status?.conditions ?? []) as Obj[]).find((c) => c.type === "Ready");
  let s = ready?.status === "True" ? "Ready" : ready ? "NotReady" : "Unknown";
  if (node.spec?.unschedulable) s += ",SchedulingDisabled";
  return s;
}

const containers = (o: Obj) => ((o.spec?.template?.spec?.containers ?? []) as Obj[]);

function selectorString(sel: Obj | undefined): string {
  if (!sel) return "<none>";
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of (sel.matchExpressions ?? []) as Obj[]) {
    parts.push(`${e.key} ${String(e.operator).toLowerCase()} (${(e.values ?? []).join(",")})`);
  }
  return parts.length ? parts.join(",") : "<none>";
}

function portsString(ports: Obj[] | undefined): string {
  if (!ports?.length) return "<none>";
  return ports.map((p) => p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)
    .join(",");
}

/** Printers by "group/Kind". */
export const PRINTERS: Record<string, TablePrinter> = {
  "/Pod": {
    columns: [
      NAME,
      col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", "The aggregate status of the containers in this pod."),
      col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
      ),
      AGE,
      col(
        "IP",
        "string",
        "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
        1,
      ),
      col("Node", "string", "NodeName is a request to schedule this pod onto a specific node.", 1),
      col(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node.",
        1,
      ),
      col(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness.",
        1,
      ),
    ],
    row: (o, now) => {
      const statuses = (o.status?.containerStatuses ?? []) as Obj[];
      const total = (o.spec?.containers ?? []).length;
      const ready = statuses.filter((c) => c.ready).length;
      const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
      return [
        o.metadata.name,
        `${ready}/${total}`,
        podStatus(o),
        String(restarts),
        age(o, now),
        none(o.status?.podIP),
        none(o.spec?.nodeName),
        none(o.status?.nominatedNodeName),
        "<none>",
      ];
    },
  },
  "/Node": {
    columns: [
      NAME,
      col("Status", "string", "The status of the node"),
      col("Roles", "string", "The roles of the node"),
      AGE,
      col("Version", "string", "Kubelet Version reported by the node."),
      col(
        "Internal-IP",
        "string",
        "List of addresses reachable to the node. Queried from cloud provider, if available.",
        1,
      ),
      col(
        "External-IP",
        "string",
        "List of addresses reachable to the node. Queried from cloud provider, if available.",
        1,
      ),
      col(
        "OS-Image",
        "string",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
        1,
      ),
      col(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        1,
      ),
      col(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
        1,
      ),
    ],
    row: (o, now) => {
      const addr = (type: string) =>
        none(((o.status?.addresses ?? []) as Obj[]).find((a) => a.type === type)?.address);
      const info = o.status?.nodeInfo ?? {};
      return [
        o.metadata.name,
        nodeStatus(o),
        nodeRoles(o),
        age(o, now),
        info.kubeletVersion ?? "",
        addr("InternalIP"),
        addr("ExternalIP"),
        none(info.osImage),
        none(info.kernelVersion),
        none(info.containerRuntimeVersion),
      ];
    },
  },
  "/Namespace": {
    columns: [NAME, col("Status", "string", "The status of the namespace"), AGE],
    row: (o, now) => [o.metadata.name, o.status?.phase ?? "", age(o, now)],
  },
  "/Service": {
    columns: [
      NAME,
      col("Type", "string", "The type of the service."),
      col("Cluster-IP", "string", "The cluster IP of the service."),
      col("External-IP", "string", "The external IP of the service."),
      col("Port(s)", "string", "The ports of the service."),
      AGE,
      col("Selector", "string", "The selector of the service.", 1),
    ],
    row: (o, now) => [
      o.metadata.name,
      o.spec?.type ?? "",
      none(o.spec?.clusterIP),
      none((o.spec?.externalIPs ?? []).join(",")),
      portsString(o.spec?.ports),
      age(o, now),
      o.spec?.selector
        ? Object.entries(o.spec.selector).map(([k, v]) => `${k}=${v}`).join(",") || "<none>"
        : "<none>",
    ],
  },
  "/ConfigMap": {
    columns: [NAME, col("Data", "string", "Data contains the configuration data."), AGE],
    row: (o, now) => [
      o.metadata.name,
      Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length,
      age(o, now),
    ],
  },
  "/Secret": {
    columns: [
      NAME,
      col("Type", "string", "The type of the secret"),
      col("Data", "string", "The number of keys in the secret."),
      AGE,
    ],
    row: (o, now) => [o.metadata.name, o.type ?? "", Object.keys(o.data ?? {}).length, age(o, now)],
  },
  "/ServiceAccount": {
    columns: [
      NAME,
      col(
        "Secrets",
        "string",
        "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
      ),
      AGE,
    ],
    row: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o, now)],
  },
  "/Endpoints": {
    columns: [NAME, col("Endpoints", "string", "Endpoints is the list of endpoints in the service."), AGE],
    row: (o, now) => {
      const eps: string[] = [];
      for (const s of (o.subsets ?? []) as Obj[]) {
        for (const a of (s.addresses ?? []) as Obj[]) {
          for (const p of (s.ports ?? [{}]) as Obj[]) eps.push(p.port ? `${a.ip}:${p.port}` : a.ip);
        }
      }
      return [
        o.metadata.name,
        eps.length
          ? eps.slice(0, 3).join(",") + (eps.length > 3 ? ` + ${eps.length - 3} more...` : "")
          : "<none>",
        age(o, now),
      ];
    },
  },
  "/Event": {
    columns: [
      col("Last Seen", "string", "Time when this Event was last observed."),
      col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future."),
      col(
        "Reason",
        "string",
        "Reason is why the action was taken. It is human-readable. This field cannot be empty for new Events and it can have at most 128 characters.",
      ),
      col("Object", "string", "The object that this event is about."),
      col("Message", "string", "A human-readable description of the status of this operation."),
      { ...NAME, priority: 1 },
    ],
    row: (o, now) => {
      const last = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      return [
        last ? humanDuration(now - Date.parse(last)) : "<unknown>",
        o.type ?? "",
        o.reason ?? "",
        `${String(o.involvedObject?.kind ?? "").toLowerCase()}/${o.involvedObject?.name ?? ""}`,
        String(o.message ?? "").trim(),
        o.metadata.name,
      ];
    },
  },
  "apps/Deployment": {
    columns: [
      NAME,
      col("Ready", "string", "Number of the pod with ready state"),
      col(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
      ),
      col(
        "Available",
        "string",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
      ),
      AGE,
      col("Containers", "string", "Names of each container in the template.", 1),
      col("Images", "string", "Images referenced by each container in the template.", 1),
      col(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
        1,
      ),
    ],
    row: (o, now) => [
      o.metadata.name,
      `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
      o.status?.updatedReplicas ?? 0,
      o.status?.availableReplicas ?? 0,
      age(o, now),
      containers(o).map((c) => c.name).join(","),
      containers(o).map((c) => c.image).join(","),
      selectorString(o.spec?.selector),
    ],
  },
  "apps/ReplicaSet": {
    columns: [
      NAME,
      col("Desired", "integer", "Replicas is the number of desired replicas."),
      col("Current", "integer", "Replicas is the most recently observed number of replicas."),
      col("Ready", "integer", "The number of ready replicas for this replica set."),
      AGE,
    ],
    row: (o, now) => [
      o.metadata.name,
      o.spec?.replicas ?? 0,
      o.status?.replicas ?? 0,
      o.status?.readyReplicas ?? 0,
      age(o, now),
    ],
  },
  "apps/DaemonSet": {
    columns: [
      NAME,
      col("Desired", "integer", "The total number of nodes that should be running the daemon pod."),
      col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
      ),
      col(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
      ),
      col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
      col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
      ),
      col(
        "Node Selector",
        "string",
        "NodeSelector is a selector which must be true for the pod to fit on a node.",
      ),
      AGE,
    ],
    row: (o, now) => [
      o.metadata.name,
      o.status?.desiredNumberScheduled ?? 0,
      o.status?.currentNumberScheduled ?? 0,
      o.status?.numberReady ?? 0,
      o.status?.updatedNumberScheduled ?? 0,
      o.status?.numberAvailable ?? 0,
      Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(",") ||
      "<none>",
      age(o, now),
    ],
  },
  "apps/StatefulSet": {
    columns: [NAME, col("Ready", "string", "Number of the pod with ready state"), AGE],
    row: (
      o,
      now,
    ) => [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, age(o, now)],
  },
  "batch/Job": {
    columns: [
      NAME,
      col("Status", "string", "Status of the job."),
      col(
        "Completions",
        "string",
        "The desired number of successfully finished pods the job should be run with.",
      ),
      col("Duration", "string", "Time required to complete the job."),
      AGE,
    ],
    row: (o, now) => {
      const conds = (o.status?.conditions ?? []) as Obj[];
      const has = (t: string) => conds.some((c) => c.type === t && c.status === "True");
      const status = has("Complete")
        ? "Complete"
        : has("Failed")
        ? "Failed"
        : o.metadata.deletionTimestamp
        ? "Terminating"
        : has("Suspended")
        ? "Suspended"
        : "Running";
      const start = o.status?.startTime ? Date.parse(o.status.startTime) : undefined;
      const end = o.status?.completionTime ? Date.parse(o.status.completionTime) : now;
      return [
        o.metadata.name,
        status,
        `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`,
        start === undefined ? "" : humanDuration(end - start),
        age(o, now),
      ];
    },
  },
  "rbac.authorization.k8s.io/RoleBinding": {
    columns: [NAME, col("Role", "string", "Role is the role referenced by this binding."), AGE],
    row: (o, now) => [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age(o, now)],
  },
  "rbac.authorization.k8s.io/ClusterRoleBinding": {
    columns: [NAME, col("Role", "string", "Role is the role referenced by this binding."), AGE],
    row: (o, now) => [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age(o, now)],
  },
};
