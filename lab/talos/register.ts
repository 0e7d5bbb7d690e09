/**
 * Registers the Talos emulator with the lab. It must start before the Proxmox emulator, which
 * boots Talos on every VM it starts through {@link vmStartedHook}:
 *
 * ```ts
 * // lab/mod.ts
 * export const LAB_EMULATORS = [factoryEmulator, sshEmulator, talosEmulator, proxmoxEmulator];
 * // lab/proxmox/emulator.ts, in startProxmoxEmulator's options
 * onVmStarted: (vm) => vmStartedHook(lab)?.(vm.node, vm.vmid, vm.ip, vm.mac),
 * ```
 *
 * Its endpoints grow as nodes boot (each apid, the VIP, the Kubernetes API).
 */
import type { ClusterConfig } from "../../lib/config/schema.ts";
import type { EmulatorHandle, LabEmulator, LabRuntime } from "../mod.ts";
import { TalosLab } from "./emulator.ts";

const running = new WeakMap<LabRuntime, TalosLab>();

/** The Talos lab started for a lab runtime, if any. */
export function talosLabFor(lab: LabRuntime): TalosLab | undefined {
  return running.get(lab);
}

/** The hook the Proxmox emulator calls when a VM starts: `(host, vmid, ip, mac)`. */
export function vmStartedHook(
  lab: LabRuntime,
): ((host: string, vmid: number, ip: string | undefined, mac: string | undefined) => void) | undefined {
  const talos = running.get(lab);
  return talos ? (host, vmid, ip, mac) => talos.vmStarted(host, vmid, ip, mac) : undefined;
}

export const talosEmulator: LabEmulator = {
  system: "talos",
  async start(lab: LabRuntime, config: ClusterConfig): Promise<EmulatorHandle[]> {
    const talos = await TalosLab.start({
      world: lab.world,
      clock: lab.clock,
      profile: lab.profile,
      random: lab.random,
      trace: lab.trace,
      faults: lab.faults("talos"),
      talosVersion: config.talos.version,
    });
    running.set(lab, talos);
    return [{
      name: "talos",
      get endpoints() {
        return talos.endpoints();
      },
      close: async () => {
        running.delete(lab);
        await talos.close();
      },
    }];
  },
};
