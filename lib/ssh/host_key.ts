/**
 * SSH host key verification: the key a server presents is checked against a pinned `SHA256:`
 * fingerprint (when the config has one) or the known_hosts entries for that host.
 *
 * - `pinned` / `known`: the key is the expected one;
 * - `unknown`: nothing is known about this host (the run stops; `--trust-new-host-key` accepts it);
 * - `changed`: a different key is expected, or the key is revoked. Never accepted.
 *
 * @example
 * ```ts
 * verifyHostKey({ host: "10.0.0.10", port: 22, presented: blob, known: readKnownHosts(text, file) });
 * // { verdict: "known", fingerprint: "SHA256:…", keyType: "ssh-ed25519" }
 * ```
 */
import { SshReader } from "../keys/ssh_wire.ts";
import { sshFingerprint } from "../keys/ssh_key.ts";
import { keysForHost, type KnownHostKey } from "./known_hosts.ts";

export type HostKeyVerdict = "pinned" | "known" | "unknown" | "changed";

export interface HostKeyCheck {
  verdict: HostKeyVerdict;
  /** The presented key's fingerprint and type. */
  fingerprint: string;
  keyType: string;
  /** What was expected instead (for `changed`): fingerprints and where they come from. */
  expected?: { fingerprint: string; source: string }[];
  /** Set when the presented key is marked `@revoked`. */
  revoked?: string;
}

/** The key type inside an SSH public key blob ("ssh-ed25519", "ssh-rsa", …). */
export function blobKeyType(blob: Uint8Array): string {
  return new SshReader(blob).text();
}

export function verifyHostKey(options: {
  host: string;
  port: number;
  /** The key blob the server presented. */
  presented: Uint8Array;
  pinnedFingerprint?: string;
  /** Where the pin is configured, named in messages. */
  pinSource?: string;
  known?: KnownHostKey[];
}): HostKeyCheck {
  const fingerprint = sshFingerprint(options.presented);
  const keyType = blobKeyType(options.presented);
  if (options.pinnedFingerprint) {
    const pin = options.pinnedFingerprint.trim();
    return pin === fingerprint ? { verdict: "pinned", fingerprint, keyType } : {
      verdict: "changed",
      fingerprint,
      keyType,
      expected: [{ fingerprint: pin, source: options.pinSource ?? "the pinned fingerprint" }],
    };
  }
  const mine = keysForHost(options.known ?? [], options.host, options.port);
  const revoked = mine.find((e) => e.marker === "@revoked" && e.fingerprint === fingerprint);
  const keys = mine.filter((e) => !e.marker);
  if (revoked) {
    return { verdict: "changed", fingerprint, keyType, revoked: revoked.source, expected: keys.map(expect) };
  }
  if (keys.some((e) => e.fingerprint === fingerprint)) return { verdict: "known", fingerprint, keyType };
  // a known host presenting any other key, even of another type, is treated as changed
  if (keys.length) return { verdict: "changed", fingerprint, keyType, expected: keys.map(expect) };
  return { verdict: "unknown", fingerprint, keyType };
}

const expect = (e: KnownHostKey) => ({ fingerprint: `${e.keyType} ${e.fingerprint}`, source: e.source });

/** Host key algorithms in ssh2's default order, with those matching already-known key types first. */
export function hostKeyAlgorithms(knownTypes: string[]): string[] | undefined {
  const all = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
  ];
  const preferred = all.filter((alg) =>
    knownTypes.some((t) => t === alg || (t === "ssh-rsa" && alg.startsWith("rsa-sha2-")))
  );
  if (!preferred.length) return undefined;
  return [...preferred, ...all.filter((a) => !preferred.includes(a))];
}
