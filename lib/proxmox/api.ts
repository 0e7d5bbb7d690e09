/**
 * Typed helpers for every Proxmox endpoint strata uses, over {@link ProxmoxClient}: the answer
 * shapes of the API schema (apidata.js), path parameters encoded, tasks optionally awaited.
 *
 * @example
 * ```ts
 * const api = new ProxmoxApi(client);
 * const vms = await api.vms("pve1");
 * await api.startVm("pve1", 1101); // waits for the qmstart task
 * ```
 */
import type { Params, ProxmoxClient, TaskStatus } from "./client.ts";

const e = encodeURIComponent;

export interface VersionInfo {
  version: string;
  release: string;
  repoid: string;
}

export interface NodeInfo {
  node: string;
  status: "unknown" | "online" | "offline";
  maxcpu?: number;
  maxmem?: number;
  mem?: number;
  cpu?: number;
  uptime?: number;
  ssl_fingerprint?: string;
}

export interface NodeStatus {
  cpuinfo: { cpus: number; cores?: number; sockets?: number; model?: string };
  memory: { total: number; used: number; free: number; available?: number };
  uptime?: number;
}

export interface ClusterResource {
  id: string;
  type: "qemu" | "lxc" | "node" | "storage" | "sdn" | "pool" | "network" | string;
  node?: string;
  vmid?: number;
  name?: string;
  status?: string;
  tags?: string;
  storage?: string;
  disk?: number;
  maxdisk?: number;
  maxmem?: number;
  maxcpu?: number;
}

export interface StorageInfo {
  storage: string;
  type: string;
  content: string;
  shared?: number;
  active?: number;
  enabled?: number;
  total?: number;
  used?: number;
  avail?: number;
}

export interface VolumeInfo {
  volid: string;
  content?: string;
  format: string;
  size: number;
  vmid?: number;
  ctime?: number;
}

export interface NetworkInterface {
  iface: string;
  type: string;
  active?: number;
}

export interface VmSummary {
  vmid: number;
  status: "stopped" | "running";
  name?: string;
  tags?: string;
  lock?: string;
  maxmem?: number;
  maxdisk?: number;
  cpus?: number;
  uptime?: number;
}

/** A VM config: option → value (integers and booleans as numbers), plus `digest`. */
export type VmConfig = Record<string, string | number> & { digest: string };

export interface TaskLogLine {
  n: number;
  t: string;
}

export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Tags of a VM (`tags: "a;b"`); PVE stores them lower-cased, sorted and de-duplicated. */
export function vmTags(vm: { tags?: string }): string[] {
  return (vm.tags ?? "").split(/[;,\s]+/).filter(Boolean);
}

export class ProxmoxApi {
  constructor(readonly client: ProxmoxClient) {}

  version(): Promise<VersionInfo> {
    return this.client.get("/version");
  }
  nodes(): Promise<NodeInfo[]> {
    return this.client.get("/nodes");
  }
  nodeStatus(node: string): Promise<NodeStatus> {
    return this.client.get(`/nodes/${e(node)}/status`);
  }
  clusterResources(type?: "vm" | "storage" | "node" | "sdn"): Promise<ClusterResource[]> {
    return this.client.get("/cluster/resources", { type });
  }
  /** The next free VMID, or `vmid` itself when it is free (PVE answers 400 when it is taken). */
  nextId(vmid?: number): Promise<number | string> {
    return this.client.get("/cluster/nextid", { vmid });
  }
  /** Effective privileges by ACL path (`{"/": {"VM.Audit": 1, …}}`), of the caller or of `userid`. */
  permissions(
    options: { path?: string; userid?: string } = {},
  ): Promise<Record<string, Record<string, number>>> {
    return this.client.get("/access/permissions", options);
  }
  storages(
    node: string,
    options: { content?: string; storage?: string; enabled?: boolean } = {},
  ): Promise<StorageInfo[]> {
    return this.client.get(`/nodes/${e(node)}/storage`, options);
  }
  storageStatus(node: string, storage: string): Promise<Omit<StorageInfo, "storage">> {
    return this.client.get(`/nodes/${e(node)}/storage/${e(storage)}/status`);
  }
  storageContent(
    node: string,
    storage: string,
    options: { content?: string; vmid?: number } = {},
  ): Promise<VolumeInfo[]> {
    return this.client.get(`/nodes/${e(node)}/storage/${e(storage)}/content`, options);
  }
  /** Deletes a volume (an `imgdel` task) and waits for it. */
  deleteVolume(node: string, storage: string, volid: string, wait: WaitOptions = {}): Promise<TaskStatus> {
    return this.client.runTask(
      node,
      "DELETE",
      `/nodes/${e(node)}/storage/${e(storage)}/content/${e(volid)}`,
      {},
      wait,
    );
  }
  /** Downloads a URL onto a storage (`download` task: content `import`, `iso` or `vztmpl`) and waits. */
  downloadUrl(
    node: string,
    storage: string,
    params: {
      url: string;
      content: "import" | "iso" | "vztmpl";
      filename: string;
      checksum?: string;
      "checksum-algorithm"?: "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512";
      "verify-certificates"?: boolean;
    },
    wait: WaitOptions = {},
  ): Promise<TaskStatus> {
    return this.client.runTask(
      node,
      "POST",
      `/nodes/${e(node)}/storage/${e(storage)}/download-url`,
      params,
      wait,
    );
  }
  networks(node: string, type?: string): Promise<NetworkInterface[]> {
    return this.client.get(`/nodes/${e(node)}/network`, { type });
  }
  vms(node: string): Promise<VmSummary[]> {
    return this.client.get(`/nodes/${e(node)}/qemu`);
  }
  /** Creates a VM (`qmcreate` task) and waits for it. */
  createVm(node: string, params: Params & { vmid: number }, wait: WaitOptions = {}): Promise<TaskStatus> {
    return this.client.runTask(node, "POST", `/nodes/${e(node)}/qemu`, params, wait);
  }
  /** The config with pending changes applied (`current: true`: as it runs now). */
  vmConfig(node: string, vmid: number, options: { current?: boolean } = {}): Promise<VmConfig> {
    return this.client.get(`/nodes/${e(node)}/qemu/${vmid}/config`, options);
  }
  /** Changes options (`qmconfig` task) and waits; `digest` guards against concurrent edits. */
  updateVmConfig(node: string, vmid: number, params: Params, wait: WaitOptions = {}): Promise<TaskStatus> {
    return this.client.runTask(node, "POST", `/nodes/${e(node)}/qemu/${vmid}/config`, params, wait);
  }
  /** Changes options synchronously (PUT; no task). */
  updateVmConfigSync(node: string, vmid: number, params: Params): Promise<null> {
    return this.client.put(`/nodes/${e(node)}/qemu/${vmid}/config`, params);
  }
  /** Grows a disk (`resize` task: "40G" absolute or "+8G") and waits. PVE never shrinks. */
  resizeDisk(
    node: string,
    vmid: number,
    disk: string,
    size: string,
    wait: WaitOptions = {},
  ): Promise<TaskStatus> {
    return this.client.runTask(node, "PUT", `/nodes/${e(node)}/qemu/${vmid}/resize`, { disk, size }, wait);
  }
  vmStatus(node: string, vmid: number): Promise<VmSummary & { qmpstatus?: string; agent?: number }> {
    return this.client.get(`/nodes/${e(node)}/qemu/${vmid}/status/current`);
  }
  startVm(node: string, vmid: number, wait: WaitOptions = {}): Promise<TaskStatus> {
    return this.client.runTask(node, "POST", `/nodes/${e(node)}/qemu/${vmid}/status/start`, {}, wait);
  }
  stopVm(node: string, vmid: number, wait: WaitOptions = {}): Promise<TaskStatus> {
    return this.client.runTask(node, "POST", `/nodes/${e(node)}/qemu/${vmid}/status/stop`, {}, wait);
  }
  shutdownVm(
    node: string,
    vmid: number,
    options: { timeout?: number; forceStop?: boolean } & WaitOptions = {},
  ): Promise<TaskStatus> {
    const { signal, timeoutMs, ...params } = options;
    return this.client.runTask(node, "POST", `/nodes/${e(node)}/qemu/${vmid}/status/shutdown`, params, {
      signal,
      timeoutMs,
    });
  }
  /** Destroys a stopped VM (`qmdestroy` task) and waits; `purge` and `destroy-unreferenced-disks` by default. */
  destroyVm(
    node: string,
    vmid: number,
    options: { purge?: boolean; destroyUnreferencedDisks?: boolean } & WaitOptions = {},
  ): Promise<TaskStatus> {
    const { purge = true, destroyUnreferencedDisks = true, ...wait } = options;
    return this.client.runTask(node, "DELETE", `/nodes/${e(node)}/qemu/${vmid}`, {
      purge,
      "destroy-unreferenced-disks": destroyUnreferencedDisks,
    }, wait);
  }
  taskStatus(node: string, upid: string): Promise<TaskStatus> {
    return this.client.get(`/nodes/${e(node)}/tasks/${e(upid)}/status`);
  }
  taskLog(
    node: string,
    upid: string,
    options: { start?: number; limit?: number } = {},
  ): Promise<TaskLogLine[]> {
    return this.client.get(`/nodes/${e(node)}/tasks/${e(upid)}/log`, options);
  }
}
