/**
 * What the lab's Talos world remembers (world section `talos`), and what follows from it at a
 * given virtual time. Time-dependent facts (an etcd member being a learner until it is promoted,
 * the Kubernetes API being up) are stored as timestamps and read lazily, so a later command that
 * reopens the world sees them progress without replaying timers.
 *
 * @example
 * ```ts
 * const world = talosWorld(labWorld);
 * const members = etcdMembersAt(world.clusters["<cluster id>"].etcd["<etcd id>"], clock.now());
 * ```
 */
import type { LabWorld } from "../world.ts";

export type NodeStage = "maintenance" | "installing" | "configured";

/** One machine (VM) running Talos. Keyed by its IP. */
export interface NodeRecord {
  ip: string;
  mac?: string;
  /** Proxmox host and vmid when the VM came from the Proxmox emulator. */
  host?: string;
  vmid?: number;
  /** The VM is powered on. */
  running: boolean;
  stage: NodeStage;
  /** Virtual ms when the pending boot (VM start, install, reboot) completes and apid answers. */
  upAt?: number;
  /** The applied (persisted) machine config, as sent. */
  config?: string;
  /** The Talos version installed (from the install image tag), once installed. */
  installedVersion?: string;
  /** Set while an applied change waits for a reboot (STAGED). */
  stagedConfig?: string;
  /** The cluster this node was configured for (see `clusterKeyOf`). */
  cluster?: string;
}

/** One etcd member; learner from `addedAt` until `promotedAt`. */
export interface EtcdMemberRecord {
  /** uint64 member id, decimal. */
  id: string;
  hostname: string;
  ip: string;
  addedAt: number;
  promotedAt: number;
}

/** One etcd cluster (normally one per Talos cluster; a second Bootstrap elsewhere makes another). */
export interface EtcdClusterRecord {
  id: string;
  createdAt: number;
  /** The node Bootstrap ran on. */
  bootstrapNode: string;
  members: Record<string, EtcdMemberRecord>;
}

/** A Talos cluster as the nodes' configs define it. */
export interface ClusterRecord {
  key: string;
  /** etcd clusters by id; the oldest is the one nodes join. */
  etcd: Record<string, EtcdClusterRecord>;
  /** Virtual ms when the Kubernetes API answers (etcd bootstrap + the profile's etcdBootstrap delay). */
  kubeApiAt?: number;
}

export interface TalosWorld {
  nodes: Record<string, NodeRecord>;
  clusters: Record<string, ClusterRecord>;
}

export function talosWorld(world: LabWorld): TalosWorld {
  return world.section<TalosWorld>("talos", () => ({ nodes: {}, clusters: {} }));
}

/** The etcd cluster other control planes join: the oldest one. */
export function primaryEtcd(cluster: ClusterRecord | undefined): EtcdClusterRecord | undefined {
  if (!cluster) return undefined;
  return Object.values(cluster.etcd).sort((a, b) => a.createdAt - b.createdAt)[0];
}

/** The etcd cluster a node is a member of (added by now or later), if any. */
export function etcdOfNode(cluster: ClusterRecord | undefined, ip: string): EtcdClusterRecord | undefined {
  if (!cluster) return undefined;
  return Object.values(cluster.etcd).find((e) => e.members[ip]);
}

/** Members that exist at `now`, in the order they were added. */
export function etcdMembersAt(
  etcd: EtcdClusterRecord,
  now: number,
): (EtcdMemberRecord & { learner: boolean })[] {
  return Object.values(etcd.members)
    .filter((m) => m.addedAt <= now)
    .sort((a, b) => a.addedAt - b.addedAt)
    .map((m) => ({ ...m, learner: now < m.promotedAt }));
}

/** A random uint64 etcd member id (decimal), from the lab's seeded random source. */
export function newMemberId(random: () => number): string {
  const hi = BigInt(Math.floor(random() * 2 ** 32));
  const lo = BigInt(Math.floor(random() * 2 ** 32));
  return ((hi << 32n) | lo || 1n).toString();
}

/** A cluster's identity from its v1alpha1 config: cluster.id, or name and endpoint. */
// deno-lint-ignore no-explicit-any
export function clusterKeyOf(v1alpha1: Record<string, any>): string {
  const c = v1alpha1.cluster ?? {};
  return c.id ? String(c.id) : `${c.clusterName ?? ""}@${c.controlPlane?.endpoint ?? ""}`;
}
