/**
 * Registers the SSH emulator with the lab: one per configured Proxmox host, on the loopback twin
 * of its SSH address, with its host key recorded in the lab's known_hosts (`<lab dir>/known_hosts`)
 * so lab runs verify it like any other host.
 */
import { knownHostsLine } from "../../lib/keys/known_hosts.ts";
import { labAddress } from "../address.ts";
import type { LabEmulator } from "../mod.ts";
import { ensurePveCa } from "../proxmox/pki.ts";
import { startSshEmulator } from "./server.ts";

export const sshEmulator: LabEmulator = {
  system: "ssh",
  async start(lab, config) {
    const lines: string[] = [];
    const handles = [];
    for (const host of config.proxmox.hosts) {
      const address = labAddress(host.ssh.address);
      const emu = await startSshEmulator({
        world: lab.world,
        trace: lab.trace,
        host: host.name,
        address,
        port: host.ssh.port,
        rootCaPem: async () => (await ensurePveCa(lab.world, host.name)).certificate,
      });
      lines.push(knownHostsLine(host.ssh.address, emu.hostPublicKey, host.ssh.port));
      handles.push({
        name: `ssh ${host.name}`,
        endpoints: [`ssh://root@${address}:${emu.port}`],
        close: emu.close,
      });
    }
    await Deno.mkdir(lab.dir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(`${lab.dir}/known_hosts`, lines.join("\n") + "\n", { mode: 0o600 });
    return handles;
  },
};
