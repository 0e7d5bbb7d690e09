import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPublicKey, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { parse } from "yaml";
import { decodePrivateKeyPem } from "../pki/keys.ts";
import { decodePem, decodePemBlock } from "../pki/pem.ts";
import {
  generateTalosAdminCertificate,
  generateTalosSecrets,
  genToken,
  parseTalosSecrets,
  stringifyTalosSecrets,
  TALOS_TOKEN_PATTERN,
  talosCertAndKey,
} from "./secrets.ts";

const EXAMPLE_PATH = new URL(
  "../../../shared/specs/talos/examples/stability-secrets-bundle.yaml",
  import.meta.url,
);
const exampleText = await Deno.readTextFile(EXAMPLE_PATH);
const example = parseTalosSecrets(exampleText);
const NOW = new Date("2026-05-06T07:08:09Z");

const text = (b64: string) => Buffer.from(b64, "base64").toString();
const CAS = ["etcd", "k8s", "k8saggregator", "os"] as const;

/** Everything about a CA entry that must match between Talos' example and ours (not the random parts). */
function caShape(entry: { crt: string; key: string }) {
  const pem = text(entry.crt);
  const node = new X509Certificate(pem);
  const p = new x509.X509Certificate(decodePemBlock(pem, "CERTIFICATE"));
  const key = decodePrivateKeyPem(text(entry.key));
  const ext = (oid: string) => p.getExtension(oid);
  return {
    keyLabel: decodePem(text(entry.key))[0].label,
    keyType: key.asymmetricKeyType,
    curve: key.asymmetricKeyDetails?.namedCurve,
    certKeyType: node.publicKey.asymmetricKeyType,
    subject: node.subject ?? "",
    issuer: node.issuer ?? "",
    ca: node.ca,
    validityMs: new Date(node.validTo).getTime() - new Date(node.validFrom).getTime(),
    signature: p.signatureAlgorithm.name,
    keyUsage: [ext("2.5.29.15")?.critical, Buffer.from(ext("2.5.29.15")!.value).toString("hex")],
    extKeyUsage: [ext("2.5.29.37")?.critical, Buffer.from(ext("2.5.29.37")!.value).toString("hex")],
    basicConstraints: [ext("2.5.29.19")?.critical, Buffer.from(ext("2.5.29.19")!.value).toString("hex")],
    skidLength: p.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId.length / 2,
    extensions: p.extensions.map((e) => e.type),
    serialBits: BigInt("0x" + node.serialNumber).toString(2).length <= 128,
    selfSigned: node.verify(node.publicKey),
    keyMatches: node.publicKey.equals(createPublicKey(key)),
  };
}

Deno.test("the upstream example bundle parses with our types and re-serialises byte for byte", () => {
  assert.equal(example.secrets.bootstraptoken, "inn7ol.u4ehnti8qyls9ymo");
  assert.match(example.trustdinfo.token, TALOS_TOKEN_PATTERN);
  const withoutComment = exampleText.split("\n").filter((l) => !l.startsWith("#")).join("\n");
  assert.equal(stringifyTalosSecrets(example), withoutComment);
});

Deno.test("a bundle for the example's contract (v1.6) has the example's structure, key types and CA shapes", async () => {
  const ours = await generateTalosSecrets({ now: NOW, talosVersion: "v1.6.0" });
  assert.deepEqual(Object.keys(parse(stringifyTalosSecrets(ours))), Object.keys(parse(exampleText)));
  assert.deepEqual(structure(ours), structure(example));
  for (const name of CAS) {
    assert.deepEqual(caShape(ours.certs[name]), caShape(example.certs[name]), `certs.${name}`);
  }
  const saOurs = decodePrivateKeyPem(text(ours.certs.k8sserviceaccount.key));
  const saTheirs = decodePrivateKeyPem(text(example.certs.k8sserviceaccount.key));
  assert.equal(saOurs.asymmetricKeyType, saTheirs.asymmetricKeyType);
  assert.equal(saOurs.asymmetricKeyDetails?.namedCurve, saTheirs.asymmetricKeyDetails?.namedCurve);
  assert.equal(new Date(new X509Certificate(text(ours.certs.os.crt)).validFrom).getTime(), NOW.getTime());
});

Deno.test("current contract (v1.13): RSA-4096 service account key, everything else as the example", async () => {
  const ours = await generateTalosSecrets({ now: NOW });
  for (const name of CAS) assert.deepEqual(caShape(ours.certs[name]), caShape(example.certs[name]));
  const sa = text(ours.certs.k8sserviceaccount.key);
  assert.match(sa, /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.equal(decodePrivateKeyPem(sa).asymmetricKeyDetails?.modulusLength, 4096);
  assert.deepEqual(structure(ours), structure(example));
});

Deno.test("random values have Talos' sizes and encodings", async () => {
  const b = await generateTalosSecrets({ talosVersion: "v1.6" });
  assert.match(b.secrets.bootstraptoken, TALOS_TOKEN_PATTERN);
  assert.match(b.trustdinfo.token, TALOS_TOKEN_PATTERN);
  assert.equal(Buffer.from(b.secrets.secretboxencryptionsecret!, "base64").length, 32);
  assert.match(b.cluster.id, /^[A-Za-z0-9_-]{43}=$/, "URL-safe base64 of 32 bytes");
  assert.equal(Buffer.from(b.cluster.id, "base64url").length, 32);
  assert.match(b.cluster.secret, /^[A-Za-z0-9+/]{43}=$/);
  const again = await generateTalosSecrets({ talosVersion: "v1.6" });
  assert.notEqual(again.cluster.id, b.cluster.id);
  assert.notEqual(again.certs.os.key, b.certs.os.key);
  // Old contracts use AES-CBC instead of secretbox.
  const old = await generateTalosSecrets({ talosVersion: "v1.2.0" });
  assert.ok(old.secrets.aescbcencryptionsecret && !old.secrets.secretboxencryptionsecret);
});

Deno.test("genToken draws from [a-z0-9] without bias toward early letters", () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const t = genToken();
    assert.match(t, TALOS_TOKEN_PATTERN);
    for (const c of t.replace(".", "")) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  assert.equal(counts.size, 36);
  const expected = (2000 * 22) / 36;
  for (const n of counts.values()) assert.ok(Math.abs(n - expected) < expected * 0.25);
});

Deno.test("parseTalosSecrets names the broken field", async () => {
  // deno-lint-ignore no-explicit-any -- free-form mutation of parsed YAML
  type Loose = Record<string, any>;
  const broken = (mutate: (b: Loose) => void) => {
    const b = parse(exampleText) as Loose;
    mutate(b);
    return () => parseTalosSecrets(b);
  };
  assert.throws(broken((b) => delete b.cluster.id), /cluster\.id/);
  assert.throws(broken((b) => b.secrets.bootstraptoken = "nope"), /secrets\.bootstraptoken/);
  assert.throws(broken((b) => b.secrets.aescbcencryptionsecret = "x"), /exactly one of/);
  assert.throws(broken((b) => b.certs.k8s.key = b.certs.etcd.key), /certs\.k8s: key does not belong to crt/);
  assert.throws(broken((b) => b.certs.os.crt = "bm90IGEgY2VydA=="), /certs\.os: crt is not/);
  assert.throws(broken((b) => delete b.certs.k8sserviceaccount), /certs\.k8sserviceaccount/);
  await assert.rejects(() => generateTalosSecrets({ talosVersion: "latest" }), /not like v1.13.9/);
});

Deno.test("admin client certificate: Ed25519, O=os:admin, clientAuth, signed by the OS CA", async () => {
  const bundle = await generateTalosSecrets({ now: NOW, talosVersion: "v1.6" });
  const admin = await generateTalosAdminCertificate(bundle, { now: NOW });
  assert.equal(admin.ca, bundle.certs.os.crt);
  const cert = new X509Certificate(text(admin.crt));
  const ca = new X509Certificate(text(bundle.certs.os.crt));
  assert.equal(cert.subject, "O=os:admin");
  assert.equal(cert.issuer, "O=talos");
  assert.ok(cert.checkIssued(ca));
  assert.ok(cert.verify(ca.publicKey));
  assert.equal(cert.ca, false);
  assert.equal(new Date(cert.validTo).getTime() - NOW.getTime(), 365 * 24 * 3600 * 1000);
  assert.match(text(admin.key), /^-----BEGIN ED25519 PRIVATE KEY-----/);
  assert.ok(cert.publicKey.equals(createPublicKey(decodePrivateKeyPem(text(admin.key)))));
  const p = new x509.X509Certificate(decodePemBlock(text(admin.crt), "CERTIFICATE"));
  assert.deepEqual(Array.from(p.getExtension(x509.ExtendedKeyUsageExtension)!.usages, String), [
    "1.3.6.1.5.5.7.3.2",
  ]);
  assert.equal(p.getExtension(x509.KeyUsagesExtension)!.usages, x509.KeyUsageFlags.digitalSignature);
  assert.equal(
    p.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId,
    new x509.X509Certificate(decodePemBlock(text(bundle.certs.os.crt), "CERTIFICATE"))
      .getExtension(x509.SubjectKeyIdentifierExtension)!.keyId,
  );
  // Several roles land in O, and the example bundle's CA can sign too.
  const reader = await generateTalosAdminCertificate(example, { roles: ["os:reader", "os:etcd:backup"] });
  assert.match(new X509Certificate(text(reader.crt)).subject, /O=os:reader/);
  assert.deepEqual(talosCertAndKey(example.certs.os).certificate, text(example.certs.os.crt));
});

function structure(value: unknown): unknown {
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structure(v)]));
  }
  return typeof value;
}
