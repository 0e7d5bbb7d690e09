/**
 * API discovery documents: `/api`, `/apis`, `/api/v1`, `/apis/<group>[/<version>]` in their legacy
 * shapes (APIVersions, APIGroupList, APIGroup, APIResourceList) and the aggregated discovery
 * (`apidiscovery.k8s.io/v2` APIGroupDiscoveryList) that kubectl asks for first.
 *
 * @example
 * ```ts
 * aggregatedDiscovery(registry, "apis", "v2"); // {kind: "APIGroupDiscoveryList", items: [...]}
 * ```
 */
import type { Registry } from "./resources/registry.ts";
import type { ResourceType } from "./resources/resource.ts";
import { apiVersionOf, type JsonObject } from "./types.ts";

function sorted<T>(items: T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** `/api`: the core group's versions. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupEntry(group: string, versions: string[]): JsonObject {
  const gv = versions.map((v) => ({ groupVersion: apiVersionOf(group, v), version: v }));
  return { name: group, versions: gv, preferredVersion: gv[0] };
}

/** `/apis`: every named group. */
export function apiGroupList(registry: Registry): JsonObject {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: registry.groups().filter((g) => g.group !== "").map((g) => groupEntry(g.group, g.versions)),
  };
}

/** `/apis/<group>`. */
export function apiGroup(registry: Registry, group: string): JsonObject | undefined {
  const g = registry.groups().find((x) => x.group === group);
  if (!g || !group) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, g.versions) };
}

const resourcesOf = (registry: Registry, group: string, version: string) =>
  sorted(registry.all().filter((r) => r.group === group && r.versions.includes(version)), (r) => r.plural);

/** `/api/v1` or `/apis/<group>/<version>`: the APIResourceList. */
export function apiResourceList(registry: Registry, group: string, version: string): JsonObject | undefined {
  const rts = resourcesOf(registry, group, version);
  if (!rts.length) return undefined;
  const resources: JsonObject[] = [];
  for (const rt of rts) {
    const r: JsonObject = {
      name: rt.plural,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: rt.verbs,
    };
    if (rt.shortNames.length) r.shortNames = rt.shortNames;
    if (rt.categories.length) r.categories = rt.categories;
    resources.push(r);
    for (const sub of sorted(rt.subresources, (s) => s.name)) {
      const s: JsonObject = { name: `${rt.plural}/${sub.name}`, singularName: "", namespaced: rt.namespaced };
      if (sub.group !== undefined) s.group = sub.group;
      if (sub.version !== undefined) s.version = sub.version;
      s.kind = sub.kind;
      s.verbs = sub.verbs;
      resources.push(s);
    }
  }
  const out: JsonObject = { kind: "APIResourceList" };
  if (group) out.apiVersion = "v1";
  out.groupVersion = apiVersionOf(group, version);
  out.resources = resources;
  return out;
}

function discoveryResource(rt: ResourceType, version: string): JsonObject {
  const r: JsonObject = {
    resource: rt.plural,
    responseKind: { group: rt.group, version, kind: rt.kind },
    scope: rt.namespaced ? "Namespaced" : "Cluster",
    singularResource: rt.singular,
    verbs: rt.verbs,
  };
  if (rt.shortNames.length) r.shortNames = rt.shortNames;
  if (rt.categories.length) r.categories = rt.categories;
  if (rt.subresources.length) {
    r.subresources = sorted(rt.subresources, (s) => s.name).map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? rt.group, version: s.version ?? version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return r;
}

/** Aggregated discovery for `/api` ("api") or `/apis` ("apis"), version v2 or v2beta1. */
export function aggregatedDiscovery(
  registry: Registry,
  root: "api" | "apis",
  version: "v2" | "v2beta1",
): JsonObject {
  const groups = registry.groups().filter((g) => (root === "api" ? g.group === "" : g.group !== ""));
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata:
        (root === "api"
          ? { creationTimestamp: null }
          : { name: g.group, creationTimestamp: null }) as JsonObject,
      versions: g.versions.map((v) => ({
        version: v,
        resources: resourcesOf(registry, g.group, v).map((rt) => discoveryResource(rt, v)),
        freshness: "Current",
      })),
    })),
  };
}
