/**
 * The sealed-secrets controller's key pair, made the way the controller makes its own
 * (bitnami-labs/sealed-secrets pkg/crypto/keys.go `SignKeyWithNotBefore`, cmd/controller flags):
 * RSA 4096, a self-signed certificate with a random 128-bit serial, key usage EncipherOnly
 * (critical), basic constraints CA:TRUE (critical), issuer = subject = CN (empty by default, as
 * `--my-cn` defaults to ""), valid 10 years (`--key-ttl` 87600h), notBefore = now.
 * The private key is PKCS#1 `RSA PRIVATE KEY`, as the controller's `writeKey` stores it.
 *
 * @example
 * ```ts
 * const key = await generateSealedSecretsKey({ now: new Date(clock.now()) });
 * const secret = sealedSecretsKeySecret(key, { namespace: "kube-system" }); // for layer 02
 * ```
 */
import { Buffer } from "node:buffer";
import { createPublicKey, X509Certificate } from "node:crypto";
import { createSelfSignedCertificate } from "../pki/certs.ts";
import { decodePrivateKeyPem, encodePrivateKeyPem, generateKeyPair } from "../pki/keys.ts";
import { sshFingerprint } from "./ssh_key.ts";

/** The controller's label selecting its key secrets; `active` marks keys it loads. */
export const SEALED_SECRETS_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";

/** Default key lifetime of the controller (`--key-ttl`, 10*365*24h). */
export const SEALED_SECRETS_KEY_TTL_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/** A sealed-secrets key pair as PEM texts. */
export interface SealedSecretsKey {
  /** Self-signed certificate PEM. Public: kubeseal `--cert` uses it. */
  certificate: string;
  /** `RSA PRIVATE KEY` (PKCS#1) PEM. Secret. */
  privateKey: string;
}

/** Options for {@link generateSealedSecretsKey}. */
export interface SealedSecretsKeyOptions {
  /** notBefore of the certificate; default now. Pass the clock's time. */
  now?: Date;
  /** Default {@link SEALED_SECRETS_KEY_TTL_MS}. */
  validityMs?: number;
  /** Issuer/subject CN (`--my-cn`); default empty, as the controller. */
  commonName?: string;
  /** Default 4096 (`--key-size`). */
  bits?: 2048 | 4096;
}

/** Generates a key pair in the form the sealed-secrets controller generates. */
export async function generateSealedSecretsKey(
  opts: SealedSecretsKeyOptions = {},
): Promise<SealedSecretsKey> {
  const { privateKey } = await generateKeyPair(opts.bits === 2048 ? "rsa-2048" : "rsa-4096");
  const notBefore = opts.now ?? new Date();
  const certificate = await createSelfSignedCertificate({
    subject: { commonName: opts.commonName ?? "" },
    notBefore,
    notAfter: new Date(notBefore.getTime() + (opts.validityMs ?? SEALED_SECRETS_KEY_TTL_MS)),
    isCa: true,
    keyUsage: ["encipherOnly"],
    // Go's x509.CreateCertificate adds a SHA-1 subject key id to CA certificates by itself.
    subjectKeyId: "sha1",
  }, privateKey);
  return { certificate, privateKey: encodePrivateKeyPem(privateKey, "traditional") };
}

/**
 * Checks a key pair the way the controller's `readKey` does (an RSA private key and a parseable
 * certificate) plus that both halves belong together. Returns the `SHA256:` fingerprint the
 * controller logs for the key (ssh.FingerprintSHA256 of the public key).
 */
export function checkSealedSecretsKey(key: SealedSecretsKey): string {
  const priv = decodePrivateKeyPem(key.privateKey);
  if (priv.asymmetricKeyType !== "rsa") throw new Error("sealed-secrets private key is not an RSA key");
  const certKey = new X509Certificate(key.certificate).publicKey;
  if (!certKey.equals(createPublicKey(priv))) {
    throw new Error("sealed-secrets certificate does not belong to the private key");
  }
  return sshFingerprint(certKey);
}

/** A Kubernetes Secret object (the subset strata writes). */
export interface KubernetesSecret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  type: string;
  data: Record<string, string>;
}

/**
 * The Secret the controller loads as an active key (it lists secrets in its namespace with label
 * `sealedsecrets.bitnami.com/sealed-secrets-key=active`; `type: kubernetes.io/tls`, keys `tls.crt`,
 * `tls.key`). The controller names its own keys with generateName `sealed-secrets-key`; ours has a fixed
 * name so `kubectl apply` stays idempotent.
 */
export function sealedSecretsKeySecret(
  key: SealedSecretsKey,
  opts: { namespace: string; name?: string },
): KubernetesSecret {
  checkSealedSecretsKey(key);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: opts.name ?? "sealed-secrets-key-strata",
      namespace: opts.namespace,
      labels: { [SEALED_SECRETS_KEY_LABEL]: "active" },
    },
    type: "kubernetes.io/tls",
    data: {
      "tls.crt": Buffer.from(key.certificate).toString("base64"),
      "tls.key": Buffer.from(key.privateKey).toString("base64"),
    },
  };
}
