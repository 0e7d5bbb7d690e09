/**
 * Parameter validation exactly as PVE's JSONSchema (pve-common `check_prop`, `check_object`,
 * `check_type`, `check_format`, `parse_property_string`): the same order of checks, the same
 * messages (with PVE's trailing newlines), property strings parsed key by key, and every error
 * under its parameter's name. A request with errors fails with HTTP 400 and
 * `{"data": null, "errors": {…}, "message": "Parameter verification failed.\n"}`.
 *
 * @example
 * ```ts
 * validateParams(API_MODEL["POST /nodes/{node}/qemu"], { node: "pve1", vmid: "abc" });
 * // { vmid: "type check ('integer') failed - got 'abc'" }
 * ```
 */
import type { EndpointSpec, ParamSpec } from "./api_model.ts";
import { die, perlErrorText, PveException } from "./exception.ts";
import { type FormatCheck, FORMATS, type HashFormat } from "./formats.ts";

export type Errors = Record<string, string>;

/** Request values: form/query strings, or what a JSON body decodes to. */
export type ParamValue = string | number | boolean | null | ParamValue[] | { [k: string]: ParamValue };

/** `add_error`: a second error on the same path is appended after a literal `\n` (Perl '\n'). */
function addError(errors: Errors, path: string, message: string) {
  const key = path || "_root";
  errors[key] = errors[key] ? `${errors[key]}\\n${message}` : message;
}

/** Perl's `ref()` of a decoded JSON value, or undefined for a plain scalar. */
function refType(value: unknown): string | undefined {
  if (Array.isArray(value)) return "ARRAY";
  if (typeof value === "boolean") return "JSON::PP::Boolean";
  if (value !== null && typeof value === "object") return "HASH";
  return undefined;
}

/** A scalar as Perl stringifies it (JSON booleans stringify to 1 / 0). */
export function perlString(value: unknown): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  return String(value);
}

export function isNumber(value: string): boolean {
  return /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(value);
}

/** `parse_boolean`: 1/on/yes/true and 0/off/no/false, case-insensitive. */
export function parseBoolean(value: string): "1" | "0" | undefined {
  if (/^(1|on|yes|true)$/i.test(value)) return "1";
  if (/^(0|off|no|false)$/i.test(value)) return "0";
  return undefined;
}

/** `split_list`: items separated by `,`, `;` or whitespace (or NUL). */
export function splitList(text: string): string[] {
  if (text.includes("\0")) return text.split("\0");
  return text.replace(/[,;]/g, " ").split(/\s+/).filter(Boolean);
}

const patternCache = new Map<string, RegExp>();
/**
 * `$value =~ m/^$pattern$/` with a Perl pattern: `(?^:…)` groups as PVE stringifies `qr//`,
 * `{,n}` as Perl 5.34+ reads it, no grouping around the alternation (as in Perl), and `$` also
 * matching before a final newline.
 */
export function matchesPattern(pattern: string, value: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    const js = pattern.replace(/\(\?\^([a-z]*):/g, (_, flags) => flags ? `(?${flags}:` : "(?:")
      .replace(/\{,(\d+)\}/g, "{0,$1}");
    re = new RegExp(`^${js}$`);
    patternCache.set(pattern, re);
  }
  return re.test(value) || (value.endsWith("\n") && re.test(value.slice(0, -1)));
}

function checkType(path: string, type: string | undefined, value: unknown, errors: Errors): boolean {
  if (!type || type === "any") return true;
  const vt = refType(value);
  if (type === "array" || type === "object") {
    if (vt !== (type === "array" ? "ARRAY" : "HASH")) {
      addError(errors, path, `type check ('${type}') failed`);
      return false;
    }
    return true;
  }
  if (vt) {
    if (type === "boolean" && vt === "JSON::PP::Boolean") return true;
    addError(errors, path, `type check ('${type}') failed - got ${vt}`);
    return false;
  }
  const text = perlString(value);
  const ok = type === "boolean"
    ? text === "1" || text === "0"
    : type === "integer"
    ? /^[+-]?\d+$/.test(text)
    : type === "number"
    ? isNumber(text)
    : true;
  if (!ok) addError(errors, path, `type check ('${type}') failed - got '${text}'`);
  return ok;
}

/** `check_prop` for one value. */
export function checkProp(value: unknown, schema: ParamSpec, path: string, errors: Errors): void {
  // aliases are always optional and their value is remapped to the target key
  if (schema.alias) return;
  if (value === undefined || value === null) {
    if (!schema.optional) addError(errors, path, "property is missing and it is not optional");
    return;
  }
  if (!checkType(path, schema.type, value, errors)) return;
  if (refType(value) && refType(value) !== "JSON::PP::Boolean") return;
  const text = perlString(value);
  if (schema.format) {
    try {
      checkFormat(schema.format, text, path);
    } catch (err) {
      addError(errors, path, `invalid format - ${perlErrorText(err)}`);
      return;
    }
  }
  if (schema.pattern && !matchesPattern(schema.pattern, text)) {
    addError(errors, path, "value does not match the regex pattern");
    return;
  }
  if (schema.maxLength !== undefined && [...text].length > schema.maxLength) {
    addError(errors, path, `value may only be ${schema.maxLength} characters long`);
    return;
  }
  if (schema.minLength !== undefined && [...text].length < schema.minLength) {
    addError(errors, path, `value must be at least ${schema.minLength} characters long`);
    return;
  }
  if (isNumber(text)) {
    if (schema.maximum !== undefined && Number(text) > Number(schema.maximum)) {
      addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
      return;
    }
    if (schema.minimum !== undefined && Number(text) < Number(schema.minimum)) {
      addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
      return;
    }
  }
  if (schema.enum && !schema.enum.some((e) => String(e) === text)) {
    addError(
      errors,
      path,
      `value '${text}' does not have a value in the enumeration '${schema.enum.join(", ")}'`,
    );
  }
}

/** `check_object` with additional properties forbidden (as every API method and property string). */
export function checkObject(
  path: string,
  schema: Record<string, ParamSpec>,
  value: Record<string, unknown>,
  errors: Errors,
): void {
  const sub = (k: string) => path ? `${path}.${k}` : k;
  for (const k of Object.keys(value)) {
    const alias = schema[k]?.alias;
    if (!alias) continue;
    if (value[alias] !== undefined) {
      addError(errors, sub(k), `cannot set both '${k}' and its alias target '${alias}'`);
    } else {
      value[alias] = value[k];
      delete value[k];
    }
  }
  for (const k of Object.keys(schema)) checkProp(value[k], schema[k], sub(k), errors);
  for (const k of Object.keys(value)) {
    const s = schema[k];
    if (s) {
      if (s.requires && value[s.requires] === undefined) {
        addError(errors, sub(s.requires), `missing property required by '${sub(k)}'`);
      }
      continue;
    }
    addError(
      errors,
      sub(k),
      "property is not defined in schema and the schema does not allow additional properties",
    );
  }
}

/** `check_format`: a property-string schema, or a named format (with `-list` / `-opt`). */
export function checkFormat(
  format: string | Record<string, ParamSpec>,
  value: string,
  path: string,
): unknown {
  if (typeof format !== "string") return parsePropertyString({ keys: format }, value, path);
  if (format === "regex") return undefined;
  const [, name, kind = "none"] = /^(.*?)(?:-(list|opt))?$/.exec(format)!;
  const registered = FORMATS[name];
  if (!registered) throw new Error(`lab: PVE format '${format}' has no validator in lab/proxmox/formats.ts`);
  if (kind !== "none" && typeof registered !== "function") {
    throw new Error(`'-${kind}' format must have code ref, not hash`);
  }
  if (kind === "list") {
    for (const item of splitList(value)) (registered as FormatCheck)(item);
    return undefined;
  }
  if (kind === "opt") {
    if (value !== "" && value !== "0") (registered as FormatCheck)(value);
    return undefined;
  }
  if (typeof registered === "function") return registered(value);
  return parsePropertyString(registered, value, path);
}

/** `parse_property_string`: `key=value,…` (or a leading default-key value) checked against `format`. */
export function parsePropertyString(format: HashFormat, data: string, path: string): Record<string, string> {
  const { keys } = format;
  const res: Record<string, string> = {};
  let defaultKey: string | undefined;
  const fail = die;
  for (const part of data.split(",")) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv) {
      let [, k, v] = kv;
      if (res[k] !== undefined) fail(`duplicate key in comma-separated list property: ${k}\n`);
      let schema: ParamSpec | undefined = keys[k];
      if (schema?.alias) {
        if (schema.keyAlias) {
          if (res[schema.keyAlias] !== undefined) fail(`key alias '${schema.keyAlias}' is already defined\n`);
          res[schema.keyAlias] = k;
        }
        k = schema.alias;
        schema = keys[k];
        if (res[k] !== undefined) fail(`key '${k}' is already defined (via alias)\n`);
      }
      // PVE's `die "invalid key …" if !$schema` never fires: reading `$schema->{alias}` autovivified
      // it, so an unknown key is reported by check_object as an additional property
      if (schema?.type === "boolean") v = parseBoolean(v) ?? v;
      res[k] = v;
    } else if (!part.includes("=")) {
      if (defaultKey) fail(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      for (const [key, s] of Object.entries(keys)) {
        if (!s.default_key) continue;
        defaultKey = key;
        if (res[key] !== undefined && res[key] !== "" && res[key] !== "0") {
          fail(`duplicate key in comma-separated list property: ${key}\n`);
        }
        res[key] = s.type === "boolean" ? parseBoolean(part) ?? part : part;
        break;
      }
      if (!defaultKey) fail("value without key, but schema does not define a default key\n");
    } else {
      fail("missing key in comma-separated list property\n");
    }
  }
  const errors: Errors = {};
  checkObject(path, keys, res, errors);
  if (Object.keys(errors).length) throw new PveException("format error\n", { errors });
  format.validator?.(res);
  return res;
}

/** Expands `scsi[n]`-style entries into `scsi0`, `scsi1`, … as PVE's schema has them. */
export function expandParams(endpoint: EndpointSpec): Record<string, ParamSpec> {
  const out: Record<string, ParamSpec> = {};
  for (const [name, spec] of Object.entries(endpoint.params)) {
    const m = /^(.+)\[n\]$/.exec(name);
    if (!m) {
      out[name] = spec;
      continue;
    }
    const count = endpoint.indexed?.[name];
    if (!count) throw new Error(`lab: ${endpoint.name}: no index range for ${name}`);
    for (let i = 0; i < count; i++) out[`${m[1]}${i}`] = spec;
  }
  return out;
}

const expanded = new WeakMap<EndpointSpec, Record<string, ParamSpec>>();

/**
 * Validates request parameters (path, query and body merged) against an endpoint; returns the
 * errors by parameter (empty when valid). Aliased keys are remapped in `params`, as PVE does.
 */
export function validateParams(endpoint: EndpointSpec, params: Record<string, unknown>): Errors {
  let schema = expanded.get(endpoint);
  if (!schema) expanded.set(endpoint, schema = expandParams(endpoint));
  const errors: Errors = {};
  checkObject("", schema, params, errors);
  return errors;
}
