/**
 * Reading `known_hosts` files the way OpenSSH does (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): lines it
 * cannot use are skipped rather than fatal; host fields are comma-separated patterns with `*` and
 * `?` wildcards and `!` negation, `[host]:port` for other ports than 22, or hashed `|1|salt|hash`
 * entries (HMAC-SHA1 of the name, keyed with the salt); `@revoked` marks a key as revoked.
 *
 * @example
 * ```ts
 * const entries = readKnownHosts(text, "~/.ssh/known_hosts");
 * keysForHost(entries, "10.0.0.10", 22); // the entries that name this host
 * ```
 */
import { createHmac } from "node:crypto";
import { Buffer } from "node:buffer";
import { parseSshPublicKey, sshFingerprint } from "../keys/ssh_key.ts";

export interface KnownHostKey {
  /** Host patterns as written. */
  patterns: string[];
  marker?: "@revoked" | "@cert-authority";
  keyType: string;
  fingerprint: string;
  /** Where the entry is: "path:line". */
  source: string;
}

/** Parses known_hosts text, skipping blank lines, comments and lines that are not usable entries. */
export function readKnownHosts(text: string, name: string): KnownHostKey[] {
  const entries: KnownHostKey[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith("#")) return;
    let marker: KnownHostKey["marker"];
    if (fields[0] === "@revoked" || fields[0] === "@cert-authority") marker = fields.shift() as typeof marker;
    else if (fields[0].startsWith("@")) return;
    if (fields.length < 3) return;
    try {
      const key = parseSshPublicKey(`${fields[1]} ${fields[2]}`);
      entries.push({
        patterns: fields[0].split(","),
        marker,
        keyType: key.type,
        fingerprint: sshFingerprint(key.blob),
        source: `${name}:${i + 1}`,
      });
    } catch {
      // a key type strata cannot read: OpenSSH skips such lines too
    }
  });
  return entries;
}

/** The name known_hosts uses for a host: `host`, or `[host]:port` when the port is not 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function glob(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "i").test(name);
}

/** True when a hashed `|1|salt|hash` pattern is the HMAC-SHA1 of `name`. */
export function hashedMatches(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split("|");
  if (magic !== "1" || !salt || !hash) return false;
  const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
  return mac === hash;
}

/** OpenSSH's host matching: some pattern matches and no negated pattern does. */
export function patternsMatch(patterns: string[], host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith("|")) {
      if (hashedMatches(p, name)) matched = true;
    } else if (p.startsWith("!")) {
      if (glob(p.slice(1), name)) return false;
    } else if (glob(p, name)) matched = true;
  }
  return matched;
}

/** The entries that name `host:port` (plain keys and revocations; CA entries are not used). */
export function keysForHost(entries: KnownHostKey[], host: string, port: number): KnownHostKey[] {
  return entries.filter((e) => e.marker !== "@cert-authority" && patternsMatch(e.patterns, host, port));
}
