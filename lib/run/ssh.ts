/**
 * Opens a verified SSH connection to a configured Proxmox host, for real or in the lab.
 *
 * Host keys: the config's pinned fingerprint, else `~/.ssh/known_hosts` and strata's own
 * `<stateDir>/known_hosts` (where `--trust-new-host-key` records accepted keys); in the lab, also
 * the lab's known_hosts. Authentication: `STRATA_SSH_KEY` (a key file), else the SSH agent; in the
 * lab, the lab's client key.
 */
import { labClientKey } from "../../lab/ssh/server.ts";
import type { ClusterConfig } from "../config/schema.ts";
import { SshClient } from "../ssh/client.ts";
import type { RunEnv } from "./env.ts";

export type ProxmoxHostConfig = ClusterConfig["proxmox"]["hosts"][number];

export async function connectProxmoxSsh(env: RunEnv, host: ProxmoxHostConfig): Promise<SshClient> {
  const index = env.config.proxmox.hosts.indexOf(host);
  const keyFile = env.env.STRATA_SSH_KEY;
  return await SshClient.connect({
    host: host.ssh.address,
    port: host.ssh.port,
    user: host.ssh.user,
    dialAddress: env.dial(host.ssh.address),
    pinnedFingerprint: host.ssh.hostKeyFingerprint,
    knownHostsFiles: [
      `${env.env.HOME ?? "~"}/.ssh/known_hosts`,
      ...(env.lab ? [`${env.lab.dir}/known_hosts`] : []),
    ],
    trustedHostsFile: `${env.stateDir}/known_hosts`,
    trustNewHostKey: env.flags.trustNewHostKey,
    privateKey: env.lab
      ? (await labClientKey(env.lab.world)).privateKey
      : keyFile
      ? await Deno.readTextFile(keyFile)
      : undefined,
    clock: env.clock,
    fingerprintField: `proxmox.hosts[${index}].ssh.hostKeyFingerprint`,
  });
}
