/**
 * The lab's PVE PKI per emulated host, persisted in the world's `proxmox.hosts[<name>]` (as a real
 * host keeps /etc/pve/pve-root-ca.pem and /etc/pve/nodes/<node>/pve-ssl.pem): a root CA like
 * `pvecm updatecerts` makes, and the API server certificate it signs, with the host's name and
 * loopback address as subject alternative names. The SSH emulator serves the CA; the API
 * emulator presents the certificate.
 *
 * @example
 * ```ts
 * const caPem = await pveRootCaPem(world, "pve1");
 * const { certificate, privateKey } = await ensurePveServerCertificate(world, "pve1", "127.0.0.10");
 * ```
 */
import {
  certificateFingerprint,
  createCa,
  decodePrivateKeyPem,
  encodePrivateKeyPem,
  issueServerCertificate,
} from "../../lib/pki/mod.ts";
import type { LabWorld } from "../world.ts";
import { proxmoxWorld } from "./access.ts";

interface HostPki {
  caPem?: string;
  caKeyPem?: string;
  sslPem?: string;
  sslKeyPem?: string;
  /** The address the server certificate was issued for. */
  sslAddress?: string;
}

const pending = new WeakMap<LabWorld, Map<string, Promise<unknown>>>();

/** Runs `fn` once at a time per world and host, so concurrent callers share one new key. */
function serialized<T>(world: LabWorld, key: string, fn: () => Promise<T>): Promise<T> {
  const map = pending.get(world) ?? new Map<string, Promise<unknown>>();
  pending.set(world, map);
  const run = (map.get(key) ?? Promise.resolve()).catch(() => {}).then(fn);
  map.set(key, run);
  return run;
}

function hostPki(world: LabWorld, host: string): HostPki {
  const hosts = proxmoxWorld(world).hosts as Record<string, HostPki>;
  return hosts[host] ??= {};
}

/** The host's root CA (created on first use): PEM certificate and PKCS#8 private key. */
export function ensurePveCa(
  world: LabWorld,
  host: string,
): Promise<{ certificate: string; privateKey: string }> {
  return serialized(world, host, async () => {
    const entry = hostPki(world, host);
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
      delete entry.sslPem;
      delete entry.sslKeyPem;
      await world.save();
    }
    return { certificate: entry.caPem, privateKey: entry.caKeyPem! };
  });
}

/** The PEM of the host's root CA, as `/etc/pve/pve-root-ca.pem` holds it. */
export async function pveRootCaPem(world: LabWorld, host: string): Promise<string> {
  return (await ensurePveCa(world, host)).certificate;
}

/**
 * The API server certificate of `host` for `address` (re-issued when the address or the CA
 * changed), signed by the host's root CA, with its SHA-256 fingerprint.
 */
export async function ensurePveServerCertificate(
  world: LabWorld,
  host: string,
  address: string,
): Promise<{ certificate: string; privateKey: string; fingerprint: string }> {
  const ca = await ensurePveCa(world, host);
  return serialized(world, host, async () => {
    const entry = hostPki(world, host);
    if (!entry.sslPem || !entry.sslKeyPem || entry.sslAddress !== address) {
      const leaf = await issueServerCertificate({
        ca: { certificate: ca.certificate, privateKey: decodePrivateKeyPem(ca.privateKey) },
        keyType: "rsa-2048",
        commonName: `${host}.lab`,
        organization: ["PVE Cluster Node"],
        dnsNames: [host, `${host}.lab`, "localhost"],
        ipAddresses: [address],
        validityMs: 2 * 365 * 24 * 3600 * 1000,
      });
      entry.sslPem = leaf.certificate;
      entry.sslKeyPem = encodePrivateKeyPem(leaf.privateKey);
      entry.sslAddress = address;
      await world.save();
    }
    return {
      certificate: entry.sslPem,
      privateKey: entry.sslKeyPem!,
      fingerprint: certificateFingerprint(entry.sslPem),
    };
  });
}
