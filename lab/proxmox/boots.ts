/**
 * VM power on the emulated Proxmox hosts, for the emulators of what runs inside the VMs (Talos):
 * a per-world event stream fed by the Proxmox emulator when a VM starts, stops or is destroyed,
 * and the VMs already in the world (a later command's lab sees them without an event).
 *
 * @example
 * ```ts
 * const boots = vmBoots(lab.world);
 * const stop = boots.subscribe((b) => b.kind === "start" && talos.vmStarted(b.host, b.vmid, b.ip, b.mac));
 * vmStatus(lab.world, "pve1", 1101); // "running" | "stopped" | undefined (no such VM)
 * ```
 */
import type { LabWorld } from "../world.ts";
import { proxmoxWorld } from "./access.ts";
import type { NodeState } from "./host.ts";
import { parseNet } from "./vm_config.ts";

export interface VmBoot {
  /** What happened; a destroyed VM's disks are gone with it. Default "start". */
  kind?: "start" | "stop" | "destroy";
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
  /** Calls `fn` for every VM power event from now on; returns the unsubscribe function. */
  subscribe(fn: (boot: VmBoot) => void): () => void;
  emit(boot: VmBoot): void;
  /** The VMs running in the world now, with when they started. */
  running(): VmBoot[];
}

const streams = new WeakMap<LabWorld, VmBoots>();

function hostStates(world: LabWorld): Record<string, NodeState> {
  // the hosts' VMs live in `proxmox.nodes` (host.ts); `proxmox.hosts` holds their CAs
  return (proxmoxWorld(world) as { nodes?: Record<string, NodeState> }).nodes ?? {};
}

/** A VM's power state in the world, or undefined when the host has no such VM. */
export function vmStatus(world: LabWorld, host: string, vmid: number): "running" | "stopped" | undefined {
  const vm = hostStates(world)[host]?.vms[String(vmid)];
  return vm ? (vm.status === "running" ? "running" : "stopped") : undefined;
}

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
      return Object.entries(hostStates(world)).flatMap(([host, state]) =>
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
