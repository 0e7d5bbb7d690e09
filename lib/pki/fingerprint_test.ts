import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { createCa } from "./certs.ts";
import { certificateFingerprint, certificatePublicKey, publicKeyPinSha256 } from "./fingerprint.ts";

const TEST_CERT = new URL(
  "../../../shared/specs/sealed-secrets/test-vectors/kubeseal_test.testCert.pem",
  import.meta.url,
);

Deno.test("certificateFingerprint matches node's X509Certificate fingerprints", async () => {
  const pem = await Deno.readTextFile(TEST_CERT);
  const node = new X509Certificate(pem);
  assert.equal(certificateFingerprint(pem), node.fingerprint256);
  assert.equal(certificateFingerprint(pem, "sha1"), node.fingerprint);
});

Deno.test("publicKeyPinSha256 hashes the SPKI of private and public keys alike", async () => {
  const ca = await createCa({ keyType: "ecdsa-p256", subject: { commonName: "pin" } });
  const spki = ca.keyPair.publicKey.export({ format: "der", type: "spki" });
  const expected = createHash("sha256").update(spki).digest("base64");
  assert.equal(publicKeyPinSha256(ca.privateKey), expected);
  assert.equal(publicKeyPinSha256(certificatePublicKey(ca.certificate)), expected);
});
