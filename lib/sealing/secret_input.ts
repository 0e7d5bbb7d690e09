/**
 * Reads Kubernetes Secrets to seal from YAML (one or more documents) or JSON text and checks them
 * the way the API server would (kind, base64 data, key names), so mistakes surface before sealing.
 *
 * @example
 * ```ts
 * const [secret] = parseSecrets(await Deno.readTextFile("secret.yaml"), "secret.yaml");
 * ```
 */
import { Buffer } from "node:buffer";
import { parseAllDocuments } from "yaml";
import { UsageError } from "../errors.ts";

/** The parts of a v1 Secret that sealing reads. */
export interface SecretInput {
  apiVersion: "v1";
  kind: "Secret";
  metadata: SecretMetadata;
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface SecretMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  [other: string]: unknown;
}

/** Kubernetes' rule for Secret data keys (IsConfigMapKey). */
const KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

/** Parses every Secret in `text`; `source` names the input in errors. */
export function parseSecrets(text: string, source = "stdin"): SecretInput[] {
  if (!text.trim()) throw new UsageError(`${source} is empty; expected a Kubernetes Secret (YAML or JSON)`);
  const docs = parseAllDocuments(text);
  const secrets: SecretInput[] = [];
  for (const [i, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    const where = docs.length > 1 ? `${source} (document ${i + 1})` : source;
    if (doc.errors.length) {
      throw new UsageError(`${where} is not valid YAML or JSON: ${doc.errors[0].message}`);
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    secrets.push(checkSecret(value, where));
  }
  if (secrets.length === 0) throw new UsageError(`no Secret found in ${source}`);
  return secrets;
}

function checkSecret(value: unknown, where: string): SecretInput {
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`${where} is not a Kubernetes object (expected a mapping with kind: Secret)`);
  }
  const obj = value as Record<string, unknown>;
  if (obj.kind !== "Secret") {
    const what = typeof obj.kind === "string" ? `a ${obj.kind}` : "an object without kind";
    const hint = obj.kind === "SealedSecret"
      ? "it is already sealed"
      : "create one with `kubectl create secret generic NAME --from-literal=key=value --dry-run=client -o yaml`";
    throw new UsageError(`${where} is ${what}, not a Secret`, hint);
  }
  if (obj.apiVersion !== "v1") {
    throw new UsageError(`${where}: a Secret has apiVersion v1, not ${JSON.stringify(obj.apiVersion)}`);
  }
  const metadata = obj.metadata ?? {};
  if (typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new UsageError(`${where}: metadata must be a mapping`);
  }
  const meta = metadata as SecretMetadata;
  for (const field of ["name", "namespace", "generateName"] as const) {
    if (meta[field] !== undefined && typeof meta[field] !== "string") {
      throw new UsageError(`${where}: metadata.${field} must be a string`);
    }
  }
  for (const field of ["labels", "annotations"] as const) {
    if (meta[field] !== undefined) stringMap(meta[field], `${where}: metadata.${field}`);
  }
  const data = obj.data === undefined || obj.data === null
    ? undefined
    : stringMap(obj.data, `${where}: data`);
  const stringData = obj.stringData === undefined || obj.stringData === null
    ? undefined
    : stringMap(obj.stringData, `${where}: stringData`);
  for (const [field, map] of [["data", data], ["stringData", stringData]] as const) {
    for (const key of Object.keys(map ?? {})) {
      if (!KEY_PATTERN.test(key) || key === "." || key === ".." || key.length > 253) {
        throw new UsageError(
          `${where}: ${field} key "${key}" is not a valid Secret key`,
          "keys may contain letters, digits, '-', '_' and '.' (at most 253 characters)",
        );
      }
    }
  }
  for (const [key, b64] of Object.entries(data ?? {})) {
    const compact = b64.replace(/[\r\n]/g, "");
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) {
      throw new UsageError(
        `${where}: data.${key} is not base64`,
        "put plain text values under stringData, or base64-encode them under data",
      );
    }
  }
  if (obj.type !== undefined && typeof obj.type !== "string") {
    throw new UsageError(`${where}: type must be a string`);
  }
  if (obj.immutable !== undefined && typeof obj.immutable !== "boolean") {
    throw new UsageError(`${where}: immutable must be true or false`);
  }
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta,
    type: obj.type as string | undefined,
    immutable: obj.immutable as boolean | undefined,
    data,
    stringData,
  };
}

function stringMap(value: unknown, what: string): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${what} must be a mapping of strings`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") {
      throw new UsageError(`${what}.${k} must be a string (quote numbers and booleans in YAML)`);
    }
  }
  return value as Record<string, string>;
}

/** The bytes of every value to seal: `data` decoded, then `stringData` (which wins, as in Kubernetes). */
export function secretValues(secret: SecretInput): Map<string, Uint8Array<ArrayBuffer>> {
  const out = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const [k, v] of Object.entries(secret.data ?? {})) {
    out.set(k, new Uint8Array(Buffer.from(v, "base64")));
  }
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out.set(k, new TextEncoder().encode(v));
  return out;
}
