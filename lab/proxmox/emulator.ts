/**
 * Registers the Proxmox API emulator with the lab: one per configured host, on the loopback twin
 * of its API address and port, with the config's foreign VMs pre-seeded and its shared storages
 * (`lab.sharedStorages`) the same on every host. VM starts, stops and destroys are published on the
 * world's stream ({@link vmBoots}) for what runs inside the VMs.
 */
import { labAddress } from "../address.ts";
import type { EmulatorHandle, LabEmulator } from "../mod.ts";
import { vmBoots } from "./boots.ts";
import { startProxmoxEmulator } from "./server.ts";

export const proxmoxEmulator: LabEmulator = {
  system: "proxmox",
  async start(lab, config) {
    const handles: EmulatorHandle[] = [];
    const boots = vmBoots(lab.world);
    for (const host of config.proxmox.hosts) {
      const api = new URL(host.api);
      const emu = await startProxmoxEmulator({
        world: lab.world,
        clock: lab.clock,
        profile: lab.profile,
        random: lab.random,
        trace: lab.trace,
        faults: lab.faults("proxmox"),
        node: host.name,
        address: labAddress(api.hostname),
        port: Number(api.port || 8006),
        foreignVms: config.lab.foreignVms.filter((vm) => vm.host === host.name),
        sharedStorages: config.lab.sharedStorages ?? [],
        onVmStarted: (node, vmid, ip, mac) =>
          boots.emit({ kind: "start", host: node, vmid, ip, mac, at: lab.clock.now() }),
        onVmStopped: (node, vmid) => boots.emit({ kind: "stop", host: node, vmid, at: lab.clock.now() }),
        onVmDestroyed: (node, vmid) => boots.emit({ kind: "destroy", host: node, vmid, at: lab.clock.now() }),
      });
      handles.push({ name: `proxmox ${host.name}`, endpoints: [`${emu.url}/api2/json`], close: emu.close });
    }
    return handles;
  },
};
