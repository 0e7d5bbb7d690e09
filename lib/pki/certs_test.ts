import assert from "node:assert/strict";
import { createPublicKey, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import {
  createCa,
  createSelfSignedCertificate,
  issueCertificate,
  issueClientCertificate,
  issueServerCertificate,
} from "./certs.ts";
import { generateKeyPair, type KeyType } from "./keys.ts";
import { decodePemBlock } from "./pem.ts";

const NOW = new Date("2026-01-02T03:04:05Z");

function ext<T extends x509.Extension>(pem: string, type: new (raw: BufferSource) => T): T | null {
  return new x509.X509Certificate(decodePemBlock(pem, "CERTIFICATE")).getExtension(type);
}

for (const keyType of ["rsa-2048", "ecdsa-p256", "ed25519"] as KeyType[]) {
  Deno.test(`${keyType}: CA and server leaf verify with node:crypto`, async () => {
    const ca = await createCa({
      keyType,
      subject: { organization: ["strata"], commonName: "strata ca" },
      notBefore: NOW,
    });
    const caCert = new X509Certificate(ca.certificate);
    assert.equal(caCert.ca, true);
    assert.ok(caCert.verify(caCert.publicKey), "self-signed CA verifies with its own key");
    assert.equal(caCert.subject, "O=strata\nCN=strata ca");
    assert.equal(caCert.issuer, caCert.subject);
    assert.equal(new Date(caCert.validFrom).getTime(), NOW.getTime());
    assert.equal(caCert.publicKey.asymmetricKeyType, ca.keyPair.publicKey.asymmetricKeyType);

    const server = await issueServerCertificate({
      ca,
      commonName: "api",
      dnsNames: ["api.example.com", "localhost"],
      ipAddresses: ["127.0.0.1", "::1"],
      notBefore: NOW,
    });
    const leaf = new X509Certificate(server.certificate);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.verify(caCert.publicKey), "leaf signature verifies with the CA key");
    assert.ok(leaf.checkIssued(caCert), "leaf was issued by the CA");
    assert.equal(leaf.checkHost("api.example.com"), "api.example.com");
    assert.equal(leaf.checkHost("other.example.com"), undefined);
    assert.equal(leaf.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(leaf.checkIP("::1"), "::1");
    assert.equal(leaf.checkIP("127.0.0.2"), undefined);
    assert.ok(
      leaf.publicKey.equals(createPublicKey(server.privateKey)),
      "the returned key belongs to the cert",
    );
    assert.deepEqual(Array.from(ext(server.certificate, x509.ExtendedKeyUsageExtension)!.usages, String), [
      "1.3.6.1.5.5.7.3.1",
    ]);

    // Authority key id on the leaf matches the CA's subject key id.
    const skid = ext(ca.certificate, x509.SubjectKeyIdentifierExtension)!.keyId;
    const aki = ext(server.certificate, x509.AuthorityKeyIdentifierExtension)!.keyId;
    assert.equal(aki, skid);

    // A different CA does not verify the leaf.
    const other = await createCa({ keyType, subject: { commonName: "other" }, notBefore: NOW });
    const otherCert = new X509Certificate(other.certificate);
    assert.equal(leaf.verify(otherCert.publicKey), false);
    assert.equal(leaf.checkIssued(otherCert), false);
  });
}

Deno.test("client certificate carries CN and several O values, clientAuth only", async () => {
  const ca = await createCa({
    keyType: "ecdsa-p256",
    subject: { organization: ["kubernetes"] },
    notBefore: NOW,
  });
  const client = await issueClientCertificate({
    ca,
    commonName: "admin",
    organization: ["system:masters", "ops"],
    notBefore: NOW,
    validityMs: 3600_000,
  });
  const leaf = new X509Certificate(client.certificate);
  assert.match(leaf.subject, /O=system:masters/);
  assert.match(leaf.subject, /O=ops/);
  assert.match(leaf.subject, /CN=admin/);
  assert.deepEqual(Array.from(ext(client.certificate, x509.ExtendedKeyUsageExtension)!.usages, String), [
    "1.3.6.1.5.5.7.3.2",
  ]);
  assert.equal(new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime(), 3600_000);
  assert.ok(leaf.checkIssued(new X509Certificate(ca.certificate)));
  const ku = ext(client.certificate, x509.KeyUsagesExtension)!;
  assert.equal(ku.critical, true);
  assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature);
});

Deno.test("templates: empty subject, random subject key id, encipherOnly, explicit serial", async () => {
  const { privateKey } = await generateKeyPair("ecdsa-p256");
  const pem = await createSelfSignedCertificate({
    subject: {},
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + 1000),
    isCa: true,
    keyUsage: ["encipherOnly"],
    subjectKeyId: "random",
    serialNumber: new Uint8Array([0x12, 0x34]),
  }, privateKey);
  const cert = new X509Certificate(pem);
  assert.ok(!cert.subject, "empty subject");
  assert.equal(new x509.X509Certificate(decodePemBlock(pem, "CERTIFICATE")).subjectName.toJSON().length, 0);
  assert.equal(cert.serialNumber, "1234");
  const parsed = new x509.X509Certificate(decodePemBlock(pem, "CERTIFICATE"));
  assert.equal(parsed.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.encipherOnly);
  assert.equal(parsed.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId.length, 40);
  assert.equal(parsed.getExtension(x509.BasicConstraintsExtension)!.critical, true);
});

Deno.test("random serials are positive 128-bit numbers and differ", async () => {
  const ca = await createCa({ keyType: "ed25519", subject: { organization: ["talos"] } });
  const a = await issueClientCertificate({ ca, organization: ["os:admin"] });
  const b = await issueClientCertificate({ ca, organization: ["os:admin"] });
  const sa = new X509Certificate(a.certificate).serialNumber;
  const sb = new X509Certificate(b.certificate).serialNumber;
  assert.notEqual(sa, sb);
  // node prints the serial without leading zero nibbles, so compare numerically
  const n = BigInt(`0x${sa}`);
  assert.ok(n > 0n && n < 2n ** 127n, sa);
});

Deno.test("bad inputs are refused", async () => {
  const ca = await createCa({ keyType: "ecdsa-p256", subject: { commonName: "ca" } });
  const other = await generateKeyPair("ecdsa-p256");
  await assert.rejects(
    () => issueServerCertificate({ ca, ipAddresses: ["10.0.0.300"] }),
    /not an IP address/,
  );
  await assert.rejects(() => issueServerCertificate({ ca }), /at least one DNS name or IP/);
  await assert.rejects(
    () =>
      issueCertificate(
        { subject: {}, notBefore: NOW, notAfter: new Date(NOW.getTime() + 1) },
        other.publicKey,
        { certificate: ca.certificate, privateKey: other.privateKey },
      ),
    /does not match its certificate/,
  );
  await assert.rejects(
    () => createSelfSignedCertificate({ subject: {}, notBefore: NOW, notAfter: NOW }, other.privateKey),
    /notAfter must be later/,
  );
});
