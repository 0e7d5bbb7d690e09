/**
 * Fingerprints of certificates and public keys.
 *
 * @example
 * ```ts
 * certificateFingerprint(pem); // "AB:CD:…" (SHA-256 of the DER, as openssl and browsers show it)
 * publicKeyPinSha256(key);     // base64 SHA-256 of the SPKI (HPKP / curl --pinnedpubkey form)
 * ```
 */
import { createHash, X509Certificate } from "node:crypto";
import { type KeyObject, publicKeyOf } from "./keys.ts";
import { decodePemBlock } from "./pem.ts";

/** Colon-separated upper-case hex SHA-256 (default) or SHA-1 of a PEM certificate's DER. */
export function certificateFingerprint(pem: string, algorithm: "sha256" | "sha1" = "sha256"): string {
  const der = decodePemBlock(pem, "CERTIFICATE");
  return colonHex(createHash(algorithm).update(der).digest());
}

/** Base64 SHA-256 of a key's SubjectPublicKeyInfo DER (the `sha256//…` pin form without prefix). */
export function publicKeyPinSha256(key: KeyObject): string {
  const spki = publicKeyOf(key).export({ format: "der", type: "spki" });
  return createHash("sha256").update(spki).digest("base64");
}

/** The public key of a PEM certificate. */
export function certificatePublicKey(pem: string): KeyObject {
  return new X509Certificate(pem).publicKey;
}

function colonHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}
