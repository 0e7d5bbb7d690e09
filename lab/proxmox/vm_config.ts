/**
 * Reading and writing a VM's config values as qemu-server does: drives and NICs as property
 * strings (printed with the default key first, then the others sorted), memory, CPUs, disks,
 * the root disk, and the status view the API returns for a VM.
 *
 * @example
 * ```ts
 * printDrive({ file: "local-lvm:vm-101-disk-0", iothread: "1", size: "32G" });
 * // "local-lvm:vm-101-disk-0,iothread=1,size=32G"
 * ```
 */
import type { HostRuntime } from "./context.ts";
import type { NodeState, VmState } from "./host.ts";
import { isValidDriveName } from "./formats.ts";

/** A parsed drive: `file` plus its options. */
export type Drive = Record<string, string> & { file: string };

/** `key=value,…` with the default key's value first (no key). Aliases are not resolved here. */
export function parseOptions(text: string, defaultKey: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    if (!part.trim()) continue;
    const eq = part.indexOf("=");
    if (eq < 0) out[defaultKey] = part;
    else out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export function parseDrive(text: string): Drive {
  const d = parseOptions(text, "file");
  if (d.volume !== undefined && d.file === undefined) {
    d.file = d.volume;
    delete d.volume;
  }
  return d as Drive;
}

/** `print_property_string`: the default key's bare value, then `key=value` sorted by key. */
export function printOptions(values: Record<string, string | undefined>, defaultKey?: string): string {
  const parts: string[] = [];
  if (defaultKey && values[defaultKey] !== undefined) parts.push(values[defaultKey]!);
  for (const key of Object.keys(values).sort()) {
    if (key === defaultKey || values[key] === undefined) continue;
    parts.push(`${key}=${values[key]}`);
  }
  return parts.join(",");
}

export function printDrive(drive: Record<string, string | undefined>): string {
  return printOptions(drive, "file");
}

export const NIC_MODELS = [
  "e1000",
  "e1000-82540em",
  "e1000-82544gc",
  "e1000-82545em",
  "e1000e",
  "i82551",
  "i82557b",
  "i82559er",
  "ne2k_isa",
  "ne2k_pci",
  "pcnet",
  "rtl8139",
  "virtio",
  "vmxnet3",
];

/** `parse_net`: model and MAC (from `virtio=MAC` or `model=…,macaddr=…`), bridge, tag, … */
export function parseNet(text: string): Record<string, string> {
  const raw = parseOptions(text, "model");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (NIC_MODELS.includes(k)) {
      out.model = k;
      out.macaddr = v;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** `print_net`: `<model>=<MAC>` first, then the other options sorted. */
export function printNet(net: Record<string, string>): string {
  const { model, macaddr, ...rest } = net;
  return [`${model}=${macaddr}`, printOptions(rest)].filter(Boolean).join(",");
}

/** A random locally administered MAC in Proxmox's `BC:24:11` prefix. */
export function randomMac(random: () => number): string {
  const byte = () => Math.floor(random() * 256).toString(16).toUpperCase().padStart(2, "0");
  return `BC:24:11:${byte()}:${byte()}:${byte()}`;
}

/** Memory in MiB (`memory: 4096` or `memory: current=4096`; default 512). */
export function memoryMiB(config: Record<string, string>): number {
  const text = config.memory;
  if (!text) return 512;
  return Number(parseOptions(text, "current").current ?? 512);
}

export function vcpus(config: Record<string, string>): number {
  return Number(config.cores ?? 1) * Number(config.sockets ?? 1);
}

/** The drives of a config (not CD-ROMs unless asked). */
export function drives(config: Record<string, string>, withCdrom = false): [string, Drive][] {
  return Object.entries(config)
    .filter(([k]) => isValidDriveName(k))
    .map(([k, v]) => [k, parseDrive(v)] as [string, Drive])
    .filter(([, d]) => withCdrom || d.media !== "cdrom");
}

/** The boot disk: the first disk of `boot: order=…`, else the first disk. */
export function bootDisk(config: Record<string, string>): string | undefined {
  const order = /order=([^,]+)/.exec(config.boot ?? "")?.[1]?.split(";") ?? [];
  const disks = drives(config).map(([k]) => k);
  return order.find((d) => disks.includes(d)) ?? disks[0];
}

/** Size of a volume in bytes, from the storage that holds it. */
export function volumeSize(state: NodeState, volid: string): number | undefined {
  const storage = state.storages[volid.split(":")[0]];
  return storage?.volumes[volid];
}

/** `vmstatus` for one VM: what `/qemu`, `/qemu/{vmid}/status/current` and `/cluster/resources` show. */
export function vmStatusView(host: HostRuntime, vm: VmState): Record<string, unknown> {
  const { config } = vm;
  const running = vm.status === "running";
  const root = bootDisk(config);
  const maxmem = memoryMiB(config) * 1024 * 1024;
  const uptime = running && vm.startedAt
    ? Math.max(0, Math.floor((host.clock.now() - vm.startedAt) / 1000))
    : 0;
  return {
    vmid: vm.vmid,
    status: vm.status,
    ...(config.name ? { name: config.name } : {}),
    cpus: vcpus(config),
    cpu: running ? 0.01 : 0,
    maxmem,
    mem: running ? Math.floor(maxmem / 2) : 0,
    maxdisk: root ? volumeSize(host.state, parseDrive(config[root]).file) ?? 0 : 0,
    disk: 0,
    uptime,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    ...(running ? { pid: 10000 + vm.vmid, qmpstatus: "running" } : { qmpstatus: "stopped" }),
    ...(config.tags ? { tags: config.tags } : {}),
    ...(config.lock ? { lock: config.lock } : {}),
    ...(config.template === "1" ? { template: 1 } : {}),
  };
}

/** `find_free_diskname`: the lowest `vm-<vmid>-disk-<n>` not taken on the storage. */
export function freeDiskName(state: NodeState, storage: string, vmid: number | string): string {
  const taken = new Set(Object.keys(state.storages[storage]?.volumes ?? {}));
  for (let n = 0;; n++) {
    const name = `vm-${vmid}-disk-${n}`;
    if (![...taken].some((v) => v === `${storage}:${name}` || v.startsWith(`${storage}:${name}.`))) {
      return name;
    }
  }
}
