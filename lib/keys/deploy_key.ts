/**
 * The Flux deploy key: an Ed25519 OpenSSH key pair for the GitOps repository, the one-line
 * instruction for registering it, and the Secret Flux's source-controller reads for SSH auth
 * (`identity`, `identity.pub`, `known_hosts`).
 *
 * @example
 * ```ts
 * const key = await generateDeployKey({ clusterName: "homelab" });
 * deployKeyInstruction(key, "ssh://git@github.com/me/homelab.git");
 * ```
 */
import { Buffer } from "node:buffer";
import { gitSshHost, knownHostsFor } from "./known_hosts.ts";
import { generateSshKey, parseOpenSshEd25519, sshKeyFromEd25519, type SshKeyPair } from "./ssh_key.ts";

/** Generates the deploy key; the comment names the cluster so the key is recognisable in the git host's UI. */
export function generateDeployKey(opts: { clusterName: string }): Promise<SshKeyPair> {
  return generateSshKey(`flux@${opts.clusterName}`);
}

/** Rebuilds the public parts from a stored private key (and checks it parses). */
export function deployKeyFromPrivate(privateKey: string): SshKeyPair {
  const parsed = parseOpenSshEd25519(privateKey);
  const rebuilt = sshKeyFromEd25519(parsed.privateKey, parsed.comment);
  // Keep the stored private text (its check-ints are random); only the public parts are derived.
  return { ...rebuilt, privateKey };
}

/** One line telling the user where to add the key (read-only is enough for Flux without image automation). */
export function deployKeyInstruction(key: SshKeyPair, repoUrl: string): string {
  const { host } = gitSshHost(repoUrl);
  const where = host === "github.com"
    ? "GitHub: repository Settings → Deploy keys → Add deploy key"
    : host.includes("gitlab")
    ? "GitLab: repository Settings → Repository → Deploy keys"
    : `${host}: the repository's deploy keys`;
  return `Add this public key (${key.fingerprint}) as a read-only deploy key in ${where}.`;
}

/**
 * The Secret Flux's GitRepository `spec.secretRef` points to for SSH (source-controller reads
 * `identity`, `identity.pub` and `known_hosts`). `knownHosts` must hold a key for the URL's host.
 */
export function fluxGitSecret(opts: {
  key: SshKeyPair;
  repoUrl: string;
  knownHosts: string;
  name?: string;
  namespace?: string;
}) {
  const entries = knownHostsFor(opts.repoUrl, opts.knownHosts);
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return {
    apiVersion: "v1" as const,
    kind: "Secret" as const,
    metadata: { name: opts.name ?? "flux-system", namespace: opts.namespace ?? "flux-system" },
    type: "Opaque",
    data: {
      identity: b64(opts.key.privateKey),
      "identity.pub": b64(opts.key.publicKey + "\n"),
      known_hosts: b64(entries.map((e) => e.line).join("\n") + "\n"),
    },
  };
}
