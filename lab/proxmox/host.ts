/**
 * The state of one emulated Proxmox host: VMs, storages, bridges and tasks, kept in the lab
 * world's `proxmox.nodes[<name>]` section, and the operations the API performs on it.
 */
import type { Clock } from "../../lib/clock/clock.ts";

export interface VmState {
  vmid: number;
  status: "stopped" | "running";
  config: Record<string, string>;
  /** Set while a task holds the VM's lock. */
  lock?: string;
}

export interface StorageState {
  type: "dir" | "lvmthin" | "nfs";
  content: string[];
  totalBytes: number;
  shared: boolean;
  /** volid → size in bytes. */
  volumes: Record<string, number>;
}

export interface TaskState {
  upid: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  status: "running" | "stopped";
  exitstatus?: string;
  log: string[];
  /** Virtual ms the task ran (set when it stops): benchmarks derive their lower bound from it. */
  durationMs?: number;
}

export interface NodeState {
  cpus: number;
  memoryBytes: number;
  vms: Record<string, VmState>;
  storages: Record<string, StorageState>;
  bridges: string[];
  tasks: Record<string, TaskState>;
  pid: number;
}

export const GiB = 1024 ** 3;

/** A new host: 16 cores, 64 GiB, storages `local` (dir: iso, vztmpl, import, backup) and `local-lvm` (images, 2 TiB thin pool). */
export function newNode(): NodeState {
  return {
    cpus: 16,
    memoryBytes: 64 * GiB,
    vms: {},
    storages: {
      local: {
        type: "dir",
        content: ["iso", "vztmpl", "import", "backup"],
        totalBytes: 100 * GiB,
        shared: false,
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

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");

/** `UPID:<node>:<pid 8 hex>:<pstart 8 hex>:<starttime 8 hex>:<type>:<id>:<user>:` */
export function makeUpid(
  node: string,
  pid: number,
  pstart: number,
  starttime: number,
  type: string,
  id: string,
  user: string,
) {
  return `UPID:${node}:${hex(pid, 8)}:${hex(pstart, 8)}:${hex(starttime, 8)}:${type}:${id}:${user}:`;
}

export function parseUpid(
  upid: string,
): { node: string; type: string; id: string; user: string } | undefined {
  const m =
    /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/
      .exec(upid);
  return m ? { node: m[1], type: m[6], id: m[7], user: m[8] } : undefined;
}

export function storageUsed(s: StorageState): number {
  return Object.values(s.volumes).reduce((a, b) => a + b, 0);
}

/** "32G" / "512M" / "+10G" → bytes (PVE's disk-size units, binary). */
export function sizeBytes(text: string): number {
  const m = /^\+?(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text);
  if (!m) throw new Error(`unable to parse size '${text}'`);
  return Math.round(Number(m[1]) * ({ "": 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 * GiB }[m[2]] ?? 1));
}

/** Runs `work` as a task: it holds a UPID, logs lines, and ends OK or with the error's message. */
export function startTask(options: {
  node: string;
  state: NodeState;
  clock: Clock;
  type: string;
  id: string;
  user: string;
  save: () => Promise<void>;
  work: (log: (line: string) => void) => Promise<void>;
}): string {
  const { state } = options;
  if (/[:\s]/.test(options.id)) throw new Error(`task id '${options.id}' cannot appear in a UPID`);
  state.pid += 1;
  const starttime = Math.floor(options.clock.now() / 1000);
  const upid = makeUpid(
    options.node,
    state.pid,
    state.pid * 7,
    starttime,
    options.type,
    options.id,
    options.user,
  );
  const task: TaskState = {
    upid,
    type: options.type,
    id: options.id,
    user: options.user,
    starttime,
    status: "running",
    log: [],
  };
  state.tasks[upid] = task;
  void options.save();
  const t0 = options.clock.now();
  options.work((line) => task.log.push(line)).then(
    () => {
      task.status = "stopped";
      task.exitstatus = "OK";
      task.log.push("TASK OK");
    },
    (err) => {
      task.status = "stopped";
      task.exitstatus = (err as Error).message.split("\n")[0];
      task.log.push(`TASK ERROR: ${task.exitstatus}`);
    },
  ).finally(() => {
    task.durationMs = options.clock.now() - t0;
    void options.save();
  });
  return upid;
}
