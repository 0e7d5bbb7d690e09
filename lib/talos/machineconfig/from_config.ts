/**
 * The generator's inputs from a parsed strata config, for callers that have the whole config
 * (layer 01, `render`). The generator itself takes only these narrow inputs.
 *
 * A subnet's `vlan` is the tag Proxmox puts on the VM's NIC (`net0: …,tag=<vlan>`), so the guest
 * sees untagged frames and gets no VLAN link; guest-side VLANs are a {@link NodeInput.vlan} for
 * callers that need them.
 *
 * @example
 * ```ts
 * const { cluster, nodes } = machineConfigInputs(config, secrets, installImage);
 * const configs = generateClusterConfigs(cluster, nodes);
 * ```
 */
import { cidrContains, ipToInt, parseCidr } from "../../config/net.ts";
import type { ClusterConfig } from "../../config/schema.ts";
import { UsageError } from "../../errors.ts";
import type { TalosSecretsBundle } from "../secrets.ts";
import type { ClusterInput, ConfigPatch, NodeInput, PatchSet } from "./types.ts";

export function machineConfigInputs(
  config: ClusterConfig,
  secrets: TalosSecretsBundle,
  installImage: string,
  opts: {
    /** MACs read from the VMs, for nodes whose config has none. */
    macs?: Record<string, string>;
  } = {},
): { cluster: ClusterInput; nodes: NodeInput[] } {
  const patches = config.talos.patches;
  const cluster: ClusterInput = {
    name: config.cluster.name,
    vip: config.network.vip,
    kubernetesVersion: config.kubernetes.version,
    talosVersion: config.talos.version,
    secrets,
    installImage,
    podCidr: config.network.podCidr,
    serviceCidr: config.network.serviceCidr,
    dnsNames: config.kubernetes.dnsNames,
    nameservers: config.network.nameservers,
    mtu: config.network.mtu,
    allowSchedulingOnControlPlanes: config.talos.allowSchedulingOnControlPlanes,
    patches: {
      global: patches.global as ConfigPatch[],
      controlplane: patches.controlplane as ConfigPatch[],
      worker: patches.worker as ConfigPatch[],
      nodes: patches.nodes as PatchSet["nodes"],
    },
  };
  const nodes = config.nodes.map((n): NodeInput => {
    const ip = ipToInt(n.ip)!;
    const subnet = config.network.subnets.find((s) => {
      const c = parseCidr(s.cidr);
      return c !== undefined && cidrContains(c, ip);
    });
    if (!subnet) throw new UsageError(`nodes.${n.name}.ip: ${n.ip} is in none of network.subnets`);
    return {
      name: n.name,
      role: n.role,
      ip: n.ip,
      prefix: parseCidr(subnet.cidr)!.prefix,
      gateway: subnet.gateway,
      mac: n.mac ?? opts.macs?.[n.name],
      disk: { bus: config.talos.diskBus },
      labels: n.labels,
      taints: n.taints,
    };
  });
  return { cluster, nodes };
}
