import assert from "node:assert/strict";
import { createPublicKey, sign, verify } from "node:crypto";
import {
  decodePrivateKeyPem,
  decodePublicKeyPem,
  encodePrivateKeyPem,
  encodePublicKeyPem,
  generateKeyPair,
  type KeyType,
  keyTypeOf,
  toSigningKey,
  toVerifyKey,
} from "./keys.ts";
import { decodePem } from "./pem.ts";

const TYPES: KeyType[] = ["rsa-2048", "ecdsa-p256", "ed25519"];
const TRADITIONAL: Record<string, string> = {
  "rsa-2048": "RSA PRIVATE KEY",
  "ecdsa-p256": "EC PRIVATE KEY",
  "ed25519": "ED25519 PRIVATE KEY",
};

for (const type of TYPES) {
  Deno.test(`${type}: generate, encode in both forms, decode, sign and verify`, async () => {
    const pair = await generateKeyPair(type);
    assert.equal(keyTypeOf(pair.privateKey), type);
    assert.equal(keyTypeOf(pair.publicKey), type);
    for (const form of ["pkcs8", "traditional"] as const) {
      const pem = encodePrivateKeyPem(pair.privateKey, form);
      const label = form === "pkcs8" ? "PRIVATE KEY" : TRADITIONAL[type];
      assert.equal(decodePem(pem)[0].label, label);
      const back = decodePrivateKeyPem(pem);
      assert.ok(createPublicKey(back).equals(pair.publicKey), `${form} round trip keeps the key`);
    }
    const pubPem = encodePublicKeyPem(pair.privateKey);
    assert.match(pubPem, /^-----BEGIN PUBLIC KEY-----/);
    assert.ok(decodePublicKeyPem(pubPem).equals(pair.publicKey));

    // WebCrypto signature verified by node:crypto, and the other way round.
    const data = new TextEncoder().encode("strata");
    const alg = type === "ecdsa-p256"
      ? { name: "ECDSA", hash: "SHA-256" }
      : type === "ed25519"
      ? { name: "Ed25519" }
      : { name: "RSASSA-PKCS1-v1_5" };
    const sig = new Uint8Array(await crypto.subtle.sign(alg, await toSigningKey(pair.privateKey), data));
    const hash = type === "ed25519" ? null : "sha256";
    const nodeOk = verify(
      hash,
      data,
      type === "ecdsa-p256" ? { key: pair.publicKey, dsaEncoding: "ieee-p1363" } : pair.publicKey,
      sig,
    );
    assert.ok(nodeOk);
    const nodeSig = sign(
      hash,
      data,
      type === "ecdsa-p256" ? { key: pair.privateKey, dsaEncoding: "ieee-p1363" } : pair.privateKey,
    );
    assert.ok(
      await crypto.subtle.verify(alg, await toVerifyKey(pair.publicKey), new Uint8Array(nodeSig), data),
    );
  });
}

Deno.test("rsa-4096 keys have a 4096-bit modulus", async () => {
  const pair = await generateKeyPair("rsa-4096");
  assert.equal(pair.privateKey.asymmetricKeyDetails?.modulusLength, 4096);
  assert.equal(pair.privateKey.asymmetricKeyDetails?.publicExponent, 65537n);
});

Deno.test("decodePrivateKeyPem reads the Talos example's EC and ED25519 keys", async () => {
  const { parse } = await import("yaml");
  const bundle = parse(
    await Deno.readTextFile(
      new URL(
        "../../../shared/specs/talos/examples/stability-secrets-bundle.yaml",
        import.meta.url,
      ),
    ),
  );
  const b64 = (s: string) => atob(s);
  const ec = decodePrivateKeyPem(b64(bundle.certs.etcd.key));
  assert.equal(keyTypeOf(ec), "ecdsa-p256");
  const ed = decodePrivateKeyPem(b64(bundle.certs.os.key));
  assert.equal(keyTypeOf(ed), "ed25519");
  // Our traditional encoding of the same key is byte-identical to what Talos wrote.
  assert.equal(encodePrivateKeyPem(ed, "traditional"), b64(bundle.certs.os.key));
  assert.equal(encodePrivateKeyPem(ec, "traditional"), b64(bundle.certs.etcd.key));
});

Deno.test("decodePrivateKeyPem rejects public keys, certificates and mislabelled blocks", async () => {
  const pair = await generateKeyPair("ecdsa-p256");
  assert.throws(() => decodePrivateKeyPem(encodePublicKeyPem(pair.publicKey)), /found 0/);
  const pkcs8 = encodePrivateKeyPem(pair.privateKey, "pkcs8");
  assert.throws(
    () => decodePrivateKeyPem(pkcs8.replaceAll("PRIVATE KEY", "ED25519 PRIVATE KEY")),
    /holds a ec key/,
  );
  assert.throws(() => decodePrivateKeyPem(pkcs8.replaceAll("PRIVATE KEY", "DSA PRIVATE KEY")), /unsupported/);
  assert.throws(() => encodePrivateKeyPem(pair.publicKey), /needs a private key/);
});
