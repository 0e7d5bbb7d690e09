/**
 * The age identity that encrypts strata's secrets at rest.
 *
 * Lookup order: `STRATA_AGE_KEY` (an `AGE-SECRET-KEY-1…` string), then the per-user file
 * `$XDG_CONFIG_HOME/strata/age-identity.txt` (default `~/.config/strata/age-identity.txt`),
 * created on first use (0600) with a message telling the user to back it up.
 */
import * as age from "age-encryption";

export interface AgeIdentity {
  identity: string;
  recipient: string;
  /** Where it came from: "STRATA_AGE_KEY" or the file path. */
  source: string;
  /** True when this call created the identity file. */
  created: boolean;
}

/** The identity file's path for this user. */
export function identityPath(env: Record<string, string | undefined> = Deno.env.toObject()): string {
  const base = env.XDG_CONFIG_HOME || `${env.HOME ?? "."}/.config`;
  return `${base}/strata/age-identity.txt`;
}

/** Reads the identity; with `create`, makes one when none exists. */
export async function loadIdentity(
  options: { create?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<AgeIdentity | undefined> {
  const env = options.env ?? Deno.env.toObject();
  if (env.STRATA_AGE_KEY) {
    const identity = env.STRATA_AGE_KEY.trim();
    if (!identity.startsWith("AGE-SECRET-KEY-1")) {
      throw new Error("STRATA_AGE_KEY must be an age X25519 identity (AGE-SECRET-KEY-1…)");
    }
    return {
      identity,
      recipient: await age.identityToRecipient(identity),
      source: "STRATA_AGE_KEY",
      created: false,
    };
  }
  const path = identityPath(env);
  try {
    const line = (await Deno.readTextFile(path)).split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-1"));
    if (!line) throw new Error(`${path} holds no AGE-SECRET-KEY-1 line`);
    return { identity: line, recipient: await age.identityToRecipient(line), source: path, created: false };
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (!options.create) return undefined;
  const identity = await age.generateX25519Identity();
  const recipient = await age.identityToRecipient(identity);
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(
    path,
    `# strata age identity: decrypts the secrets in .strata/. Back it up; without it they are lost.\n` +
      `# public key: ${recipient}\n${identity}\n`,
    { mode: 0o600, createNew: true },
  );
  return { identity, recipient, source: path, created: true };
}

/** Encrypts text to the recipient; returns ASCII-armored age. */
export async function encryptText(recipient: string, text: string): Promise<string> {
  const e = new age.Encrypter();
  e.addRecipient(recipient);
  return age.armor.encode(await e.encrypt(text));
}

/** Decrypts ASCII-armored age with the identity. */
export async function decryptText(identity: string, armored: string): Promise<string> {
  const d = new age.Decrypter();
  d.addIdentity(identity);
  return await d.decrypt(age.armor.decode(armored), "text");
}
