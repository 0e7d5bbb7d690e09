/** The node's certificates: maintenance (self-made), apid from machine.ca, the admin kubeconfig, Go durations. */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { parse } from "yaml";
import { secrets } from "../../tests/talos/helpers.ts";
import {
  adminKubeconfig,
  apidCertificate,
  caOf,
  fromBase64,
  maintenanceCertificate,
  parseGoDuration,
} from "./pki.ts";

const now = new Date();

Deno.test("maintenance certificate: from a CA of its own, for the node's addresses", async () => {
  const c = await maintenanceCertificate(["10.0.1.11", "127.0.1.11"], now);
  const cert = new X509Certificate(c.cert);
  assert.equal(cert.subjectAltName, "IP Address:10.0.1.11, IP Address:127.0.1.11");
  assert.ok(cert.verify(new X509Certificate(c.ca).publicKey));
  assert.ok(!cert.verify(new X509Certificate(fromBase64(secrets.certs.os.crt)).publicKey));
});

Deno.test("apid certificate: signed by the OS CA of the config, with IPs and names", async () => {
  const c = await apidCertificate(secrets.certs.os, { ips: ["10.0.1.11"], dnsNames: ["cp-1"] }, now);
  const cert = new X509Certificate(c.cert);
  assert.ok(cert.verify(new X509Certificate(fromBase64(secrets.certs.os.crt)).publicKey));
  assert.equal(cert.subjectAltName, "DNS:cp-1, IP Address:10.0.1.11");
  assert.throws(
    () => caOf({ crt: secrets.certs.os.crt }, "machine.ca"),
    /machine\.ca: certificate and key are required/,
  );
  assert.throws(
    () => caOf({ crt: "bm9wZQ==", key: secrets.certs.os.key }, "machine.ca"),
    /machine\.ca\.crt is not a certificate/,
  );
});

Deno.test("admin kubeconfig: client-go's layout, CN=admin O=system:masters from the cluster CA", async () => {
  const text = await adminKubeconfig({
    cluster: "homelab",
    endpoint: "https://10.0.3.10:6443",
    clusterCa: secrets.certs.k8s,
    now,
  });
  assert.match(text, /^apiVersion: v1\nclusters:\n- cluster:\n {4}certificate-authority-data: /);
  // deno-lint-ignore no-explicit-any
  const doc = parse(text) as any;
  assert.deepEqual(doc.contexts, [{
    context: { cluster: "homelab", namespace: "default", user: "admin@homelab" },
    name: "admin@homelab",
  }]);
  const cert = new X509Certificate(fromBase64(doc.users[0].user["client-certificate-data"]));
  assert.equal(cert.subject, "O=system:masters\nCN=admin");
  assert.match(fromBase64(doc.users[0].user["client-key-data"]), /^-----BEGIN EC PRIVATE KEY-----/);
  const days = (new Date(cert.validTo).getTime() - now.getTime()) / 86400_000;
  assert.ok(days > 364 && days < 366);
});

Deno.test("Go durations", () => {
  assert.equal(parseGoDuration("8760h"), 8760 * 3600_000);
  assert.equal(parseGoDuration("1h30m"), 5400_000);
  assert.equal(parseGoDuration("1.5s"), 1500);
  assert.equal(parseGoDuration("1 day"), undefined);
  assert.equal(parseGoDuration(""), undefined);
});
