/**
 * Seals Kubernetes Secrets into SealedSecrets (`bitnami.com/v1alpha1`) exactly as kubeseal does
 * (pkg/kubeseal `Seal`, v1alpha1 `NewSealedSecret`): every value encrypted on its own with the scope's
 * label, the Secret's metadata copied into `spec.template` (without server-side fields, ownerReferences
 * and last-applied annotations), the scope annotations on both the SealedSecret and its template.
 *
 * @example
 * ```ts
 * const sealed = await sealSecret(secret, publicKey, { scope: "namespace-wide" });
 * formatSealedSecret(sealed, "yaml");
 * ```
 */
import { Buffer } from "node:buffer";
import type { KeyObject } from "node:crypto";
import { stringify } from "yaml";
import { UsageError } from "../errors.ts";
import { hybridEncrypt } from "./hybrid.ts";
import { encryptionLabel, scopeFromAnnotations, type SealingScope, updateScopeAnnotations } from "./scope.ts";
import { type SecretInput, type SecretMetadata, secretValues } from "./secret_input.ts";

/** A SealedSecret as kubeseal writes it (field order follows the Go structs, for JSON output). */
export interface SealedSecret {
  kind: "SealedSecret";
  apiVersion: "bitnami.com/v1alpha1";
  metadata: {
    name: string;
    namespace?: string;
    creationTimestamp: null;
    annotations?: Record<string, string>;
  };
  spec: {
    template: {
      metadata: SecretMetadata & { creationTimestamp: null };
      type?: string;
      immutable?: boolean;
    };
    encryptedData: Record<string, string>;
  };
}

/** Options for {@link sealSecret}. */
export interface SealOptions {
  /** Overrides the scope the Secret's annotations select (kubeseal `--scope`). */
  scope?: SealingScope;
  /** Overrides metadata.name (kubeseal `--name`). */
  name?: string;
  /** Fills in a missing namespace; a different namespace on the Secret is an error. */
  namespace?: string;
  /** Allow a Secret without data (kubeseal `--allow-empty-data`). */
  allowEmptyData?: boolean;
}

const LAST_APPLIED = [
  "kubectl.kubernetes.io/last-applied-configuration",
  "kubecfg.ksonnet.io/last-applied-configuration",
];
const SERVER_FIELDS = [
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "ownerReferences",
  "managedFields",
];

/** Seals one Secret. Throws UsageError for a missing name or namespace or empty data. */
export async function sealSecret(
  secret: SecretInput,
  publicKey: KeyObject,
  opts: SealOptions = {},
): Promise<SealedSecret> {
  const values = secretValues(secret);
  if (values.size === 0 && !opts.allowEmptyData) {
    throw new UsageError(
      "the Secret has no data or stringData; assuming this is a mistake",
      "add values, or pass --allow-empty-data to seal an empty Secret",
    );
  }
  const meta: SecretMetadata = structuredClone(secret.metadata);
  if (opts.name) meta.name = opts.name;
  if (!meta.name) {
    throw new UsageError("the Secret has no metadata.name", "add metadata.name or pass --name NAME");
  }
  if (opts.scope) meta.annotations = updateScopeAnnotations(meta.annotations, opts.scope);
  const scope = scopeFromAnnotations(meta.annotations);
  if (scope !== "cluster-wide") {
    if (opts.namespace && meta.namespace && meta.namespace !== opts.namespace) {
      throw new UsageError(
        `namespace mismatch: the Secret is in namespace "${meta.namespace}" but --namespace says "${opts.namespace}"`,
      );
    }
    meta.namespace ||= opts.namespace;
    if (!meta.namespace) {
      throw new UsageError(
        `the Secret "${meta.name}" has no metadata.namespace; ${scope} sealing binds it to a namespace`,
        "add metadata.namespace, pass --namespace NS, or use --scope cluster-wide",
      );
    }
  }
  for (const f of SERVER_FIELDS) delete meta[f];
  if (meta.annotations) {
    for (const a of LAST_APPLIED) delete meta.annotations[a];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }

  const label = encryptionLabel(meta.namespace ?? "", meta.name, scope);
  const encryptedData: Record<string, string> = {};
  for (const key of [...values.keys()].sort()) {
    const ct = await hybridEncrypt(publicKey, values.get(key)!, label);
    encryptedData[key] = Buffer.from(ct).toString("base64");
  }
  const annotations = updateScopeAnnotations({}, scope);
  const { name, generateName, namespace, ...rest } = meta;
  return {
    kind: "SealedSecret",
    apiVersion: "bitnami.com/v1alpha1",
    metadata: {
      name: meta.name,
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      creationTimestamp: null,
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      template: {
        metadata: {
          name,
          ...(generateName ? { generateName } : {}),
          ...(namespace ? { namespace } : {}),
          creationTimestamp: null,
          ...rest,
        },
        ...(secret.type ? { type: secret.type } : {}),
        ...(secret.immutable !== undefined ? { immutable: secret.immutable } : {}),
      },
      encryptedData,
    },
  };
}

/** Seals one raw value (kubeseal `--raw`); returns base64 of the ciphertext. */
export async function sealRaw(
  value: Uint8Array<ArrayBuffer>,
  publicKey: KeyObject,
  opts: { scope: SealingScope; name?: string; namespace?: string },
): Promise<string> {
  const { scope } = opts;
  if (scope !== "cluster-wide" && !opts.namespace) {
    throw new UsageError(`--raw with --scope ${scope} needs --namespace NS`);
  }
  if (scope === "strict" && !opts.name) throw new UsageError("--raw with --scope strict needs --name NAME");
  const label = encryptionLabel(opts.namespace ?? "", opts.name ?? "", scope);
  return Buffer.from(await hybridEncrypt(publicKey, value, label)).toString("base64");
}

/**
 * Formats like kubeseal: JSON with two-space indent and a newline (Go struct field order), or YAML
 * after `---` with keys sorted (sigs.k8s.io/yaml sorts map keys).
 */
export function formatSealedSecret(sealed: SealedSecret, format: "json" | "yaml"): string {
  if (format === "json") return JSON.stringify(sealed, null, 2) + "\n";
  return "---\n" + stringify(sealed, { sortMapEntries: true, lineWidth: 0 });
}
