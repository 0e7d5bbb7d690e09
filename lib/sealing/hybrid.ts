/**
 * sealed-secrets hybrid encryption (pkg/crypto/crypto.go `HybridEncrypt`, see
 * shared/specs/sealed-secrets/WIRE-FORMAT.md):
 *
 * ```
 * uint16_be(len(rsaCiphertext)) ‖ RSA-OAEP-SHA256(sessionKey, label) ‖ AES-256-GCM(plaintext, zero nonce) ‖ tag
 * ```
 * A fresh 32-byte session key per value makes the all-zero 12-byte nonce safe.
 *
 * @example
 * ```ts
 * const ct = await hybridEncrypt(rsaPublicKey, new TextEncoder().encode("s3cret"), encryptionLabel("ns", "name", "strict"));
 * ```
 */
import type { KeyObject } from "node:crypto";

const SESSION_KEY_BYTES = 32;
const GCM_NONCE = new Uint8Array(12);

/** Encrypts `plaintext` for the holder of the RSA private key, bound to `label`. */
export async function hybridEncrypt(
  publicKey: KeyObject,
  plaintext: Uint8Array<ArrayBuffer>,
  label: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (publicKey.asymmetricKeyType !== "rsa") throw new Error("sealing needs an RSA public key");
  const rsaKey = await crypto.subtle.importKey(
    "spki",
    new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
    { name: "RSA-OAEP", hash: "SHA-256" },
    false,
    ["encrypt"],
  );
  const sessionKey = crypto.getRandomValues(new Uint8Array(SESSION_KEY_BYTES));
  const rsaCiphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: "RSA-OAEP", label }, rsaKey, sessionKey),
  );
  const aesKey = await crypto.subtle.importKey("raw", sessionKey, "AES-GCM", false, ["encrypt"]);
  sessionKey.fill(0);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv: GCM_NONCE, tagLength: 128 }, aesKey, plaintext),
  );
  const out = new Uint8Array(2 + rsaCiphertext.length + sealed.length);
  new DataView(out.buffer).setUint16(0, rsaCiphertext.length);
  out.set(rsaCiphertext, 2);
  out.set(sealed, 2 + rsaCiphertext.length);
  return out;
}
