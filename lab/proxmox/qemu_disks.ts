/**
 * Disk allocation as qemu-server's `create_disks` does it: `STORAGE:SIZE` allocates a new volume,
 * `STORAGE:0,import-from=SOURCE` imports a copy of an image (sized like it), `STORAGE:cloudinit`
 * makes the cloud-init drive; the drive is then printed with its volume and size.
 */
import type { HostRuntime } from "./context.ts";
import { die } from "./exception.ts";
import { formatSize, GiB, storageUsed } from "./host.ts";
import { isValidDriveName } from "./formats.ts";
import { NEW_DISK_RE } from "./qemu_checks.ts";
import { freeDiskName, parseDrive, printDrive } from "./vm_config.ts";

/** Cloud-init drives are created with 4 MiB. */
const CLOUDINIT_DISK_SIZE = 4 * 1024 * 1024;

function allocate(host: HostRuntime, storage: string, name: string, bytes: number): string {
  const s = host.state.storages[storage];
  if (!s) die(`storage '${storage}' does not exist\n`);
  // LVM-thin pools may be overcommitted; file-based storages run out of space
  if (s.type !== "lvmthin" && storageUsed(s) + bytes > s.totalBytes) {
    die(
      `unable to create image: qemu-img: ${s.path}/images/${name}: Could not preallocate data: No space left on device\n`,
    );
  }
  const volid = `${storage}:${name}`;
  s.volumes[volid] = bytes;
  (s.ctime ??= {})[volid] = Math.floor(host.clock.now() / 1000);
  return volid;
}

/** Frees volumes (a failed create cleans up what it allocated). */
export function freeVolumes(host: HostRuntime, volids: string[]): void {
  for (const volid of volids) delete host.state.storages[volid.split(":")[0]]?.volumes[volid];
}

/**
 * Creates the disks among `settings` (drive options only) for VM `vmid`; returns the printed
 * drive values and the volumes created. `existing` is the VM's config (a second cloud-init drive is refused).
 */
export function createDisks(
  host: HostRuntime,
  vmid: string,
  settings: Record<string, string>,
  log: (line: string) => void,
  existing: Record<string, string> = {},
): { values: Record<string, string>; created: string[] } {
  const values: Record<string, string> = {};
  const created: string[] = [];
  try {
    for (const ds of Object.keys(settings).sort()) {
      if (!isValidDriveName(ds)) continue;
      const disk: Record<string, string | undefined> = parseDrive(settings[ds]);
      const volid = disk.file!;
      const [storeid, volname] = volid.includes(":")
        ? [volid.split(":")[0], volid.slice(volid.indexOf(":") + 1)]
        : [];
      const newDisk = NEW_DISK_RE.exec(volid);
      if (volid === "none" || volid === "cdrom") {
        delete disk.size;
        values[ds] = printDrive(disk);
      } else if (volname === "cloudinit") {
        const attached = Object.entries({ ...existing, ...values }).find(([k, v]) =>
          k !== ds && isValidDriveName(k) && /(^|:)vm-\d+-cloudinit/.test(parseDrive(v).file)
        );
        if (attached) die(`${ds} - cloud-init drive is already attached at '${attached[0]}'\n`);
        const s = host.state.storages[storeid!];
        const name = `vm-${vmid}-cloudinit${s?.path ? `.${disk.format ?? "qcow2"}` : ""}`;
        disk.file = allocate(host, storeid!, name, CLOUDINIT_DISK_SIZE);
        created.push(disk.file);
        disk.media = "cdrom";
        delete disk.format;
        values[ds] = printDrive(disk);
        log(`${ds}: successfully created disk '${values[ds]}'`);
      } else if (newDisk) {
        const storage = newDisk[2];
        let bytes = Math.floor(Number(newDisk[3]) * GiB);
        const source = disk["import-from"];
        delete disk["import-from"];
        if (source) {
          const src = host.state.storages[source.split(":")[0]]?.volumes[source];
          if (src === undefined) {
            die(`cannot import from '${source}' - volume '${source}' does not exist\n`);
          }
          bytes = src;
          log(`importing disk '${source}' to VM ${vmid} ...`);
        }
        const name = `${freeDiskName(host.state, storage, vmid)}${
          host.state.storages[storage]?.path ? ".raw" : ""
        }`;
        disk.file = allocate(host, storage, name, bytes);
        created.push(disk.file);
        if (source) log(`transferred ${formatSize(bytes)} of ${formatSize(bytes)} (100.00%)`);
        disk.size = formatSize(bytes);
        delete disk.format;
        values[ds] = printDrive(disk);
        log(`${ds}: successfully created disk '${values[ds]}'`);
      } else {
        values[ds] = printDrive(disk);
      }
    }
  } catch (err) {
    freeVolumes(host, created);
    throw err;
  }
  return { values, created };
}
