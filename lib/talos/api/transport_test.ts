/** IP SAN checks, connection error classes, Talos key labels, and the TLS probe's verdicts. */
import assert from "node:assert/strict";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { ScaledClock } from "../../clock/clock.ts";
import {
  createCa,
  encodePrivateKeyPem,
  issueClientCertificate,
  issueServerCertificate,
} from "../../pki/mod.ts";
import { checkIpIdentity, classifyConnectError, probeTls, tlsKeyPem } from "./transport.ts";

Deno.test("the node's IP must be among the certificate's IP SANs (IPv6 normalized)", () => {
  assert.equal(checkIpIdentity("10.0.1.11", { subjectaltname: "DNS:cp-1, IP Address:10.0.1.11" }), undefined);
  assert.match(
    String(checkIpIdentity("10.0.1.12", { subjectaltname: "IP Address:10.0.1.11" })),
    /10\.0\.1\.12 is not among/,
  );
  assert.match(String(checkIpIdentity("10.0.1.12", { subjectaltname: "DNS:10.0.1.12" })), /\(none\)/);
  assert.equal(checkIpIdentity("fd00::1", { subjectaltname: "IP Address:FD00:0:0:0:0:0:0:1" }), undefined);
});

Deno.test("connection errors are sorted into refusals and plain unreachability", () => {
  assert.equal(classifyConnectError("received fatal alert: CertificateRequired"), "certificate-required");
  assert.equal(classifyConnectError("Error: unable to verify the first certificate"), "server-untrusted");
  assert.equal(classifyConnectError("remote error: tls: unknown certificate authority"), "client-refused");
  assert.equal(classifyConnectError("Error: connect ECONNREFUSED 127.0.1.11:50000"), "unreachable");
  assert.equal(classifyConnectError("Failed to connect"), "unknown");
});

Deno.test("Talos' ED25519 PRIVATE KEY label becomes PKCS#8 for TLS", async () => {
  const ca = await createCa({ keyType: "ed25519", subject: {} });
  const talosPem = encodePrivateKeyPem(ca.privateKey, "traditional");
  assert.match(talosPem, /ED25519 PRIVATE KEY/);
  assert.match(tlsKeyPem(talosPem), /^-----BEGIN PRIVATE KEY-----/);
});

Deno.test("the probe tells an accepting server from one that drops us after the handshake", async () => {
  const ca = await createCa({ keyType: "ecdsa-p256", subject: {} });
  const other = await createCa({ keyType: "ecdsa-p256", subject: {} });
  const leaf = await issueServerCertificate({ ca, ipAddresses: ["127.0.0.1"] });
  const good = await issueClientCertificate({ ca });
  const bad = await issueClientCertificate({ ca: other });
  const server = tls.createServer({
    key: encodePrivateKeyPem(leaf.privateKey),
    cert: leaf.certificate,
    ca: ca.certificate,
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ["h2"],
  }, (s) => s.write("x"));
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => sockets.add(s));
  server.on("tlsClientError", () => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const clock = new ScaledClock(1);
  try {
    const creds = (c: typeof good) => ({
      ca: ca.certificate,
      crt: c.certificate,
      key: encodePrivateKeyPem(c.privateKey),
    });
    const base = { node: "127.0.0.1", address: "127.0.0.1", port, clock };
    assert.deepEqual(await probeTls({ ...base, credentials: creds(good) }), { kind: "open" });
    assert.deepEqual(await probeTls({ ...base, credentials: creds(bad) }), { kind: "closed" });
    const refused = await probeTls({ ...base, port: 1 });
    assert.equal(refused.kind, "unreachable");
  } finally {
    const closed = new Promise((r) => server.close(r));
    for (const s of sockets) s.destroy();
    await closed;
  }
});
