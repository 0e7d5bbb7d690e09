/**
 * OpenAPI v3 as kube-apiserver publishes it: `/openapi/v3` lists one document per group-version
 * (`{"paths": {"apis/apps/v1": {"serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=…"}}}`), and
 * each document has the resource paths with their operations (`x-kubernetes-action`,
 * `x-kubernetes-group-version-kind`, the query parameters such as `fieldValidation`) and the kinds'
 * schemas in `components.schemas`.
 *
 * kubectl needs this: before `apply` it checks here that the server validates fields itself
 * (PATCH takes `fieldValidation`), client-side apply reads patch merge keys from the schemas, and
 * `kubectl explain` prints them. Built-in schemas are generated from the emulator's type model
 * (merge keys, list types, maps; other fields stay open), custom resources use their CRD schema.
 *
 * @example
 * ```ts
 * openApiRoot(registry); // {paths: {"api/v1": {...}, "apis/apps/v1": {...}}}
 * ```
 */
import type { Registry } from "./resources/registry.ts";
import type { ResourceType } from "./resources/resource.ts";
import type { TypeNode } from "./schema/types.ts";
import { apiVersionOf, type JsonObject } from "./types.ts";
import type { KubeObject } from "./types.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

/** The schema name of a kind (io.k8s.api.apps.v1.Deployment, io.fluxcd.toolkit.source.v1.GitRepository). */
export function schemaName(rt: ResourceType, version: string): string {
  if (rt.builtin) {
    if (rt.group === "apiextensions.k8s.io") {
      return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}.${rt.kind}`;
    }
    const pkg = rt.group === "" ? "core" : rt.group.split(".")[0];
    return `io.k8s.api.${pkg}.${version}.${rt.kind}`;
  }
  return `${rt.group.split(".").reverse().join(".")}.${version}.${rt.kind}`;
}

function fromType(t: TypeNode | undefined): JsonObject {
  if (!t) return {};
  switch (t.kind) {
    case "scalar":
      return {};
    case "map": {
      const s: JsonObject = { type: "object", additionalProperties: fromType(t.values) };
      if (t.atomic) s["x-kubernetes-map-type"] = "atomic";
      return s;
    }
    case "list": {
      const s: JsonObject = { type: "array", items: fromType(t.items) };
      s["x-kubernetes-list-type"] = t.listType;
      if (t.keys) s["x-kubernetes-list-map-keys"] = t.keys;
      if (t.smpKey !== undefined) {
        if (t.smpKey) s["x-kubernetes-patch-merge-key"] = t.smpKey;
        s["x-kubernetes-patch-strategy"] = t.smpRetainKeys ? "merge,retainKeys" : "merge";
      }
      return s;
    }
    case "struct": {
      const properties: JsonObject = {};
      for (const [k, v] of Object.entries(t.fields)) {
        properties[k] = k === "metadata"
          ? { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }], default: {} }
          : fromType(v);
      }
      const s: JsonObject = { type: "object", properties };
      if (t.atomic) s["x-kubernetes-map-type"] = "atomic";
      // fields the model does not name are still accepted
      s["x-kubernetes-preserve-unknown-fields"] = true;
      return s;
    }
  }
}

function kindSchema(rt: ResourceType, version: string, crdSchema?: JsonObject): JsonObject {
  const base = crdSchema
    ? JSON.parse(JSON.stringify(crdSchema)) as JsonObject
    : fromType(rt.typeFor(version));
  const props = (base.properties ?? {}) as JsonObject;
  base.properties = {
    apiVersion: {
      description:
        "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.",
      type: "string",
    },
    kind: {
      description:
        "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.",
      type: "string",
    },
    ...props,
    metadata: {
      allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }],
      default: {},
      description: "Standard object's metadata.",
    },
  };
  base.type = "object";
  base.description ??= `${rt.kind} (served by the strata lab emulator).`;
  base["x-kubernetes-group-version-kind"] = [{ group: rt.group, kind: rt.kind, version }];
  return base;
}

const param = (name: string, description: string, type = "string"): JsonObject => ({
  name,
  in: "query",
  description,
  schema: { type, uniqueItems: true },
});

const WRITE_PARAMS = [
  param("dryRun", "When present, indicates that modifications should not be persisted."),
  param(
    "fieldManager",
    "fieldManager is a name associated with the actor or entity that is making these changes.",
  ),
  param(
    "fieldValidation",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.",
  ),
];

function operation(
  rt: ResourceType,
  version: string,
  action: string,
  id: string,
  ref: string,
  extra: JsonObject[] = [],
): JsonObject {
  const content = { "application/json": { schema: { $ref: ref } } };
  const op: JsonObject = {
    description: `${action} ${rt.kind}`,
    operationId: id,
    responses: { "200": { description: "OK", content } },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: rt.group, kind: rt.kind, version },
  };
  if (extra.length) op.parameters = extra;
  return op;
}

function paths(rt: ResourceType, version: string): JsonObject {
  const gv = apiVersionOf(rt.group, version);
  const prefix = rt.group ? `/apis/${gv}` : `/api/${version}`;
  const ns = rt.namespaced ? "/namespaces/{namespace}" : "";
  const ref = `#/components/schemas/${schemaName(rt, version)}`;
  const id = `${rt.kind}${version}`;
  const nameParam: JsonObject = {
    name: "name",
    in: "path",
    description: `name of the ${rt.kind}`,
    required: true,
    schema: { type: "string", uniqueItems: true },
  };
  const nsParam: JsonObject = {
    name: "namespace",
    in: "path",
    description: "object name and auth scope",
    required: true,
    schema: { type: "string", uniqueItems: true },
  };
  const common = rt.namespaced ? [nameParam, nsParam] : [nameParam];
  const patchBody = {
    content: Object.fromEntries(
      [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        ...(rt.builtin ? ["application/strategic-merge-patch+json"] : []),
      ]
        .map((t) => [t, { schema: { $ref: `#/components/schemas/${META}.Patch` } }]),
    ),
    required: true,
  };
  const out: JsonObject = {
    [`${prefix}${ns}/${rt.plural}`]: {
      get: operation(rt, version, "list", `list${id}`, ref),
      post: {
        ...operation(rt, version, "post", `create${id}`, ref, WRITE_PARAMS),
        requestBody: { content: { "*/*": { schema: { $ref: ref } } }, required: true },
      },
      ...(rt.namespaced ? { parameters: [nsParam] } : {}),
    },
    [`${prefix}${ns}/${rt.plural}/{name}`]: {
      get: operation(rt, version, "get", `read${id}`, ref),
      put: {
        ...operation(rt, version, "put", `replace${id}`, ref, WRITE_PARAMS),
        requestBody: { content: { "*/*": { schema: { $ref: ref } } }, required: true },
      },
      patch: {
        ...operation(rt, version, "patch", `patch${id}`, ref, [
          ...WRITE_PARAMS,
          param("force", 'Force is going to "force" Apply requests.', "boolean"),
        ]),
        requestBody: patchBody,
      },
      delete: operation(rt, version, "delete", `delete${id}`, ref),
      parameters: common,
    },
  };
  if (rt.statusSubresource) {
    out[`${prefix}${ns}/${rt.plural}/{name}/status`] = {
      get: operation(rt, version, "get", `read${id}Status`, ref),
      put: operation(rt, version, "put", `replace${id}Status`, ref, WRITE_PARAMS),
      patch: {
        ...operation(rt, version, "patch", `patch${id}Status`, ref, [
          ...WRITE_PARAMS,
          param("force", "Force apply.", "boolean"),
        ]),
        requestBody: patchBody,
      },
      parameters: common,
    };
  }
  return out;
}

const OBJECT_META: JsonObject = {
  description:
    "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
  type: "object",
  properties: {
    annotations: { type: "object", additionalProperties: { type: "string", default: "" } },
    creationTimestamp: { type: "string", format: "date-time" },
    deletionGracePeriodSeconds: { type: "integer", format: "int64" },
    deletionTimestamp: { type: "string", format: "date-time" },
    finalizers: {
      type: "array",
      items: { type: "string", default: "" },
      "x-kubernetes-list-type": "set",
      "x-kubernetes-patch-strategy": "merge",
    },
    generateName: { type: "string" },
    generation: { type: "integer", format: "int64" },
    labels: { type: "object", additionalProperties: { type: "string", default: "" } },
    managedFields: { type: "array", items: { type: "object" }, "x-kubernetes-list-type": "atomic" },
    name: { type: "string" },
    namespace: { type: "string" },
    ownerReferences: {
      type: "array",
      items: { type: "object" },
      "x-kubernetes-list-map-keys": ["uid"],
      "x-kubernetes-list-type": "map",
      "x-kubernetes-patch-merge-key": "uid",
      "x-kubernetes-patch-strategy": "merge",
    },
    resourceVersion: { type: "string" },
    selfLink: { type: "string" },
    uid: { type: "string" },
  },
};

/** The schema of each version of a CRD, by "<group>/<version>/<kind>". */
export type CrdSchemas = Map<string, JsonObject>;

export function crdSchemas(crds: KubeObject[]): CrdSchemas {
  const m: CrdSchemas = new Map();
  for (const crd of crds) {
    for (
      const v of (crd.spec?.versions ?? []) as { name: string; schema?: { openAPIV3Schema?: JsonObject } }[]
    ) {
      if (v.schema?.openAPIV3Schema) {
        m.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema.openAPIV3Schema);
      }
    }
  }
  return m;
}

/** The document of one group-version. */
export function openApiGroupVersion(
  registry: Registry,
  group: string,
  version: string,
  gitVersion: string,
  crds: CrdSchemas,
): JsonObject | undefined {
  const rts = registry.all().filter((r) => r.group === group && r.versions.includes(version));
  if (!rts.length) return undefined;
  const allPaths: JsonObject = {};
  const schemas: JsonObject = {
    [`${META}.ObjectMeta`]: OBJECT_META,
    [`${META}.Patch`]: {
      description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
      type: "object",
    },
    [`${META}.Status`]: {
      description: "Status is a return value for calls that don't return other objects.",
      type: "object",
    },
  };
  for (const rt of rts) {
    Object.assign(allPaths, paths(rt, version));
    schemas[schemaName(rt, version)] = kindSchema(
      rt,
      version,
      rt.builtin ? undefined : crds.get(`${group}/${version}/${rt.kind}`),
    );
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: gitVersion },
    paths: allPaths,
    components: { schemas },
  };
}

/** `/openapi/v3`: where each group-version's document is. */
export function openApiRoot(
  registry: Registry,
  hashOf: (group: string, version: string) => string,
): JsonObject {
  const paths: JsonObject = {};
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const p = g.group ? `apis/${g.group}/${v}` : `api/${v}`;
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(g.group, v)}` };
    }
  }
  return { paths };
}
