/**
 * Shared storage, as a PVE cluster has it: a storage in the cluster-wide storage config
 * (`/etc/pve/storage.cfg`) marked `shared 1` (NFS, CephFS, or a `dir` on a shared mount) is the
 * same storage on every node: one set of volumes and one free space, listed by each node's
 * `/nodes/{node}/storage` with `shared: 1`; a file downloaded through one node is there for all.
 * Local storages (`local`, `local-lvm`) stay per node.
 *
 * The lab keeps the shared storages once in the world's `proxmox.sharedStorages` and puts the same
 * object into every node's `storages`, so the handlers (which read `host.state.storages`) need not
 * know. Saved, the world holds a copy under each node as well; on the next start the nodes are linked
 * to the cluster-wide one again, which is the one that counts.
 *
 * @example
 * ```ts
 * defineSharedStorages(world, [{ id: "nfs-images", type: "nfs", content: ["import", "iso"], sizeGiB: 500 }]);
 * ```
 */
import type { LabWorld } from "../world.ts";
import { proxmoxWorld } from "./access.ts";
import { GiB, type NodeState, type StorageState } from "./host.ts";

/** One shared storage of the lab's cluster (the `lab.sharedStorages[]` entries of the config). */
export interface SharedStorageSpec {
  /** Storage id (`pve-storage-id`). */
  id: string;
  /** Storage plugin type; default `nfs`. All are file based (`download-url` works on them). */
  type?: "nfs" | "cephfs" | "dir";
  /** Content types; default `import` and `iso`. */
  content?: string[];
  /** Size in GiB; default 1024. */
  sizeGiB?: number;
}

/** The cluster's shared storages in the world: `proxmox.sharedStorages[<id>]`. */
export function sharedStorages(world: LabWorld): Record<string, StorageState> {
  const pve = proxmoxWorld(world) as ReturnType<typeof proxmoxWorld> & {
    sharedStorages?: Record<string, StorageState>;
  };
  return pve.sharedStorages ??= {};
}

/**
 * Adds (or reconfigures, keeping its volumes) each shared storage in the cluster's storage config and
 * puts the cluster's shared storages into every node the world has, as the same object.
 */
export function defineSharedStorages(world: LabWorld, specs: SharedStorageSpec[]): void {
  const shared = sharedStorages(world);
  for (const spec of specs) {
    const s = shared[spec.id] ??= {
      type: spec.type ?? "nfs",
      content: [],
      totalBytes: 0,
      shared: true,
      volumes: {},
    };
    s.type = spec.type ?? "nfs";
    s.content = [...(spec.content ?? ["import", "iso"])];
    s.totalBytes = (spec.sizeGiB ?? 1024) * GiB;
    s.shared = true;
    // pvesm mounts network storages under /mnt/pve/<id>; a shared dir is given as such a mount
    s.path = `/mnt/pve/${spec.id}`;
  }
  const nodes = (proxmoxWorld(world) as { nodes?: Record<string, NodeState> }).nodes ?? {};
  for (const node of Object.values(nodes)) linkSharedStorages(world, node);
}

/** Points a node's entries for the cluster's shared storages at the cluster-wide objects. */
export function linkSharedStorages(world: LabWorld, node: NodeState): void {
  for (const [id, s] of Object.entries(sharedStorages(world))) node.storages[id] = s;
}
