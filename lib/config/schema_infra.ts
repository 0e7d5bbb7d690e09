/**
 * Config sections for the machines: `cluster`, `proxmox`, `network` and `nodes`.
 *
 * @example
 * ```ts
 * NodeSchema.parse({ name: "cp-1", role: "controlplane", host: "pve1", vmid: 1101,
 *   memory: "4GiB", disk: "32GiB", ip: "10.0.1.11" });
 * ```
 */
import { FORMATS, formatSchema, urlFormat } from "./formats.ts";
import { flag, listOf, oneOf, section, text, wholeNumber } from "./schema_parts.ts";
import { z } from "zod";

const dnsLabel = () => formatSchema(FORMATS.dnsLabel);
const ipv4 = () => formatSchema(FORMATS.ipv4);

export const ClusterSchema = section({
  name: dnsLabel().describe(
    "Cluster name (a DNS label). Names the VM tags (strata-<name>), the state folder and the kubeconfig " +
      "context; `lab` is reserved.",
  ),
}, "the cluster");

export const SshSchema = section({
  address: formatSchema(FORMATS.host).optional().describe(
    "Address strata connects to over SSH (layer 00). Default: the host of `api`.",
  ),
  port: wholeNumber(1, 65535, "a TCP port").default(22).describe("SSH port."),
  user: text("a user name").default("root").describe("SSH user; it must be able to run pveum (root)."),
  hostKeyFingerprint: formatSchema(FORMATS.sshFingerprint).optional().describe(
    "Pins the host's SSH key (`ssh-keyscan HOST | ssh-keygen -lf -`). Without it ~/.ssh/known_hosts " +
      "decides; an unknown key stops the run.",
  ),
}, "SSH to the Proxmox host");

export const ProxmoxHostSchema = section({
  name: dnsLabel().describe("The Proxmox node name, as in Datacenter → Nodes (`hostname` on the host)."),
  api: formatSchema(urlFormat({
    protocols: ["https"],
    originOnly: true,
    example: "https://10.0.0.10:8006",
    what: "the Proxmox API",
  })).describe("Proxmox API URL, scheme, host and port only (e.g. https://10.0.0.10:8006)."),
  ssh: SshSchema.optional().describe("SSH access to the host (default: root@<api host>:22)."),
  storage: text("a Proxmox storage id").default("local-lvm").describe(
    "Storage for the VM disks (content type images).",
  ),
  imageStorage: text("a Proxmox storage id").default("local").describe(
    "Storage the Talos image is downloaded to (content type import).",
  ),
  bridge: text("a Linux bridge name").default("vmbr0").describe("Bridge the VMs' NICs attach to."),
  insecure: flag().default(false).describe(
    "Turn TLS verification of the API off (warned on every run). Leave false: layer 00 fetches the " +
      "host's CA over verified SSH.",
  ),
}, "a Proxmox host");

export const ProxmoxSchema = section({
  vmCreateConcurrency: wholeNumber(1, 32).default(3).describe(
    "VMs created at once on one host; parallel creates on one host contend for storage locks.",
  ),
  hosts: listOf(ProxmoxHostSchema, "Proxmox host", 1).describe("The Proxmox hosts the VMs run on."),
}, "Proxmox");

export const SubnetSchema = section({
  cidr: formatSchema(FORMATS.cidr).describe("The node network, e.g. 10.0.0.0/16."),
  gateway: ipv4().describe("Default gateway of the network (inside it)."),
  vlan: wholeNumber(1, 4094, "a VLAN tag").optional().describe(
    "VLAN tag Proxmox puts on the VMs' NICs in this network (untagged when absent).",
  ),
}, "a node subnet");

export const NetworkSchema = section({
  subnets: listOf(SubnetSchema, "node subnet", 1).describe(
    "Node networks. Every node IP and the VIP lie in one of them.",
  ),
  nameservers: listOf(ipv4(), "nameserver", 1).default(["1.1.1.1", "8.8.8.8"]).describe(
    "DNS servers of the nodes.",
  ),
  vip: ipv4().describe(
    "Virtual IP of the Kubernetes API, shared by the control planes (Talos L2 VIP). Free, in the control " +
      "planes' subnet, not a node IP nor the gateway.",
  ),
  podCidr: formatSchema(FORMATS.cidr).default("10.244.0.0/16").describe(
    "Pod network; must not overlap the node subnets or the service network.",
  ),
  serviceCidr: formatSchema(FORMATS.cidr).default("10.96.0.0/12").describe(
    "Service (ClusterIP) network; must not overlap the node subnets or the pod network.",
  ),
  mtu: wholeNumber(1280, 9216, "an MTU").default(1500).describe("MTU of the node interfaces."),
}, "the network");

export const TaintSchema = section({
  key: formatSchema(FORMATS.labelKey).describe("Taint key."),
  value: formatSchema(FORMATS.labelValue).optional().describe("Taint value."),
  effect: oneOf(["NoSchedule", "PreferNoSchedule", "NoExecute"]).describe("Taint effect."),
}, "a taint");

export const NodeSchema = section({
  name: dnsLabel().describe("Node name: VM name, hostname and Kubernetes node name (a DNS label)."),
  role: oneOf(["controlplane", "worker"]).describe("controlplane (runs etcd and the API) or worker."),
  host: text("a proxmox.hosts[].name").describe(
    "Name of the Proxmox host (proxmox.hosts[].name) it runs on.",
  ),
  vmid: wholeNumber(100, 999_999_999, "a Proxmox VM id").describe("Proxmox VM id (100-999999999), unique."),
  cores: wholeNumber(1, 512, "a number of CPU cores").default(2).describe("CPU cores."),
  memory: formatSchema(FORMATS.size).describe(
    "Memory, e.g. 8GiB. Talos needs at least 2GiB on a control plane and 1GiB on a worker.",
  ),
  disk: formatSchema(FORMATS.size).describe("System disk size, a whole number of GiB (at least 10GiB)."),
  ip: ipv4().describe("Static IPv4 address; inside one of network.subnets."),
  mac: formatSchema(FORMATS.mac).optional().describe(
    "MAC address of the NIC (unicast). Talos finds its interface by it; when absent the Proxmox layer " +
      "reads the one Proxmox generated.",
  ),
  labels: z.record(formatSchema(FORMATS.labelKey), formatSchema(FORMATS.labelValue), {
    error: (issue) => issue.input === undefined ? undefined : "must be a mapping of label keys to values",
  }).default({}).describe("Kubernetes node labels."),
  taints: listOf(TaintSchema, "taint").default([]).describe("Kubernetes node taints."),
}, "a node");

export const NodesSchema = listOf(NodeSchema, "node", 1).describe("The cluster's machines, one VM each.");
