/**
 * Validators for the named formats of the PVE API schema that strata's endpoints use. Each
 * returns undefined when the value is valid, else PVE's message.
 */
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^[0-9a-fA-F:]+(:[0-9.]+)?$/;
const isIp = (v: string) => IPV4.test(v) || (v.includes(":") && IPV6.test(v));

const STORAGE_CONTENT = ["images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import"];
const CPU_TYPES = [
  "host",
  "kvm64",
  "kvm32",
  "qemu64",
  "qemu32",
  "max",
  "x86-64-v2",
  "x86-64-v2-AES",
  "x86-64-v3",
  "x86-64-v4",
];

export const FORMATS: Record<string, (value: string) => string | undefined> = {
  "pve-node": (v) =>
    /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v)
      ? undefined
      : "value does not look like a valid node name",
  "pve-vmid": (v) => /^\d+$/.test(v) ? undefined : "value does not look like a valid VM ID",
  "pve-storage-id": (v) =>
    /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v) ? undefined : `storage ID '${v}' contains illegal characters`,
  "pve-storage-content": (v) => STORAGE_CONTENT.includes(v) ? undefined : `invalid content type '${v}'`,
  "pve-storage-content-list": (v) => {
    const bad = v.split(/[,;\s]+/).filter(Boolean).find((c) => !STORAGE_CONTENT.includes(c));
    return bad ? `invalid content type '${bad}'` : undefined;
  },
  "pve-configid": (v) => /^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'`,
  "pve-configid-list": (v) => {
    const bad = v.split(/[,;\s]+/).filter(Boolean).find((c) => !/^[a-z][a-z0-9_-]+$/i.test(c));
    return bad ? `invalid configuration ID '${bad}'` : undefined;
  },
  "dns-name": (v) =>
    /^(([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)$/.test(v)
      ? undefined
      : `value does not look like a valid DNS name`,
  "address-list": (v) => {
    const bad = v.split(/[,;\s]+/).filter(Boolean).find((a) => !isIp(a));
    return bad ? `value does not look like a valid IP address list` : undefined;
  },
  "pve-tag-list": (v) =>
    v.split(/[,;\s]+/).filter(Boolean).every((t) => /^[a-z0-9_][a-z0-9_\-+.]*$/i.test(t))
      ? undefined
      : `invalid characters in tag list '${v}'`,
  "pve-qm-boot": (v) => {
    const m = /^order=([^;,\s]+(;[^;,\s]+)*)$/.exec(v);
    if (!m) return "invalid format - format error";
    const bad = m[1].split(";").find((d) =>
      !/^(ide|sata|scsi|virtio)\d+$|^net\d+$|^hostpci\d+$|^usb\d+$/.test(d)
    );
    return bad ? `invalid format - invalid boot device '${bad}'` : undefined;
  },
  "pve-qm-ipconfig": (v) => {
    for (const part of v.split(",")) {
      const [k, val] = part.split("=", 2);
      if (
        k === "ip" && !(val === "dhcp" || /^[\d.]+\/\d{1,2}$/.test(val ?? "") && IPV4.test(val.split("/")[0]))
      ) {
        return `invalid format - ip: invalid format - value does not look like a valid IPv4 network configuration`;
      }
      if (k === "gw" && !IPV4.test(val ?? "")) {
        return "invalid format - gw: value does not look like a valid IPv4 address";
      }
      if (!["ip", "gw", "ip6", "gw6"].includes(k)) {
        return `invalid format - property ${k} is not defined in schema`;
      }
    }
    return undefined;
  },
  "pve-vm-cpu-conf": (v) => {
    const [first, ...rest] = v.split(",");
    const type = first.includes("=") ? first.split("=")[1] : first;
    if (!CPU_TYPES.includes(type) && !type.startsWith("custom-")) {
      return `invalid format - Built-in cputype '${type}' is not defined (missing 'custom-' prefix?)`;
    }
    const bad = rest.find((p) => !/^(flags|hidden|hv-vendor-id|phys-bits|reported-model)=/.test(p));
    return bad ? `invalid format - property ${bad.split("=")[0]} is not defined in schema` : undefined;
  },
  "pve-bridge-id": (v) => /^[-_.\w\d]+$/.test(v) ? undefined : "value does not look like a valid bridge name",
  "mac-addr": (v) =>
    /^[0-9a-f][02468ace](?::[0-9a-f]{2}){5}$/i.test(v)
      ? undefined
      : "value does not look like a valid unicast MAC address",
  "pve-volume-id-or-qm-path": (v) =>
    /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i.test(v) || v.startsWith("/") || v === "none" || v === "cdrom"
      ? undefined
      : `unable to parse volume ID '${v}'`,
  "pve-volume-id-or-absolute-path": (v) =>
    /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i.test(v) || v.startsWith("/")
      ? undefined
      : `unable to parse volume ID '${v}'`,
  "disk-size": (v) => /^\d+(\.\d+)?[KMGT]?$/.test(v) ? undefined : `unable to parse size '${v}'`,
  "urlencoded": (v) => /^[-%a-zA-Z0-9_.!~*'()]*$/.test(v) ? undefined : "value must be url-encoded",
};
