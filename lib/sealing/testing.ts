/**
 * Test-only reference decryption, written from shared/specs/sealed-secrets/WIRE-FORMAT.md §2
 * (controller `HybridDecrypt`) with node:crypto, independent of the sealing code it checks.
 * Product code never imports this module.
 *
 * @example
 * ```ts
 * const plain = referenceHybridDecrypt(privateKeyPem, ciphertext, new TextEncoder().encode("ns/name"));
 * ```
 */
import { Buffer } from "node:buffer";
import { constants, createDecipheriv, createPrivateKey, privateDecrypt } from "node:crypto";

/** Decrypts `uint16_be(k) ‖ RSA-OAEP-SHA256 ‖ AES-256-GCM ‖ tag`; throws like the controller on failure. */
export function referenceHybridDecrypt(
  privateKeyPem: string,
  ciphertext: Uint8Array,
  label: Uint8Array,
): Uint8Array {
  if (ciphertext.length < 2) throw new Error("SealedSecret data is too short");
  const rsaLen = (ciphertext[0] << 8) | ciphertext[1];
  if (ciphertext.length < rsaLen + 2) throw new Error("SealedSecret data is too short");
  const rsaCt = ciphertext.subarray(2, rsaLen + 2);
  const aesCt = ciphertext.subarray(rsaLen + 2);
  const sessionKey = privateDecrypt({
    key: createPrivateKey(privateKeyPem),
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: "sha256",
    oaepLabel: Buffer.from(label),
  }, rsaCt);
  if (sessionKey.length !== 32) throw new Error(`session key is ${sessionKey.length} bytes, expected 32`);
  if (aesCt.length < 16) throw new Error("GCM ciphertext shorter than its tag");
  const decipher = createDecipheriv("aes-256-gcm", sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(aesCt.subarray(aesCt.length - 16));
  return new Uint8Array(
    Buffer.concat([decipher.update(aesCt.subarray(0, aesCt.length - 16)), decipher.final()]),
  );
}

/** Decrypts a base64 `encryptedData` value, or `undefined` when the key/label cannot decrypt it. */
export function tryUnseal(privateKeyPem: string, b64: string, label: string): string | undefined {
  try {
    const plain = referenceHybridDecrypt(
      privateKeyPem,
      Buffer.from(b64, "base64"),
      new TextEncoder().encode(label),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return undefined;
  }
}
