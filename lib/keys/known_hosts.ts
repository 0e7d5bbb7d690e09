/**
 * `known_hosts` lines (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): validate a line from config and
 * build one from a host and its public key.
 *
 * @example
 * ```ts
 * knownHostsLine("github.com", "ssh-ed25519 AAAAC3…"); // "github.com ssh-ed25519 AAAAC3…"
 * parseKnownHosts("github.com ssh-ed25519 AAAAC3…")[0].hosts; // ["github.com"]
 * ```
 */
import { parseSshPublicKey, sshFingerprint } from "./ssh_key.ts";

/** One parsed known_hosts entry. */
export interface KnownHostsEntry {
  marker?: "@cert-authority" | "@revoked";
  /** Host patterns as written (`github.com`, `[git.example.com]:2222`, `|1|salt|hash`, `*.example.com`). */
  hosts: string[];
  keyType: string;
  /** The key as `type base64`. */
  publicKey: string;
  fingerprint: string;
  /** The line, normalised to single spaces. */
  line: string;
}

const HOST_PATTERN =
  /^(!?[A-Za-z0-9._*?:-]+|!?\[[A-Za-z0-9._*?:-]+\]:\d{1,5}|\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+)$/;

/**
 * Parses known_hosts text (one or more lines; blank lines and `#` comments are skipped).
 * Throws an error naming the line number and what is wrong.
 */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    try {
      entries.push(parseLine(line));
    } catch (e) {
      throw new Error(`known_hosts line ${i + 1}: ${(e as Error).message}`);
    }
  });
  if (entries.length === 0) throw new Error("known_hosts has no entries");
  return entries;
}

function parseLine(line: string): KnownHostsEntry {
  const fields = line.split(/\s+/);
  let marker: KnownHostsEntry["marker"];
  if (fields[0].startsWith("@")) {
    if (fields[0] !== "@cert-authority" && fields[0] !== "@revoked") {
      throw new Error(`unknown marker "${fields[0]}" (expected @cert-authority or @revoked)`);
    }
    marker = fields.shift() as KnownHostsEntry["marker"];
  }
  if (fields.length < 3) throw new Error("expected `<hosts> <key type> <base64 key> [comment]`");
  const hosts = fields[0].split(",");
  for (const h of hosts) {
    if (!HOST_PATTERN.test(h)) throw new Error(`"${h}" is not a valid host pattern`);
    const port = /\]:(\d+)$/.exec(h)?.[1];
    if (port && (Number(port) < 1 || Number(port) > 65535)) throw new Error(`port ${port} out of range`);
  }
  const key = parseSshPublicKey(fields.slice(1).join(" "));
  const publicKey = `${key.type} ${fields[2]}`;
  return {
    marker,
    hosts,
    keyType: key.type,
    publicKey,
    fingerprint: sshFingerprint(key.blob),
    line: [marker, fields[0], publicKey, key.comment].filter(Boolean).join(" "),
  };
}

/** Builds a known_hosts line; a non-22 port is written as `[host]:port`. */
export function knownHostsLine(host: string, publicKey: string, port = 22): string {
  const key = parseSshPublicKey(publicKey);
  const pattern = port === 22 ? host : `[${host}]:${port}`;
  if (!HOST_PATTERN.test(pattern) || host.includes(",")) {
    throw new Error(`"${host}" is not a valid host name`);
  }
  return `${pattern} ${key.type} ${publicKey.trim().split(/\s+/)[1]}`;
}

/** The host part of a git SSH URL (`ssh://git@host:port/path` or `git@host:path`) with its port. */
export function gitSshHost(url: string): { host: string; port: number } {
  const ssh = /^ssh:\/\/(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\//.exec(url);
  if (ssh) return { host: ssh[1].replace(/^\[|\]$/g, ""), port: ssh[2] ? Number(ssh[2]) : 22 };
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)/.exec(url);
  if (scp) return { host: scp[1], port: 22 };
  throw new Error(`"${url}" is not an SSH git URL (expected ssh://git@host/owner/repo.git)`);
}

/**
 * Checks that `knownHosts` has a usable (non-revoked, non-CA) entry for the git host of `url`
 * and returns those entries. Hashed entries cannot be matched by name and are accepted as they are.
 */
export function knownHostsFor(url: string, knownHosts: string): KnownHostsEntry[] {
  const { host, port } = gitSshHost(url);
  const want = port === 22 ? host : `[${host}]:${port}`;
  const entries = parseKnownHosts(knownHosts).filter((e) =>
    !e.marker && e.hosts.some((h) => h === want || h.startsWith("|1|"))
  );
  if (entries.length === 0) {
    throw new Error(
      `flux.knownHosts has no key for ${want}; add the line from \`ssh-keyscan ${
        port === 22 ? "" : `-p ${port} `
      }${host}\``,
    );
  }
  return entries;
}
