/**
 * The lab's PVE root CA per emulated host, persisted in the world (as a real host keeps
 * /etc/pve/pve-root-ca.pem). The SSH emulator serves it; the API emulator signs its certificate
 * with it.
 */
import { createCa, encodePrivateKeyPem } from "../../lib/pki/mod.ts";
import type { LabWorld } from "../world.ts";
import { proxmoxWorld } from "../ssh/server.ts";

export async function ensurePveCa(
  world: LabWorld,
  host: string,
): Promise<{ certificate: string; privateKey: string }> {
  const pve = proxmoxWorld(world);
  const entry = pve.hosts[host] ??= {};
  if (!entry.caPem || !entry.caKeyPem) {
    const ca = await createCa({
      keyType: "rsa-2048",
      subject: {
        commonName: "Proxmox Virtual Environment",
        organizationalUnit: [crypto.randomUUID()],
        organization: ["PVE Cluster Manager CA"],
      },
    });
    entry.caPem = ca.certificate;
    entry.caKeyPem = encodePrivateKeyPem(ca.privateKey);
    await world.save();
  }
  return { certificate: entry.caPem, privateKey: entry.caKeyPem! };
}
