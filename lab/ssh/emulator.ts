/**
 * Registers the SSH emulator with the lab: one per configured Proxmox host, on the loopback twin
 * of its SSH address and port, serving the host's PVE root CA (lab/proxmox/pki.ts), with its host
 * key recorded in the lab's known_hosts (`<lab dir>/known_hosts`) so that lab runs verify it as
 * they would a real host's.
 */
import { knownHostsLine } from "../../lib/keys/known_hosts.ts";
import { labAddress } from "../address.ts";
import type { EmulatorHandle, LabEmulator } from "../mod.ts";
import { pveRootCaPem } from "../proxmox/pki.ts";
import { startSshEmulator } from "./server.ts";

export const sshEmulator: LabEmulator = {
  system: "ssh",
  async start(lab, config) {
    const lines: string[] = [];
    const handles: EmulatorHandle[] = [];
    try {
      for (const host of config.proxmox.hosts) {
        const address = labAddress(host.ssh.address);
        const emu = await startSshEmulator({
          world: lab.world,
          trace: lab.trace,
          clock: lab.clock,
          profile: lab.profile,
          random: lab.random,
          faults: lab.faults("ssh"),
          host: host.name,
          address,
          port: host.ssh.port,
          users: [...new Set(["root", host.ssh.user])],
          rootCaPem: () => pveRootCaPem(lab.world, host.name),
        });
        lines.push(knownHostsLine(host.ssh.address, emu.hostPublicKey, host.ssh.port));
        handles.push({
          name: `ssh ${host.name}`,
          endpoints: [`ssh://${host.ssh.user}@${address}:${emu.port}`],
          close: emu.close,
        });
      }
    } catch (err) {
      await Promise.all(handles.map((h) => h.close()));
      throw err;
    }
    await Deno.mkdir(lab.dir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(`${lab.dir}/known_hosts`, lines.join("\n") + "\n", { mode: 0o600 });
    return handles;
  },
};
