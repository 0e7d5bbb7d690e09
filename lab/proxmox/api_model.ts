/**
 * Our compact model of the Proxmox VE API endpoints strata uses: their parameters (type, optional,
 * enum, pattern, format, bounds) and, for property-string parameters (`net[n]`, `scsi[n]`, …), the
 * keys strata sends. A test checks every entry against the official schema (apidata.js); keys of a
 * property string that are not modeled are rejected, so the emulator is at least as strict as PVE.
 */
export interface ParamSpec {
  type?: "string" | "integer" | "number" | "boolean";
  optional?: 1;
  /** `null` where PVE checks the values in code (e.g. download-url compression). */
  enum?: string[] | null;
  pattern?: string;
  /** A named format ("pve-node", …) validated by `formats.ts`. */
  format?: string;
  /** Keys of a property string (`key=value,…`), for object-format parameters. */
  keys?: Record<string, ParamSpec>;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  default?: unknown;
  default_key?: 1;
  alias?: string;
}

export interface EndpointSpec {
  /** The handler name in apidata.js. */
  name: string;
  params: Record<string, ParamSpec>;
}

export const API_MODEL: Record<string, EndpointSpec> = {
  "GET /version": {
    name: "version",
    params: {},
  },
  "GET /nodes": {
    name: "index",
    params: {},
  },
  "GET /nodes/{node}/status": {
    name: "status",
    params: {
      "node": { "type": "string", "format": "pve-node" },
    },
  },
  "GET /cluster/resources": {
    name: "resources",
    params: {
      "type": { "type": "string", "optional": 1, "enum": ["vm", "storage", "node", "sdn"] },
    },
  },
  "GET /cluster/nextid": {
    name: "nextid",
    params: {
      "vmid": {
        "type": "integer",
        "optional": 1,
        "format": "pve-vmid",
        "minimum": 100,
        "maximum": 999999999,
      },
    },
  },
  "GET /nodes/{node}/storage": {
    name: "index",
    params: {
      "content": { "type": "string", "optional": 1, "format": "pve-storage-content-list" },
      "enabled": { "type": "boolean", "optional": 1, "default": 0 },
      "format": { "type": "boolean", "optional": 1, "default": 0 },
      "node": { "type": "string", "format": "pve-node" },
      "storage": { "type": "string", "optional": 1, "format": "pve-storage-id" },
      "target": { "type": "string", "optional": 1, "format": "pve-node" },
    },
  },
  "GET /nodes/{node}/storage/{storage}/status": {
    name: "read_status",
    params: {
      "node": { "type": "string", "format": "pve-node" },
      "storage": { "type": "string", "format": "pve-storage-id" },
    },
  },
  "GET /nodes/{node}/storage/{storage}/content": {
    name: "index",
    params: {
      "content": { "type": "string", "optional": 1, "format": "pve-storage-content" },
      "node": { "type": "string", "format": "pve-node" },
      "storage": { "type": "string", "format": "pve-storage-id" },
      "vmid": {
        "type": "integer",
        "optional": 1,
        "format": "pve-vmid",
        "minimum": 100,
        "maximum": 999999999,
      },
    },
  },
  "POST /nodes/{node}/storage/{storage}/download-url": {
    name: "download_url",
    params: {
      "checksum": { "type": "string", "optional": 1 },
      "checksum-algorithm": {
        "type": "string",
        "optional": 1,
        "enum": ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"],
      },
      "compression": { "type": "string", "optional": 1, "enum": null },
      "content": { "type": "string", "enum": ["iso", "vztmpl", "import"], "format": "pve-storage-content" },
      "filename": { "type": "string", "maxLength": 255 },
      "node": { "type": "string", "format": "pve-node" },
      "storage": { "type": "string", "format": "pve-storage-id" },
      "url": { "type": "string", "pattern": "https?://.*" },
      "verify-certificates": { "type": "boolean", "optional": 1, "default": 1 },
    },
  },
  "GET /nodes/{node}/network": {
    name: "index",
    params: {
      "node": { "type": "string", "format": "pve-node" },
      "type": {
        "type": "string",
        "optional": 1,
        "enum": [
          "bridge",
          "bond",
          "eth",
          "alias",
          "vlan",
          "fabric",
          "OVSBridge",
          "OVSBond",
          "OVSPort",
          "OVSIntPort",
          "vnet",
          "any_bridge",
          "any_local_bridge",
          "include_sdn",
        ],
      },
    },
  },
  "GET /nodes/{node}/qemu": {
    name: "vmlist",
    params: {
      "full": { "type": "boolean", "optional": 1 },
      "node": { "type": "string", "format": "pve-node" },
    },
  },
  "POST /nodes/{node}/qemu": {
    name: "create_vm",
    params: {
      "agent": {
        "type": "string",
        "optional": 1,
        "keys": {
          "enabled": { "type": "boolean", "default": 0, "default_key": 1 },
          "fstrim_cloned_disks": { "type": "boolean", "optional": 1, "default": 0 },
          "type": { "type": "string", "optional": 1, "enum": ["virtio", "isa"], "default": "virtio" },
        },
      },
      "bios": { "type": "string", "optional": 1, "enum": ["seabios", "ovmf"], "default": "seabios" },
      "boot": { "type": "string", "optional": 1, "format": "pve-qm-boot" },
      "cores": { "type": "integer", "optional": 1, "minimum": 1, "default": 1 },
      "cpu": { "type": "string", "optional": 1, "format": "pve-vm-cpu-conf" },
      "description": { "type": "string", "optional": 1, "maxLength": 8192 },
      "ide[n]": {
        "type": "string",
        "optional": 1,
        "keys": {
          "file": { "type": "string", "format": "pve-volume-id-or-qm-path", "default_key": 1 },
          "media": { "type": "string", "optional": 1, "enum": ["cdrom", "disk"], "default": "disk" },
          "size": { "type": "string", "optional": 1, "format": "disk-size" },
          "format": {
            "type": "string",
            "optional": 1,
            "enum": ["raw", "qcow", "qed", "qcow2", "vmdk", "cloop"],
          },
        },
      },
      "ipconfig[n]": { "type": "string", "optional": 1, "format": "pve-qm-ipconfig" },
      "machine": {
        "type": "string",
        "optional": 1,
        "keys": {
          "type": {
            "type": "string",
            "optional": 1,
            "pattern":
              "(pc|pc(-i440fx)?-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|q35|pc-q35-\\d+(\\.\\d+)+(\\+pve\\d+)?(\\.pxe)?|virt(?:-\\d+(\\.\\d+)+)?(\\+pve\\d+)?)",
            "maxLength": 40,
            "default_key": 1,
          },
          "viommu": { "type": "string", "optional": 1, "enum": ["intel", "virtio"] },
        },
      },
      "memory": {
        "type": "string",
        "optional": 1,
        "keys": { "current": { "type": "integer", "minimum": 16, "default": 512, "default_key": 1 } },
      },
      "name": { "type": "string", "optional": 1, "format": "dns-name" },
      "nameserver": { "type": "string", "optional": 1, "format": "address-list" },
      "net[n]": {
        "type": "string",
        "optional": 1,
        "keys": {
          "model": {
            "type": "string",
            "enum": [
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
            ],
            "default_key": 1,
          },
          "bridge": { "type": "string", "optional": 1, "format": "pve-bridge-id" },
          "macaddr": { "type": "string", "optional": 1, "format": "mac-addr" },
          "tag": { "type": "integer", "optional": 1, "minimum": 1, "maximum": 4094 },
          "firewall": { "type": "boolean", "optional": 1 },
          "mtu": { "type": "integer", "optional": 1, "minimum": 1, "maximum": 65520 },
          "queues": { "type": "integer", "optional": 1, "minimum": 0, "maximum": 64 },
          "link_down": { "type": "boolean", "optional": 1 },
          "virtio": { "alias": "macaddr" },
          "e1000": { "alias": "macaddr" },
        },
      },
      "node": { "type": "string", "format": "pve-node" },
      "onboot": { "type": "boolean", "optional": 1, "default": 0 },
      "ostype": {
        "type": "string",
        "optional": 1,
        "enum": [
          "other",
          "wxp",
          "w2k",
          "w2k3",
          "w2k8",
          "wvista",
          "win7",
          "win8",
          "win10",
          "win11",
          "l24",
          "l26",
          "solaris",
        ],
        "default": "other",
      },
      "scsi[n]": {
        "type": "string",
        "optional": 1,
        "keys": {
          "file": { "type": "string", "format": "pve-volume-id-or-qm-path", "default_key": 1 },
          "import-from": { "type": "string", "optional": 1, "format": "pve-volume-id-or-absolute-path" },
          "size": { "type": "string", "optional": 1, "format": "disk-size" },
          "discard": { "type": "string", "optional": 1, "enum": ["ignore", "on"] },
          "iothread": { "type": "boolean", "optional": 1 },
          "ssd": { "type": "boolean", "optional": 1 },
          "cache": {
            "type": "string",
            "optional": 1,
            "enum": ["none", "writethrough", "writeback", "unsafe", "directsync"],
          },
          "format": {
            "type": "string",
            "optional": 1,
            "enum": ["raw", "qcow", "qed", "qcow2", "vmdk", "cloop"],
          },
          "media": { "type": "string", "optional": 1, "enum": ["cdrom", "disk"], "default": "disk" },
          "backup": { "type": "boolean", "optional": 1 },
        },
      },
      "scsihw": {
        "type": "string",
        "optional": 1,
        "enum": ["lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single", "megasas", "pvscsi"],
        "default": "lsi",
      },
      "searchdomain": { "type": "string", "optional": 1 },
      "serial[n]": { "type": "string", "optional": 1, "pattern": "(/dev/.+|socket)" },
      "sockets": { "type": "integer", "optional": 1, "minimum": 1, "default": 1 },
      "start": { "type": "boolean", "optional": 1, "default": 0 },
      "tags": { "type": "string", "optional": 1, "format": "pve-tag-list" },
      "virtio[n]": {
        "type": "string",
        "optional": 1,
        "keys": {
          "file": { "type": "string", "format": "pve-volume-id-or-qm-path", "default_key": 1 },
          "import-from": { "type": "string", "optional": 1, "format": "pve-volume-id-or-absolute-path" },
          "size": { "type": "string", "optional": 1, "format": "disk-size" },
          "discard": { "type": "string", "optional": 1, "enum": ["ignore", "on"] },
          "iothread": { "type": "boolean", "optional": 1 },
          "cache": {
            "type": "string",
            "optional": 1,
            "enum": ["none", "writethrough", "writeback", "unsafe", "directsync"],
          },
          "format": {
            "type": "string",
            "optional": 1,
            "enum": ["raw", "qcow", "qed", "qcow2", "vmdk", "cloop"],
          },
          "backup": { "type": "boolean", "optional": 1 },
        },
      },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "GET /nodes/{node}/qemu/{vmid}/config": {
    name: "vm_config",
    params: {
      "current": { "type": "boolean", "optional": 1, "default": 0 },
      "node": { "type": "string", "format": "pve-node" },
      "snapshot": { "type": "string", "optional": 1, "format": "pve-configid", "maxLength": 40 },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "POST /nodes/{node}/qemu/{vmid}/config": {
    name: "update_vm_async",
    params: {
      "cores": { "type": "integer", "optional": 1, "minimum": 1, "default": 1 },
      "cpu": { "type": "string", "optional": 1, "format": "pve-vm-cpu-conf" },
      "delete": { "type": "string", "optional": 1, "format": "pve-configid-list" },
      "description": { "type": "string", "optional": 1, "maxLength": 8192 },
      "digest": { "type": "string", "optional": 1, "maxLength": 40 },
      "ipconfig[n]": { "type": "string", "optional": 1, "format": "pve-qm-ipconfig" },
      "memory": {
        "type": "string",
        "optional": 1,
        "keys": { "current": { "type": "integer", "minimum": 16, "default": 512, "default_key": 1 } },
      },
      "name": { "type": "string", "optional": 1, "format": "dns-name" },
      "nameserver": { "type": "string", "optional": 1, "format": "address-list" },
      "net[n]": {
        "type": "string",
        "optional": 1,
        "keys": {
          "model": {
            "type": "string",
            "enum": [
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
            ],
            "default_key": 1,
          },
          "bridge": { "type": "string", "optional": 1, "format": "pve-bridge-id" },
          "macaddr": { "type": "string", "optional": 1, "format": "mac-addr" },
          "tag": { "type": "integer", "optional": 1, "minimum": 1, "maximum": 4094 },
          "firewall": { "type": "boolean", "optional": 1 },
          "mtu": { "type": "integer", "optional": 1, "minimum": 1, "maximum": 65520 },
          "queues": { "type": "integer", "optional": 1, "minimum": 0, "maximum": 64 },
          "link_down": { "type": "boolean", "optional": 1 },
          "virtio": { "alias": "macaddr" },
          "e1000": { "alias": "macaddr" },
        },
      },
      "node": { "type": "string", "format": "pve-node" },
      "onboot": { "type": "boolean", "optional": 1, "default": 0 },
      "sockets": { "type": "integer", "optional": 1, "minimum": 1, "default": 1 },
      "tags": { "type": "string", "optional": 1, "format": "pve-tag-list" },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "PUT /nodes/{node}/qemu/{vmid}/resize": {
    name: "resize_vm",
    params: {
      "digest": { "type": "string", "optional": 1, "maxLength": 40 },
      "disk": {
        "type": "string",
        "enum": [
          "ide0",
          "ide1",
          "ide2",
          "ide3",
          "scsi0",
          "scsi1",
          "scsi2",
          "scsi3",
          "scsi4",
          "scsi5",
          "scsi6",
          "scsi7",
          "scsi8",
          "scsi9",
          "scsi10",
          "scsi11",
          "scsi12",
          "scsi13",
          "scsi14",
          "scsi15",
          "scsi16",
          "scsi17",
          "scsi18",
          "scsi19",
          "scsi20",
          "scsi21",
          "scsi22",
          "scsi23",
          "scsi24",
          "scsi25",
          "scsi26",
          "scsi27",
          "scsi28",
          "scsi29",
          "scsi30",
          "virtio0",
          "virtio1",
          "virtio2",
          "virtio3",
          "virtio4",
          "virtio5",
          "virtio6",
          "virtio7",
          "virtio8",
          "virtio9",
          "virtio10",
          "virtio11",
          "virtio12",
          "virtio13",
          "virtio14",
          "virtio15",
          "sata0",
          "sata1",
          "sata2",
          "sata3",
          "sata4",
          "sata5",
          "efidisk0",
          "tpmstate0",
        ],
      },
      "node": { "type": "string", "format": "pve-node" },
      "size": { "type": "string", "pattern": "\\+?\\d+(\\.\\d+)?[KMGT]?" },
      "skiplock": { "type": "boolean", "optional": 1 },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "GET /nodes/{node}/qemu/{vmid}/status/current": {
    name: "vm_status",
    params: {
      "node": { "type": "string", "format": "pve-node" },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "POST /nodes/{node}/qemu/{vmid}/status/start": {
    name: "vm_start",
    params: {
      "node": { "type": "string", "format": "pve-node" },
      "skiplock": { "type": "boolean", "optional": 1 },
      "timeout": { "type": "integer", "optional": 1, "minimum": 0, "default": "max(30, vm memory in GiB)" },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "POST /nodes/{node}/qemu/{vmid}/status/stop": {
    name: "vm_stop",
    params: {
      "node": { "type": "string", "format": "pve-node" },
      "skiplock": { "type": "boolean", "optional": 1 },
      "timeout": { "type": "integer", "optional": 1, "minimum": 0 },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "POST /nodes/{node}/qemu/{vmid}/status/shutdown": {
    name: "vm_shutdown",
    params: {
      "forceStop": { "type": "boolean", "optional": 1, "default": 0 },
      "node": { "type": "string", "format": "pve-node" },
      "skiplock": { "type": "boolean", "optional": 1 },
      "timeout": { "type": "integer", "optional": 1, "minimum": 0 },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "DELETE /nodes/{node}/qemu/{vmid}": {
    name: "destroy_vm",
    params: {
      "destroy-unreferenced-disks": { "type": "boolean", "optional": 1, "default": 0 },
      "node": { "type": "string", "format": "pve-node" },
      "purge": { "type": "boolean", "optional": 1 },
      "skiplock": { "type": "boolean", "optional": 1 },
      "vmid": { "type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999 },
    },
  },
  "GET /nodes/{node}/tasks/{upid}/status": {
    name: "read_task_status",
    params: {
      "node": { "type": "string", "format": "pve-node" },
      "upid": { "type": "string" },
    },
  },
  "GET /nodes/{node}/tasks/{upid}/log": {
    name: "read_task_log",
    params: {
      "download": { "type": "boolean", "optional": 1 },
      "limit": { "type": "integer", "optional": 1, "minimum": 0, "default": 50 },
      "node": { "type": "string", "format": "pve-node" },
      "start": { "type": "integer", "optional": 1, "minimum": 0, "default": 0 },
      "upid": { "type": "string" },
    },
  },
  "GET /access/permissions": {
    name: "permissions",
    params: {
      "path": { "type": "string", "optional": 1 },
      "userid": {
        "type": "string",
        "optional": 1,
        "pattern":
          "(?^:^(?^:[^\\s:/]+)\\@(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+)(?:!(?^:[A-Za-z][A-Za-z0-9\\.\\-_]+))?$)",
      },
    },
  },
  "DELETE /nodes/{node}/storage/{storage}/content/{volume}": {
    name: "delete",
    params: {
      "delay": { "type": "integer", "optional": 1, "minimum": 1, "maximum": 30 },
      "node": { "type": "string", "format": "pve-node" },
      "storage": { "type": "string", "optional": 1, "format": "pve-storage-id" },
      "volume": { "type": "string" },
    },
  },
};
