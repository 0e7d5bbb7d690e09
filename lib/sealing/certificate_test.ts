import assert from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { createCa } from "../pki/certs.ts";
import { sealingKeyFromCertificate } from "./certificate.ts";

const SPECS = new URL("../../../shared/specs/sealed-secrets/", import.meta.url);
const usage = (re: RegExp) => (e: unknown) =>
  e instanceof UsageError && e.exitCode === 2 && re.test(e.message);

Deno.test("accepts the upstream RSA test certificate while valid, refuses it once expired", async () => {
  const pem = await Deno.readTextFile(new URL("test-vectors/kubeseal_test.testCert.pem", SPECS));
  const key = sealingKeyFromCertificate(pem, new Date("2020-01-01T00:00:00Z"));
  assert.equal(key.asymmetricKeyDetails?.modulusLength, 4096);
  assert.throws(
    () => sealingKeyFromCertificate(pem, new Date("2027-06-19T00:00:00Z"), "cert.pem"),
    usage(/cert.pem expired on 2027-06-18/),
  );
});

Deno.test("refuses non-RSA certificates and non-certificates", async () => {
  const ec = await createCa({ keyType: "ecdsa-p256", subject: { commonName: "ec" } });
  assert.throws(
    () => sealingKeyFromCertificate(ec.certificate, new Date(), "ec.pem"),
    usage(/ec.pem holds a ec key; sealing needs an RSA/),
  );
  const ed = await createCa({ keyType: "ed25519", subject: { commonName: "ed" } });
  assert.throws(() => sealingKeyFromCertificate(ed.certificate, new Date()), usage(/ed25519 key/));
  assert.throws(
    () => sealingKeyFromCertificate("hello", new Date(), "x.txt"),
    usage(/x.txt is not a PEM certificate/),
  );
  const rsa = await createCa({ keyType: "rsa-2048", subject: { commonName: "rsa" } });
  const keyOnly = rsa.privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  assert.throws(() => sealingKeyFromCertificate(keyOnly, new Date()), usage(/not a PEM certificate/));
  assert.throws(
    () =>
      sealingKeyFromCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", new Date()),
    usage(/does not parse/),
  );
});
