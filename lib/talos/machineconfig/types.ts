/**
 * Inputs and outputs of machine config generation: narrow, explicit values (not the whole strata
 * config), so the generator can be used and tested on its own.
 */
import type { TalosSecretsBundle } from "../secrets.ts";

export type Role = "controlplane" | "worker";

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

/**
 * A user patch: a strategic-merge document (an object: the v1alpha1 document by default, another
 * document when it has `apiVersion` and `kind`) or a list of RFC 6902 operations (applied to the
 * v1alpha1 document).
 */
export type ConfigPatch = Record<string, unknown> | JsonPatchOperation[];

/** Patches by scope, as in the config's `talos.patches`. */
export interface PatchSet {
  global?: ConfigPatch[];
  controlplane?: ConfigPatch[];
  worker?: ConfigPatch[];
  nodes?: Record<string, ConfigPatch[]>;
}

/** The install disk: by the VM's disk bus, an explicit device, or a Talos disk selector. */
export type InstallDisk =
  /** VirtIO SCSI shows as `/dev/sda`, VirtIO block as `/dev/vda`. */
  | { bus: "scsi" | "virtio" }
  | { device: string }
  /** `machine.install.diskSelector` (v1alpha1.InstallDiskSelector fields: size, model, type, busPath, …). */
  | { selector: Record<string, string> };

export interface NodeTaint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** Cluster-wide inputs. */
export interface ClusterInput {
  /** Cluster name (`cluster.name`). */
  name: string;
  /** Kubernetes API virtual IP; the control plane endpoint is `https://<vip>:6443`. */
  vip: string;
  /** `v1.33.4`. */
  kubernetesVersion: string;
  /** Talos version the configs are for; default {@link DEFAULT_TALOS_VERSION}. */
  talosVersion?: string;
  /** The Talos secrets bundle (layer 00), parsed. */
  secrets: TalosSecretsBundle;
  /** Installer image for every node, e.g. `factory.talos.dev/nocloud-installer/<schematic>:v1.13.9`. */
  installImage: string;
  /** Default `10.244.0.0/16`. */
  podCidr?: string;
  /** Default `10.96.0.0/12`. */
  serviceCidr?: string;
  /** Default `cluster.local`. */
  dnsDomain?: string;
  /** Extra DNS names for the Kubernetes API certificate (`kubernetes.dnsNames`). */
  dnsNames?: string[];
  /** DNS servers for the nodes. */
  nameservers: string[];
  /** Link MTU; default 1500. */
  mtu?: number;
  allowSchedulingOnControlPlanes?: boolean;
  /** User patches, applied last. */
  patches?: PatchSet;
}

/** Per-node inputs. */
export interface NodeInput {
  /** Node name; also its hostname and Kubernetes node name. */
  name: string;
  role: Role;
  /** Static IPv4 address and prefix length of the node subnet. */
  ip: string;
  prefix: number;
  gateway: string;
  /**
   * MAC address of the cluster NIC; the interface is found by it (a `LinkAliasConfig` matching
   * `mac(link.permanent_addr)`), never by a guessed name.
   */
  mac?: string;
  /** A CEL expression selecting the link instead of the MAC (Talos `LinkSelector.match`). */
  linkSelector?: string;
  /** Overrides the cluster's nameservers. */
  nameservers?: string[];
  disk: InstallDisk;
  /** Overrides the cluster's install image. */
  installImage?: string;
  labels?: Record<string, string>;
  taints?: NodeTaint[];
  /**
   * A VLAN tagged inside the guest: the address moves to a VLAN link on the NIC. Leave unset when
   * Proxmox tags the NIC (`tag=` on net0, strata's way), or frames would be tagged twice.
   */
  vlan?: number;
  /** Overrides the cluster's MTU. */
  mtu?: number;
}

/** A generated machine config. */
export interface MachineConfig {
  node: string;
  role: Role;
  /** The Talos version contract it was made for (`v1.13`). */
  contract: string;
  /** The documents, v1alpha1 first. */
  documents: Record<string, unknown>[];
  /** The multi-document YAML to apply. */
  yaml: string;
}
