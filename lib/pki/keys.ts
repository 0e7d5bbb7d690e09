/**
 * Private/public key generation and PEM forms, on `node:crypto` key objects.
 *
 * Keys are kept as {@link KeyObject}s; {@link toSigningKey} turns one into a WebCrypto key for
 * `@peculiar/x509`. Private keys encode as PKCS#8 (`PRIVATE KEY`) or in the "traditional" form
 * the Go/Kubernetes/Talos ecosystem writes: `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1),
 * and `ED25519 PRIVATE KEY` (a PKCS#8 body under Talos' own label).
 *
 * @example
 * ```ts
 * const { privateKey } = await generateKeyPair("ecdsa-p256");
 * const pem = encodePrivateKeyPem(privateKey, "traditional"); // -----BEGIN EC PRIVATE KEY-----
 * ```
 */
import { Buffer } from "node:buffer";
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as nodeGenerateKeyPair,
  type KeyObject,
} from "node:crypto";
import { decodePem, encodePem } from "./pem.ts";

export type { KeyObject };

/** The key types strata generates and accepts. */
export type KeyType = "rsa-2048" | "rsa-3072" | "rsa-4096" | "ecdsa-p256" | "ed25519";

/** A generated key pair. */
export interface KeyPair {
  type: KeyType;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** PEM form of a private key: PKCS#8, or the type-specific "traditional" label. */
export type PrivateKeyForm = "pkcs8" | "traditional";

/** Generates a key pair of `type` (RSA with public exponent 65537). */
export function generateKeyPair(type: KeyType): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) =>
      err ? reject(err) : resolve({ type, privateKey, publicKey });
    switch (type) {
      case "rsa-2048":
      case "rsa-3072":
      case "rsa-4096":
        nodeGenerateKeyPair("rsa", { modulusLength: Number(type.slice(4)), publicExponent: 65537 }, done);
        break;
      case "ecdsa-p256":
        nodeGenerateKeyPair("ec", { namedCurve: "prime256v1" }, done);
        break;
      case "ed25519":
        nodeGenerateKeyPair("ed25519", {}, done);
        break;
      default:
        reject(new Error(`unsupported key type ${type as string}`));
    }
  });
}

/** The {@link KeyType} of a private or public key; throws for anything strata does not support. */
export function keyTypeOf(key: KeyObject): KeyType {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "rsa": {
      const bits = details.modulusLength;
      if (bits === 2048 || bits === 3072 || bits === 4096) return `rsa-${bits}`;
      throw new Error(`unsupported RSA key size ${bits} (use 2048, 3072 or 4096 bits)`);
    }
    case "ec":
      if (details.namedCurve === "prime256v1") return "ecdsa-p256";
      throw new Error(`unsupported EC curve ${details.namedCurve} (only P-256 is supported)`);
    case "ed25519":
      return "ed25519";
    default:
      throw new Error(`unsupported key algorithm ${key.asymmetricKeyType}`);
  }
}

const TRADITIONAL_LABEL: Record<string, string> = {
  rsa: "RSA PRIVATE KEY",
  ec: "EC PRIVATE KEY",
  ed25519: "ED25519 PRIVATE KEY",
};

/** Encodes a private key as PEM in `form` (default PKCS#8). */
export function encodePrivateKeyPem(key: KeyObject, form: PrivateKeyForm = "pkcs8"): string {
  if (key.type !== "private") throw new Error("encodePrivateKeyPem needs a private key");
  const kind = key.asymmetricKeyType ?? "";
  if (form === "pkcs8") return key.export({ format: "pem", type: "pkcs8" }) as string;
  if (kind === "rsa") return key.export({ format: "pem", type: "pkcs1" }) as string;
  if (kind === "ec") return key.export({ format: "pem", type: "sec1" }) as string;
  if (kind === "ed25519") {
    // Talos (siderolabs/crypto) writes the PKCS#8 DER under its own label.
    const der = key.export({ format: "der", type: "pkcs8" });
    return encodePem(TRADITIONAL_LABEL.ed25519, new Uint8Array(der));
  }
  throw new Error(`no traditional PEM form for ${kind} keys`);
}

/**
 * Decodes a PEM private key in any supported form: `PRIVATE KEY`, `RSA PRIVATE KEY`,
 * `EC PRIVATE KEY` or `ED25519 PRIVATE KEY`. Other blocks (e.g. EC PARAMETERS) are skipped.
 */
export function decodePrivateKeyPem(pem: string): KeyObject {
  const blocks = decodePem(pem).filter((b) => b.label.endsWith("PRIVATE KEY"));
  if (blocks.length !== 1) {
    throw new Error(`expected exactly one private key PEM block, found ${blocks.length}`);
  }
  const { label, der } = blocks[0];
  const key = Buffer.from(der);
  let result: KeyObject;
  switch (label) {
    case "PRIVATE KEY":
    case "ED25519 PRIVATE KEY":
      result = createPrivateKey({ key, format: "der", type: "pkcs8" });
      break;
    case "RSA PRIVATE KEY":
      result = createPrivateKey({ key, format: "der", type: "pkcs1" });
      break;
    case "EC PRIVATE KEY":
      result = createPrivateKey({ key, format: "der", type: "sec1" });
      break;
    default:
      throw new Error(`unsupported private key PEM "${label}" (encrypted keys are not supported)`);
  }
  if (label === "ED25519 PRIVATE KEY" && result.asymmetricKeyType !== "ed25519") {
    throw new Error(`"${label}" block holds a ${result.asymmetricKeyType} key`);
  }
  return result;
}

/** Encodes a public key (or the public half of a private key) as SPKI `PUBLIC KEY` PEM. */
export function encodePublicKeyPem(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return pub.export({ format: "pem", type: "spki" }) as string;
}

/** Decodes an SPKI `PUBLIC KEY` (or PKCS#1 `RSA PUBLIC KEY`) PEM. */
export function decodePublicKeyPem(pem: string): KeyObject {
  const blocks = decodePem(pem).filter((b) => b.label === "PUBLIC KEY" || b.label === "RSA PUBLIC KEY");
  if (blocks.length !== 1) {
    throw new Error(`expected exactly one public key PEM block, found ${blocks.length}`);
  }
  const { label, der } = blocks[0];
  return createPublicKey({
    key: Buffer.from(der),
    format: "der",
    type: label === "PUBLIC KEY" ? "spki" : "pkcs1",
  });
}

/** The public key of a private key (or the key itself when it is already public). */
export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === "private" ? createPublicKey(key) : key;
}

/** The WebCrypto signature algorithm used with a key of this type (SHA-256 for RSA/ECDSA, as Go does). */
export function signatureAlgorithmFor(type: KeyType): RsaHashedImportParams | EcKeyImportParams | Algorithm {
  if (type.startsWith("rsa-")) return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  if (type === "ecdsa-p256") {
    return { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as EcKeyImportParams;
  }
  return { name: "Ed25519" };
}

/** Imports a private key as a non-extractable WebCrypto signing key. */
export function toSigningKey(key: KeyObject): Promise<CryptoKey> {
  if (key.type !== "private") throw new Error("a signing key must be a private key");
  const der = new Uint8Array(key.export({ format: "der", type: "pkcs8" }));
  return crypto.subtle.importKey("pkcs8", der, signatureAlgorithmFor(keyTypeOf(key)), false, ["sign"]);
}

/** Imports a public key as a WebCrypto verification key. */
export function toVerifyKey(key: KeyObject): Promise<CryptoKey> {
  const pub = publicKeyOf(key);
  const der = new Uint8Array(pub.export({ format: "der", type: "spki" }));
  return crypto.subtle.importKey("spki", der, signatureAlgorithmFor(keyTypeOf(pub)), true, ["verify"]);
}
