/**
 * Registers the Talos emulator (and the Kubernetes emulator behind it) with the lab. It starts
 * before the Proxmox emulator and follows the world's VM power events: a VM that starts boots
 * Talos at the address of its cloud-init `ipconfig0`, a stopped VM's apid goes away, a destroyed
 * VM's disk (config, etcd data) goes with it.
 *
 * ```ts
 * // lab/mod.ts
 * export const LAB_EMULATORS = [factoryEmulator, sshEmulator, talosEmulator, proxmoxEmulator];
 * ```
 *
 * Its endpoints grow as nodes boot (each apid, the VIP, the Kubernetes API).
 */
import type { ClusterConfig } from "../../lib/config/schema.ts";
import type { EmulatorHandle, LabEmulator, LabRuntime } from "../mod.ts";
import type { KubeEmulator } from "../kube/emulator.ts";
import { kubeOnTalos } from "../kube/on_talos.ts";
import { vmBoots } from "../proxmox/boots.ts";
import { TalosLab } from "./emulator.ts";

const running = new WeakMap<LabRuntime, TalosLab>();

/** The Talos lab started for a lab runtime, if any. */
export function talosLabFor(lab: LabRuntime): TalosLab | undefined {
  return running.get(lab);
}

/** What a caller (a benchmark) may add to the lab's Talos and Kubernetes emulators. */
export interface TalosEmulatorHooks {
  /** Called once when a cluster's Kubernetes emulator is made; may return what undoes it at close. */
  onKubeEmulator?(emulator: KubeEmulator): (() => void) | void;
}

/** The Talos emulator registration, with hooks. */
export function talosEmulatorWith(hooks: TalosEmulatorHooks = {}): LabEmulator {
  return {
    system: "talos",
    start: (lab, config) => startTalos(lab, config, hooks),
  };
}

export const talosEmulator: LabEmulator = talosEmulatorWith();

async function startTalos(
  lab: LabRuntime,
  config: ClusterConfig,
  hooks: TalosEmulatorHooks,
): Promise<EmulatorHandle[]> {
  const kube = kubeOnTalos(lab, { cniNeverStarts: config.lab?.ciliumNeverStarts });
  const undo: (() => void)[] = [];
  const talos = await TalosLab.start({
    world: lab.world,
    clock: lab.clock,
    profile: lab.profile,
    random: lab.random,
    trace: lab.trace,
    faults: lab.faults("talos"),
    talosVersion: config.talos.version,
    kubeHandlers: (cluster, info) => {
      const fresh = !kube.emulator(cluster);
      const handlers = kube.handlers(cluster, info);
      if (fresh) {
        const u = hooks.onKubeEmulator?.(kube.emulator(cluster)!);
        if (u) undo.push(u);
      }
      return handlers;
    },
    kubelet: kube.kubelet,
    clusterGone: kube.clusterGone,
  });
  const unsubscribe = vmBoots(lab.world).subscribe((e) => {
    if (e.kind === "stop") talos.vmStopped(e.host, e.vmid);
    else if (e.kind === "destroy") talos.vmDestroyed(e.host, e.vmid);
    else talos.vmStarted(e.host, e.vmid, e.ip, e.mac);
  });
  running.set(lab, talos);
  return [{
    name: "talos",
    get endpoints() {
      return talos.endpoints();
    },
    close: async () => {
      unsubscribe();
      for (const u of undo) u();
      running.delete(lab);
      await talos.close();
      await kube.close();
    },
  }];
}
