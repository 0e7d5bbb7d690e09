import { X509Certificate } from "node:crypto";
import { assert, assertEquals } from "../../tests/testing.ts";
import { LabWorld } from "../world.ts";
import { ensurePveServerCertificate, pveRootCaPem } from "./pki.ts";

Deno.test("each host has its own root CA, kept in the world; the API certificate names the host and its address", async () => {
  const world = LabWorld.memory();
  const ca = await pveRootCaPem(world, "pve1");
  assertEquals(await pveRootCaPem(world, "pve1"), ca, "created once");
  assert(ca !== await pveRootCaPem(world, "pve2"), "per host");
  const caCert = new X509Certificate(ca);
  assert(caCert.ca && caCert.subject.includes("CN=Proxmox Virtual Environment"), caCert.subject);

  const leaf = await ensurePveServerCertificate(world, "pve1", "127.0.0.10");
  const cert = new X509Certificate(leaf.certificate);
  assert(cert.checkIssued(caCert) && cert.verify(caCert.publicKey), "signed by the host's CA");
  assertEquals(cert.subjectAltName?.split(", ").sort(), [
    "DNS:localhost",
    "DNS:pve1",
    "DNS:pve1.lab",
    "IP Address:127.0.0.10",
  ]);
  assertEquals(cert.fingerprint256, leaf.fingerprint);
  assertEquals(
    (await ensurePveServerCertificate(world, "pve1", "127.0.0.10")).fingerprint,
    leaf.fingerprint,
    "kept",
  );
  const moved = await ensurePveServerCertificate(world, "pve1", "127.0.0.20");
  assert(moved.fingerprint !== leaf.fingerprint, "a new address gets a new certificate");
  assert(new X509Certificate(moved.certificate).checkIssued(caCert));
});
