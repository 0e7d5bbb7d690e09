/**
 * VM boots on the emulated Proxmox hosts, for the emulators of what runs inside the VMs (Talos):
 * a per-world event stream fed by the Proxmox emulator when a VM starts, and the VMs already
 * running in the world (a later command's lab sees them without a start event).
 *
 * @example
 * ```ts
 * const boots = vmBoots(lab.world);
 * const stop = boots.subscribe((b) => talos.bootAt(b.ip, b.at));
 * for (const b of boots.running()) talos.bootAt(b.ip, b.at);
 * ```
 */
import type { LabWorld } from "../world.ts";
import { proxmoxWorld } from "./access.ts";
import type { NodeState } from "./host.ts";
import { parseNet } from "./vm_config.ts";

export interface VmBoot {
  /** Proxmox node name. */
  host: string;
  vmid: number;
  /** From the VM's cloud-init `ipconfig0` (undefined for DHCP). */
  ip?: string;
  mac?: string;
  /** Virtual epoch ms the VM started. */
  at: number;
}

export interface VmBoots {
  /** Calls `fn` for every VM that starts from now on; returns the unsubscribe function. */
  subscribe(fn: (boot: VmBoot) => void): () => void;
  emit(boot: VmBoot): void;
  /** The VMs running in the world now, with when they started. */
  running(): VmBoot[];
}

const streams = new WeakMap<LabWorld, VmBoots>();

export function vmBoots(world: LabWorld): VmBoots {
  let stream = streams.get(world);
  if (stream) return stream;
  const listeners = new Set<(boot: VmBoot) => void>();
  stream = {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit(boot) {
      for (const fn of listeners) fn(boot);
    },
    running() {
      const nodes = (proxmoxWorld(world) as { nodes?: Record<string, NodeState> }).nodes ?? {};
      return Object.entries(nodes).flatMap(([host, state]) =>
        Object.values(state.vms).filter((vm) => vm.status === "running").map((vm) => ({
          host,
          vmid: vm.vmid,
          ip: /(?:^|,)ip=([\d.]+)/.exec(vm.config.ipconfig0 ?? "")?.[1],
          mac: vm.config.net0 ? parseNet(vm.config.net0).macaddr : undefined,
          at: vm.startedAt ?? 0,
        }))
      );
    },
  };
  streams.set(world, stream);
  return stream;
}
