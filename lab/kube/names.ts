/**
 * Name, label and annotation rules with the real messages of
 * `k8s.io/apimachinery/pkg/util/validation` (IsDNS1123Subdomain, IsDNS1123Label, IsDNS1035Label,
 * IsQualifiedName, IsValidLabelValue) and the object-meta checks built on them.
 *
 * @example
 * ```ts
 * dns1123Subdomain("My_Name"); // ["a lowercase RFC 1123 subdomain must consist of …"]
 * ```
 */
import { FieldError } from "./status.ts";
import type { ObjectMeta } from "./types.ts";

const LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const SUBDOMAIN_FMT = `${LABEL_FMT}(\\.${LABEL_FMT})*`;
const DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

const anchored = (fmt: string) => new RegExp(`^${fmt}$`);
const SUBDOMAIN = anchored(SUBDOMAIN_FMT);
const LABEL = anchored(LABEL_FMT);
const DNS1035 = anchored(DNS1035_FMT);
const QUALIFIED_NAME = anchored(QUALIFIED_NAME_FMT);
const LABEL_VALUE = anchored(LABEL_VALUE_FMT);

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  let s = `${msg} (`;
  if (examples.length) {
    s += `e.g. '${examples[0]}'`;
    for (const e of examples.slice(1)) s += `,  or '${e}'`;
    s += ", ";
  }
  return `${s}regex used for validation is '${fmt}')`;
}

const maxLen = (n: number) => `must be no more than ${n} characters`;

export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLen(253));
  if (!SUBDOMAIN.test(value)) {
    errs.push(regexError(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      SUBDOMAIN_FMT,
      "example.com",
    ));
  }
  return errs;
}

export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!LABEL.test(value)) {
    errs.push(regexError(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
      LABEL_FMT,
      "my-name",
      "123-abc",
    ));
  }
  return errs;
}

export function dns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!DNS1035.test(value)) {
    errs.push(regexError(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
      DNS1035_FMT,
      "my-name",
      "abc-123",
    ));
  }
  return errs;
}

/** ValidatePathSegmentName (RBAC objects and other names used as one URL segment). */
export function pathSegmentName(value: string): string[] {
  if (value === "." || value === "..") return [`may not be '${value}'`];
  const errs: string[] = [];
  for (const c of ["/", "%"]) if (value.includes(c)) errs.push(`may not contain '${c}'`);
  return errs;
}

/** IsQualifiedName: `[prefix/]name` as label and annotation keys use. */
export function qualifiedName(value: string): string[] {
  const parts = value.split("/");
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push("prefix part " + "must be non-empty");
    else errs.push(...dns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      "a qualified name " +
      regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        "MyName",
        "my.name",
        "123-abc",
      ) + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length && !QUALIFIED_NAME.test(name)) {
    errs.push(
      "name part " + regexError(
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        QUALIFIED_NAME_FMT,
        "MyName",
        "my.name",
        "123-abc",
      ),
    );
  }
  return errs;
}

export function labelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLen(63));
  if (!LABEL_VALUE.test(value)) {
    errs.push(regexError(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      LABEL_VALUE_FMT,
      "MyValue",
      "my_value",
      "12345",
    ));
  }
  return errs;
}

export type NameRule = (name: string) => string[];

/** ValidateObjectMeta: name (or generateName), namespace, labels, annotations. */
export function validateObjectMeta(
  meta: ObjectMeta,
  opts: { namespaced: boolean; nameRule: NameRule },
): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName && !meta.name) {
    for (const m of opts.nameRule(meta.generateName)) {
      // generateName is checked with a trailing random suffix in mind: only the format matters
      if (!m.startsWith("must be no more")) {
        errs.push(FieldError.invalid("metadata.generateName", meta.generateName, m));
      }
    }
  }
  if (!meta.name) {
    errs.push(FieldError.required("metadata.name", "name or generateName is required"));
  } else {
    for (const m of opts.nameRule(meta.name)) errs.push(FieldError.invalid("metadata.name", meta.name, m));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(FieldError.required("metadata.namespace", ""));
    else {
      for (const m of dns1123Label(meta.namespace)) {
        errs.push(FieldError.invalid("metadata.namespace", meta.namespace, m));
      }
    }
  } else if (meta.namespace) {
    errs.push(FieldError.forbidden("metadata.namespace", "not allowed on this type"));
  }
  errs.push(...validateLabels(meta.labels ?? {}, "metadata.labels"));
  for (const key of Object.keys(meta.annotations ?? {})) {
    for (const m of qualifiedName(key.toLowerCase())) {
      errs.push(FieldError.invalid("metadata.annotations", key, m));
    }
  }
  const size = Object.entries(meta.annotations ?? {}).reduce(
    (n, [k, v]) => n + k.length + String(v).length,
    0,
  );
  if (size > 256 * 1024) errs.push(FieldError.tooLong("metadata.annotations", 256 * 1024));
  for (const [i, f] of (meta.finalizers ?? []).entries()) {
    for (const m of qualifiedName(f)) errs.push(FieldError.invalid(`metadata.finalizers[${i}]`, f, m));
  }
  return errs;
}

/** ValidateLabels: keys are qualified names, values label values. */
export function validateLabels(labels: Record<string, unknown>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const m of qualifiedName(k)) errs.push(FieldError.invalid(field, k, m));
    if (typeof v !== "string") continue;
    for (const m of labelValue(v)) errs.push(FieldError.invalid(field, v, m));
  }
  return errs;
}
