/** The TLS front: mutual TLS to a plaintext inner server, connections found by the inner leg's port, resets. */
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import {
  createCa,
  encodePrivateKeyPem,
  issueClientCertificate,
  issueServerCertificate,
} from "../../lib/pki/mod.ts";
import { ConnectionTable, startTlsFront } from "./tls_front.ts";

Deno.test("pipes TLS to the inner server, knows each connection's certificate, resets on demand", async () => {
  const ca = await createCa({ keyType: "ed25519", subject: { organization: ["talos"] } });
  const server = await issueServerCertificate({ ca, ipAddresses: ["127.77.0.1"] });
  const client = await issueClientCertificate({ ca, organization: ["os:admin"] });
  const seenPorts: number[] = [];
  const inner = net.createServer((s) => {
    seenPorts.push(s.remotePort!);
    s.on("data", (d) => s.write(d)); // echo
  });
  await new Promise<void>((r) => inner.listen(0, "127.0.0.1", r));
  const conns = new ConnectionTable<string>();
  const front = await startTlsFront({
    address: "127.77.0.1",
    port: 0,
    innerPort: (inner.address() as net.AddressInfo).port,
    key: encodePrivateKeyPem(server.privateKey),
    cert: server.certificate,
    clientCa: ca.certificate,
    tag: "node-a",
    conns,
  });
  try {
    const socket = tls.connect({
      host: "127.77.0.1",
      port: front.port,
      ca: ca.certificate,
      cert: client.certificate,
      key: encodePrivateKeyPem(client.privateKey),
      servername: "x.invalid",
      checkServerIdentity: () => undefined,
    });
    const echoed = await new Promise<string>((resolve, reject) => {
      socket.on("secureConnect", () => socket.write("ping"));
      socket.once("data", (d) => resolve(String(d)));
      socket.on("error", reject);
    });
    assert.equal(echoed, "ping");
    const conn = conns.byPeer(`ipv4:127.0.0.1:${seenPorts[0]}`)!;
    assert.equal(conn.tag, "node-a");
    assert.deepEqual(conn.organizations, ["os:admin"]);
    assert.equal(conn.authorized, true);
    const closed = new Promise((r) => socket.on("close", r));
    front.resetConnections();
    await closed;
    assert.equal(conns.byPeer(`127.0.0.1:${seenPorts[0]}`), undefined);
  } finally {
    await front.close();
    await new Promise((r) => inner.close(r));
  }
});
