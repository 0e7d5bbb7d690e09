/**
 * The age identity (X25519) that encrypts strata's secrets at rest.
 *
 * Lookup order: `STRATA_AGE_KEY` (an `AGE-SECRET-KEY-1…` string), then the per-user file
 * `$XDG_CONFIG_HOME/strata/age-identity.txt` (default `~/.config/strata/age-identity.txt`). The file
 * is created on first use (0600, folder 0700) and the caller tells the user to back it up
 * ({@link identityCreatedMessage}): without it the state's secrets cannot be decrypted.
 *
 * @example
 * ```ts
 * const id = await loadIdentity({ create: true });
 * if (id!.created) console.error(identityCreatedMessage(id!));
 * const armored = await encryptText(id!.recipient, "secret");
 * await decryptText(id!.identity, armored); // "secret"
 * ```
 */
import * as age from "age-encryption";
import { StrataError, UsageError } from "../errors.ts";
import { tempPathFor } from "./atomic.ts";

export interface AgeIdentity {
  /** `AGE-SECRET-KEY-1…`; never print it. */
  identity: string;
  /** `age1…`, the public key. */
  recipient: string;
  /** Where it came from: "STRATA_AGE_KEY" or the file path. */
  source: string;
  /** True when this call created the identity file. */
  created: boolean;
}

type Env = Record<string, string | undefined>;

/** The identity file's path for this user. */
export function identityPath(env: Env = Deno.env.toObject()): string {
  const base = env.XDG_CONFIG_HOME || (env.HOME ? `${env.HOME}/.config` : undefined);
  if (!base) {
    throw new UsageError(
      "cannot tell where the age identity lives: neither XDG_CONFIG_HOME nor HOME is set",
      "set HOME (or XDG_CONFIG_HOME), or give the identity itself in STRATA_AGE_KEY",
    );
  }
  return `${base}/strata/age-identity.txt`;
}

/** What to tell the user when the identity was just created. */
export function identityCreatedMessage(id: AgeIdentity): string {
  return `created the age identity that encrypts strata's secrets at ${id.source}: back it up ` +
    `(public key ${id.recipient}); without it the state cannot be decrypted`;
}

async function recipientOf(identity: string, source: string): Promise<string> {
  try {
    return await age.identityToRecipient(identity);
  } catch {
    // the message must not echo the key
    throw new UsageError(
      `${source} does not hold a valid age X25519 identity`,
      "it must be one line AGE-SECRET-KEY-1… as written by strata or `age-keygen`",
    );
  }
}

/** Reads the identity; with `create`, makes one when none exists. */
export async function loadIdentity(
  options: { create?: boolean; env?: Env } = {},
): Promise<AgeIdentity | undefined> {
  const env = options.env ?? Deno.env.toObject();
  if (env.STRATA_AGE_KEY) {
    const identity = env.STRATA_AGE_KEY.trim();
    if (!identity.startsWith("AGE-SECRET-KEY-1")) {
      throw new UsageError(
        "STRATA_AGE_KEY must be an age X25519 identity (AGE-SECRET-KEY-1…)",
        "unset it to use the identity file, or set it to the key line of your identity backup",
      );
    }
    return {
      identity,
      recipient: await recipientOf(identity, "STRATA_AGE_KEY"),
      source: "STRATA_AGE_KEY",
      created: false,
    };
  }
  const path = identityPath(env);
  const existing = await readIdentityFile(path);
  if (existing || !options.create) return existing;
  const identity = await age.generateX25519Identity();
  const recipient = await age.identityToRecipient(identity);
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = tempPathFor(path);
  await Deno.writeTextFile(
    tmp,
    `# strata age identity: decrypts the secrets in strata's state (.strata/).\n` +
      `# Back it up somewhere safe; without it those secrets are lost.\n` +
      `# public key: ${recipient}\n${identity}\n`,
    { mode: 0o600, createNew: true },
  );
  try {
    await Deno.link(tmp, path); // appears complete or not at all; never replaces an existing one
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    return await readIdentityFile(path); // another process created it first: use theirs
  } finally {
    await Deno.remove(tmp).catch(() => undefined);
  }
  return { identity, recipient, source: path, created: true };
}

async function readIdentityFile(path: string): Promise<AgeIdentity | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.startsWith("AGE-SECRET-KEY-1"));
  if (!line) {
    throw new StrataError(
      `${path} holds no AGE-SECRET-KEY-1 line`,
      2,
      "restore the file from your backup, or set STRATA_AGE_KEY",
    );
  }
  return { identity: line, recipient: await recipientOf(line, path), source: path, created: false };
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
