/**
 * Custom resources against their CRD's structural `openAPIV3Schema`, the way
 * apiextensions-apiserver treats them: defaults applied, unknown fields pruned (or reported for
 * `fieldValidation=Strict`/`Warn`) unless `x-kubernetes-preserve-unknown-fields`, then validated
 * (type, required, enum, pattern, formats, min/max, lengths, items, nullable) with the field errors
 * kube-openapi produces (`spec.x: Invalid value: "integer": spec.x in body must be of type string: "integer"`).
 *
 * @example
 * ```ts
 * const r = checkCustomResource(obj, schema);
 * r.errors; // FieldError[]
 * ```
 */
import { objectMeta } from "../schema/builtin_types.ts";
import { deduced, map, scalar, struct, type TypeNode } from "../schema/types.ts";
import { FieldError } from "../status.ts";
import { clone, isObject, jsonEqual } from "../types.ts";

/** The JSON schema subset a structural schema uses. */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  nullable?: boolean;
  default?: unknown;
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: unknown[];
}

export interface SchemaCheck {
  errors: FieldError[];
  /** Unknown fields found (pruned), as dotted paths like `spec.foo`. */
  unknown: string[];
}

const preserves = (s: JSONSchemaProps) => s["x-kubernetes-preserve-unknown-fields"] === true;

/** Applies `default`s from the schema (structural defaulting), in place. */
export function applyDefaults(value: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(value)) {
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      if (value[k] === undefined && p.default !== undefined) value[k] = clone(p.default);
      applyDefaults(value[k], p);
    }
    if (isObject(s.additionalProperties)) {
      for (const k of Object.keys(value)) {
        if (!(s.properties && k in s.properties)) applyDefaults(value[k], s.additionalProperties);
      }
    }
  } else if (Array.isArray(value) && s.items) {
    for (const item of value) applyDefaults(item, s.items);
  }
}

/** Removes fields the schema does not know (in place); returns their paths. */
export function prune(
  value: unknown,
  s: JSONSchemaProps | undefined,
  path: string,
  isRoot = false,
): string[] {
  if (!s) return [];
  const out: string[] = [];
  if (isObject(value)) {
    for (const k of Object.keys(value)) {
      const p = path ? `${path}.${k}` : k;
      if (isRoot && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
      if (s["x-kubernetes-embedded-resource"] && (k === "apiVersion" || k === "kind" || k === "metadata")) {
        continue;
      }
      const prop = s.properties?.[k];
      if (prop) out.push(...prune(value[k], prop, p));
      else if (isObject(s.additionalProperties)) out.push(...prune(value[k], s.additionalProperties, p));
      else if (s.additionalProperties === true || preserves(s)) continue;
      else {
        delete value[k];
        out.push(p);
      }
    }
  } else if (Array.isArray(value) && s.items) {
    value.forEach((item, i) => out.push(...prune(item, s.items, `${path}[${i}]`)));
  }
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "object") return "object";
  return typeof v;
}

function typeMatches(v: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
}

const FORMATS: Record<string, RegExp> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/,
  hostname: /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/,
  ipv4: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  duration: /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/,
};

/** Validates `value` against `s` at `path` (dotted, as kube-openapi names fields). */
export function validate(
  value: unknown,
  s: JSONSchemaProps,
  path: string,
  errs: FieldError[] = [],
): FieldError[] {
  const name = path || ".";
  if (value === null) {
    if (!s.nullable && s.type) {
      errs.push(FieldError.typeInvalid(path, "null", `${name} in body must be of type ${s.type}: "null"`));
    }
    return errs;
  }
  const intOrString = s["x-kubernetes-int-or-string"];
  if (intOrString) {
    if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) {
      errs.push(
        FieldError.typeInvalid(
          path,
          typeName(value),
          `${name} in body must be of type integer,string: "${typeName(value)}"`,
        ),
      );
      return errs;
    }
  } else if (s.type && !typeMatches(value, s.type)) {
    errs.push(
      FieldError.typeInvalid(
        path,
        typeName(value),
        `${name} in body must be of type ${s.type}: "${typeName(value)}"`,
      ),
    );
    return errs;
  }
  if (s.enum && !s.enum.some((e) => jsonEqual(e, value))) {
    errs.push(
      FieldError.notSupported(path, value, s.enum.map((e) => typeof e === "string" ? e : JSON.stringify(e))),
    );
  }
  if (typeof value === "string") {
    if (s.maxLength !== undefined && [...value].length > s.maxLength) {
      errs.push(FieldError.tooLong(path, s.maxLength));
    }
    if (s.minLength !== undefined && [...value].length < s.minLength) {
      errs.push(
        FieldError.invalid(path, value, `${name} in body should be at least ${s.minLength} chars long`),
      );
    }
    if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) {
      errs.push(FieldError.invalid(path, value, `${name} in body should match '${s.pattern}'`));
    }
    if (s.format && FORMATS[s.format] && !FORMATS[s.format].test(value)) {
      errs.push(
        FieldError.invalid(
          path,
          value,
          `${name} in body must be of type ${s.format}: ${JSON.stringify(value)}`,
        ),
      );
    }
  }
  if (typeof value === "number") {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) {
      errs.push(FieldError.invalid(
        path,
        value,
        `${name} in body should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${s.minimum}`,
      ));
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) {
      errs.push(FieldError.invalid(
        path,
        value,
        `${name} in body should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${s.maximum}`,
      ));
    }
    if (s.multipleOf !== undefined && value % s.multipleOf !== 0) {
      errs.push(FieldError.invalid(path, value, `${name} in body should be a multiple of ${s.multipleOf}`));
    }
  }
  if (Array.isArray(value)) {
    if (s.maxItems !== undefined && value.length > s.maxItems) {
      errs.push(FieldError.tooMany(path, value.length, s.maxItems));
    }
    if (s.minItems !== undefined && value.length < s.minItems) {
      errs.push(
        FieldError.invalid(path, value.length, `${name} in body should have at least ${s.minItems} items`),
      );
    }
    if (s.uniqueItems || s["x-kubernetes-list-type"] === "set") {
      value.forEach((v, i) => {
        if (value.slice(0, i).some((w) => jsonEqual(v, w))) {
          errs.push(FieldError.duplicate(`${path}[${i}]`, v));
        }
      });
    }
    if (s["x-kubernetes-list-type"] === "map") {
      const keys = s["x-kubernetes-list-map-keys"] ?? [];
      value.forEach((v, i) => {
        const k = keys.map((key) => (isObject(v) ? v[key] : undefined));
        if (
          value.slice(0, i).some((w) => jsonEqual(k, keys.map((key) => (isObject(w) ? w[key] : undefined))))
        ) {
          errs.push(FieldError.duplicate(`${path}[${i}]`, v));
        }
      });
    }
    if (s.items) value.forEach((item, i) => validate(item, s.items!, `${path}[${i}]`, errs));
  }
  if (isObject(value)) {
    for (const r of s.required ?? []) {
      if (value[r] === undefined) errs.push(FieldError.required(path ? `${path}.${r}` : r, ""));
    }
    const count = Object.keys(value).length;
    if (s.maxProperties !== undefined && count > s.maxProperties) {
      errs.push(FieldError.tooMany(path, count, s.maxProperties));
    }
    if (s.minProperties !== undefined && count < s.minProperties) {
      errs.push(
        FieldError.invalid(path, count, `${name} in body should have at least ${s.minProperties} properties`),
      );
    }
    for (const [k, v] of Object.entries(value)) {
      const child = path ? `${path}.${k}` : k;
      const prop = s.properties?.[k];
      if (prop) validate(v, prop, child, errs);
      else if (isObject(s.additionalProperties)) validate(v, s.additionalProperties, child, errs);
    }
  }
  for (const sub of s.allOf ?? []) validate(value, sub, path, errs);
  if (s.anyOf && !s.anyOf.some((sub) => validate(value, sub, path).length === 0)) {
    errs.push(FieldError.invalid(path, value, `${name} in body must match at least one schema in anyOf`));
  }
  if (s.oneOf && s.oneOf.filter((sub) => validate(value, sub, path).length === 0).length !== 1) {
    errs.push(
      FieldError.invalid(path, value, `${name} in body must validate one and only one schema (oneOf)`),
    );
  }
  if (s.not && validate(value, s.not, path).length === 0) {
    errs.push(FieldError.invalid(path, value, `${name} in body should not validate the schema provided`));
  }
  return errs;
}

/** Defaults, prunes and validates a custom resource; metadata is checked elsewhere. */
export function checkCustomResource(obj: Record<string, unknown>, schema: JSONSchemaProps): SchemaCheck {
  applyDefaults(obj, schema);
  const unknown = prune(obj, schema, "", true);
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k !== "metadata" && k !== "apiVersion" && k !== "kind") body[k] = v;
  }
  const rootSchema: JSONSchemaProps = {
    ...schema,
    properties: Object.fromEntries(
      Object.entries(schema.properties ?? {}).filter(([k]) =>
        k !== "metadata" && k !== "apiVersion" && k !== "kind"
      ),
    ),
    required: (schema.required ?? []).filter((k) => k !== "metadata" && k !== "apiVersion" && k !== "kind"),
  };
  return { errors: validate(body, rootSchema, ""), unknown };
}

/** The type model of a schema, for server-side apply. */
export function typeFromSchema(s: JSONSchemaProps | undefined, root = false): TypeNode {
  if (!s) return deduced;
  if (s["x-kubernetes-int-or-string"]) return scalar;
  if (s.type === "array") {
    const items = typeFromSchema(s.items);
    const lt = s["x-kubernetes-list-type"] ?? "atomic";
    if (lt === "map") {
      return { kind: "list", items, listType: "map", keys: s["x-kubernetes-list-map-keys"] ?? [] };
    }
    return { kind: "list", items, listType: lt };
  }
  if (s.type === "object" || s.properties || s.additionalProperties) {
    const atomic = s["x-kubernetes-map-type"] === "atomic";
    if (!s.properties && s.additionalProperties !== undefined) {
      const values = isObject(s.additionalProperties) ? typeFromSchema(s.additionalProperties) : deduced;
      return map(values, atomic);
    }
    const fields: Record<string, TypeNode> = {};
    for (const [k, p] of Object.entries(s.properties ?? {})) fields[k] = typeFromSchema(p);
    if (root || s["x-kubernetes-embedded-resource"]) fields.metadata = objectMeta;
    return struct(fields, { atomic, ...(preserves(s) || !s.properties ? { unknown: deduced } : {}) });
  }
  return preserves(s) ? deduced : scalar;
}
