import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPublicKey } from "node:crypto";
import { encodePrivateKeyPem, generateKeyPair } from "../pki/keys.ts";
import { hybridEncrypt } from "./hybrid.ts";
import { referenceHybridDecrypt } from "./testing.ts";

const rsa4096 = await generateKeyPair("rsa-4096");
const rsa2048 = await generateKeyPair("rsa-2048");
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("wire layout: uint16 length prefix, RSA block, GCM ciphertext and tag (4096-bit)", async () => {
  const plaintext = enc("hello sealed world");
  const ct = await hybridEncrypt(rsa4096.publicKey, plaintext, enc("ns/name"));
  assert.equal(ct[0], 0x02);
  assert.equal(ct[1], 0x00, "length prefix 512 = 0x0200");
  assert.equal(ct.length, 2 + 512 + plaintext.length + 16);
  assert.ok(Buffer.from(ct).toString("base64").startsWith("Ag"));
  const pem = encodePrivateKeyPem(rsa4096.privateKey, "traditional");
  assert.deepEqual(referenceHybridDecrypt(pem, ct, enc("ns/name")), plaintext);
});

Deno.test("2048-bit key: prefix 0x0100; empty plaintext works", async () => {
  const ct = await hybridEncrypt(rsa2048.publicKey, new Uint8Array(0), new Uint8Array(0));
  assert.deepEqual([ct[0], ct[1]], [0x01, 0x00]);
  assert.equal(ct.length, 2 + 256 + 16);
  const pem = encodePrivateKeyPem(rsa2048.privateKey);
  assert.deepEqual(referenceHybridDecrypt(pem, ct, new Uint8Array(0)), new Uint8Array(0));
});

Deno.test("the label binds: a different label, key or a flipped bit fails to decrypt", async () => {
  const pem = encodePrivateKeyPem(rsa2048.privateKey);
  const ct = await hybridEncrypt(rsa2048.publicKey, enc("v"), enc("a/b"));
  assert.throws(() => referenceHybridDecrypt(pem, ct, enc("a/c")));
  assert.throws(() => referenceHybridDecrypt(pem, ct, enc("")));
  assert.throws(() => referenceHybridDecrypt(encodePrivateKeyPem(rsa4096.privateKey), ct, enc("a/b")));
  const tampered = ct.slice();
  tampered[tampered.length - 20] ^= 1;
  assert.throws(() => referenceHybridDecrypt(pem, tampered, enc("a/b")));
});

Deno.test("each call uses a fresh session key, so equal plaintexts give different ciphertexts", async () => {
  const a = await hybridEncrypt(rsa2048.publicKey, enc("same"), enc("x"));
  const b = await hybridEncrypt(rsa2048.publicKey, enc("same"), enc("x"));
  assert.notDeepEqual(a, b);
  assert.notDeepEqual(a.subarray(258), b.subarray(258), "AES part differs too (different session keys)");
});

Deno.test("non-RSA keys are refused", async () => {
  const ec = await generateKeyPair("ecdsa-p256");
  await assert.rejects(
    () => hybridEncrypt(createPublicKey(ec.privateKey), enc("x"), enc("")),
    /RSA public key/,
  );
});
