/**
 * OpenSSH keys: Ed25519 key pairs in the real `openssh-key-v1` private format (unencrypted, as
 * `ssh-keygen -t ed25519 -N ""` writes), `authorized_keys`-style public lines, SHA256 fingerprints
 * of any SSH public key, and the SSH public blob of RSA/ECDSA/Ed25519 key objects.
 *
 * @example
 * ```ts
 * const key = await generateSshKey("flux@homelab");
 * key.publicKey;    // "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… flux@homelab"
 * key.privateKey;   // "-----BEGIN OPENSSH PRIVATE KEY-----\n…"
 * key.fingerprint;  // "SHA256:…"
 * ```
 */
import { Buffer } from "node:buffer";
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { generateKeyPair } from "../pki/keys.ts";
import { SshReader, SshWriter } from "./ssh_wire.ts";

/** An Ed25519 SSH key pair in OpenSSH text forms. */
export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` text, unencrypted. Secret. */
  privateKey: string;
  /** One line: `ssh-ed25519 <base64> <comment>` (no trailing newline). */
  publicKey: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints. */
  fingerprint: string;
}

const MAGIC = new TextEncoder().encode("openssh-key-v1\0");

/** Generates an Ed25519 key pair in OpenSSH format. The comment must be one line. */
export async function generateSshKey(comment: string): Promise<SshKeyPair> {
  if (/[\r\n]/.test(comment)) throw new Error("an SSH key comment must be a single line");
  const { privateKey } = await generateKeyPair("ed25519");
  return sshKeyFromEd25519(privateKey, comment);
}

/** Encodes an existing Ed25519 private key object in OpenSSH forms. */
export function sshKeyFromEd25519(privateKey: KeyObject, comment: string): SshKeyPair {
  if (privateKey.asymmetricKeyType !== "ed25519" || privateKey.type !== "private") {
    throw new Error("an OpenSSH deploy key must be an Ed25519 private key");
  }
  const jwk = privateKey.export({ format: "jwk" });
  const seed = new Uint8Array(Buffer.from(jwk.d!, "base64url"));
  const pub = new Uint8Array(Buffer.from(jwk.x!, "base64url"));
  const blob = new SshWriter().string("ssh-ed25519").string(pub).bytes();

  const check = crypto.getRandomValues(new Uint32Array(1))[0];
  const secret = new Uint8Array(64);
  secret.set(seed, 0);
  secret.set(pub, 32);
  const priv = new SshWriter().uint32(check).uint32(check)
    .string("ssh-ed25519").string(pub).string(secret).string(comment);
  // Pad the private section to the cipher block size (8 for "none") with 1, 2, 3, …
  const len = priv.bytes().length;
  const pad = (8 - (len % 8)) % 8;
  priv.raw(Uint8Array.from({ length: pad }, (_, i) => i + 1));

  const container = new SshWriter().raw(MAGIC)
    .string("none").string("none").string(new Uint8Array(0))
    .uint32(1).string(blob).string(priv.bytes()).bytes();
  const b64 = Buffer.from(container).toString("base64");
  const body = (b64.match(/.{1,70}/g) ?? []).join("\n");
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${Buffer.from(blob).toString("base64")}${comment ? " " + comment : ""}`,
    fingerprint: sshFingerprint(blob),
  };
}

/**
 * Reads an unencrypted OpenSSH Ed25519 private key back into a key object (checks the
 * check-ints, the key type and that the embedded public key matches the secret).
 */
export function parseOpenSshEd25519(text: string): { privateKey: KeyObject; comment: string } {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) throw new Error("not an OpenSSH private key (expected -----BEGIN OPENSSH PRIVATE KEY-----)");
  const buf = new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ""), "base64"));
  if (!MAGIC.every((b, i) => buf[i] === b)) throw new Error("OpenSSH private key: bad magic");
  const r = new SshReader(buf.subarray(MAGIC.length));
  const cipher = r.text();
  const kdf = r.text();
  r.string();
  if (cipher !== "none" || kdf !== "none") {
    throw new Error("OpenSSH private key is encrypted (not supported)");
  }
  if (r.uint32() !== 1) throw new Error("OpenSSH private key: expected exactly one key");
  r.string();
  const p = new SshReader(r.string());
  if (p.uint32() !== p.uint32()) throw new Error("OpenSSH private key: check integers differ (corrupt key)");
  const type = p.text();
  if (type !== "ssh-ed25519") throw new Error(`OpenSSH private key: unsupported type ${type}`);
  const pub = p.string();
  const secret = p.string();
  const comment = p.text();
  if (pub.length !== 32 || secret.length !== 64) throw new Error("OpenSSH private key: bad Ed25519 lengths");
  if (!pub.every((b, i) => secret[32 + i] === b)) {
    throw new Error("OpenSSH private key: the two copies of the public key differ (corrupt key)");
  }
  const privateKey = createPrivateKey({
    key: {
      kty: "OKP",
      crv: "Ed25519",
      d: Buffer.from(secret.subarray(0, 32)).toString("base64url"),
      x: Buffer.from(pub).toString("base64url"),
    },
    format: "jwk",
  });
  const derived = createPublicKey(privateKey).export({ format: "jwk" }).x;
  if (derived !== Buffer.from(pub).toString("base64url")) {
    throw new Error("OpenSSH private key: public key does not match the secret");
  }
  return { privateKey, comment };
}

/** The SSH public key blob (`string type, …`) of an RSA, ECDSA P-256 or Ed25519 key object. */
export function sshPublicKeyBlob(key: KeyObject): Uint8Array<ArrayBuffer> {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const jwk = pub.export({ format: "jwk" });
  const b = (s: string | undefined) => new Uint8Array(Buffer.from(s!, "base64url"));
  switch (pub.asymmetricKeyType) {
    case "ed25519":
      return new SshWriter().string("ssh-ed25519").string(b(jwk.x)).bytes();
    case "rsa":
      return new SshWriter().string("ssh-rsa").mpint(b(jwk.e)).mpint(b(jwk.n)).bytes();
    case "ec": {
      if (jwk.crv !== "P-256") throw new Error(`unsupported EC curve ${jwk.crv}`);
      const point = new Uint8Array(65);
      point[0] = 4;
      point.set(b(jwk.x), 1);
      point.set(b(jwk.y), 33);
      return new SshWriter().string("ecdsa-sha2-nistp256").string("nistp256").string(point).bytes();
    }
    default:
      throw new Error(`unsupported SSH key type ${pub.asymmetricKeyType}`);
  }
}

/** `SHA256:…` fingerprint of an SSH public key blob, a public key line, or a key object. */
export function sshFingerprint(key: Uint8Array | string | KeyObject): string {
  let blob: Uint8Array;
  if (key instanceof Uint8Array) blob = key;
  else if (typeof key === "string") blob = parseSshPublicKey(key).blob;
  else blob = sshPublicKeyBlob(key);
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** SSH public key types accepted in public key lines and known_hosts. */
export const SSH_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

/** A parsed `type base64 [comment]` public key. */
export interface SshPublicKey {
  type: string;
  blob: Uint8Array;
  comment: string;
}

/** Parses `type base64 [comment]`; checks the type is known and matches the one inside the blob. */
export function parseSshPublicKey(line: string): SshPublicKey {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2) throw new Error("an SSH public key is `<type> <base64> [comment]`");
  const [type, b64, ...rest] = parts;
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) {
    throw new Error(`unknown SSH key type "${type}" (expected one of ${SSH_KEY_TYPES.join(", ")})`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error(`SSH ${type} key: the key data is not base64`);
  const blob = new Uint8Array(Buffer.from(b64, "base64"));
  let inner: string;
  try {
    inner = new SshReader(blob).text();
  } catch {
    throw new Error(`SSH ${type} key: the key data is truncated`);
  }
  if (inner !== type) throw new Error(`SSH key says "${type}" but its data holds a "${inner}" key`);
  return { type, blob, comment: rest.join(" ") };
}
