/**
 * Sealing scopes and the RSA-OAEP label each one binds a value to
 * (sealed-secrets pkg/apis/sealedsecrets/v1alpha1 `EncryptionLabel`, `SecretScope`, `UpdateScopeAnnotations`).
 *
 * @example
 * ```ts
 * encryptionLabel("apps", "db", "strict");          // bytes of "apps/db"
 * updateScopeAnnotations({}, "cluster-wide");       // { "sealedsecrets.bitnami.com/cluster-wide": "true" }
 * ```
 */
import { UsageError } from "../errors.ts";

export const SCOPES = ["strict", "namespace-wide", "cluster-wide"] as const;
export type SealingScope = (typeof SCOPES)[number];

export const CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide";
export const NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide";

/** The OAEP label: `namespace/name` (strict), `namespace` (namespace-wide) or empty (cluster-wide). */
export function encryptionLabel(
  namespace: string,
  name: string,
  scope: SealingScope,
): Uint8Array<ArrayBuffer> {
  const text = scope === "cluster-wide"
    ? ""
    : scope === "namespace-wide"
    ? namespace
    : `${namespace}/${name}`;
  return new TextEncoder().encode(text);
}

/** The scope the controller reads from annotations; cluster-wide wins, the value must be exactly "true". */
export function scopeFromAnnotations(annotations: Record<string, string> | undefined): SealingScope {
  if (annotations?.[CLUSTER_WIDE_ANNOTATION] === "true") return "cluster-wide";
  if (annotations?.[NAMESPACE_WIDE_ANNOTATION] === "true") return "namespace-wide";
  return "strict";
}

/** A copy of `annotations` whose scope annotations say exactly `scope` (strict has none). */
export function updateScopeAnnotations(
  annotations: Record<string, string> | undefined,
  scope: SealingScope,
): Record<string, string> {
  const out = { ...annotations };
  delete out[CLUSTER_WIDE_ANNOTATION];
  delete out[NAMESPACE_WIDE_ANNOTATION];
  if (scope === "namespace-wide") out[NAMESPACE_WIDE_ANNOTATION] = "true";
  if (scope === "cluster-wide") out[CLUSTER_WIDE_ANNOTATION] = "true";
  return out;
}

/** Parses a `--scope` value. */
export function parseScope(value: string): SealingScope {
  if ((SCOPES as readonly string[]).includes(value)) return value as SealingScope;
  throw new UsageError(`--scope "${value}" is not a scope`, `use one of: ${SCOPES.join(", ")}`);
}
