/**
 * Request paths of the Kubernetes API: `/api/v1/namespaces/<ns>/pods/<name>/status`,
 * `/apis/<group>/<version>/<resource>`, … → what is addressed (RequestInfo, as the real server's
 * request-info resolver computes it).
 *
 * @example
 * ```ts
 * parseResourcePath("/apis/apps/v1/namespaces/default/deployments/web/scale");
 * // {group: "apps", version: "v1", namespace: "default", resource: "deployments", name: "web", subresource: "scale"}
 * ```
 */
export interface ResourcePath {
  group: string;
  version: string;
  resource: string;
  /** Set when the path is under /namespaces/<ns>/ (or is a namespace itself: then it is "" here). */
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type ApiPath =
  | { kind: "core-root" }
  | { kind: "groups-root" }
  | { kind: "group"; group: string }
  | { kind: "group-version"; group: string; version: string }
  | { kind: "resource"; path: ResourcePath }
  | { kind: "unknown" };

export function parseApiPath(pathname: string): ApiPath {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "api") {
    if (parts.length === 1) return { kind: "core-root" };
    const version = parts[1];
    if (parts.length === 2) return { kind: "group-version", group: "", version };
    return resourceOrUnknown("", version, parts.slice(2));
  }
  if (parts[0] === "apis") {
    if (parts.length === 1) return { kind: "groups-root" };
    const group = parts[1];
    if (parts.length === 2) return { kind: "group", group };
    const version = parts[2];
    if (parts.length === 3) return { kind: "group-version", group, version };
    return resourceOrUnknown(group, version, parts.slice(3));
  }
  return { kind: "unknown" };
}

function resourceOrUnknown(group: string, version: string, rest: string[]): ApiPath {
  const p = resourcePath(group, version, rest);
  return p ? { kind: "resource", path: p } : { kind: "unknown" };
}

function resourcePath(group: string, version: string, rest: string[]): ResourcePath | undefined {
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && isNamespaceSub(rest[2]))) {
    // /namespaces/<ns>/<resource>[/<name>[/<sub>]]
    const [, namespace, resource, name, subresource, ...extra] = rest;
    if (extra.length) return undefined;
    return { group, version, namespace, resource, name, subresource };
  }
  const [resource, name, subresource, ...extra] = rest;
  if (extra.length) return undefined;
  return { group, version, resource, name, subresource };
}

const isNamespaceSub = (s: string) => s === "status" || s === "finalize";
