/**
 * X.509 certificates: self-signed CAs and leaves signed by a CA, built with `@peculiar/x509`
 * on WebCrypto, the way Go's `x509.CreateCertificate` lays them out (random 128-bit serial,
 * critical key usage and basic constraints, subject key id on CAs, authority key id on leaves).
 *
 * @example
 * ```ts
 * const ca = await createCa({ keyType: "ecdsa-p256", subject: { organization: ["kubernetes"] } });
 * const server = await issueServerCertificate({ ca, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
 * // server.certificate (PEM), server.privateKey (KeyObject)
 * ```
 */
import * as x509 from "@peculiar/x509";
import { X509Certificate as NodeX509Certificate } from "node:crypto";
import {
  generateKeyPair,
  type KeyObject,
  type KeyPair,
  type KeyType,
  keyTypeOf,
  publicKeyOf,
  signatureAlgorithmFor,
  toSigningKey,
} from "./keys.ts";
import { decodePemBlock } from "./pem.ts";

x509.cryptoProvider.set(crypto);

/** A subject or issuer name. Attributes are written in Go's order: C, O, OU, CN. */
export interface DistinguishedName {
  country?: string[];
  organization?: string[];
  organizationalUnit?: string[];
  commonName?: string;
}

export type KeyUsage =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly";

export type ExtKeyUsage = "serverAuth" | "clientAuth";

const EXT_KEY_USAGE_OID: Record<ExtKeyUsage, string> = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};

/** What a certificate says. Dates are explicit so callers decide the clock. */
export interface CertificateTemplate {
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** Big-endian serial bytes; default: a random positive 128-bit number (as Go tools use). */
  serialNumber?: Uint8Array;
  /** Sets basic constraints CA:TRUE (critical). Leaves get no basic constraints unless `basicConstraints`. */
  isCa?: boolean;
  /** Writes a basic constraints extension with CA:FALSE on a leaf. */
  basicConstraints?: boolean;
  pathLength?: number;
  /** Key usage bits (critical). Omitted when empty. */
  keyUsage?: KeyUsage[];
  extKeyUsage?: ExtKeyUsage[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /**
   * Subject key identifier: "sha1" (SHA-1 of the public key, Go's default for CAs), "random"
   * (20 random bytes, as siderolabs/crypto does), explicit bytes, or "none".
   * Default: "sha1" for CAs, "none" for leaves.
   */
  subjectKeyId?: "sha1" | "random" | "none" | Uint8Array;
}

/** A CA that can sign: its PEM certificate and private key. */
export interface CertificateAuthority {
  certificate: string;
  privateKey: KeyObject;
}

/** A certificate with its private key. */
export interface CertificateAndKey {
  certificate: string;
  privateKey: KeyObject;
}

/** Creates a self-signed certificate for `privateKey`; returns PEM. */
export function createSelfSignedCertificate(
  template: CertificateTemplate,
  privateKey: KeyObject,
): Promise<string> {
  return buildCertificate(template, publicKeyOf(privateKey), privateKey, undefined);
}

/** Creates a certificate for `publicKey` signed by `issuer`; returns PEM. */
export async function issueCertificate(
  template: CertificateTemplate,
  publicKey: KeyObject,
  issuer: CertificateAuthority,
): Promise<string> {
  const issuerCert = new x509.X509Certificate(decodePemBlock(issuer.certificate, "CERTIFICATE"));
  const caPublic = new NodeX509Certificate(issuer.certificate).publicKey;
  const issuerPublic = publicKeyOf(issuer.privateKey);
  if (!caPublic.equals(issuerPublic)) {
    throw new Error("the issuer's private key does not match its certificate");
  }
  return await buildCertificate(template, publicKeyOf(publicKey), issuer.privateKey, issuerCert);
}

async function buildCertificate(
  t: CertificateTemplate,
  publicKey: KeyObject,
  signer: KeyObject,
  issuer: x509.X509Certificate | undefined,
): Promise<string> {
  if (!(t.notBefore < t.notAfter)) throw new Error("certificate notAfter must be later than notBefore");
  const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  const extensions: x509.Extension[] = [];
  const usage = keyUsageFlags(t.keyUsage ?? []);
  if (usage) extensions.push(new x509.KeyUsagesExtension(usage, true));
  if (t.extKeyUsage?.length) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension(t.extKeyUsage.map((u) => EXT_KEY_USAGE_OID[u]), false),
    );
  }
  if (t.isCa || t.basicConstraints) {
    extensions.push(new x509.BasicConstraintsExtension(!!t.isCa, t.isCa ? t.pathLength : undefined, true));
  }
  const skid = await subjectKeyId(t, spki);
  if (skid) extensions.push(new x509.SubjectKeyIdentifierExtension(hex(skid), false));
  const issuerSkid = issuer?.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (issuer && issuerSkid) extensions.push(new x509.AuthorityKeyIdentifierExtension(issuerSkid, false));
  const sans: x509.JsonGeneralName[] = [
    ...(t.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(t.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value: checkIp(value) })),
  ];
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));

  const subject = toJsonName(t.subject);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: hex(t.serialNumber ?? randomSerial()),
    subject,
    issuer: issuer ? issuer.subjectName : subject,
    notBefore: t.notBefore,
    notAfter: t.notAfter,
    publicKey: new x509.PublicKey(spki),
    signingKey: await toSigningKey(signer),
    signingAlgorithm: signatureAlgorithmFor(keyTypeOf(signer)),
    extensions,
  });
  return cert.toString("pem") + "\n";
}

function keyUsageFlags(usages: KeyUsage[]): number {
  return usages.reduce((acc, u) => acc | x509.KeyUsageFlags[u], 0);
}

async function subjectKeyId(
  t: CertificateTemplate,
  spki: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array | undefined> {
  const mode = t.subjectKeyId ?? (t.isCa ? "sha1" : "none");
  if (mode instanceof Uint8Array) return mode;
  if (mode === "none") return undefined;
  if (mode === "random") return crypto.getRandomValues(new Uint8Array(20));
  return new Uint8Array(await new x509.PublicKey(spki).getKeyIdentifier("SHA-1"));
}

function toJsonName(dn: DistinguishedName): x509.JsonName {
  const name: x509.JsonName = [];
  if (dn.country?.length) name.push({ C: dn.country });
  if (dn.organization?.length) name.push({ O: dn.organization });
  if (dn.organizationalUnit?.length) name.push({ OU: dn.organizationalUnit });
  if (dn.commonName !== undefined && dn.commonName !== "") name.push({ CN: [dn.commonName] });
  return name;
}

function checkIp(value: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (v4 && v4.slice(1).every((o) => Number(o) <= 255)) return value;
  if (!v4 && value.includes(":") && /^[0-9a-fA-F:.]+$/.test(value)) return value;
  throw new Error(`"${value}" is not an IP address`);
}

/** A random positive 128-bit serial number (top bit cleared so DER needs no sign byte). */
export function randomSerial(): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) || 0x01;
  return bytes;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Options for {@link createCa}. */
export interface CreateCaOptions {
  keyType: KeyType;
  subject: DistinguishedName;
  /** Default: now. */
  notBefore?: Date;
  /** Default: 10 years (87600 h, as Talos and kubeadm use). */
  validityMs?: number;
  keyUsage?: KeyUsage[];
  extKeyUsage?: ExtKeyUsage[];
  subjectKeyId?: CertificateTemplate["subjectKeyId"];
}

/** A new CA: key pair plus self-signed certificate (key usage digitalSignature, keyEncipherment, keyCertSign). */
export async function createCa(opts: CreateCaOptions): Promise<CertificateAuthority & { keyPair: KeyPair }> {
  const keyPair = await generateKeyPair(opts.keyType);
  const notBefore = opts.notBefore ?? new Date();
  const certificate = await createSelfSignedCertificate({
    subject: opts.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (opts.validityMs ?? 3650 * DAY_MS)),
    isCa: true,
    keyUsage: opts.keyUsage ?? ["digitalSignature", "keyEncipherment", "keyCertSign"],
    extKeyUsage: opts.extKeyUsage,
    subjectKeyId: opts.subjectKeyId,
  }, keyPair.privateKey);
  return { certificate, privateKey: keyPair.privateKey, keyPair };
}

/** Options shared by the leaf helpers. */
export interface LeafOptions {
  ca: CertificateAuthority;
  /** Default: the CA's key type. */
  keyType?: KeyType;
  /** Default: now. */
  notBefore?: Date;
  /** Default: 1 year. */
  validityMs?: number;
}

/** Issues a TLS server certificate (serverAuth) for DNS names and IP addresses. */
export async function issueServerCertificate(
  opts: LeafOptions & {
    commonName?: string;
    organization?: string[];
    dnsNames?: string[];
    ipAddresses?: string[];
  },
): Promise<CertificateAndKey> {
  if (!opts.dnsNames?.length && !opts.ipAddresses?.length) {
    throw new Error("a server certificate needs at least one DNS name or IP address");
  }
  const keyType = opts.keyType ?? keyTypeOf(opts.ca.privateKey);
  return await issueLeaf(opts, keyType, {
    subject: { commonName: opts.commonName, organization: opts.organization },
    // keyEncipherment only matters for RSA key exchange; Go's tools set it on RSA leaves only.
    keyUsage: keyType.startsWith("rsa-") ? ["digitalSignature", "keyEncipherment"] : ["digitalSignature"],
    extKeyUsage: ["serverAuth"],
    dnsNames: opts.dnsNames,
    ipAddresses: opts.ipAddresses,
  });
}

/** Issues a TLS client certificate (clientAuth) with CN and O (Kubernetes: user and groups; Talos: roles). */
export async function issueClientCertificate(
  opts: LeafOptions & { commonName?: string; organization?: string[] },
): Promise<CertificateAndKey> {
  const keyType = opts.keyType ?? keyTypeOf(opts.ca.privateKey);
  return await issueLeaf(opts, keyType, {
    subject: { commonName: opts.commonName, organization: opts.organization },
    keyUsage: ["digitalSignature"],
    extKeyUsage: ["clientAuth"],
  });
}

async function issueLeaf(
  opts: LeafOptions,
  keyType: KeyType,
  t: Omit<CertificateTemplate, "notBefore" | "notAfter">,
): Promise<CertificateAndKey> {
  const keyPair = await generateKeyPair(keyType);
  const notBefore = opts.notBefore ?? new Date();
  const certificate = await issueCertificate(
    { ...t, notBefore, notAfter: new Date(notBefore.getTime() + (opts.validityMs ?? 365 * DAY_MS)) },
    keyPair.publicKey,
    opts.ca,
  );
  return { certificate, privateKey: keyPair.privateKey };
}
