/**
 * Structural checks of machine config documents against strata's compact schema model: document
 * kinds, field names (with did-you-mean), value types, enums, patterns and required fields. This is
 * what the official JSON schema checks, done with the model because users do not have the schema
 * file; `tests/talos/schema_model_test.ts` proves the model equals the official schema.
 *
 * @example
 * ```ts
 * checkDocument(schemaModel("v1.13")!, { version: "v1alpha1", machine: { typo: 1 } });
 * // [{ document: "v1alpha1", path: "machine.typo", message: "unknown field" }]
 * ```
 */
import { didYouMean } from "../../config/did_you_mean.ts";
import type { SchemaModel, Shape } from "./schema_model.ts";

/** One problem in a config, located by document and field path. */
export interface ConfigIssue {
  /** `v1alpha1`, or the kind and name of another document, e.g. `LinkConfig net0`. */
  document: string;
  /** Dotted path inside the document, `[i]` for list items; empty for the whole document. */
  path: string;
  message: string;
}

/** The legacy v1alpha1 document has neither `apiVersion` nor `kind`. */
export function isV1Alpha1(doc: Record<string, unknown>): boolean {
  return doc.apiVersion === undefined && doc.kind === undefined;
}

/** How messages name a document. */
export function documentLabel(doc: Record<string, unknown>): string {
  if (isV1Alpha1(doc)) return "v1alpha1";
  return typeof doc.name === "string" && doc.name ? `${String(doc.kind)} ${doc.name}` : String(doc.kind);
}

/** The model type of a document (`v1alpha1.Config`, `network.LinkConfigV1Alpha1`, …), if known. */
export function documentType(model: SchemaModel, doc: Record<string, unknown>): string | undefined {
  if (isV1Alpha1(doc)) return "v1alpha1.Config";
  for (const name of model.documents) {
    const def = model.defs[name];
    if (typeof def !== "object" || !("props" in def)) continue;
    const kind = def.props.kind, api = def.props.apiVersion;
    if (
      kind && typeof kind === "object" && "enum" in kind && kind.enum.includes(doc.kind as string) &&
      api && typeof api === "object" && "enum" in api && api.enum.includes(doc.apiVersion as string)
    ) return name;
  }
  return undefined;
}

/** Document kinds the model knows, for messages. */
export function documentKinds(model: SchemaModel): string[] {
  return model.documents.map((name) => {
    const def = model.defs[name];
    const kind = typeof def === "object" && "props" in def ? def.props.kind : undefined;
    return kind && typeof kind === "object" && "enum" in kind ? String(kind.enum[0]) : name;
  });
}

export interface CheckOptions {
  /** A patch: required fields may be missing. */
  partial?: boolean;
}

/** Structural issues of one document. */
export function checkDocument(
  model: SchemaModel,
  doc: Record<string, unknown>,
  opts: CheckOptions = {},
): ConfigIssue[] {
  const label = documentLabel(doc);
  const type = documentType(model, doc);
  if (!type) {
    const kinds = documentKinds(model);
    const guess = typeof doc.kind === "string" ? didYouMean(doc.kind, kinds) : undefined;
    const what = doc.kind === undefined || doc.apiVersion === undefined
      ? "a document needs both apiVersion and kind (or neither, for the v1alpha1 document)"
      : `unknown document kind ${String(doc.kind)} (apiVersion ${String(doc.apiVersion)})` +
        (guess ? `; did you mean ${guess}?` : "");
    return [{ document: label, path: "", message: what }];
  }
  const issues: ConfigIssue[] = [];
  walk(
    model,
    { ref: type },
    doc,
    "",
    (path, message) => issues.push({ document: label, path, message }),
    opts,
  );
  return issues;
}

type Report = (path: string, message: string) => void;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return JSON.stringify(value);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Issues of `value` against `shape`, reported through `report`; returns whether it conforms. */
function walk(
  model: SchemaModel,
  shape: Shape,
  value: unknown,
  path: string,
  report: Report,
  opts: CheckOptions,
) {
  let ok = true;
  const fail = (p: string, m: string) => {
    ok = false;
    report(p, m);
  };
  if (typeof shape === "string") {
    const fits = shape === "string"
      ? typeof value === "string"
      : shape === "integer"
      ? typeof value === "number" && Number.isInteger(value)
      : shape === "boolean"
      ? typeof value === "boolean"
      : isPlainObject(value);
    const noun = shape === "object" ? "a map" : shape === "integer" ? "an integer" : `a ${shape}`;
    if (!fits) fail(path, `must be ${noun}, not ${describe(value)}`);
    return ok;
  }
  if ("ref" in shape) {
    const def = model.defs[shape.ref];
    if (!def) {
      fail(path, `the model has no type ${shape.ref}`);
      return ok;
    }
    return walk(model, def, value, path, report, opts);
  }
  if ("enum" in shape) {
    if (!shape.enum.includes(value as string)) {
      fail(
        path,
        `must be one of ${shape.enum.map((v) => JSON.stringify(v)).join(", ")}, not ${describe(value)}`,
      );
    }
    return ok;
  }
  if ("string" in shape) {
    if (typeof value !== "string") fail(path, `must be a string, not ${describe(value)}`);
    else if (!new RegExp(shape.string).test(value)) {
      fail(path, `${JSON.stringify(value)} must match ${shape.string}`);
    }
    return ok;
  }
  if ("array" in shape) {
    if (!Array.isArray(value)) {
      fail(path, `must be a list, not ${describe(value)}`);
      return ok;
    }
    value.forEach((item, i) => {
      if (!walk(model, shape.array, item, `${path}[${i}]`, report, opts)) ok = false;
    });
    return ok;
  }
  if ("map" in shape) {
    if (!isPlainObject(value)) {
      fail(path, `must be a map, not ${describe(value)}`);
      return ok;
    }
    for (const [k, v] of Object.entries(value)) {
      if (!walk(model, shape.map, v, join(path, k), report, opts)) ok = false;
    }
    return ok;
  }
  if ("oneOf" in shape) {
    const matches = shape.oneOf.filter((s) => walk(model, s, value, path, () => {}, opts)).length;
    if (matches !== 1) {
      fail(path, `must be ${shape.oneOf.map(shapeNoun).join(" or ")}, not ${describe(value)}`);
    }
    return ok;
  }
  if (!isPlainObject(value)) {
    fail(path, `must be a map, not ${describe(value)}`);
    return ok;
  }
  const known = Object.keys(shape.props);
  for (const [k, v] of Object.entries(value)) {
    const field = shape.props[k];
    if (!field) {
      const guess = didYouMean(k, known);
      fail(join(path, k), `unknown field${guess ? ` (did you mean ${guess}?)` : ""}`);
      continue;
    }
    if (!walk(model, field, v, join(path, k), report, opts)) ok = false;
  }
  if (!opts.partial) {
    for (const r of shape.required ?? []) if (!(r in value)) fail(join(path, r), "is required");
  }
  return ok;
}

function shapeNoun(shape: Shape): string {
  if (typeof shape === "string") return shape === "integer" ? "an integer" : `a ${shape}`;
  if ("array" in shape) return `a list of ${shapeNoun(shape.array).replace(/^an? /, "")}s`;
  return "a value";
}
