/**
 * The cluster config file's schema (`cluster.yaml`): shapes, formats and defaults.
 * Cross-field rules (overlaps, duplicates, …) live in `rules.ts`.
 *
 * Every object is strict: an unknown key is an error, so typos never pass silently.
 */
import { z } from "zod";

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/;
const MAC = /^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/;
/** A size with a binary unit: "512MiB", "8GiB", "1TiB". */
export const SIZE = /^(\d+(\.\d+)?)(MiB|GiB|TiB)$/;
const SEMVER_V = /^v\d+\.\d+\.\d+$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

const ipv4 = (what: string) =>
  z.string().regex(IPV4, { error: `must be an IPv4 address like 10.0.1.11 (${what})` });
const cidr = (what: string) =>
  z.string().regex(CIDR, { error: `must be an IPv4 network in CIDR form like 10.0.0.0/16 (${what})` });
const size = (what: string) =>
  z.string().regex(SIZE, { error: `must be a size with a unit, like 8GiB or 512MiB (${what})` });
const httpUrl = (what: string) =>
  z.string().url({ protocol: /^https?$/, error: `must be an http(s) URL (${what})` });

const FaultsSchema = z.strictObject({
  errorRate: z.number().min(0).max(1).optional(),
  spikeRate: z.number().min(0).max(1).optional(),
  spikeMs: z.number().int().min(0).optional(),
  dropRate: z.number().min(0).max(1).optional(),
});

const PatchList = z.array(
  z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]),
)
  .default([]);

export const ConfigSchema = z.strictObject({
  cluster: z.strictObject({
    name: z.string().regex(DNS_LABEL, { error: "must be a DNS label: lower-case letters, digits and '-'" })
      .describe("Cluster name; used in VM tags, state paths and the kubeconfig context"),
  }),
  proxmox: z.strictObject({
    vmCreateConcurrency: z.number().int().min(1).max(32).default(3)
      .describe("VMs created at once on one host (parallel creates contend for locks)"),
    hosts: z.array(z.strictObject({
      name: z.string().regex(DNS_LABEL, { error: "must be the Proxmox node name (a DNS label)" }),
      api: httpUrl("the API URL, e.g. https://10.0.0.10:8006").describe("Proxmox API URL"),
      ssh: z.strictObject({
        address: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(22),
        user: z.string().min(1).default("root"),
        hostKeyFingerprint: z.string().regex(FINGERPRINT, {
          error: "must be an SSH host key fingerprint like SHA256:<43 base64 characters>",
        }).optional(),
      }),
      storage: z.string().min(1).default("local-lvm").describe("Storage for VM disks"),
      imageStorage: z.string().min(1).default("local").describe("Storage the Talos image is downloaded to"),
      bridge: z.string().min(1).default("vmbr0"),
      insecure: z.boolean().default(false).describe("Turn TLS verification off (warned on every run)"),
    })).min(1, { error: "at least one Proxmox host is needed" }),
  }),
  network: z.strictObject({
    subnets: z.array(z.strictObject({
      cidr: cidr("node subnet"),
      gateway: ipv4("gateway"),
      vlan: z.number().int().min(1).max(4094).optional(),
    })).min(1, { error: "at least one node subnet is needed" }),
    nameservers: z.array(ipv4("nameserver")).min(1).default(["1.1.1.1"]),
    vip: ipv4("Kubernetes API VIP"),
    podCidr: cidr("pod network").default("10.244.0.0/16"),
    serviceCidr: cidr("service network").default("10.96.0.0/12"),
    mtu: z.number().int().min(1280).max(9000).default(1500),
  }),
  nodes: z.array(z.strictObject({
    name: z.string().regex(DNS_LABEL, { error: "must be a DNS label: lower-case letters, digits and '-'" }),
    role: z.enum(["controlplane", "worker"]),
    host: z.string().min(1).describe("Name of the Proxmox host the VM runs on"),
    vmid: z.number().int().min(100).max(999999999),
    cores: z.number().int().min(1).max(512).default(2),
    memory: size("VM memory"),
    disk: size("VM disk"),
    ip: ipv4("node address"),
    mac: z.string().regex(MAC, { error: "must be a MAC address like BC:24:11:00:01:11" }).optional(),
    labels: z.record(z.string(), z.string()).default({}),
    taints: z.array(z.strictObject({
      key: z.string().min(1),
      value: z.string().optional(),
      effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
    })).default([]),
  })).min(1, { error: "at least one node is needed" }),
  talos: z.strictObject({
    version: z.string().regex(SEMVER_V, { error: "must be a Talos version like v1.13.9" }).default("v1.13.9"),
    factory: httpUrl("Image Factory URL").default("https://factory.talos.dev"),
    extensions: z.array(
      z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, {
        error: "must be an extension name like siderolabs/qemu-guest-agent",
      }),
    ).default(["siderolabs/qemu-guest-agent"]),
    cpuType: z.enum(["host", "x86-64-v2-AES"]).default("host"),
    diskBus: z.enum(["scsi", "virtio"]).default("scsi"),
    allowSchedulingOnControlPlanes: z.boolean().default(false),
    patches: z.strictObject({
      global: PatchList,
      controlplane: PatchList,
      worker: PatchList,
      nodes: z.record(z.string(), PatchList).default({}),
    }).default({ global: [], controlplane: [], worker: [], nodes: {} }),
  }).prefault({}),
  kubernetes: z.strictObject({
    version: z.string().regex(SEMVER_V, { error: "must be a Kubernetes version like v1.33.4" }).default(
      "v1.33.4",
    ),
    dnsNames: z.array(z.string().regex(DNS_NAME, { error: "must be a DNS name" })).default([]),
  }).prefault({}),
  cilium: z.strictObject({
    version: z.string().regex(SEMVER, { error: "must be a Cilium version like 1.18.2 (no v)" }).default(
      "1.18.2",
    ),
    ipam: z.enum(["kubernetes", "cluster-pool"]).default("kubernetes"),
    mtu: z.number().int().min(1280).max(9000).optional(),
  }).prefault({}),
  flux: z.strictObject({
    url: z.string().regex(/^(ssh:\/\/|https:\/\/)\S+$/, { error: "must be an ssh:// or https:// git URL" }),
    branch: z.string().min(1).default("main"),
    path: z.string().min(1).default("flux"),
    knownHosts: z.string().min(1).describe("known_hosts line(s) of the git host: ssh-keyscan HOST"),
  }).optional(),
  sso: z.strictObject({
    provider: z.enum(["authentik"]),
    domain: z.string().regex(DNS_NAME, { error: "must be a DNS name" }),
  }).optional(),
  dns: z.strictObject({
    provider: z.enum(["cloudflare"]),
    zone: z.string().regex(DNS_NAME, { error: "must be a DNS zone like example.com" }),
    records: z.array(z.strictObject({
      name: z.string().min(1),
      type: z.enum(["A", "AAAA", "CNAME", "TXT"]),
      content: z.string().min(1),
      proxied: z.boolean().default(false),
      ttl: z.number().int().min(1).default(1),
    })).default([]),
  }).optional(),
  monitors: z.strictObject({
    endpoint: httpUrl("edge monitor Worker URL"),
    monitors: z.array(z.record(z.string(), z.unknown())).default([]),
  }).optional(),
  lab: z.strictObject({
    profile: z.enum(["fast", "realistic"]).default("fast"),
    scale: z.number().positive().optional().describe("Virtual ms per real ms; default per profile"),
    seed: z.number().int().default(1),
    faults: z.strictObject({
      proxmox: FaultsSchema.optional(),
      talos: FaultsSchema.optional(),
      kube: FaultsSchema.optional(),
      ssh: FaultsSchema.optional(),
    }).default({}),
    foreignVms: z.array(z.strictObject({
      host: z.string().min(1),
      vmid: z.number().int().min(100),
      name: z.string().min(1),
    })).default([]),
  }).prefault({}),
});

export type RawConfig = z.infer<typeof ConfigSchema>;
type RawNode = RawConfig["nodes"][number];

/** A node with its sizes as numbers. */
export type NodeConfig = RawNode & { memoryMiB: number; diskGiB: number };

/** The validated, normalized config every layer reads. */
export type ClusterConfig = Omit<RawConfig, "nodes"> & { nodes: NodeConfig[] };

/** "8GiB" → 8192 (MiB). */
export function sizeToMiB(text: string): number {
  const m = SIZE.exec(text)!;
  const n = Number(m[1]);
  return Math.round(n * { MiB: 1, GiB: 1024, TiB: 1024 * 1024 }[m[3] as "MiB" | "GiB" | "TiB"]);
}
