/**
 * Parameter validation as PVE's JSONSchema does it: every unknown, missing, mistyped, out-of-range
 * or malformed parameter gets a message under its name, and the request fails with HTTP 400 and
 * `{"data": null, "errors": {…}}`.
 *
 * @example
 * ```ts
 * validateParams("POST /nodes/{node}/qemu", { node: "pve1", vmid: "abc" });
 * // { vmid: "type check ('integer') failed - got 'abc'" }
 * ```
 */
import { API_MODEL, type ParamSpec } from "./api_model.ts";
import { FORMATS } from "./formats.ts";

/** How many of each indexed parameter PVE allows (scsi0–scsi30, net0–net31, …). */
export const INDEX_LIMITS: Record<string, number> = {
  scsi: 31,
  virtio: 16,
  ide: 4,
  sata: 6,
  net: 32,
  ipconfig: 32,
  serial: 4,
};

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** The model's name for a request parameter: `scsi0` → `scsi[n]`. */
export function modelName(name: string, params: Record<string, ParamSpec>): string | undefined {
  if (params[name]) return name;
  const m = /^([a-z]+)(\d+)$/.exec(name);
  if (m && params[`${m[1]}[n]`] && Number(m[2]) < (INDEX_LIMITS[m[1]] ?? 0)) return `${m[1]}[n]`;
  return undefined;
}

/** Checks one scalar value; returns PVE's message or undefined. */
export function checkValue(spec: ParamSpec, raw: unknown): string | undefined {
  const value = String(raw);
  switch (spec.type) {
    case "integer":
      if (!/^[+-]?\d+$/.test(value)) return `type check ('integer') failed - got '${value}'`;
      break;
    case "number":
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) {
        return `type check ('number') failed - got '${value}'`;
      }
      break;
    case "boolean":
      if (!TRUE.test(value) && !FALSE.test(value)) return `type check ('boolean') failed - got '${value}'`;
      break;
  }
  if (spec.type === "integer" || spec.type === "number") {
    const n = Number(value);
    if (spec.minimum !== undefined && n < spec.minimum) {
      return `value must have a minimum value of ${spec.minimum}`;
    }
    if (spec.maximum !== undefined && n > spec.maximum) {
      return `value must have a maximum value of ${spec.maximum}`;
    }
  }
  if (spec.maxLength !== undefined && value.length > spec.maxLength) {
    return `value may only be ${spec.maxLength} characters long`;
  }
  if (spec.enum && !spec.enum.includes(value)) {
    return `value '${value}' does not have a value in the enumeration '${spec.enum.join(", ")}'`;
  }
  if (spec.pattern && !new RegExp(`^(?:${spec.pattern})$`).test(value)) {
    return "value does not match the regex pattern";
  }
  if (spec.keys) return checkPropertyString(spec.keys, value);
  if (spec.format) {
    const check = FORMATS[spec.format];
    if (!check) throw new Error(`no validator for PVE format ${spec.format}`);
    return check(value);
  }
  return undefined;
}

/** `key=value,…` with an optional leading default-key value and aliases. */
export function checkPropertyString(keys: Record<string, ParamSpec>, value: string): string | undefined {
  const seen = new Set<string>();
  const defaultKey = Object.entries(keys).find(([, s]) => s.default_key)?.[0];
  for (const [i, part] of value.split(",").entries()) {
    if (!part) return "invalid format - empty property";
    const eq = part.indexOf("=");
    let key = eq < 0 ? undefined : part.slice(0, eq);
    const val = eq < 0 ? part : part.slice(eq + 1);
    if (key === undefined) {
      if (i !== 0 || !defaultKey) {
        return `invalid format - value without key, but schema does not define a default key`;
      }
      key = defaultKey;
    }
    const spec = keys[key];
    if (!spec) {
      return `invalid format - property ${key} is not defined in schema and the schema does not allow additional properties`;
    }
    if (spec.alias) {
      // net: `virtio=BC:24:…` names the model and sets the aliased key (the MAC address)
      if (seen.has("model")) return "invalid format - duplicate key in comma-separated list property: model";
      seen.add("model");
      const err = checkValue(keys[spec.alias] ?? {}, val);
      if (err) return `invalid format - ${spec.alias}: ${err}`;
      seen.add(spec.alias);
      continue;
    }
    if (seen.has(key)) return `invalid format - duplicate key in comma-separated list property: ${key}`;
    seen.add(key);
    const err = checkValue(spec, val);
    if (err) return `invalid format - ${key}: ${err}`;
  }
  for (const [key, spec] of Object.entries(keys)) {
    if (!spec.optional && !spec.alias && !seen.has(key)) {
      return `invalid format - ${key}: property is missing and it is not optional`;
    }
  }
  return undefined;
}

/** Validates request parameters (path, query and body merged) for an endpoint of the model. */
export function validateParams(endpoint: string, params: Record<string, unknown>): Record<string, string> {
  const spec = API_MODEL[endpoint];
  if (!spec) throw new Error(`endpoint ${endpoint} is not in the model`);
  const errors: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const m = modelName(name, spec.params);
    if (!m) {
      errors[name] = "property is not defined in schema and the schema does not allow additional properties";
      continue;
    }
    const err = checkValue(spec.params[m], value);
    if (err) errors[name] = err;
  }
  for (const [name, p] of Object.entries(spec.params)) {
    if (!p.optional && !name.endsWith("[n]") && params[name] === undefined && !errors[name]) {
      errors[name] = "property is missing and it is not optional";
    }
  }
  return errors;
}
