/**
 * CustomResourceDefinitions: validation of the CRD itself (names, scope, versions, exactly one
 * storage version, a structural schema per version), its status (NamesAccepted, Established,
 * acceptedNames, storedVersions), and the resource type its custom resources are served as.
 *
 * @example
 * ```ts
 * const errors = validateCrd(crd);
 * const rt = resourceFromCrd(crd); // served at /apis/<group>/<version>/<plural>
 * ```
 */
import { dns1035Label, dns1123Subdomain } from "../names.ts";
import { ALL_VERBS, type ResourceType, STATUS_VERBS, type TablePrinter } from "../resources/resource.ts";
import { age } from "../resources/printers.ts";
import { FieldError } from "../status.ts";
import { isObject, type KubeObject, rfc3339 } from "../types.ts";
import { checkCustomResource, type JSONSchemaProps, typeFromSchema } from "./schema.ts";
import type { StructType } from "../schema/types.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: Obj; scale?: Obj };
  additionalPrinterColumns?: {
    name: string;
    type: string;
    jsonPath: string;
    description?: string;
    priority?: number;
    format?: string;
  }[];
  selectableFields?: { jsonPath: string }[];
}

/** Defaults of a CRD (names.singular, names.listKind, conversion). */
export function defaultCrd(crd: KubeObject): void {
  const spec = (crd.spec ??= {}) as Obj;
  const names = (spec.names ??= {}) as Obj;
  if (names.kind && !names.listKind) names.listKind = `${names.kind}List`;
  if (names.kind && !names.singular) names.singular = String(names.kind).toLowerCase();
  spec.conversion ??= { strategy: "None" };
  for (const v of (spec.versions ?? []) as Obj[]) if (isObject(v) && v.served === undefined) v.served = true;
}

/** ValidateCustomResourceDefinition (the parts that matter). */
export function validateCrd(crd: KubeObject, old?: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = (crd.spec ?? {}) as Obj;
  const names = (spec.names ?? {}) as Obj;
  if (!spec.group) errs.push(FieldError.required("spec.group", ""));
  else {
    for (const m of dns1123Subdomain(spec.group)) errs.push(FieldError.invalid("spec.group", spec.group, m));
    if (String(spec.group).split(".").length < 2) {
      errs.push(FieldError.invalid("spec.group", spec.group, "should be a domain with at least one dot"));
    }
  }
  if (!names.plural) errs.push(FieldError.required("spec.names.plural", ""));
  else {for (const m of dns1035Label(names.plural)) {
      errs.push(FieldError.invalid("spec.names.plural", names.plural, m));
    }}
  if (!names.kind) errs.push(FieldError.required("spec.names.kind", ""));
  if (names.singular) {
    for (const m of dns1035Label(names.singular)) {
      errs.push(FieldError.invalid("spec.names.singular", names.singular, m));
    }
  }
  if (names.plural && spec.group && crd.metadata.name !== `${names.plural}.${spec.group}`) {
    errs.push(
      FieldError.invalid("metadata.name", crd.metadata.name, 'must be spec.names.plural+"."+spec.group'),
    );
  }
  if (!["Namespaced", "Cluster"].includes(spec.scope)) {
    errs.push(
      spec.scope
        ? FieldError.notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"])
        : FieldError.required("spec.scope", ""),
    );
  }
  const versions = (spec.versions ?? []) as CrdVersion[];
  if (!versions.length) {
    errs.push(
      FieldError.invalid(
        "spec.versions",
        versions,
        "must have exactly one version marked as storage version",
      ),
    );
  }
  const storage = versions.filter((v) => v.storage).length;
  if (versions.length && storage !== 1) {
    errs.push(
      FieldError.invalid(
        "spec.versions",
        versions,
        "must have exactly one version marked as storage version",
      ),
    );
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!v.name) errs.push(FieldError.required(`${p}.name`, ""));
    else {
      if (!/^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/.test(v.name)) {
        for (const m of dns1035Label(v.name)) errs.push(FieldError.invalid(`${p}.name`, v.name, m));
      }
      if (seen.has(v.name)) {
        errs.push(FieldError.invalid("spec.versions", versions, "must contain unique version names"));
      }
      seen.add(v.name);
    }
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) errs.push(FieldError.required(`${p}.schema.openAPIV3Schema`, "schemas are required"));
    else errs.push(...structural(schema, `${p}.schema.openAPIV3Schema`, true));
  });
  if (old) {
    if (old.spec?.group !== spec.group) {
      errs.push(FieldError.invalid("spec.group", spec.group, "field is immutable"));
    }
    if (old.spec?.names?.plural !== names.plural) {
      errs.push(FieldError.invalid("spec.names.plural", names.plural, "field is immutable"));
    }
    if (old.spec?.scope !== spec.scope) {
      errs.push(FieldError.invalid("spec.scope", spec.scope, "field is immutable"));
    }
  }
  return errs;
}

/** The structural schema rules that matter: every node has a type unless preserved or int-or-string. */
function structural(s: JSONSchemaProps, path: string, root = false): FieldError[] {
  const errs: FieldError[] = [];
  if (root && s.type !== "object") {
    errs.push(FieldError.invalid(`${path}.type`, s.type ?? "", "must be object at the root"));
  }
  const loose = s["x-kubernetes-preserve-unknown-fields"] || s["x-kubernetes-int-or-string"];
  if (!s.type && !loose) {
    errs.push(FieldError.required(`${path}.type`, "must not be empty for specified object fields"));
  }
  if (s.properties && isObject(s.additionalProperties)) {
    errs.push(
      FieldError.forbidden(
        `${path}.additionalProperties`,
        "additionalProperties and properties are mutual exclusive",
      ),
    );
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    errs.push(...structural(p, `${path}.properties[${k}]`));
  }
  if (isObject(s.additionalProperties)) {
    errs.push(...structural(s.additionalProperties, `${path}.additionalProperties`));
  }
  if (s.items) errs.push(...structural(s.items, `${path}.items`));
  if (s.type === "array" && !s.items) errs.push(FieldError.required(`${path}.items`, "must be specified"));
  return errs;
}

/** The status the apiextensions controllers give an accepted CRD. */
export function establishedStatus(crd: KubeObject, now: number): Obj {
  const spec = crd.spec as Obj;
  const t = rfc3339(now);
  const prev = (crd.status?.conditions ?? []) as Obj[];
  const cond = (type: string, reason: string, message: string) => {
    const p = prev.find((c) => c.type === type);
    return {
      type,
      status: "True",
      lastTransitionTime: p?.status === "True" ? p.lastTransitionTime : t,
      reason,
      message,
    };
  };
  const storage = ((spec.versions ?? []) as CrdVersion[]).find((v) => v.storage)?.name;
  const stored = new Set<string>([...(crd.status?.storedVersions ?? []), ...(storage ? [storage] : [])]);
  return {
    acceptedNames: spec.names,
    conditions: [
      cond("NamesAccepted", "NoConflicts", "no conflicts found"),
      cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ],
    storedVersions: [...stored],
  };
}

function jsonPathValue(obj: unknown, jsonPath: string): unknown {
  // .status.conditions[?(@.type=="Ready")].status and plain dotted paths
  const m = /^\.?(.*)$/.exec(jsonPath.trim())![1];
  let cur: unknown = obj;
  const re = /([^.[\]]+)|\[\?\(@\.(\w+)=="([^"]*)"\)\]|\[(\d+)\]/g;
  let part: RegExpExecArray | null;
  while ((part = re.exec(m))) {
    if (cur === undefined || cur === null) return undefined;
    if (part[1] !== undefined) cur = (cur as Obj)[part[1]];
    else if (part[2] !== undefined) {
      cur = Array.isArray(cur) ? cur.find((x) => x?.[part![2]] === part![3]) : undefined;
    } else cur = Array.isArray(cur) ? cur[Number(part[4])] : undefined;
  }
  return cur;
}

/** The resource type custom resources of an established CRD are served as. */
export function resourceFromCrd(crd: KubeObject): ResourceType {
  const spec = crd.spec as Obj;
  const names = spec.names as Obj;
  const versions = ((spec.versions ?? []) as CrdVersion[]).filter((v) => v.served);
  const storage = versions.find((v) => v.storage) ?? versions[0];
  const ordered = [storage, ...versions.filter((v) => v !== storage)];
  const byName = new Map(ordered.map((v) => [v.name, v]));
  const types = new Map<string, StructType>();
  for (const v of ordered) types.set(v.name, typeFromSchema(v.schema?.openAPIV3Schema, true) as StructType);
  const withStatus = !!storage?.subresources?.status;
  const subresources = [];
  if (withStatus) subresources.push({ name: "status", kind: names.kind, verbs: STATUS_VERBS });
  if (storage?.subresources?.scale) {
    subresources.push({
      name: "scale",
      kind: "Scale",
      group: "autoscaling",
      version: "v1",
      verbs: STATUS_VERBS,
    });
  }
  const columns = storage?.additionalPrinterColumns ?? [];
  const table: TablePrinter = {
    columns: [
      {
        name: "Name",
        type: "string",
        format: "name",
        description: "Name must be unique within a namespace.",
        priority: 0,
      },
      ...columns.map((c) => ({
        name: c.name,
        type: (c.type === "date" ? "date" : c.type) as "string",
        ...(c.format ? { format: c.format } : {}),
        description: c.description ?? "",
        priority: c.priority ?? 0,
      })),
      ...(columns.some((c) => c.jsonPath === ".metadata.creationTimestamp")
        ? []
        : [{ name: "Age", type: "date" as const, description: "", priority: 0 }]),
    ],
    row: (o, now) => [
      o.metadata.name,
      ...columns.map((c) => {
        const v = jsonPathValue(o, c.jsonPath);
        if (c.type === "date" && typeof v === "string") {
          return age({ metadata: { creationTimestamp: v } }, now);
        }
        return v ?? null;
      }),
      ...(columns.some((c) => c.jsonPath === ".metadata.creationTimestamp") ? [] : [age(o, now)]),
    ],
  };
  const fieldSelectors: ResourceType["fieldSelectors"] = {};
  for (const f of storage?.selectableFields ?? []) {
    fieldSelectors[f.jsonPath.replace(/^\./, "")] = (o) => {
      const v = jsonPathValue(o, f.jsonPath);
      return v === undefined ? "" : String(v);
    };
  }
  return {
    group: spec.group,
    versions: ordered.map((v) => v.name),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? String(names.kind).toLowerCase(),
    namespaced: spec.scope === "Namespaced",
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: ALL_VERBS,
    subresources,
    statusSubresource: withStatus,
    tracksGeneration: true,
    builtin: false,
    nameRule: dns1123Subdomain,
    typeFor: (version) => types.get(version) ?? types.get(storage.name)!,
    fieldSelectors,
    unsupportedField: (f) =>
      `"${f}" is not a known field selector: only "metadata.name", "metadata.namespace"${
        Object.keys(fieldSelectors).map((k) => `, "${k}"`).join("")
      }`,
    schemaCheck(obj, version) {
      const schema = byName.get(version)?.schema?.openAPIV3Schema ?? storage.schema?.openAPIV3Schema;
      if (!schema) return { errors: [], unknown: [], pruned: [] };
      const r = checkCustomResource(obj, schema);
      return { errors: r.errors, unknown: r.unknown, pruned: r.unknown };
    },
    table,
    listItemsHaveKind: true,
  };
}
