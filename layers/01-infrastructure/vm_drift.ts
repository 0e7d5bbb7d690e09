/**
 * Drift of an existing VM against its node's config: cores and memory (changed in place; a running
 * VM needs a reboot) and the disk (grown, never shrunk). Reads PVE's config values as PVE writes them
 * (`memory: 4096` or `current=4096`, `size=32G` / `size=512M` / bytes).
 *
 * @example
 * ```ts
 * const drift = vmDrift(await api.vmConfig("pve1", 1101), { cores: 4, memoryMiB: 8192, diskGiB: 64 }, "scsi0");
 * // { changes: { cores: 4, memory: 8192 }, growDisk: true, diskBytes: 34359738368 }
 * ```
 */
const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `size=` of a drive value in bytes (0 when absent or unreadable). */
export function driveSizeBytes(drive: string | undefined): number {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(drive ?? "");
  return m ? Math.floor(Number(m[1]) * UNITS[m[2]]) : 0;
}

/** Memory in MiB from `memory: 4096` or `memory: current=4096` (PVE's default is 512). */
export function memoryMiB(value: string | number | undefined): number {
  if (value === undefined) return 512;
  const text = String(value);
  return Number(/(?:^|,)(?:current=)?(\d+)(?:,|$)/.exec(text)?.[1] ?? 512);
}

export interface VmDrift {
  /** Options to change (cores, memory). */
  changes: Record<string, number>;
  /** The disk is smaller than configured. */
  growDisk: boolean;
  /** The disk is larger than configured (never shrunk). */
  diskLarger: boolean;
  diskBytes: number;
}

export function vmDrift(
  config: Record<string, string | number>,
  want: { cores: number; memoryMiB: number; diskGiB: number },
  disk: string,
): VmDrift {
  const changes: Record<string, number> = {};
  if (Number(config.cores ?? 1) !== want.cores) changes.cores = want.cores;
  if (memoryMiB(config.memory) !== want.memoryMiB) changes.memory = want.memoryMiB;
  const diskBytes = driveSizeBytes(String(config[disk] ?? ""));
  const wantBytes = want.diskGiB * 1024 ** 3;
  return { changes, growDisk: diskBytes < wantBytes, diskLarger: diskBytes > wantBytes, diskBytes };
}
