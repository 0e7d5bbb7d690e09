/**
 * The persisted state of one emulated Proxmox host (VMs, storages, bridges, tasks), kept in the
 * lab world's `proxmox.nodes[<name>]`, plus UPIDs and sizes as PVE writes them.
 *
 * @example
 * ```ts
 * const node = newNode(clock.now());
 * makeUpid({ node: "pve1", pid: 0x10d94, pstart: 0x1ca6ea, starttime: 0x6124e1b9, type: "vzdump", id: "100", user: "root@pam" });
 * ```
 */
export interface VmState {
  vmid: number;
  status: "stopped" | "running";
  /** The VM's config file: option → value (as `qm config` prints it), incl. `lock` while locked. */
  config: Record<string, string>;
  /** Changes waiting for a reboot (PVE's `[PENDING]` section). */
  pending: Record<string, string>;
  /** Options to delete at the next reboot. */
  pendingDelete: string[];
  /** Virtual ms when the VM last started. */
  startedAt?: number;
}

export interface StorageState {
  type: "dir" | "lvmthin" | "nfs" | "cephfs";
  content: string[];
  totalBytes: number;
  /**
   * Shared across the cluster's nodes (`shared 1` in the storage config): then every node's `storages`
   * holds the same object, the one in the world's `proxmox.sharedStorages` (see `shared_storage.ts`).
   */
  shared: boolean;
  /** Directory of a file-based storage (dir, nfs, cephfs). */
  path?: string;
  /** volid → size in bytes. */
  volumes: Record<string, number>;
  /** volid → creation time (epoch seconds). */
  ctime?: Record<string, number>;
  /** volid → checksum algorithm → hex digest of its bytes (downloaded files). */
  digests?: Record<string, Record<string, string>>;
}

export interface TaskState {
  upid: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  status: "running" | "stopped";
  exitstatus?: string;
  log: string[];
  /** Virtual ms the task ran (set when it stops): benchmarks derive their lower bound from it. */
  durationMs?: number;
}

export interface NodeState {
  cpus: number;
  memoryBytes: number;
  /** Virtual epoch ms the host booted (uptime, process start ticks). */
  bootedAt: number;
  vms: Record<string, VmState>;
  storages: Record<string, StorageState>;
  bridges: string[];
  tasks: Record<string, TaskState>;
  /** Last worker pid handed out. */
  pid: number;
}

export const GiB = 1024 ** 3;

/** A new host: 16 cores, 64 GiB, `local` (dir: iso, vztmpl, import, backup) and `local-lvm` (images, 2 TiB thin pool). */
export function newNode(now: number): NodeState {
  return {
    cpus: 16,
    memoryBytes: 64 * GiB,
    bootedAt: now,
    vms: {},
    storages: {
      local: {
        type: "dir",
        content: ["iso", "vztmpl", "import", "backup"],
        totalBytes: 100 * GiB,
        shared: false,
        path: "/var/lib/vz",
        volumes: {},
      },
      "local-lvm": {
        type: "lvmthin",
        content: ["images", "rootdir"],
        totalBytes: 2048 * GiB,
        shared: false,
        volumes: {},
      },
    },
    bridges: ["vmbr0"],
    tasks: {},
    pid: 4000,
  };
}

/** Brings state written by an older lab up to the current shape; tasks cut short by a restart end as PVE's do. */
export function reviveNode(node: NodeState, now: number): NodeState {
  node.bootedAt ??= now;
  for (const vm of Object.values(node.vms)) {
    vm.pending ??= {};
    vm.pendingDelete ??= [];
  }
  for (const task of Object.values(node.tasks)) {
    if (task.status !== "running") continue;
    // the worker is gone and its log has no final line: PVE reports "unexpected status"
    task.status = "stopped";
    task.exitstatus = "unexpected status";
  }
  return node;
}

export interface UpidFields {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");

/** `UPID:<node>:<pid %08X>:<pstart %08X>:<starttime %08X>:<type>:<id>:<user>:` (PVE::UPID::encode). */
export function makeUpid(f: UpidFields): string {
  return `UPID:${f.node}:${hex(f.pid)}:${hex(f.pstart)}:${hex(f.starttime)}:${f.type}:${f.id}:${f.user}:`;
}

/** PVE::UPID::decode; undefined when the text is not a UPID. */
export function parseUpid(upid: string): UpidFields | undefined {
  const m =
    /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/
      .exec(upid);
  if (!m) return undefined;
  return {
    node: m[1],
    pid: parseInt(m[3], 16),
    pstart: parseInt(m[4], 16),
    starttime: parseInt(m[5], 16),
    type: m[6],
    id: m[7],
    user: m[8],
  };
}

/** `PVE::Tools::encode_text`: a worker id with ':' and '%' (and control/non-ASCII) escaped. */
export function encodeText(text: string): string {
  return Array.from(
    new TextEncoder().encode(text),
    (b) =>
      b >= 0x20 && b <= 0x7e && b !== 0x25 && b !== 0x3a
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
  ).join("");
}

/** PVE's size strings ("32G", "+512M", "4096") → bytes, binary units. */
export function sizeBytes(text: string): number {
  const m = /^\+?(\d+(?:\.\d+)?)([KMGT])?$/.exec(text);
  if (!m) throw new Error(`unable to parse size '${text}'`);
  return Math.floor(Number(m[1]) * ({ K: 1024, M: 1024 ** 2, G: GiB, T: 1024 * GiB }[m[2] ?? ""] ?? 1));
}

/** `PVE::JSONSchema::format_size`: the largest unit that divides the size exactly. */
export function formatSize(bytes: number): string {
  const size = Math.floor(bytes);
  const kb = Math.floor(size / 1024);
  if (kb * 1024 !== size) return String(size);
  const mb = Math.floor(kb / 1024);
  if (mb * 1024 !== kb) return `${kb}K`;
  const gb = Math.floor(mb / 1024);
  if (gb * 1024 !== mb) return `${mb}M`;
  const tb = Math.floor(gb / 1024);
  if (tb * 1024 !== gb) return `${gb}G`;
  return `${tb}T`;
}

export function storageUsed(s: StorageState): number {
  return Object.values(s.volumes).reduce((a, b) => a + b, 0);
}
