import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPublicKey, verify } from "node:crypto";
import ssh2 from "ssh2";
import { encodePrivateKeyPem, generateKeyPair } from "../pki/keys.ts";
import {
  generateSshKey,
  parseOpenSshEd25519,
  parseSshPublicKey,
  sshFingerprint,
  sshPublicKeyBlob,
} from "./ssh_key.ts";

const { utils } = ssh2;

type ParsedKey = {
  type: string;
  comment: string;
  sign(data: Uint8Array): Buffer;
  verify(data: Uint8Array, sig: Uint8Array): boolean;
  getPublicSSH(): Buffer;
  isPrivateKey(): boolean;
};

function parse(text: string): ParsedKey {
  const k = utils.parseKey(text) as unknown;
  if (k instanceof Error) throw k;
  return k as ParsedKey;
}

Deno.test("generateSshKey: ssh2 parses both halves, and a signature by the private key verifies", async () => {
  const key = await generateSshKey("flux@homelab");
  assert.match(
    key.privateKey,
    /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n$/,
  );
  assert.match(key.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=* flux@homelab$/);
  const lines = key.privateKey.trim().split("\n").slice(1, -1);
  assert.ok(lines.slice(0, -1).every((l) => l.length === 70), "70-column body like ssh-keygen");

  const priv = parse(key.privateKey);
  const pub = parse(key.publicKey);
  assert.equal(priv.type, "ssh-ed25519");
  assert.equal(priv.isPrivateKey(), true);
  assert.equal(priv.comment, "flux@homelab");
  assert.equal(pub.isPrivateKey(), false);
  assert.deepEqual(priv.getPublicSSH(), pub.getPublicSSH());

  const data = new TextEncoder().encode("git push");
  const sig = priv.sign(data);
  assert.equal(pub.verify(data, sig), true);
  assert.equal(pub.verify(new TextEncoder().encode("tampered"), sig), false);
  // Independent check: the signature is a plain Ed25519 signature over the data.
  const { privateKey } = parseOpenSshEd25519(key.privateKey);
  assert.ok(verify(null, data, createPublicKey(privateKey), sig));

  // A different key does not verify it.
  const other = parse((await generateSshKey("x")).publicKey);
  assert.equal(other.verify(data, sig), false);
});

Deno.test("fingerprint equals SHA256 of the public blob, and matches ssh-keygen when installed", async () => {
  const key = await generateSshKey("fp-test");
  assert.equal(sshFingerprint(key.publicKey), key.fingerprint);
  const keygen = await which("ssh-keygen");
  if (!keygen) return;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/id`, key.privateKey, { mode: 0o600 });
    await Deno.writeTextFile(`${dir}/id.pub`, key.publicKey + "\n");
    const fp = await run(keygen, ["-l", "-f", `${dir}/id.pub`]);
    assert.equal(fp, `256 ${key.fingerprint} fp-test (ED25519)`);
    // ssh-keygen reads our private key and derives the same public key from it.
    const derived = await run(keygen, ["-y", "-f", `${dir}/id`]);
    assert.equal(derived, key.publicKey);
    // And the other way round: a key made by ssh-keygen parses with our reader.
    await run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "made-by-keygen", "-f", `${dir}/k2`]);
    const theirs = await Deno.readTextFile(`${dir}/k2`);
    const parsed = parseOpenSshEd25519(theirs);
    assert.equal(parsed.comment, "made-by-keygen");
    const theirPub = (await Deno.readTextFile(`${dir}/k2.pub`)).trim();
    assert.equal(sshFingerprint(parsed.privateKey), sshFingerprint(theirPub));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sshPublicKeyBlob matches ssh2 for RSA and ECDSA keys", async () => {
  for (const type of ["rsa-2048", "ecdsa-p256"] as const) {
    const pair = await generateKeyPair(type);
    const pem = encodePrivateKeyPem(pair.privateKey, "traditional");
    const viaSsh2 = parse(pem).getPublicSSH();
    assert.deepEqual(Buffer.from(sshPublicKeyBlob(pair.privateKey)), viaSsh2);
  }
});

Deno.test("parseOpenSshEd25519 rejects corrupt and encrypted keys; parseSshPublicKey checks type and data", async () => {
  const key = await generateSshKey("c");
  const body = key.privateKey.split("\n").slice(1, -2).join("");
  const bytes = Buffer.from(body, "base64");
  const pem = (b: Uint8Array) =>
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${
      Buffer.from(b).toString("base64")
    }\n-----END OPENSSH PRIVATE KEY-----\n`;
  // Layout from the end: padding (here 1..7 bytes), comment "c" (4+1), 64-byte secret = seed ‖ public.
  const pad = bytes[bytes.length - 1];
  const secretEnd = bytes.length - pad - 5;
  const flipped = (at: number) => {
    const b = Buffer.from(bytes);
    b[at] ^= 0xff;
    return pem(b);
  };
  assert.throws(() => parseOpenSshEd25519(flipped(secretEnd - 10)), /two copies of the public key differ/);
  assert.throws(() => parseOpenSshEd25519(flipped(secretEnd - 40)), /does not match the secret/);
  const check = bytes.indexOf(Buffer.from("ssh-ed25519"), 60) - 12; // first check-int of the private section
  assert.throws(() => parseOpenSshEd25519(flipped(check)), /check integers differ/);
  const encrypted = Buffer.from(bytes);
  encrypted.set(Buffer.from("aes2"), 19); // cipher name "none" -> "aes2"
  assert.throws(() => parseOpenSshEd25519(pem(encrypted)), /encrypted/);
  assert.throws(() => parseOpenSshEd25519("nope"), /not an OpenSSH private key/);
  assert.throws(() => parseSshPublicKey("ssh-dss AAAA"), /unknown SSH key type/);
  assert.throws(() => parseSshPublicKey("ssh-rsa " + key.publicKey.split(" ")[1]), /holds a "ssh-ed25519"/);
  assert.throws(() => parseSshPublicKey("ssh-ed25519 !!!"), /not base64/);
  assert.throws(() => parseSshPublicKey("ssh-ed25519"), /<type> <base64>/);
  await assert.rejects(() => generateSshKey("two\nlines"), /single line/);
});

async function which(cmd: string): Promise<string | undefined> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const p = `${dir}/${cmd}`;
      if ((await Deno.stat(p)).isFile) return p;
    } catch { /* not here */ }
  }
  return undefined;
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).trim();
}
