/**
 * SSH host key verification: a presented key is checked against a pinned `SHA256:` fingerprint
 * or the known_hosts entries for that host (plain, `[host]:port` and hashed `|1|salt|hash`).
 *
 * @example
 * ```ts
 * verifyHostKey({ host: "10.0.0.10", port: 22, presented: blob, knownHosts: text });
 * // { verdict: "known", fingerprint: "SHA256:…" } | "pinned" | "unknown" | "changed"
 * ```
 */
import { createHmac } from "node:crypto";
import { parseKnownHosts } from "../keys/known_hosts.ts";
import { sshFingerprint } from "../keys/ssh_key.ts";

export type HostKeyVerdict = "pinned" | "known" | "unknown" | "changed";

/** True when a known_hosts host field matches host:port. */
export function hostMatches(pattern: string, host: string, port: number): boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
    return mac === hash;
  }
  return pattern === name;
}

export function verifyHostKey(options: {
  host: string;
  port: number;
  /** The key blob the server presented. */
  presented: Uint8Array;
  pinnedFingerprint?: string;
  knownHosts?: string;
}): { verdict: HostKeyVerdict; fingerprint: string; expected?: string } {
  const fingerprint = sshFingerprint(options.presented);
  if (options.pinnedFingerprint) {
    return options.pinnedFingerprint === fingerprint
      ? { verdict: "pinned", fingerprint }
      : { verdict: "changed", fingerprint, expected: options.pinnedFingerprint };
  }
  const text = options.knownHosts?.trim();
  const entries = text ? parseKnownHosts(text) : [];
  const mine = entries.filter((e) =>
    !e.marker && e.hosts.some((h) => hostMatches(h, options.host, options.port))
  );
  if (mine.some((e) => e.fingerprint === fingerprint)) return { verdict: "known", fingerprint };
  if (mine.length) return { verdict: "changed", fingerprint, expected: mine[0].fingerprint };
  return { verdict: "unknown", fingerprint };
}
