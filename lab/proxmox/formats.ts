/**
 * The named formats of the PVE API schema that the modeled endpoints use, with PVE's own checks
 * and messages (pve-common JSONSchema.pm, qemu-server, pve-storage). A format is either a check
 * that dies with PVE's message, or a property-string schema (`key=value,…`) with an optional
 * validator run on the parsed result. `<name>-list` and `<name>-opt` are derived as PVE does.
 *
 * @example
 * ```ts
 * const check = FORMATS["pve-node"] as FormatCheck;
 * check("pve_1"); // throws PerlDie("value does not look like a valid node name\n")
 * ```
 */
import type { ParamSpec } from "./api_model.ts";
import { die } from "./exception.ts";

/** A function format: returns normally when valid, else dies with PVE's message. */
export type FormatCheck = (value: string) => void;
/** A property-string format registered as a hash, with an optional validator of the parsed result. */
export interface HashFormat {
  keys: Record<string, ParamSpec>;
  validator?: (parsed: Record<string, string>) => void;
}

const IPV4OCTET = "(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])";
export const IPV4RE = `(?:(?:${IPV4OCTET}\\.){3}${IPV4OCTET})`;
const H16 = "(?:[0-9a-fA-F]{1,4})";
const LS32 = `(?:(?:${IPV4RE}|${H16}:${H16}))`;
export const IPV6RE = "(?:" + [
  `(?:(?:(?:${H16}:){6})${LS32})`,
  `(?:(?:::(?:${H16}:){5})${LS32})`,
  `(?:(?:(?:${H16})?::(?:${H16}:){4})${LS32})`,
  `(?:(?:(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3})${LS32})`,
  `(?:(?:(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2})${LS32})`,
  `(?:(?:(?:(?:${H16}:){0,3}${H16})?::(?:${H16}:){1})${LS32})`,
  `(?:(?:(?:(?:${H16}:){0,4}${H16})?::)${LS32})`,
  `(?:(?:(?:(?:${H16}:){0,5}${H16})?::)${H16})`,
  `(?:(?:(?:(?:${H16}:){0,6}${H16})?::))`,
].join("|") + ")";

const re = (source: string) => new RegExp(`^(?:${source})$`);
const isIpv4 = (v: string) => re(IPV4RE).test(v);
const isIpv6 = (v: string) => re(IPV6RE).test(v);
const DNS_NAME = /^(([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/;

/** `PVE::Storage::Plugin::verify_content`: the `dir` plugin's content types, plus `import`. */
export const STORAGE_CONTENT = ["images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import"];

/** Drive option names (`PVE::QemuServer::Drive::valid_drive_names`). */
export function isValidDriveName(name: string): boolean {
  const m = /^(ide|sata|scsi|virtio)(\d+)$/.exec(name);
  if (m) return Number(m[2]) < { ide: 4, sata: 6, scsi: 31, virtio: 16 }[m[1] as "ide"];
  return name === "efidisk0" || name === "tpmstate0";
}

/** CPU models qemu-server knows on x86_64 (its built-in list plus `host` and the x86-64-v* levels). */
export const CPU_MODELS = new Set([
  "486",
  "pentium",
  "pentium2",
  "pentium3",
  "coreduo",
  "core2duo",
  "Conroe",
  "Penryn",
  "Nehalem",
  "Nehalem-IBRS",
  "Westmere",
  "Westmere-IBRS",
  "SandyBridge",
  "SandyBridge-IBRS",
  "IvyBridge",
  "IvyBridge-IBRS",
  "Haswell",
  "Haswell-IBRS",
  "Haswell-noTSX",
  "Haswell-noTSX-IBRS",
  "Broadwell",
  "Broadwell-IBRS",
  "Broadwell-noTSX",
  "Broadwell-noTSX-IBRS",
  "Skylake-Client",
  "Skylake-Client-IBRS",
  "Skylake-Client-noTSX-IBRS",
  "Skylake-Client-v4",
  "Skylake-Server",
  "Skylake-Server-IBRS",
  "Skylake-Server-noTSX-IBRS",
  "Skylake-Server-v4",
  "Skylake-Server-v5",
  "Cascadelake-Server",
  "Cascadelake-Server-v2",
  "Cascadelake-Server-noTSX",
  "Cascadelake-Server-v4",
  "Cascadelake-Server-v5",
  "Cooperlake",
  "Cooperlake-v2",
  "KnightsMill",
  "Icelake-Client",
  "Icelake-Client-noTSX",
  "Icelake-Server",
  "Icelake-Server-noTSX",
  "Icelake-Server-v3",
  "Icelake-Server-v4",
  "Icelake-Server-v5",
  "Icelake-Server-v6",
  "Icelake-Server-v7",
  "SapphireRapids",
  "SapphireRapids-v2",
  "SapphireRapids-v3",
  "SapphireRapids-v4",
  "GraniteRapids",
  "GraniteRapids-v2",
  "GraniteRapids-v3",
  "SierraForest",
  "SierraForest-v2",
  "SierraForest-v3",
  "ClearwaterForest",
  "athlon",
  "phenom",
  "Opteron_G1",
  "Opteron_G2",
  "Opteron_G3",
  "Opteron_G4",
  "Opteron_G5",
  "EPYC",
  "EPYC-IBPB",
  "EPYC-v3",
  "EPYC-v4",
  "EPYC-v5",
  "EPYC-Rome",
  "EPYC-Rome-v2",
  "EPYC-Rome-v3",
  "EPYC-Rome-v4",
  "EPYC-Rome-v5",
  "EPYC-Milan",
  "EPYC-Milan-v2",
  "EPYC-Milan-v3",
  "EPYC-Genoa",
  "EPYC-Genoa-v2",
  "EPYC-Turin",
  "kvm32",
  "kvm64",
  "qemu32",
  "qemu64",
  "max",
  "host",
  "x86-64-v2",
  "x86-64-v2-AES",
  "x86-64-v3",
  "x86-64-v4",
]);

/** Flags a VM-specific CPU config may set (qemu-server CPUFlags.pm, x86_64). */
const VM_CPU_FLAGS = [
  "nested-virt",
  "md-clear",
  "pcid",
  "spec-ctrl",
  "ssbd",
  "ibpb",
  "virt-ssbd",
  "amd-ssbd",
  "amd-no-ssb",
  "pdpe1gb",
  "hv-tlbflush",
  "hv-evmcs",
  "aes",
];
const CPU_FLAG_ANY = "([+-])([a-zA-Z0-9\\-_\\.]+)";
const CPU_FLAG_VM = `([+-])(${VM_CPU_FLAGS.join("|")})`;

function bootdev(dev: string) {
  const special = /^efidisk/.test(dev) || /^tpmstate/.test(dev);
  if (isValidDriveName(dev) && !special) return;
  const limits: Record<string, number> = { net: 32, usb: 14, hostpci: 16 };
  const m = /^(net|usb|hostpci)(\d+)$/.exec(dev);
  if (m && Number(m[2]) < limits[m[1]]) return;
  die(`invalid boot device '${dev}'\n`);
}

function parseId(id: string, type: string) {
  if (id.length < 2) die(`${type} ID '${id}' cannot be shorter than 2 characters\n`);
  if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(id)) die(`${type} ID '${id}' contains illegal characters\n`);
}

function volumeId(volid: string) {
  if (!/^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/is.test(volid)) die(`unable to parse volume ID '${volid}'\n`);
}

function cidr(value: string, family: 4 | 6): boolean {
  const m = new RegExp(`^(?:${family === 4 ? IPV4RE : IPV6RE})(?:/(\\d+))$`).exec(value);
  return !!m && Number(m[1]) > 7 && Number(m[1]) <= (family === 4 ? 32 : 128);
}

/** Every named format the model can reference. */
export const FORMATS: Record<string, FormatCheck | HashFormat> = {
  "pve-node": (v) => {
    if (!/^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(v)) {
      die("value does not look like a valid node name\n");
    }
  },
  "pve-vmid": (v) => {
    if (!/^[1-9][0-9]{2,8}$/.test(v)) die("value does not look like a valid VM ID\n");
  },
  "pve-storage-id": (v) => parseId(v, "storage"),
  "pve-storage-content": (v) => {
    if (!STORAGE_CONTENT.includes(v)) die(`invalid content type '${v}'\n`);
  },
  "pve-configid": (v) => {
    if (!/^[a-z][a-z0-9_-]+$/i.test(v)) die(`invalid configuration ID '${v}'\n`);
  },
  "dns-name": (v) => {
    if (!DNS_NAME.test(v)) die("value does not look like a valid DNS name\n");
  },
  "address": (v) => {
    if (!(isIpv4(v) || isIpv6(v) || DNS_NAME.test(v))) {
      die(`value does not look like a valid address: ${v}\n`);
    }
  },
  "ipv4": (v) => {
    if (!isIpv4(v)) die("value does not look like a valid IPv4 address\n");
  },
  "ipv6": (v) => {
    if (!isIpv6(v)) die("value does not look like a valid IPv6 address\n");
  },
  "pve-ipv4-config": (v) => {
    if (!(/^(?:dhcp|manual)$/.test(v) || cidr(v, 4))) {
      die("value does not look like a valid ipv4 network configuration\n");
    }
  },
  "pve-ipv6-config": (v) => {
    if (!(/^(?:auto|dhcp|manual)$/.test(v) || cidr(v, 6))) {
      die("value does not look like a valid ipv6 network configuration\n");
    }
  },
  "pve-tag": (v) => {
    if (!/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v)) die("invalid characters in tag\n");
  },
  "pve-bridge-id": (v) => {
    if (!/^[-_.\w\d]+$/.test(v)) die(`invalid bridge ID '${v}'\n`);
  },
  "mac-addr": (v) => {
    if (!/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v)) {
      die("value does not look like a valid unicast MAC address\n");
    }
  },
  "urlencoded": (v) => {
    if (!/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v)) die(`invalid urlencoded string: ${v}\n`);
  },
  "disk-size": (v) => {
    if (!/^(\d+(\.\d+)?)([KMGT](?:iB)?)?$/.test(v)) die(`value does not look like a valid disk size: ${v}\n`);
  },
  "pve-volume-id": volumeId,
  "pve-volume-id-or-absolute-path": (v) => {
    if (!v.startsWith("/")) volumeId(v);
  },
  "pve-volume-id-or-qm-path": (v) => {
    if (v !== "none" && v !== "cdrom" && !v.startsWith("/")) volumeId(v);
  },
  "pve-qm-bootdev": bootdev,
  "pve-phys-bits": (v) => {
    const m = /^(host|\d{1,2})$/.exec(v);
    if (!m || (m[1] !== "host" && (Number(v) < 8 || Number(v) > 64))) {
      die("value must be an integer between 8 and 64 or 'host'\n");
    }
  },
  "pve-qm-boot": {
    keys: {
      legacy: { type: "string", optional: 1, default_key: 1, pattern: "[acdn]{1,4}" },
      order: { type: "string", optional: 1, format: "pve-qm-bootdev-list" },
    },
  },
  "pve-qm-ipconfig": {
    keys: {
      ip: { type: "string", format: "pve-ipv4-config", optional: 1 },
      gw: { type: "string", format: "ipv4", optional: 1, requires: "ip" },
      ip6: { type: "string", format: "pve-ipv6-config", optional: 1 },
      gw6: { type: "string", format: "ipv6", optional: 1, requires: "ip6" },
    },
  },
  "pve-vm-cpu-conf": {
    keys: {
      cputype: { type: "string", default_key: 1, optional: 1 },
      "reported-model": { type: "string", optional: 1, enum: [...CPU_MODELS].sort() },
      hidden: { type: "boolean", optional: 1 },
      "hv-vendor-id": { type: "string", pattern: "[a-zA-Z0-9]{1,12}", optional: 1 },
      flags: { type: "string", pattern: `${CPU_FLAG_ANY}(;${CPU_FLAG_ANY})*`, optional: 1 },
      "guest-phys-bits": { type: "integer", minimum: 32, maximum: 64, optional: 1 },
      "phys-bits": { type: "string", optional: 1, format: "pve-phys-bits" },
      level: { type: "integer", minimum: 0, maximum: 4294967295, optional: 1 },
    },
    validator: (cpu) => {
      const cputype = cpu.cputype;
      if (!cputype) die("CPU is missing cputype\n");
      if (cputype.startsWith("custom-")) die(`Custom cputype '${cputype.slice(7)}' not found\n`);
      if (!CPU_MODELS.has(cputype)) {
        die(`Built-in cputype '${cputype}' is not defined (missing 'custom-' prefix?)\n`);
      }
      if (cpu.flags && !new RegExp(`^${CPU_FLAG_VM}(;${CPU_FLAG_VM})*$`).test(cpu.flags)) {
        die(`VM-specific CPU flags must be a subset of: ${[...VM_CPU_FLAGS].sort().join(", ")}\n`);
      }
      if (cpu["reported-model"] !== undefined) {
        die("Property 'reported-model' not allowed in VM-specific CPU config.\n");
      }
    },
  },
};
