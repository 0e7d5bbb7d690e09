import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { decodePemBlock } from "../pki/pem.ts";
import {
  checkSealedSecretsKey,
  generateSealedSecretsKey,
  SEALED_SECRETS_KEY_LABEL,
  sealedSecretsKeySecret,
} from "./sealed_secrets_key.ts";

const SPECS = new URL("../../../shared/specs/sealed-secrets/", import.meta.url);
const NOW = new Date("2026-03-04T05:06:07Z");
const key = await generateSealedSecretsKey({ now: NOW });

function peculiar(pem: string) {
  return new x509.X509Certificate(decodePemBlock(pem, "CERTIFICATE"));
}

Deno.test("certificate has the controller's shape: RSA 4096, empty CN, 10 years, CA, EncipherOnly", () => {
  const cert = new X509Certificate(key.certificate);
  assert.equal(cert.publicKey.asymmetricKeyType, "rsa");
  assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 4096);
  assert.equal(cert.publicKey.asymmetricKeyDetails?.publicExponent, 65537n);
  assert.ok(!cert.subject && !cert.issuer, "empty subject and issuer, as with --my-cn unset");
  assert.equal(new Date(cert.validFrom).getTime(), NOW.getTime());
  assert.equal(new Date(cert.validTo).getTime() - NOW.getTime(), 87600 * 3600 * 1000);
  assert.equal(cert.ca, true);
  assert.ok(cert.verify(cert.publicKey), "self-signed");
  assert.equal(peculiar(key.certificate).signatureAlgorithm.name, "RSASSA-PKCS1-v1_5");
});

Deno.test("key usage and basic constraints are byte-identical to the upstream controller's test certificate", async () => {
  const upstream = peculiar(
    await Deno.readTextFile(new URL("test-vectors/kubeseal_test.testCert.pem", SPECS)),
  );
  const ours = peculiar(key.certificate);
  for (const oid of ["2.5.29.15", "2.5.29.19"]) { // key usage, basic constraints
    const a = upstream.getExtension(oid)!;
    const b = ours.getExtension(oid)!;
    assert.equal(b.critical, a.critical);
    assert.deepEqual(new Uint8Array(b.value), new Uint8Array(a.value));
  }
  assert.equal(ours.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.encipherOnly);
  assert.equal(upstream.subject, ours.subject);
});

Deno.test("private key is PKCS#1 RSA PRIVATE KEY matching the certificate", () => {
  assert.match(key.privateKey, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  const priv = createPrivateKey(key.privateKey);
  assert.ok(createPublicKey(priv).equals(new X509Certificate(key.certificate).publicKey));
  assert.match(checkSealedSecretsKey(key), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

Deno.test("checkSealedSecretsKey rejects mismatched and non-RSA keys", async () => {
  const other = await generateSealedSecretsKey({ bits: 2048 });
  assert.throws(
    () => checkSealedSecretsKey({ certificate: key.certificate, privateKey: other.privateKey }),
    /does not belong/,
  );
  const { generateKeyPair, encodePrivateKeyPem } = await import("../pki/keys.ts");
  const ec = await generateKeyPair("ecdsa-p256");
  assert.throws(
    () =>
      checkSealedSecretsKey({ certificate: key.certificate, privateKey: encodePrivateKeyPem(ec.privateKey) }),
    /not an RSA key/,
  );
});

Deno.test("sealedSecretsKeySecret is the active-key Secret the controller loads, and kubectl accepts it", async () => {
  const secret = sealedSecretsKeySecret(key, { namespace: "kube-system" });
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.deepEqual(secret.metadata.labels, { [SEALED_SECRETS_KEY_LABEL]: "active" });
  assert.equal(Buffer.from(secret.data["tls.crt"], "base64").toString(), key.certificate);
  assert.equal(Buffer.from(secret.data["tls.key"], "base64").toString(), key.privateKey);
  assert.equal(secret.metadata.namespace, "kube-system");

  // kubectl builds the same tls Secret from the two files (client-side, no cluster needed).
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/tls.crt`, key.certificate);
    await Deno.writeTextFile(`${dir}/tls.key`, key.privateKey);
    const out = await new Deno.Command("kubectl", {
      args: [
        "create",
        "secret",
        "tls",
        secret.metadata.name,
        "-n",
        "kube-system",
        `--cert=${dir}/tls.crt`,
        `--key=${dir}/tls.key`,
        "--dry-run=client",
        "-o",
        "json",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output().catch((e) => {
      if (e instanceof Deno.errors.NotFound) return undefined; // kubectl not installed
      throw e;
    });
    if (!out) return;
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const made = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(made.type, secret.type);
    assert.deepEqual(made.data, secret.data, "same data as kubectl create secret tls would produce");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
