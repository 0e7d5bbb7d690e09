/**
 * The checks qemu-server runs on VM options before creating or changing a VM
 * (`API2/Qemu.pm`): which privilege each option needs, storage and volume access for disks,
 * SDN.Use on bridges and VLANs, the `import-from` syntax, and random MACs for new NICs.
 */
import type { ApiRequest } from "./context.ts";
import { die, paramException } from "./exception.ts";
import { isValidDriveName } from "./formats.ts";
import { classifyVolume } from "./storage.ts";
import { parseDrive, parseNet, printDrive, printNet, randomMac } from "./vm_config.ts";

/** `NEW_DISK_RE`: `[STORAGE:]SIZE` (GiB) for a disk to allocate. */
export const NEW_DISK_RE = /^(([^/:\s]+):)?(\d+(\.\d+)?)$/;

const CPU_OPTIONS = ["cores", "cpu", "runningcpu", "cpulimit", "cpuunits", "numa", "smp", "sockets", "vcpus"];
const MEMORY_OPTIONS = ["memory", "balloon", "shares", "allow-ksm"];
const HWTYPE_OPTIONS = [
  "acpi",
  "hotplug",
  "kvm",
  "machine",
  "runningmachine",
  "scsihw",
  "smbios1",
  "tablet",
  "vga",
  "watchdog",
  "audio0",
  "rng0",
];
const GENERAL_OPTIONS = [
  "agent",
  "autostart",
  "bios",
  "description",
  "keyboard",
  "localtime",
  "migrate_downtime",
  "migrate_speed",
  "name",
  "onboot",
  "ostype",
  "protection",
  "reboot",
  "startdate",
  "startup",
  "tdf",
  "template",
];
const DISK_OPTIONS = ["boot", "bootdisk", "vmstatestorage"];
const CLOUDINIT_OPTIONS = [
  "cicustom",
  "cipassword",
  "citype",
  "ciuser",
  "ciupgrade",
  "nameserver",
  "searchdomain",
  "sshkeys",
];

/** `$check_vm_modify_config_perm`: the privilege each option needs on /vms/<vmid>. */
export function checkVmModifyConfigPerm(req: ApiRequest, vmid: string, keys: string[]): void {
  if (req.authid === "root@pam") return;
  for (const opt of keys) {
    if (isValidDriveName(opt) || opt === "cdrom" || /^(?:unused|serial|usb|hostpci|virtiofs)\d+$/.test(opt)) {
      continue;
    }
    if (opt === "tags") continue;
    if (CPU_OPTIONS.includes(opt) || /^numa\d+$/.test(opt)) req.perms.checkVm(vmid, ["VM.Config.CPU"]);
    else if (MEMORY_OPTIONS.includes(opt)) req.perms.checkVm(vmid, ["VM.Config.Memory"]);
    else if (HWTYPE_OPTIONS.includes(opt)) req.perms.checkVm(vmid, ["VM.Config.HWType"]);
    else if (GENERAL_OPTIONS.includes(opt)) {
      req.perms.checkVm(vmid, ["VM.Config.Options"]);
      if (opt === "startup") req.perms.check("/", ["Sys.Modify"]);
    } else if (opt === "freeze") req.perms.checkVm(vmid, ["VM.PowerMgmt"]);
    else if (DISK_OPTIONS.includes(opt)) req.perms.checkVm(vmid, ["VM.Config.Disk"]);
    else if (/^net\d+$/.test(opt)) req.perms.checkVm(vmid, ["VM.Config.Network"]);
    else if (CLOUDINIT_OPTIONS.includes(opt) || /^ipconfig\d+$/.test(opt)) {
      req.perms.checkVm(vmid, ["VM.Config.Cloudinit", "VM.Config.Network"], true);
    } else die(`only root can set '${opt}' config\n`);
  }
}

/** `$check_vm_create_serial_perm`: a socket needs VM.Config.HWType; real devices need root. */
export function checkSerialPerm(req: ApiRequest, vmid: string, params: Record<string, string>): void {
  if (req.authid === "root@pam") return;
  for (const [opt, value] of Object.entries(params)) {
    if (!/^serial\d+$/.test(opt)) continue;
    if (value === "socket") req.perms.checkVm(vmid, ["VM.Config.HWType"]);
    else die(`only root can set '${opt}' config for real devices\n`);
  }
}

/** `check_bridge_access` → `check_vnet_access`: SDN.Use on the bridge, or on each VLAN used. */
export function checkBridgeAccess(req: ApiRequest, params: Record<string, string>): void {
  if (req.authid === "root@pam") return;
  for (const opt of Object.keys(params).sort()) {
    if (!/^net\d+$/.test(opt)) continue;
    const { bridge, tag, trunks } = parseNet(params[opt]);
    if (bridge === undefined) continue;
    const zone = `/sdn/zones/localnetwork/${bridge}`;
    if (tag) req.perms.check(`${zone}/${tag}`, ["SDN.Use"]);
    for (const t of trunkTags(trunks)) req.perms.check(`${zone}/${t}`, ["SDN.Use"]);
    if (!tag && !trunks) req.perms.check(zone, ["SDN.Use"]);
  }
}

function trunkTags(trunks: string | undefined): string[] {
  const tags = new Set<string>();
  for (const range of (trunks ?? "").split(";").filter(Boolean)) {
    const [a, b] = range.split("-").map(Number);
    if (b && b > a) { for (let t = a; t <= b; t++) tags.add(String(t)); }
    else tags.add(String(a));
  }
  return [...tags].sort();
}

/** `check_volume_access`: may the caller use an existing volume (or import from it)? */
export function checkVolumeAccess(req: ApiRequest, vmid: string | undefined, volid: string): void {
  if (volid.startsWith("/")) {
    if (req.authid !== "root@pam") die("Only root can pass arbitrary filesystem paths.");
    return;
  }
  const storage = volid.split(":")[0];
  if (req.perms.check(`/storage/${storage}`, ["Datastore.Allocate"], true)) return;
  const { vtype, owner } = classifyVolume(volid);
  if (vtype === "iso" || vtype === "vztmpl" || vtype === "import") {
    req.perms.checkAny(`/storage/${storage}`, ["Datastore.AllocateSpace", "Datastore.Audit"]);
  } else if (owner !== undefined && vmid !== undefined && String(owner) === String(vmid)) {
    // the VM's own volume
  } else if (vtype === "images" && owner !== undefined) {
    req.perms.check(`/storage/${storage}`, ["Datastore.Audit"]);
    req.perms.check(`/vms/${owner}`, ["VM.Config.Disk"]);
  } else {
    die(`missing privileges to access ${volid}\n`);
  }
}

/** `$check_storage_access`: new disks need Datastore.AllocateSpace on a storage that holds images. */
export function checkStorageAccess(req: ApiRequest, vmid: string, settings: Record<string, string>): void {
  for (const ds of Object.keys(settings).sort()) {
    if (!isValidDriveName(ds)) continue;
    const drive = parseDrive(settings[ds]);
    const cdrom = drive.media === "cdrom";
    const volid = drive.file;
    const [storeid, volname] = volid.includes(":")
      ? [volid.split(":")[0], volid.slice(volid.indexOf(":") + 1)]
      : [];
    const newDisk = NEW_DISK_RE.exec(volid);
    if (!volid || volid === "none" || volid === "cloudinit" || volname === "cloudinit") {
      // nothing to check
    } else if (cdrom && volid === "cdrom") {
      req.perms.check("/", ["Sys.Console"]);
    } else if (!cdrom && newDisk) {
      const id = newDisk[2];
      if (!id) die("no storage ID specified (and no default storage)\n");
      req.perms.check(`/storage/${id}`, ["Datastore.AllocateSpace"]);
      const s = req.host.state.storages[id];
      if (!s) die(`storage '${id}' does not exist\n`);
      if (!s.content.includes("images")) {
        throw paramException({ storage: `storage '${id}' does not support vm images` });
      }
    } else {
      checkVolumeAccess(req, vmid, volid);
      if (storeid) {
        const { vtype } = classifyVolume(volid);
        if (vtype !== "images" && vtype !== "iso") {
          throw paramException({ [ds]: "content type needs to be 'images' or 'iso'" });
        }
      }
    }
    const source = drive["import-from"];
    if (source) {
      if (source.includes(":") && !source.startsWith("/")) {
        const { vtype, owner } = classifyVolume(source);
        if (!req.host.state.storages[source.split(":")[0]]) {
          die(`storage '${source.split(":")[0]}' does not exist\n`);
        }
        if (vtype !== "images" && vtype !== "import") {
          throw paramException({
            [ds]: `${source} has wrong type '${vtype}' - needs to be 'images' or 'import'`,
          });
        }
        if (owner !== undefined) req.perms.check(`/vms/${owner}`, ["VM.Clone"]);
        else checkVolumeAccess(req, vmid, source);
      } else {
        checkVolumeAccess(req, vmid, source);
      }
    }
  }
}

/** `$check_drive_param`: `import-from` needs `<storage>:0`; ISOs need `media=cdrom`; values are normalized. */
export function checkDriveParam(params: Record<string, string>): void {
  for (const opt of Object.keys(params).sort()) {
    if (!isValidDriveName(opt)) continue;
    const drive = parseDrive(params[opt]);
    if (drive["import-from"]) {
      const m = NEW_DISK_RE.exec(drive.file);
      if (!m || Number(m[3]) !== 0) {
        throw paramException({
          [opt]: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
        });
      }
    }
    if (
      drive.file.includes(":") && !NEW_DISK_RE.test(drive.file) && drive.file.split(":")[1] !== "cloudinit"
    ) {
      const { vtype } = classifyVolume(drive.file);
      if (vtype === "iso" && drive.media !== "cdrom") {
        throw paramException({ [opt]: "explicit 'media=cdrom' is required for iso images" });
      }
    }
    params[opt] = printDrive(drive);
  }
}

/** `add_random_macs`: every NIC gets a MAC (a random one when none is given) and PVE's spelling. */
export function addRandomMacs(params: Record<string, string>, random: () => number): void {
  for (const opt of Object.keys(params)) {
    if (!/^net\d+$/.test(opt)) continue;
    const net = parseNet(params[opt]);
    net.macaddr ??= randomMac(random);
    params[opt] = printNet(net);
  }
}

/** `assert_tag_permissions` (with the default `user-tag-access: free`): VM.Config.Options on the VM. */
export function assertTagPermissions(req: ApiRequest, vmid: string, oldTags: string, newTags: string): void {
  if (oldTags === newTags) return;
  req.perms.checkVm(vmid, ["VM.Config.Options"]);
}

/** `get_unique_tags`: lower-cased, sorted, de-duplicated, joined with ';'. */
export function uniqueTags(tags: string): string {
  const list = tags.replace(/[,;]/g, " ").split(/\s+/).filter(Boolean).map((t) => t.toLowerCase());
  return [...new Set(list)].sort().join(";");
}
