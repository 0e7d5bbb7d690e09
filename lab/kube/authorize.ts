/**
 * Authorization as a cluster with RBAC answers it: members of `system:masters` may do anything;
 * everyone else gets what their (Cluster)RoleBindings grant, plus discovery and health for
 * authenticated users and `/version`, `/healthz`, `/readyz`, `/livez` for anyone. Denials carry
 * the real Forbidden messages.
 *
 * @example
 * ```ts
 * authorize(cluster, { name: "admin", groups: ["system:masters"] }, { verb: "list", resource: "pods", group: "", namespace: "default" });
 * ```
 */
import type { KubeCluster } from "./cluster.ts";
import { ApiError } from "./status.ts";
import type { KubeObject, UserInfo } from "./types.ts";

export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const PUBLIC_PATHS = ["/version", "/healthz", "/readyz", "/livez"];
const DISCOVERY_PREFIXES = ["/api", "/apis", "/openapi"];

interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

function subjectMatches(subject: Record<string, string>, user: UserInfo, bindingNamespace?: string): boolean {
  if (subject.kind === "User") return subject.name === user.name;
  if (subject.kind === "Group") return user.groups.includes(subject.name);
  if (subject.kind === "ServiceAccount") {
    const ns = subject.namespace ?? bindingNamespace;
    return user.name === `system:serviceaccount:${ns}:${subject.name}`;
  }
  return false;
}

function rulesFor(cluster: KubeCluster, user: UserInfo, namespace?: string): Rule[] {
  const rules: Rule[] = [];
  const roleRules = (kind: string, name: string, ns?: string): Rule[] => {
    const role: KubeObject | undefined = kind === "ClusterRole"
      ? cluster.store.peek("rbac.authorization.k8s.io", "clusterroles", "", name)
      : cluster.store.peek("rbac.authorization.k8s.io", "roles", ns ?? "", name);
    return (role?.rules ?? []) as Rule[];
  };
  for (const b of cluster.store.scan("rbac.authorization.k8s.io", "clusterrolebindings")) {
    if ((b.subjects ?? []).some((s: Record<string, string>) => subjectMatches(s, user))) {
      rules.push(...roleRules(b.roleRef?.kind, b.roleRef?.name));
    }
  }
  if (namespace) {
    for (const b of cluster.store.scan("rbac.authorization.k8s.io", "rolebindings", namespace)) {
      if ((b.subjects ?? []).some((s: Record<string, string>) => subjectMatches(s, user, namespace))) {
        rules.push(...roleRules(b.roleRef?.kind, b.roleRef?.name, namespace));
      }
    }
  }
  return rules;
}

const has = (list: string[] | undefined, v: string) => !!list && (list.includes("*") || list.includes(v));

function resourceAllowed(rules: Rule[], a: ResourceAttributes): boolean {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return rules.some((r) =>
    has(r.verbs, a.verb) && has(r.apiGroups, a.group) &&
    (has(r.resources, res) || (!!a.subresource && (r.resources ?? []).includes(`*/${a.subresource}`))) &&
    (!r.resourceNames?.length || (!!a.name && r.resourceNames.includes(a.name)))
  );
}

function pathAllowed(rules: Rule[], verb: string, path: string): boolean {
  return rules.some((r) =>
    has(r.verbs, verb) &&
    (r.nonResourceURLs ?? []).some((u) =>
      u === "*" || u === path || (u.endsWith("*") && path.startsWith(u.slice(0, -1)))
    )
  );
}

/** Throws 403 Forbidden when `user` may not do this to a resource. */
export function authorizeResource(cluster: KubeCluster, user: UserInfo, a: ResourceAttributes): void {
  if (user.groups.includes("system:masters")) return;
  if (resourceAllowed(rulesFor(cluster, user, a.namespace), a)) return;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
  throw ApiError.forbidden(
    { group: a.group, resource: a.resource },
    a.name ?? "",
    `User ${JSON.stringify(user.name)} cannot ${a.verb} resource ${JSON.stringify(res)} in API group ${
      JSON.stringify(a.group)
    } ${scope}`,
  );
}

/** Throws 403 Forbidden when `user` may not do `verb` on a non-resource path. */
export function authorizePath(cluster: KubeCluster, user: UserInfo, verb: string, path: string): void {
  if (PUBLIC_PATHS.some((p) => path === p || path.startsWith(`${p}/`))) return;
  if (user.groups.includes("system:masters")) return;
  const authenticated = user.groups.includes("system:authenticated");
  if (
    authenticated && verb === "get" && DISCOVERY_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))
  ) return;
  if (pathAllowed(rulesFor(cluster, user), verb, path)) return;
  throw new ApiError(
    403,
    "Forbidden",
    `forbidden: User ${JSON.stringify(user.name)} cannot ${verb} path ${JSON.stringify(path)}`,
    {},
  );
}
