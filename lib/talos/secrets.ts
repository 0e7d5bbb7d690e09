/**
 * The Talos secrets bundle: everything `talosctl gen secrets` writes, with the same YAML field
 * names and shapes, made with the same algorithms as siderolabs/talos v1.13
 * (pkg/machinery/config/generate/secrets, siderolabs/crypto x509):
 *
 * - `certs.etcd`, `certs.k8s`, `certs.k8saggregator`: self-signed ECDSA P-256 CAs, subject O=etcd,
 *   O=kubernetes and an empty subject (Talos passes CN "front-proxy" but its CA builder only writes O);
 *   keys as `EC PRIVATE KEY`.
 * - `certs.os`: self-signed Ed25519 CA, O=talos; key as `ED25519 PRIVATE KEY` (PKCS#8 body).
 * - every CA: valid 87600h from now, random 128-bit serial, random 20-byte subject key id, key usage
 *   digitalSignature+certSign (critical), ext key usage serverAuth+clientAuth, CA:TRUE (critical).
 * - `certs.k8sserviceaccount.key`: RSA 4096 `RSA PRIVATE KEY` for Talos > 1.6 (UseRSAServiceAccountKey),
 *   ECDSA P-256 for older contracts (the upstream example bundle is from such a contract).
 * - `secrets.bootstraptoken`, `trustdinfo.token`: `[a-z0-9]{6}.[a-z0-9]{16}`.
 * - `secrets.secretboxencryptionsecret`: 32 random bytes, base64 (`aescbcencryptionsecret` for Talos ≤ 1.2).
 * - `cluster.id`: 32 random bytes, URL-safe base64; `cluster.secret`: 32 random bytes, base64.
 * Certificates and keys are stored as base64 of their PEM text, as in the YAML.
 *
 * @example
 * ```ts
 * const bundle = await generateTalosSecrets({ now: new Date(clock.now()) });
 * const yaml = stringifyTalosSecrets(bundle); // what talosctl gen secrets writes
 * const admin = await generateTalosAdminCertificate(bundle, { now: new Date(clock.now()) });
 * ```
 */
import { Buffer } from "node:buffer";
import { createPublicKey, X509Certificate } from "node:crypto";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { createSelfSignedCertificate, issueCertificate } from "../pki/certs.ts";
import {
  decodePrivateKeyPem,
  encodePrivateKeyPem,
  generateKeyPair,
  type KeyObject,
  type KeyType,
} from "../pki/keys.ts";

/** A certificate and key as the bundle stores them: base64 of the PEM texts. */
export interface TalosCertAndKey {
  crt: string;
  key: string;
}

/** The bundle, field for field as `talosctl gen secrets` writes it. */
export interface TalosSecretsBundle {
  cluster: { id: string; secret: string };
  secrets: { bootstraptoken: string; aescbcencryptionsecret?: string; secretboxencryptionsecret?: string };
  trustdinfo: { token: string };
  certs: {
    etcd: TalosCertAndKey;
    k8s: TalosCertAndKey;
    k8saggregator: TalosCertAndKey;
    k8sserviceaccount: { key: string };
    os: TalosCertAndKey;
  };
}

/** CA lifetime in Talos (`CAValidityTime = 87600 * time.Hour`). */
export const TALOS_CA_VALIDITY_MS = 87600 * 3600 * 1000;
/** Talos API client certificate lifetime (`TalosAPIDefaultCertificateValidityDuration`, 1 year). */
export const TALOS_ADMIN_CERT_VALIDITY_MS = 365 * 24 * 3600 * 1000;
/** kubeadm/Talos token format. */
export const TALOS_TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** Options for {@link generateTalosSecrets}. */
export interface TalosSecretsOptions {
  /** CA notBefore; default now. Pass the clock's time. */
  now?: Date;
  /** The Talos version the bundle is for (`talosctl gen secrets --talos-version`); default current (v1.13). */
  talosVersion?: string;
}

/** Generates a new bundle. */
export async function generateTalosSecrets(opts: TalosSecretsOptions = {}): Promise<TalosSecretsBundle> {
  const now = opts.now ?? new Date();
  const contract = parseContract(opts.talosVersion);
  const [etcd, k8s, k8saggregator, os, serviceAccount] = await Promise.all([
    newCa("ecdsa-p256", ["etcd"], now),
    newCa("ecdsa-p256", ["kubernetes"], now),
    newCa("ecdsa-p256", [], now),
    newCa("ed25519", ["talos"], now),
    generateKeyPair(greater(contract, [1, 6]) ? "rsa-4096" : "ecdsa-p256"),
  ]);
  const encryption = randomBase64(32, "base64");
  return {
    cluster: { id: randomBase64(32, "base64url-padded"), secret: randomBase64(32, "base64") },
    secrets: {
      bootstraptoken: genToken(),
      ...(greater(contract, [1, 2])
        ? { secretboxencryptionsecret: encryption }
        : { aescbcencryptionsecret: encryption }),
    },
    trustdinfo: { token: genToken() },
    certs: {
      etcd,
      k8s,
      k8saggregator,
      k8sserviceaccount: { key: b64(encodePrivateKeyPem(serviceAccount.privateKey, "traditional")) },
      os,
    },
  };
}

async function newCa(type: KeyType, organization: string[], now: Date): Promise<TalosCertAndKey> {
  const { privateKey } = await generateKeyPair(type);
  const crt = await createSelfSignedCertificate({
    subject: { organization },
    notBefore: now,
    notAfter: new Date(now.getTime() + TALOS_CA_VALIDITY_MS),
    isCa: true,
    keyUsage: ["digitalSignature", "keyCertSign"],
    extKeyUsage: ["serverAuth", "clientAuth"],
    subjectKeyId: "random",
  }, privateKey);
  return { crt: b64(crt), key: b64(encodePrivateKeyPem(privateKey, "traditional")) };
}

/** Talos' `genToken(6, 16)`: lowercase alphanumerics, unbiased (bytes ≥ 252 are rejected). */
export function genToken(first = 6, second = 16): string {
  return `${tokenPart(first)}.${tokenPart(second)}`;
}

function tokenPart(length: number): string {
  const chars = "0123456789abcdefghijklmnopqrstuvwxyz";
  let out = "";
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 252 && out.length < length) out += chars[b % 36];
    }
  }
  return out;
}

function randomBase64(size: number, encoding: "base64" | "base64url-padded"): string {
  const s = Buffer.from(crypto.getRandomValues(new Uint8Array(size))).toString("base64");
  return encoding === "base64" ? s : s.replaceAll("+", "-").replaceAll("/", "_");
}

type Contract = [number, number] | undefined; // undefined = current

function parseContract(version: string | undefined): Contract {
  if (version === undefined) return undefined;
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:-.*)?$/.exec(version);
  if (!m) throw new Error(`talos version "${version}" is not like v1.13.9`);
  return [Number(m[1]), Number(m[2])];
}

/** Talos' VersionContract.Greater: the current contract is greater than every fixed one. */
function greater(c: Contract, other: [number, number]): boolean {
  if (!c) return true;
  return c[0] > other[0] || (c[0] === other[0] && c[1] > other[1]);
}

function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}

const certAndKey = z.object({ crt: z.string().min(1), key: z.string().min(1) });
const bundleSchema = z.object({
  cluster: z.object({ id: z.string().min(1), secret: z.string().min(1) }),
  secrets: z.object({
    bootstraptoken: z.string().regex(TALOS_TOKEN_PATTERN, "must look like abcdef.0123456789abcdef"),
    aescbcencryptionsecret: z.string().optional(),
    secretboxencryptionsecret: z.string().optional(),
  }),
  trustdinfo: z.object({
    token: z.string().regex(TALOS_TOKEN_PATTERN, "must look like abcdef.0123456789abcdef"),
  }),
  certs: z.object({
    etcd: certAndKey,
    k8s: certAndKey,
    k8saggregator: certAndKey,
    k8sserviceaccount: z.object({ key: z.string().min(1) }),
    os: certAndKey,
  }),
});

/**
 * Parses and validates a bundle (YAML or JSON text, or an already parsed object), like Talos'
 * `Bundle.Validate`: required fields, exactly one encryption secret, every certificate and key parses
 * and each key belongs to its certificate. Errors name the field.
 */
export function parseTalosSecrets(input: string | unknown): TalosSecretsBundle {
  const raw = typeof input === "string" ? parse(input) : input;
  const result = bundleSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`talos secrets: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const b = result.data;
  const enc = [b.secrets.aescbcencryptionsecret, b.secrets.secretboxencryptionsecret].filter(Boolean);
  if (enc.length !== 1) {
    throw new Error(
      "talos secrets: exactly one of secrets.secretboxencryptionsecret and secrets.aescbcencryptionsecret is required",
    );
  }
  for (const name of ["etcd", "k8s", "k8saggregator", "os"] as const) {
    try {
      talosCertAndKey(b.certs[name]);
    } catch (e) {
      throw new Error(`talos secrets: certs.${name}: ${(e as Error).message}`);
    }
  }
  try {
    decodePrivateKeyPem(fromB64(b.certs.k8sserviceaccount.key));
  } catch (e) {
    throw new Error(`talos secrets: certs.k8sserviceaccount.key: ${(e as Error).message}`);
  }
  const out: TalosSecretsBundle = {
    cluster: { id: b.cluster.id, secret: b.cluster.secret },
    secrets: { bootstraptoken: b.secrets.bootstraptoken },
    trustdinfo: { token: b.trustdinfo.token },
    certs: {
      etcd: pick(b.certs.etcd),
      k8s: pick(b.certs.k8s),
      k8saggregator: pick(b.certs.k8saggregator),
      k8sserviceaccount: { key: b.certs.k8sserviceaccount.key },
      os: pick(b.certs.os),
    },
  };
  if (b.secrets.aescbcencryptionsecret) out.secrets.aescbcencryptionsecret = b.secrets.aescbcencryptionsecret;
  if (b.secrets.secretboxencryptionsecret) {
    out.secrets.secretboxencryptionsecret = b.secrets.secretboxencryptionsecret;
  }
  return out;
}

function pick(c: TalosCertAndKey): TalosCertAndKey {
  return { crt: c.crt, key: c.key };
}

/** YAML as `talosctl gen secrets` writes it (4-space indent, Talos' field order). */
export function stringifyTalosSecrets(bundle: TalosSecretsBundle): string {
  return stringify(parseTalosSecrets(bundle), { indent: 4, lineWidth: 0 });
}

function fromB64(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Error("not base64");
  return Buffer.from(s, "base64").toString("utf8");
}

/** Decodes a bundle entry into PEM certificate and key object; checks the key belongs to the certificate. */
export function talosCertAndKey(entry: TalosCertAndKey): { certificate: string; privateKey: KeyObject } {
  const certificate = fromB64(entry.crt);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch {
    throw new Error("crt is not a base64 PEM certificate");
  }
  const privateKey = decodePrivateKeyPem(fromB64(entry.key));
  if (!cert.publicKey.equals(createPublicKey(privateKey))) throw new Error("key does not belong to crt");
  return { certificate, privateKey };
}

/**
 * The talosconfig client certificate (`talosctl gen config` / `GenerateTalosAPIClientCertificate`):
 * a key of the OS CA's type (Ed25519), subject O = roles (default `os:admin`), key usage
 * digitalSignature, ext key usage clientAuth, signed by `certs.os`, valid 1 year.
 * `ca` is the OS CA certificate (base64 PEM), as talosconfig's `ca` field holds it.
 */
export async function generateTalosAdminCertificate(
  bundle: TalosSecretsBundle,
  opts: { now?: Date; validityMs?: number; roles?: string[] } = {},
): Promise<TalosCertAndKey & { ca: string }> {
  const ca = talosCertAndKey(bundle.certs.os);
  const keyType = ca.privateKey.asymmetricKeyType === "ed25519"
    ? "ed25519"
    : ca.privateKey.asymmetricKeyType === "rsa"
    ? "rsa-4096"
    : "ecdsa-p256";
  const { privateKey, publicKey } = await generateKeyPair(keyType);
  const now = opts.now ?? new Date();
  const crt = await issueCertificate(
    {
      subject: { organization: opts.roles ?? ["os:admin"] },
      notBefore: now,
      notAfter: new Date(now.getTime() + (opts.validityMs ?? TALOS_ADMIN_CERT_VALIDITY_MS)),
      keyUsage: ["digitalSignature"],
      extKeyUsage: ["clientAuth"],
    },
    publicKey,
    ca,
  );
  return { ca: bundle.certs.os.crt, crt: b64(crt), key: b64(encodePrivateKeyPem(privateKey, "traditional")) };
}
