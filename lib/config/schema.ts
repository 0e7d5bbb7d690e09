/**
 * The cluster config file's schema (`cluster.yaml`): shapes, formats and defaults, and the types
 * of the parsed config every layer reads. Every mapping is strict: an unknown key is an error, so
 * typos never pass silently. Cross-field rules (overlaps, duplicates, …) live in `rules*.ts`.
 *
 * @example
 * ```ts
 * const raw = ConfigSchema.safeParse(yamlValue);
 * ```
 */
import type { z } from "zod";
import { section } from "./schema_parts.ts";
import { ClusterSchema, NetworkSchema, NodesSchema, ProxmoxSchema } from "./schema_infra.ts";
import { CiliumSchema, FluxSchema, KubernetesSchema, TalosSchema } from "./schema_platform.ts";
import { DnsSchema, MonitorsSchema, SsoSchema } from "./schema_services.ts";
import { LabSchema } from "./schema_lab.ts";

export const ConfigSchema = section({
  cluster: ClusterSchema.describe("The cluster's identity."),
  proxmox: ProxmoxSchema.describe("The Proxmox hosts and how strata uses them."),
  network: NetworkSchema.describe("Node, pod and service networks and the Kubernetes API VIP."),
  nodes: NodesSchema,
  talos: TalosSchema.describe("Talos Linux: image, VM settings and your machine config patches."),
  kubernetes: KubernetesSchema.describe("Kubernetes version and API certificate names."),
  cilium: CiliumSchema.describe("Cilium, the CNI and kube-proxy replacement."),
  flux: FluxSchema.optional().describe("The GitOps repository Flux deploys (layer 02); optional."),
  sso: SsoSchema.optional().describe("Single sign-on (layer 03); optional."),
  dns: DnsSchema.optional().describe("DNS records at Cloudflare (layer 03); optional."),
  monitors: MonitorsSchema.optional().describe("External monitors on the edge Worker (layer 03); optional."),
  lab: LabSchema.describe("The built-in lab (read only with --lab)."),
}, "the cluster config");

/** The config as the schema outputs it, before normalization. */
export type RawConfig = z.output<typeof ConfigSchema>;

/** SSH access to a Proxmox host; `address` defaults to the host of `api`. */
export type SshConfig = Required<Pick<NonNullable<RawProxmoxHost["ssh"]>, "port" | "user">> & {
  address: string;
  hostKeyFingerprint?: string;
};
type RawProxmoxHost = RawConfig["proxmox"]["hosts"][number];

/** A Proxmox host; `api` is normalized to its origin (`https://host:port`). */
export type ProxmoxHostConfig = Omit<RawProxmoxHost, "ssh"> & { ssh: SshConfig };

/** A node with its sizes as numbers and its MAC upper-cased. */
export type NodeConfig = RawConfig["nodes"][number] & {
  /** `memory` in MiB. */
  memoryMiB: number;
  /** `disk` in GiB (a whole number). */
  diskGiB: number;
};

export type SubnetConfig = RawConfig["network"]["subnets"][number];
export type NetworkConfig = RawConfig["network"];
export type TalosConfig = RawConfig["talos"];
export type KubernetesConfig = RawConfig["kubernetes"];
export type CiliumConfig = RawConfig["cilium"];
export type FluxConfig = NonNullable<RawConfig["flux"]>;
export type SsoConfig = NonNullable<RawConfig["sso"]>;
/** DNS; record names are normalized to full names inside the zone. */
export type DnsConfig = NonNullable<RawConfig["dns"]>;
export type MonitorsConfig = NonNullable<RawConfig["monitors"]>;
export type LabConfig = RawConfig["lab"];

/** The validated, normalized config every layer reads. */
export type ClusterConfig = Omit<RawConfig, "proxmox" | "nodes"> & {
  proxmox: { vmCreateConcurrency: number; hosts: ProxmoxHostConfig[] };
  nodes: NodeConfig[];
};
