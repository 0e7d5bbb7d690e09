/**
 * Real TLS handshakes with certificates from our CA: a node:tls server on 127.0.0.1, clients that
 * trust our CA connect, clients that trust another CA are refused.
 */
import assert from "node:assert/strict";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import {
  type CertificateAuthority,
  createCa,
  issueClientCertificate,
  issueServerCertificate,
} from "./certs.ts";
import { encodePrivateKeyPem, type KeyType } from "./keys.ts";

async function startServer(
  server: { certificate: string; privateKey: Parameters<typeof encodePrivateKeyPem>[0] },
  opts: { clientCa?: CertificateAuthority } = {},
) {
  const srv = tls.createServer({
    key: encodePrivateKeyPem(server.privateKey),
    cert: server.certificate,
    ...(opts.clientCa ? { ca: opts.clientCa.certificate, requestCert: true, rejectUnauthorized: true } : {}),
  }, (socket) => {
    const peer = socket.getPeerCertificate();
    socket.end(`hello ${peer?.subject?.CN ?? "anonymous"}\n`);
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

async function denoClient(port: number, caCert: string, hostname = "127.0.0.1"): Promise<string> {
  const conn = await Deno.connectTls({ hostname, port, caCerts: [caCert] });
  try {
    await conn.handshake();
  } catch (e) {
    conn.close();
    throw e;
  }
  return await new Response(conn.readable).text();
}

for (const keyType of ["ecdsa-p256", "rsa-2048", "ed25519"] as KeyType[]) {
  Deno.test(`${keyType}: TLS client trusting our CA connects to 127.0.0.1, others are refused`, async () => {
    const ca = await createCa({ keyType, subject: { organization: ["strata-test"] } });
    const other = await createCa({ keyType, subject: { organization: ["someone-else"] } });
    const leaf = await issueServerCertificate({ ca, ipAddresses: ["127.0.0.1"], dnsNames: ["localhost"] });
    const server = await startServer(leaf);
    try {
      assert.equal(await denoClient(server.port, ca.certificate), "hello anonymous\n");
      await assert.rejects(() => denoClient(server.port, other.certificate), /UnknownIssuer/);
      // node:tls client, verifying the IP SAN itself (Deno's node:tls refuses an IP as servername).
      assert.equal(await nodeClient(server.port, ca.certificate), "hello anonymous\n");
      await assert.rejects(
        () => nodeClient(server.port, other.certificate),
        /certificate|self.signed|verify/i,
      );
    } finally {
      await server.close();
    }
  });
}

Deno.test("a leaf without the connected IP in its SANs is refused by name", async () => {
  const ca = await createCa({ keyType: "ecdsa-p256", subject: { organization: ["strata-test"] } });
  const leaf = await issueServerCertificate({ ca, dnsNames: ["elsewhere.test"], ipAddresses: ["127.0.0.9"] });
  const server = await startServer(leaf);
  try {
    await assert.rejects(() => denoClient(server.port, ca.certificate), /not valid for name "127.0.0.1"/);
  } finally {
    await server.close();
  }
});

Deno.test("mutual TLS: the server accepts a client certificate from its CA and reads its CN", async () => {
  const ca = await createCa({ keyType: "ecdsa-p256", subject: { organization: ["strata-test"] } });
  const leaf = await issueServerCertificate({ ca, ipAddresses: ["127.0.0.1"] });
  const client = await issueClientCertificate({ ca, commonName: "admin", organization: ["system:masters"] });
  const server = await startServer(leaf, { clientCa: ca });
  try {
    const conn = await Deno.connectTls({
      hostname: "127.0.0.1",
      port: server.port,
      caCerts: [ca.certificate],
      cert: client.certificate,
      key: encodePrivateKeyPem(client.privateKey),
    });
    const text = await new Response(conn.readable).text();
    assert.equal(text, "hello admin\n");
  } finally {
    await server.close();
  }
});

function nodeClient(port: number, caCert: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ca: caCert,
      servername: "localhost",
      checkServerIdentity: (_host, cert) => {
        const sans = (cert.subjectaltname ?? "").split(", ");
        return sans.includes("IP Address:127.0.0.1")
          ? undefined
          : new Error("127.0.0.1 not in the certificate");
      },
    });
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (d) => data += d);
    socket.on("end", () => resolve(data));
    socket.on("error", (e) => {
      socket.destroy();
      reject(e);
    });
  });
}
