/**
 * The certificates a Talos node makes for itself, as the real one does:
 * - in maintenance mode, a server certificate from a throw-away CA of its own (there is no PKI yet);
 * - once configured, apid's server certificate signed by the OS CA of the applied config
 *   (`machine.ca`), for the node's addresses and `machine.certSANs`;
 * - the kube-apiserver's serving certificate from the cluster's Kubernetes CA (`cluster.ca`);
 * - the admin kubeconfig (`talosctl kubeconfig`): a client certificate CN=admin, O=system:masters
 *   from `cluster.ca`, laid out as client-go's `clientcmd.Write` writes it.
 *
 * @example
 * ```ts
 * const tls = await apidCertificate(config.machine.ca, { ips: ["10.0.1.11"], dnsNames: ["cp-1"] }, now);
 * const kubeconfig = await adminKubeconfig({ cluster: "homelab", endpoint: "https://10.0.3.10:6443", ca, now });
 * ```
 */
import { Buffer } from "node:buffer";
import { X509Certificate } from "node:crypto";
import { stringify } from "yaml";
import {
  createCa,
  decodePrivateKeyPem,
  encodePrivateKeyPem,
  generateKeyPair,
  issueCertificate,
  issueServerCertificate,
  keyTypeOf,
} from "../../lib/pki/mod.ts";

/** A CA as the machine config holds it: base64 of the PEM texts. */
export interface ConfigCa {
  crt: string;
  key?: string;
}

/** A PEM server certificate and key (PKCS#8), ready for `tls.createServer`. */
export interface ServingCert {
  cert: string;
  key: string;
  /** The CA certificate (PEM) clients verify it with. */
  ca: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

export function fromBase64(b64: string): string {
  return Buffer.from(b64, "base64").toString("utf8");
}

export function toBase64(text: string): string {
  return Buffer.from(text).toString("base64");
}

/** The CA of a config section as PEM certificate and key; throws a readable error when broken. */
export function caOf(
  ca: ConfigCa,
  where: string,
): { certificate: string; privateKey: ReturnType<typeof decodePrivateKeyPem> } {
  if (!ca?.crt || !ca?.key) throw new Error(`${where}: certificate and key are required`);
  const certificate = fromBase64(ca.crt);
  try {
    new X509Certificate(certificate);
  } catch {
    throw new Error(`${where}.crt is not a certificate`);
  }
  return { certificate, privateKey: decodePrivateKeyPem(fromBase64(ca.key)) };
}

/** Maintenance mode: a self-made CA and a certificate for the node's addresses. */
export async function maintenanceCertificate(ips: string[], now: Date): Promise<ServingCert> {
  const ca = await createCa({ keyType: "ed25519", subject: { organization: ["talos"] }, notBefore: now });
  const leaf = await issueServerCertificate({ ca, ipAddresses: ips, notBefore: now });
  return { cert: leaf.certificate, key: encodePrivateKeyPem(leaf.privateKey), ca: ca.certificate };
}

/** apid's serving certificate from the OS CA of the applied config. */
export async function apidCertificate(
  osCa: ConfigCa,
  sans: { ips: string[]; dnsNames: string[] },
  now: Date,
): Promise<ServingCert> {
  const ca = caOf(osCa, "machine.ca");
  const leaf = await issueServerCertificate({
    ca,
    ipAddresses: [...new Set(sans.ips)],
    dnsNames: [...new Set(sans.dnsNames)],
    commonName: sans.dnsNames[0],
    notBefore: now,
  });
  return { cert: leaf.certificate, key: encodePrivateKeyPem(leaf.privateKey), ca: ca.certificate };
}

/** kube-apiserver's serving certificate from the cluster CA. */
export async function kubeApiCertificate(
  clusterCa: ConfigCa,
  sans: { ips: string[]; dnsNames: string[] },
  now: Date,
): Promise<ServingCert> {
  const ca = caOf(clusterCa, "cluster.ca");
  const leaf = await issueServerCertificate({
    ca,
    commonName: "kube-apiserver",
    ipAddresses: [...new Set(sans.ips)],
    dnsNames: [...new Set(sans.dnsNames)],
    notBefore: now,
  });
  return { cert: leaf.certificate, key: encodePrivateKeyPem(leaf.privateKey), ca: ca.certificate };
}

/** Go duration text ("8760h", "1h30m") in ms; undefined when it does not parse. */
export function parseGoDuration(s: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * units[m[2]];
    at = re.lastIndex;
  }
  return at === s.length && at > 0 ? total : undefined;
}

/** The admin kubeconfig Talos' `Kubeconfig` API returns (pkg/kubeconfig GenerateAdmin). */
export async function adminKubeconfig(opts: {
  cluster: string;
  endpoint: string;
  clusterCa: ConfigCa;
  acceptedCAs?: string[];
  now: Date;
  lifetimeMs?: number;
  commonName?: string;
  organization?: string;
}): Promise<string> {
  const ca = caOf(opts.clusterCa, "cluster.ca");
  const { privateKey, publicKey } = await generateKeyPair(keyTypeOf(ca.privateKey));
  const notBefore = new Date(opts.now.getTime() - 10_000); // allowedTimeSkew
  const crt = await issueCertificate(
    {
      subject: {
        organization: [opts.organization ?? "system:masters"],
        commonName: opts.commonName ?? "admin",
      },
      notBefore,
      notAfter: new Date(opts.now.getTime() + (opts.lifetimeMs ?? YEAR_MS)),
      keyUsage: ["digitalSignature", "keyEncipherment"],
      extKeyUsage: ["clientAuth"],
    },
    publicKey,
    ca,
  );
  const cas = [...(opts.acceptedCAs ?? []), ca.certificate].join("");
  const user = `admin@${opts.cluster}`;
  const doc = {
    apiVersion: "v1",
    clusters: [{
      cluster: { "certificate-authority-data": toBase64(cas), server: opts.endpoint },
      name: opts.cluster,
    }],
    contexts: [{ context: { cluster: opts.cluster, namespace: "default", user }, name: user }],
    "current-context": user,
    kind: "Config",
    preferences: {},
    users: [{
      name: user,
      user: {
        "client-certificate-data": toBase64(crt),
        "client-key-data": toBase64(encodePrivateKeyPem(privateKey, "traditional")),
      },
    }],
  };
  return stringify(doc, { indentSeq: false, lineWidth: 0 });
}
