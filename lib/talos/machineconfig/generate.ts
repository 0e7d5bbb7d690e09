/**
 * Machine configs for every node: what `talosctl gen config` writes for the Talos version (see
 * `base.ts`), with strata's settings, then the user's patches, then checked as Talos would check it.
 *
 * strata's settings on top of `gen config`:
 * - install disk by the VM's disk bus (`/dev/sda` VirtIO SCSI, `/dev/vda` VirtIO block) or a disk
 *   selector; install image from the Image Factory schematic;
 * - cert SANs: the VIP, every control plane IP and `kubernetes.dnsNames` (`--additional-sans`);
 *   endpoint `https://<VIP>:6443`;
 * - `cluster.network.cni.name: none` and `cluster.proxy.disabled: true` (Cilium replaces both), on
 *   every node as Talos' Cilium guide patches them;
 * - node labels and taints; `allowSchedulingOnControlPlanes`;
 * - `HostnameConfig` with the node name; static network documents (`network.ts`).
 * KubePrism (port 7445) and hostDNS stay as the contract sets them.
 *
 * @example
 * ```ts
 * const configs = generateClusterConfigs(cluster, nodes);
 * await Deno.writeTextFile("cp-1.yaml", configs[0].yaml);
 * ```
 */
import { UsageError } from "../../errors.ts";
import { baseDocuments } from "./base.ts";
import { checkKubernetesVersion, talosContract } from "./contract.ts";
import { networkDocuments } from "./network.ts";
import { canonicalOrder } from "./order.ts";
import { applyPatches, formatIssue, patchesFor } from "./patches.ts";
import { schemaModel } from "./schema_model.ts";
import { checkSemantics, isCidr, isIp } from "./semantics.ts";
import { checkDocument } from "./structure.ts";
import type { ClusterInput, MachineConfig, NodeInput } from "./types.ts";
import { encodeDocuments } from "./yaml.ts";

type Doc = Record<string, unknown>;

/** Install devices by disk bus. */
export const DISK_BY_BUS = { scsi: "/dev/sda", virtio: "/dev/vda" } as const;

const MAC = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;

/** Configs for all nodes; control plane IPs come from the nodes with that role. */
export function generateClusterConfigs(cluster: ClusterInput, nodes: readonly NodeInput[]): MachineConfig[] {
  const names = new Set<string>();
  for (const n of nodes) {
    if (names.has(n.name)) throw new UsageError(`nodes: "${n.name}" appears twice`);
    names.add(n.name);
  }
  for (const name of Object.keys(cluster.patches?.nodes ?? {})) {
    if (!names.has(name)) throw new UsageError(`talos.patches.nodes.${name}: "${name}" is not a node name`);
  }
  const controlPlaneIps = nodes.filter((n) => n.role === "controlplane").map((n) => n.ip);
  if (!controlPlaneIps.length) throw new UsageError("nodes: at least one node must have role controlplane");
  return nodes.map((n) => generateMachineConfig(cluster, n, { controlPlaneIps }));
}

/** The SANs of the Kubernetes API and Talos API certificates: VIP, control plane IPs, DNS names. */
export function certSans(cluster: ClusterInput, controlPlaneIps: readonly string[]): string[] {
  return [...new Set([cluster.vip, ...controlPlaneIps, ...(cluster.dnsNames ?? [])])];
}

/** The config of one node. `controlPlaneIps` default to the node's own IP when it is a control plane. */
export function generateMachineConfig(
  cluster: ClusterInput,
  node: NodeInput,
  opts: { controlPlaneIps?: readonly string[] } = {},
): MachineConfig {
  const contract = talosContract(cluster.talosVersion);
  checkKubernetesVersion(contract, cluster.kubernetesVersion);
  const model = schemaModel(contract.minor);
  if (!model) throw new Error(`no schema model for Talos ${contract.minor}`);
  checkInputs(cluster, node);

  const controlPlaneIps = opts.controlPlaneIps ?? (node.role === "controlplane" ? [node.ip] : []);
  const disk = node.disk;
  const docs = baseDocuments({
    contract,
    role: node.role,
    clusterName: cluster.name,
    endpoint: `https://${cluster.vip}:6443`,
    kubernetesVersion: cluster.kubernetesVersion,
    secrets: cluster.secrets,
    installDisk: "bus" in disk ? DISK_BY_BUS[disk.bus] : "device" in disk ? disk.device : undefined,
    installImage: node.installImage ?? cluster.installImage,
    additionalSANs: certSans(cluster, controlPlaneIps),
    dnsDomain: cluster.dnsDomain,
    podSubnets: [cluster.podCidr ?? "10.244.0.0/16"],
    serviceSubnets: [cluster.serviceCidr ?? "10.96.0.0/12"],
    allowSchedulingOnControlPlanes: cluster.allowSchedulingOnControlPlanes,
  });
  const v1 = docs[0] as { machine: Doc; cluster: Doc };
  if ("selector" in disk) (v1.machine.install as Doc).diskSelector = { ...disk.selector };
  const network = v1.cluster.network as Doc;
  network.cni = { name: "none" };
  v1.cluster.proxy = { disabled: true, ...(v1.cluster.proxy as Doc | undefined) };
  const labels = { ...(v1.machine.nodeLabels as Record<string, string> | undefined), ...node.labels };
  if (Object.keys(labels).length) v1.machine.nodeLabels = labels;
  if (node.taints?.length) {
    v1.machine.nodeTaints = Object.fromEntries(
      node.taints.map((t) => [t.key, t.value ? `${t.value}:${t.effect}` : t.effect]),
    );
  }
  docs[1] = { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: node.name };
  docs.push(...networkDocuments({
    role: node.role,
    ip: node.ip,
    prefix: node.prefix,
    gateway: node.gateway,
    mac: node.mac,
    linkSelector: node.linkSelector,
    nameservers: node.nameservers ?? cluster.nameservers,
    vip: cluster.vip,
    mtu: node.mtu ?? cluster.mtu ?? 1500,
    vlan: node.vlan,
  }));

  const patches = patchesFor(cluster.patches, node.role, node.name);
  const patched = applyPatches(model, docs, patches).map((d) => canonicalOrder(model, d));
  const issues = [...patched.flatMap((d) => checkDocument(model, d)), ...checkSemantics(patched)];
  if (issues.length) {
    const after = patches.length ? ` after applying ${patches.map((p) => p.name).join(", ")}` : "";
    throw new UsageError(
      `machine config of node ${node.name} is not valid for Talos ${contract.minor}${after}: ` +
        issues.slice(0, 5).map(formatIssue).join("; "),
      patches.length ? "fix the patches in talos.patches" : undefined,
    );
  }
  return {
    node: node.name,
    role: node.role,
    contract: contract.minor,
    documents: patched,
    yaml: encodeDocuments(patched),
  };
}

function checkInputs(cluster: ClusterInput, node: NodeInput): void {
  const at = `nodes.${node.name}`;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(node.name)) {
    throw new UsageError(`${at}.name: "${node.name}" must be a DNS label (it becomes the hostname)`);
  }
  if (!isIp(cluster.vip)) throw new UsageError(`network.vip: "${cluster.vip}" is not an IP address`);
  if (!isIp(node.ip)) throw new UsageError(`${at}.ip: "${node.ip}" is not an IP address`);
  if (!isIp(node.gateway)) throw new UsageError(`${at}: gateway "${node.gateway}" is not an IP address`);
  if (!isCidr(`${node.ip}/${node.prefix}`)) {
    throw new UsageError(`${at}: prefix length ${node.prefix} is not valid`);
  }
  if (node.mac !== undefined && !MAC.test(node.mac)) {
    throw new UsageError(`${at}.mac: "${node.mac}" is not a MAC address like BC:24:11:00:01:11`);
  }
  if (node.mac === undefined && !node.linkSelector) {
    throw new UsageError(
      `${at}.mac: the node's MAC address is needed to find its network interface`,
      "set nodes[].mac (or let the Proxmox layer read it from the VM)",
    );
  }
  if (node.vlan !== undefined && !(Number.isInteger(node.vlan) && node.vlan >= 1 && node.vlan <= 4094)) {
    throw new UsageError(`${at}: VLAN ${node.vlan} is not between 1 and 4094`);
  }
  for (const ns of node.nameservers ?? cluster.nameservers) {
    if (!isIp(ns)) throw new UsageError(`network.nameservers: "${ns}" is not an IP address`);
  }
  if (!(node.nameservers ?? cluster.nameservers).length) {
    throw new UsageError("network.nameservers: at least one is needed");
  }
  const keys = new Set<string>();
  for (const t of node.taints ?? []) {
    if (keys.has(t.key)) {
      throw new UsageError(`${at}.taints: key "${t.key}" appears twice (Talos keeps one taint per key)`);
    }
    keys.add(t.key);
  }
}
