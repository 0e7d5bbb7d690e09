/**
 * The lab's Kubernetes emulator behind the Talos emulator: when a cluster's Kubernetes API comes up
 * on its VIP (Talos decides when: etcd has quorum), the emulator is created with that cluster's CA,
 * version and CIDRs and answers every API route; the kubelets of configured nodes then register
 * their Nodes. State lives in the world's `kube` section, so a later `lab serve` shows the cluster;
 * when the cluster's last VM is destroyed, the section goes with it (etcd lived on those disks).
 *
 * @example
 * ```ts
 * const kube = kubeOnTalos(lab);
 * const talos = await TalosLab.start({ ...opts, kubeHandlers: kube.handlers, kubelet: kube.kubelet });
 * await talos.close(); await kube.close();
 * ```
 */
import type { LabRuntime } from "../mod.ts";
import type { KubeClusterInfo, KubeletRegistration } from "../talos/emulator.ts";
import type { KubeHandler } from "../talos/kube_api.ts";
import { createKubeEmulator, type KubeEmulator } from "./emulator.ts";
import { kubeApiHandler } from "./handler.ts";

export interface KubeOnTalos {
  handlers(cluster: string, info: KubeClusterInfo): KubeHandler[];
  kubelet(cluster: string, node: KubeletRegistration): void;
  /** The cluster's machines are gone: so is its Kubernetes state (etcd lived on them). */
  clusterGone(cluster: string): Promise<void>;
  /** The emulator of a cluster whose API has started. */
  emulator(cluster: string): KubeEmulator | undefined;
  close(): Promise<void>;
}

export function kubeOnTalos(
  lab: Pick<LabRuntime, "world" | "clock" | "profile" | "random" | "trace" | "faults">,
  opts: { cniNeverStarts?: string[] } = {},
): KubeOnTalos {
  const emulators = new Map<string, KubeEmulator>();
  return {
    handlers(cluster, info) {
      let kube = emulators.get(cluster);
      if (!kube) {
        kube = createKubeEmulator({
          world: lab.world,
          clock: lab.clock,
          profile: lab.profile,
          random: lab.random,
          trace: lab.trace,
          faults: lab.faults("kube"),
          kubernetesVersion: info.version,
          podCidr: info.podCidr,
          serviceCidr: info.serviceCidr,
          apiServerIps: info.controlPlaneIps,
          serverAddress: `${info.vip}:6443`,
          caPem: info.caPem,
          cniNeverStarts: opts.cniNeverStarts,
          host: info.vip,
        });
        emulators.set(cluster, kube);
      } else {
        kube.setApiServerIps(info.controlPlaneIps);
      }
      return [kubeApiHandler(kube)];
    },
    kubelet(cluster, node) {
      emulators.get(cluster)?.registerNode(node);
    },
    async clusterGone(cluster) {
      const kube = emulators.get(cluster);
      emulators.delete(cluster);
      await kube?.close();
      // the world holds one Kubernetes cluster (the lab's)
      lab.world.drop("kube");
      await lab.world.save();
    },
    emulator: (cluster) => emulators.get(cluster),
    async close() {
      await Promise.all([...emulators.values()].map((k) => k.close()));
      emulators.clear();
    },
  };
}
