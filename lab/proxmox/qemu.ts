/**
 * Emulated VM endpoints (qemu-server `API2/Qemu.pm`): list, create (disks allocated and imported,
 * cloud-init drive, random MACs, default boot order, locks), config read (pending changes applied
 * unless `current`) and change (async task or sync; pending until reboot while running), resize,
 * status, start (the VM "boots": the lab hook learns its IP), stop, shutdown and destroy.
 */
import { createHash } from "node:crypto";
import { API_MODEL } from "./api_model.ts";
import type { ApiHandler, ApiRequest, HostRuntime } from "./context.ts";
import { die, paramException, PerlDie, perlErrorText, permissionException } from "./exception.ts";
import { formatSize, sizeBytes, type VmState } from "./host.ts";
import { isValidDriveName } from "./formats.ts";
import {
  addRandomMacs,
  assertTagPermissions,
  checkBridgeAccess,
  checkDriveParam,
  checkSerialPerm,
  checkStorageAccess,
  checkVmModifyConfigPerm,
  uniqueTags,
} from "./qemu_checks.ts";
import { createDisks, freeVolumes } from "./qemu_disks.ts";
import { classifyVolume } from "./storage.ts";
import type { TaskContext } from "./tasks.ts";
import { drives, parseDrive, parseNet, printDrive, vmStatusView } from "./vm_config.ts";
import { expandParams } from "./validate.ts";

const CONFIG_TYPES = expandParams(API_MODEL["POST /nodes/{node}/qemu"]);

/** Options a running VM takes at once (`$fast_plug_option` and cloud-init); NICs and SCSI/VirtIO disks hotplug. */
const HOTPLUG =
  /^(description|hookscript|lock|migrate_downtime|migrate_speed|name|onboot|protection|shares|startup|tags|vmstatestorage|cicustom|cipassword|citype|ciuser|ciupgrade|nameserver|searchdomain|sshkeys|ipconfig\d+|net\d+|scsi\d+|virtio\d+|balloon)$/;

function configPath(host: HostRuntime, vmid: string) {
  return `nodes/${host.name}/qemu-server/${vmid}.conf`;
}

/** `load_config`. */
export function loadConfig(host: HostRuntime, vmid: string): VmState {
  const vm = host.state.vms[vmid];
  if (!vm) die(`Configuration file '${configPath(host, vmid)}' does not exist\n`);
  return vm;
}

/** `check_running` (dies if the VM does not exist on this node). */
function checkRunning(host: HostRuntime, vmid: string): boolean {
  const vm = host.state.vms[vmid];
  if (!vm) die(`unable to find configuration file for VM ${vmid} on node '${host.name}'\n`);
  return vm.status === "running";
}

function checkLock(vm: VmState) {
  if (vm.config.lock) die(`VM is locked (${vm.config.lock})\n`);
}

/** SHA-1 of the config file as `write_config` would print it. */
export function configDigest(vm: VmState): string {
  const lines = Object.keys(vm.config).sort().map((k) => `${k}: ${vm.config[k]}`);
  const pending = Object.keys(vm.pending).sort().map((k) => `${k}: ${vm.pending[k]}`);
  if (pending.length || vm.pendingDelete.length) {
    lines.push("", "[PENDING]", ...pending);
    if (vm.pendingDelete.length) lines.push(`delete: ${vm.pendingDelete.join(",")}`);
  }
  return createHash("sha1").update(lines.join("\n") + "\n").digest("hex");
}

/** Config values as the API returns them: integers, numbers and booleans as JSON numbers. */
function typedConfig(config: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => {
      const type = CONFIG_TYPES[k]?.type;
      return [k, type === "integer" || type === "number" || type === "boolean" ? Number(v) : v];
    }),
  );
}

/** `vmconfig_apply_pending`: pending values and deletions become the config. */
function applyPending(host: HostRuntime, vm: VmState, only?: (key: string) => boolean) {
  for (const key of [...vm.pendingDelete]) {
    if (only && !only(key)) continue;
    const old = vm.config[key];
    if (old !== undefined && isValidDriveName(key)) unusedDisk(host, vm, old);
    delete vm.config[key];
    vm.pendingDelete = vm.pendingDelete.filter((k) => k !== key);
  }
  for (const [key, value] of Object.entries(vm.pending)) {
    if (only && !only(key)) continue;
    const old = vm.config[key];
    if (old !== undefined && isValidDriveName(key) && parseDrive(old).file !== parseDrive(value).file) {
      unusedDisk(host, vm, old);
    }
    vm.config[key] = value;
    delete vm.pending[key];
  }
}

/** A detached disk of the VM's own becomes `unusedN` (never silently deleted). */
function unusedDisk(host: HostRuntime, vm: VmState, value: string) {
  const drive = parseDrive(value);
  if (drive.media === "cdrom" || /vm-\d+-cloudinit/.test(drive.file)) {
    freeVolumes(host, [drive.file]);
    return;
  }
  if (classifyVolume(drive.file).owner !== vm.vmid) return;
  let n = 0;
  while (vm.config[`unused${n}`] !== undefined) n++;
  vm.config[`unused${n}`] = drive.file;
}

/** `get_default_bootdevices`: first disk, first CD-ROM, then the NICs. */
function defaultBootOrder(config: Record<string, string>): string {
  const order = (k: string) => {
    const m = /^(ide|sata|scsi|virtio)(\d+)$/.exec(k)!;
    return ["ide", "sata", "scsi", "virtio"].indexOf(m[1]) * 100 + Number(m[2]);
  };
  const all = drives(config, true).filter(([k]) => /^(ide|sata|scsi|virtio)\d+$/.test(k))
    .sort(([a], [b]) => order(a) - order(b));
  const disk = all.find(([, d]) => d.media !== "cdrom")?.[0];
  const cdrom = all.find(([, d]) => d.media === "cdrom")?.[0];
  const nets = Object.keys(config).filter((k) => /^net\d+$/.test(k)).sort((a, b) =>
    Number(a.slice(3)) - Number(b.slice(3))
  );
  const devices = [disk, cdrom, ...nets].filter(Boolean);
  return devices.length ? `order=${devices.join(";")}` : "";
}

/** A version-4 UUID from the lab's seeded random source. */
function uuid(host: HostRuntime): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(host.random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = (8 + Math.floor(host.random() * 4)).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `PVE::Tools::validate_ssh_public_keys` (URI-escaped, one key per line). */
function validateSshKeys(text: string) {
  for (const line of decodeURIComponent(text).split("\n")) {
    const key = line.trim();
    if (!key || key.startsWith("#")) continue;
    if (!/^(?:\S+\s+)?(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-\S+)\s+[A-Za-z0-9+/=]+/.test(key)) {
      die("SSH public key validation error\n");
    }
  }
}

async function createVm(req: ApiRequest): Promise<string> {
  const { host } = req;
  const { node: _node, vmid, start, ...param } = req.params;
  if (param.sshkeys !== undefined) validateSshKeys(param.sshkeys);
  const startAfter = start === "1";
  if (startAfter) req.perms.checkVm(vmid, ["VM.PowerMgmt"]);
  if (!req.perms.check(`/vms/${vmid}`, ["VM.Allocate"], true)) throw permissionException();
  if (Object.keys(param).length) {
    checkStorageAccess(req, vmid, param);
    checkVmModifyConfigPerm(req, vmid, Object.keys(param));
    checkSerialPerm(req, vmid, param);
    checkBridgeAccess(req, param);
    checkDriveParam(param);
    addRandomMacs(param, host.random);
  }
  const emsg = `unable to create VM ${vmid} -`;
  try {
    await host.locks.withLock(vmid, 5, () => {
      const other = host.state.vms[vmid];
      if (other) die(`VM ${vmid} already exists on node '${host.name}'\n`);
      host.state.vms[vmid] = {
        vmid: Number(vmid),
        status: "stopped",
        config: { lock: "create" },
        pending: {},
        pendingDelete: [],
      };
      host.save();
    });
  } catch (err) {
    throw new PerlDie(`${emsg} ${perlErrorText(err)}`);
  }
  return host.tasks.fork("qmcreate", vmid, req.authid, async (t) => {
    try {
      await host.locks.withLock(vmid, 1, async () => {
        try {
          await host.delay("vmCreate", host.closing);
          const { values, created } = createDisks(host, vmid, param, t.log);
          try {
            const conf: Record<string, string> = { ...param, ...values };
            if (!conf.boot) {
              const boot = defaultBootOrder(conf);
              if (boot) conf.boot = boot;
            }
            conf.smbios1 ??= `uuid=${uuid(host)}`;
            conf.vmgenid ??= uuid(host);
            conf.meta = `creation-qemu=9.2.0,ctime=${Math.floor(host.clock.now() / 1000)}`;
            if (conf.tags !== undefined) {
              assertTagPermissions(req, vmid, "", conf.tags);
              conf.tags = uniqueTags(conf.tags);
            }
            host.state.vms[vmid].config = conf;
          } catch (err) {
            freeVolumes(host, created);
            throw err;
          }
        } catch (err) {
          throw new PerlDie(`${emsg} ${perlErrorText(err)}`);
        }
      }, t.log);
    } catch (err) {
      delete host.state.vms[vmid];
      throw err;
    }
    if (startAfter) {
      t.log("Execute autostart");
      try {
        await startVm(host, vmid, t, false);
      } catch (err) {
        t.warn(perlErrorText(err).trimEnd());
      }
    }
  });
}

/** `vm_start`: apply pending changes, check bridges and disks, "boot", tell the lab. */
async function startVm(host: HostRuntime, vmid: string, t: TaskContext, skiplock: boolean): Promise<void> {
  await host.locks.withLock(vmid, 10, async () => {
    const vm = loadConfig(host, vmid);
    if (vm.config.template === "1") die("you can't start a vm if it's a template\n");
    if (!skiplock) checkLock(vm);
    if (vm.status === "running") die(`VM ${vmid} already running\n`);
    applyPending(host, vm);
    for (const [key, value] of Object.entries(vm.config)) {
      if (/^net\d+$/.test(key)) {
        const { bridge } = parseNet(value);
        if (bridge && !host.state.bridges.includes(bridge)) die(`bridge '${bridge}' does not exist\n`);
      }
    }
    for (const [, drive] of drives(vm.config, true)) {
      if (!drive.file.includes(":") || drive.file === "none") continue;
      const s = host.state.storages[drive.file.split(":")[0]];
      if (!s) die(`storage '${drive.file.split(":")[0]}' does not exist\n`);
      if (s.volumes[drive.file] === undefined) die(`volume '${drive.file}' does not exist\n`);
    }
    if (drives(vm.config, true).some(([, d]) => /vm-\d+-cloudinit/.test(d.file))) {
      t.log("generating cloud-init ISO");
    }
    await host.delay("vmPower", host.closing);
    vm.status = "running";
    vm.startedAt = host.clock.now();
    host.save();
    const ip = /(?:^|,)ip=([\d.]+)/.exec(vm.config.ipconfig0 ?? "")?.[1];
    const mac = vm.config.net0 ? parseNet(vm.config.net0).macaddr : undefined;
    host.onVmStarted?.(host.name, vm.vmid, ip, mac);
  }, t.log);
}

/** `vm_stop` / `vm_shutdown`: nothing to do for a stopped VM. */
async function stopVm(host: HostRuntime, vmid: string, skiplock: boolean): Promise<void> {
  await host.locks.withLock(vmid, 10, async () => {
    if (!checkRunning(host, vmid)) return;
    const vm = loadConfig(host, vmid);
    if (!skiplock) checkLock(vm);
    await host.delay("vmPower", host.closing);
    vm.status = "stopped";
    delete vm.startedAt;
    host.save();
    host.onVmStopped?.(host.name, vm.vmid);
  });
}

function rootOnly(req: ApiRequest, name: string) {
  if (req.params[name] === "1" && req.authid !== "root@pam") {
    throw paramException({ [name]: "Only root may use this option." });
  }
}

/** `$update_vm_api`: validate, check, then write the changes to [PENDING] and apply what can be applied. */
async function updateVm(req: ApiRequest, sync: boolean): Promise<string | null> {
  const { host } = req;
  const { node: _node, vmid, digest, skiplock, delete: deleteStr, ...param } = req.params;
  rootOnly(req, "skiplock");
  if (!deleteStr && !Object.keys(param).length) die("no options specified\n");
  if (param.sshkeys !== undefined) validateSshKeys(param.sshkeys);
  const deletes: string[] = [];
  for (let opt of (deleteStr ?? "").replace(/[,;]/g, " ").split(/\s+/).filter(Boolean)) {
    if (opt === "cdrom") opt = "ide2";
    if (param[opt] !== undefined) {
      throw paramException({ delete: `you can't use '-${opt}' and -delete ${opt}' at the same time` });
    }
    if (!CONFIG_TYPES[opt] && !/^unused\d+$/.test(opt)) {
      throw paramException({ delete: `unknown option '${opt}'` });
    }
    deletes.push(opt);
  }
  checkDriveParam(param);
  addRandomMacs(param, host.random);
  checkVmModifyConfigPerm(req, vmid, deletes);
  checkVmModifyConfigPerm(req, vmid, Object.keys(param));
  checkStorageAccess(req, vmid, param);
  checkBridgeAccess(req, param);

  const loadAndCheck = () => {
    const vm = loadConfig(host, vmid);
    if (digest && digest !== configDigest(vm)) die("checksum mismatch (file change by other user?)\n");
    if (skiplock !== "1") checkLock(vm);
    return vm;
  };
  loadAndCheck();

  const update = (log: (line: string) => void) => {
    const vm = loadAndCheck();
    const shown = Object.keys(param).sort().flatMap((
      k,
    ) => [`-${k}`, k === "cipassword" ? "<hidden>" : param[k]]);
    log(`update VM ${vmid}: ${[...shown, ...(deleteStr ? ["-delete", deleteStr] : [])].join(" ")}`);
    for (const opt of deletes) {
      const value = vm.config[opt] ?? vm.pending[opt];
      if (value === undefined) {
        log(`cannot delete '${opt}' - not set in current configuration!`);
        continue;
      }
      delete vm.pending[opt];
      if (opt === "tags") {
        assertTagPermissions(req, vmid, value, "");
        delete vm.config.tags;
      } else if (!vm.pendingDelete.includes(opt)) {
        if (isValidDriveName(opt)) req.perms.checkVm(vmid, ["VM.Config.Disk"]);
        vm.pendingDelete.push(opt);
      }
    }
    for (const [opt, value] of Object.entries(param)) {
      if (isValidDriveName(opt)) {
        req.perms.checkVm(vmid, [
          /cloudinit/.test(value)
            ? "VM.Config.Cloudinit"
            : parseDrive(value).media === "cdrom"
            ? "VM.Config.CDROM"
            : "VM.Config.Disk",
        ]);
        const { values } = createDisks(host, vmid, { [opt]: value }, log, { ...vm.config, ...vm.pending });
        vm.pending[opt] = values[opt];
      } else if (opt === "tags") {
        assertTagPermissions(req, vmid, vm.config.tags ?? "", value);
        vm.pending.tags = uniqueTags(value);
      } else if (opt === "boot") {
        for (const dev of (/order=([^,]+)/.exec(value)?.[1] ?? "").split(";").filter(Boolean)) {
          const exists = vm.config[dev] ?? vm.pending[dev] ?? param[dev];
          if (!exists || deletes.includes(dev)) die(`invalid bootorder: device '${dev}' does not exist'\n`);
        }
        vm.pending.boot = value;
      } else {
        vm.pending[opt] = value;
      }
      vm.pendingDelete = vm.pendingDelete.filter((k) => k !== opt);
    }
    // drop pending values equal to the current ones
    for (const [k, v] of Object.entries(vm.pending)) if (vm.config[k] === v) delete vm.pending[k];
    if (vm.status === "running") applyPending(host, vm, (key) => HOTPLUG.test(key));
    else applyPending(host, vm);
    host.save();
  };

  if (sync) {
    await host.locks.withLock(vmid, 10, () => update(() => {}));
    return null;
  }
  return host.tasks.fork("qmconfig", vmid, req.authid, async (t) => {
    await host.locks.withLock(vmid, 10, async () => {
      await host.delay("apiCall", host.closing);
      await update(t.log);
    }, t.log);
  });
}

export const QEMU_HANDLERS: Record<string, ApiHandler> = {
  "GET /nodes/{node}/qemu": (req) =>
    Object.values(req.host.state.vms)
      .filter((vm) => req.perms.check(`/vms/${vm.vmid}`, ["VM.Audit"], true))
      .map((vm) => vmStatusView(req.host, vm)),

  "POST /nodes/{node}/qemu": createVm,

  "GET /nodes/{node}/qemu/{vmid}/config": (req) => {
    const { snapshot, current } = req.params;
    if (snapshot && current === "1") {
      const msg = "cannot use 'snapshot' parameter with 'current'";
      throw paramException({ snapshot: msg, current: msg });
    }
    const vm = loadConfig(req.host, req.params.vmid);
    if (snapshot) die(`snapshot '${snapshot}' does not exist\n`);
    const conf: Record<string, string> = { ...vm.config };
    if (current !== "1") {
      Object.assign(conf, vm.pending);
      for (const k of vm.pendingDelete) delete conf[k];
    }
    if (conf.cipassword) conf.cipassword = "**********";
    return { ...typedConfig(conf), digest: configDigest(vm) };
  },

  "POST /nodes/{node}/qemu/{vmid}/config": (req) => updateVm(req, false),
  "PUT /nodes/{node}/qemu/{vmid}/config": (req) => updateVm(req, true),

  "PUT /nodes/{node}/qemu/{vmid}/resize": (req) => {
    const { host } = req;
    const { vmid, disk, size, digest } = req.params;
    rootOnly(req, "skiplock");
    return host.tasks.fork("resize", vmid, req.authid, async (t) => {
      await host.locks.withLock(vmid, 10, async () => {
        const vm = loadConfig(host, vmid);
        if (digest && digest !== configDigest(vm)) die("checksum mismatch (file change by other user?)\n");
        if (req.params.skiplock !== "1") checkLock(vm);
        if (!vm.config[disk]) die(`disk '${disk}' does not exist\n`);
        const drive = parseDrive(vm.config[disk]);
        if (!drive.file) die(`disk '${disk}' has no associated volume\n`);
        if (drive.media === "cdrom") die("you can't resize a cdrom\n");
        const storage = drive.file.split(":")[0];
        req.perms.check(`/storage/${storage}`, ["Datastore.AllocateSpace"]);
        const s = host.state.storages[storage];
        const old = s?.volumes[drive.file];
        if (old === undefined) die(`Could not determine current size of volume '${drive.file}'\n`);
        const newSize = (size.startsWith("+") ? old : 0) + sizeBytes(size.replace(/^\+/, ""));
        if (newSize < old) die("shrinking disks is not supported\n");
        if (newSize === old) return;
        t.log(`update VM ${vmid}: resize --disk ${disk} --size ${size}`);
        await host.delay("apiCall", host.closing);
        s.volumes[drive.file] = newSize;
        vm.config[disk] = printDrive({ ...drive, size: formatSize(newSize) });
        host.save();
      }, t.log);
    });
  },

  "GET /nodes/{node}/qemu/{vmid}/status/current": (req) => {
    const vm = loadConfig(req.host, req.params.vmid);
    const agent = /^(enabled=)?1/.test(vm.config.agent ?? "");
    return { ...vmStatusView(req.host, vm), ha: { managed: 0 }, ...(agent ? { agent: 1 } : {}) };
  },

  "POST /nodes/{node}/qemu/{vmid}/status/start": (req) => {
    rootOnly(req, "skiplock");
    const skiplock = req.params.skiplock === "1";
    return req.host.tasks.fork(
      "qmstart",
      req.params.vmid,
      req.authid,
      (t) => startVm(req.host, req.params.vmid, t, skiplock),
    );
  },

  "POST /nodes/{node}/qemu/{vmid}/status/stop": (req) => {
    rootOnly(req, "skiplock");
    rootOnly(req, "keepActive");
    const skiplock = req.params.skiplock === "1";
    return req.host.tasks.fork(
      "qmstop",
      req.params.vmid,
      req.authid,
      () => stopVm(req.host, req.params.vmid, skiplock),
    );
  },

  "POST /nodes/{node}/qemu/{vmid}/status/shutdown": (req) => {
    rootOnly(req, "skiplock");
    rootOnly(req, "keepActive");
    const skiplock = req.params.skiplock === "1";
    return req.host.tasks.fork(
      "qmshutdown",
      req.params.vmid,
      req.authid,
      () => stopVm(req.host, req.params.vmid, skiplock),
    );
  },

  "DELETE /nodes/{node}/qemu/{vmid}": (req) => {
    const { host } = req;
    const { vmid } = req.params;
    rootOnly(req, "skiplock");
    const early = () => {
      const vm = loadConfig(host, vmid);
      if (vm.config.protection === "1") die(`can't remove VM ${vmid} - protection mode enabled\n`);
      if (vm.status === "running") die(`VM ${vmid} is running - destroy failed\n`);
      return vm;
    };
    early();
    return host.tasks.fork("qmdestroy", vmid, req.authid, async (t) => {
      await host.locks.withLock(vmid, 10, async () => {
        const vm = early();
        if (req.params.skiplock !== "1") checkLock(vm);
        await host.delay("vmPower", host.closing);
        const referenced = Object.entries(vm.config)
          .filter(([k]) => isValidDriveName(k) || /^unused\d+$/.test(k))
          .map(([, v]) => parseDrive(v))
          .filter((d) => !(d.media === "cdrom" && !/vm-\d+-cloudinit/.test(d.file)))
          .map((d) => d.file)
          .filter((volid) => classifyVolume(volid).owner === vm.vmid);
        const unreferenced = req.params["destroy-unreferenced-disks"] === "1"
          ? Object.values(host.state.storages).flatMap((s) =>
            Object.keys(s.volumes).filter((v) => classifyVolume(v).owner === vm.vmid)
          )
          : [];
        for (const volid of new Set([...referenced, ...unreferenced])) {
          freeVolumes(host, [volid]);
          t.log(`Removed volume '${volid}'`);
        }
        if (req.params.purge === "1") t.log(`purging VM ${vmid} from related configurations..`);
        delete host.state.vms[vmid];
        host.save();
        host.onVmDestroyed?.(host.name, vm.vmid);
      }, t.log);
    });
  },
};
