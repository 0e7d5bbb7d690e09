import { assert, assertEquals } from "../../tests/testing.ts";
import { API_MODEL, type ParamSpec } from "./api_model.ts";
import { FORMATS } from "./formats.ts";
import { validateParams } from "./validate.ts";

const APIDATA = new URL("../../../shared/specs/proxmox/apidata.js", import.meta.url);

function specIndex(): Map<string, Record<string, unknown>> {
  const text = Deno.readTextFileSync(APIDATA);
  const tree = JSON.parse(text.slice(text.indexOf("["), text.lastIndexOf("]") + 1));
  const index = new Map<string, Record<string, unknown>>();
  const walk = (n: { path: string; info?: Record<string, unknown>; children?: unknown[] }) => {
    for (const [m, info] of Object.entries(n.info ?? {})) {
      index.set(`${m} ${n.path}`, info as Record<string, unknown>);
    }
    (n.children ?? []).forEach((c) => walk(c as typeof n));
  };
  tree.forEach(walk);
  return index;
}

const FIELDS = [
  "type",
  "optional",
  "enum",
  "pattern",
  "minimum",
  "maximum",
  "maxLength",
  "default",
  "default_key",
  "alias",
];

function compare(where: string, ours: ParamSpec, theirs: Record<string, unknown>): string[] {
  const diffs: string[] = [];
  for (const f of FIELDS) {
    const a = JSON.stringify((ours as Record<string, unknown>)[f]);
    const b = JSON.stringify(theirs[f]);
    if (a !== b) diffs.push(`${where}.${f}: model ${a} ≠ spec ${b}`);
  }
  const format = theirs.format;
  if (typeof format === "string" && ours.format !== format) {
    diffs.push(`${where}.format: ${ours.format} ≠ ${format}`);
  }
  if (format && typeof format === "object") {
    if (!ours.keys) diffs.push(`${where}: spec has a property-string format, the model has no keys`);
    for (const [k, s] of Object.entries(ours.keys ?? {})) {
      const t = (format as Record<string, Record<string, unknown>>)[k];
      if (!t) diffs.push(`${where}.${k}: not in the spec`);
      else diffs.push(...compare(`${where}.${k}`, s, t));
    }
  }
  return diffs;
}

Deno.test("every endpoint, parameter and property-string key of the model matches apidata.js", () => {
  const index = specIndex();
  const diffs: string[] = [];
  for (const [endpoint, spec] of Object.entries(API_MODEL)) {
    const info = index.get(endpoint) as {
      name: string;
      parameters: { properties: Record<string, Record<string, unknown>> };
    };
    assert(info, `${endpoint} is not in apidata.js`);
    assertEquals(spec.name, info.name, endpoint);
    const props = info.parameters.properties ?? {};
    for (const [name, p] of Object.entries(spec.params)) {
      if (!props[name]) diffs.push(`${endpoint} ${name}: not in the spec`);
      else diffs.push(...compare(`${endpoint} ${name}`, p, props[name]));
    }
    // every required spec parameter is modeled (else the emulator could not require it)
    for (const [name, p] of Object.entries(props)) {
      if (!p.optional && !spec.params[name]) {
        diffs.push(`${endpoint}: required ${name} is missing from the model`);
      }
    }
  }
  assertEquals(diffs, []);
});

Deno.test("every named format the model uses has a validator", () => {
  const used = new Set<string>();
  const collect = (p: ParamSpec) => {
    if (p.format) used.add(p.format);
    Object.values(p.keys ?? {}).forEach(collect);
  };
  Object.values(API_MODEL).forEach((e) => Object.values(e.params).forEach(collect));
  assertEquals([...used].filter((f) => !FORMATS[f]), []);
});

const CREATE = "POST /nodes/{node}/qemu";
const valid = {
  node: "pve1",
  vmid: "1101",
  name: "cp-1",
  memory: "4096",
  cores: "2",
  sockets: "1",
  cpu: "host",
  machine: "q35",
  scsihw: "virtio-scsi-single",
  scsi0: "local-lvm:0,import-from=local:import/talos-v1.13.9-abc.raw,iothread=1,discard=on",
  ide2: "local-lvm:cloudinit",
  net0: "virtio=BC:24:11:00:01:11,bridge=vmbr0,tag=10",
  ipconfig0: "ip=10.0.1.11/16,gw=10.0.0.1",
  nameserver: "10.0.0.1",
  serial0: "socket",
  boot: "order=scsi0",
  agent: "enabled=1",
  onboot: "1",
  ostype: "l26",
  tags: "strata;strata-lab;role-controlplane",
  description: "managed by strata",
};

Deno.test("a create request as strata sends it is valid", () => {
  assertEquals(validateParams(CREATE, valid), {});
});

Deno.test("invalid requests are rejected per parameter with PVE's messages", () => {
  const cases: [Record<string, unknown>, Record<string, string>][] = [
    [{ vmid: "abc" }, { vmid: "type check ('integer') failed - got 'abc'" }],
    [{ vmid: "99" }, { vmid: "value must have a minimum value of 100" }],
    [{ bogus: "1" }, {
      bogus: "property is not defined in schema and the schema does not allow additional properties",
    }],
    [{ scsi31: "local-lvm:8" }, {
      scsi31: "property is not defined in schema and the schema does not allow additional properties",
    }],
    [{ scsihw: "virtio" }, {
      scsihw:
        "value 'virtio' does not have a value in the enumeration 'lsi, lsi53c810, virtio-scsi-pci, virtio-scsi-single, megasas, pvscsi'",
    }],
    [{ onboot: "maybe" }, { onboot: "type check ('boolean') failed - got 'maybe'" }],
    [{ serial0: "com1" }, { serial0: "value does not match the regex pattern" }],
    [{ node: "pve_1" }, { node: "value does not look like a valid node name" }],
    [{ net0: "virtio,bridge=vmbr0,speed=10" }, {
      net0:
        "invalid format - property speed is not defined in schema and the schema does not allow additional properties",
    }],
    [{ net0: "virtio=BC:24:11:00:01,bridge=vmbr0" }, {
      net0: "invalid format - macaddr: value does not look like a valid unicast MAC address",
    }],
    [{ ipconfig0: "ip=10.0.1.11,gw=10.0.0.1" }, {
      ipconfig0:
        "invalid format - ip: invalid format - value does not look like a valid IPv4 network configuration",
    }],
    [{ boot: "order=floppy0" }, { boot: "invalid format - invalid boot device 'floppy0'" }],
  ];
  for (const [change, errors] of cases) {
    assertEquals(validateParams(CREATE, { ...valid, ...change }), errors, JSON.stringify(change));
  }
  const { vmid: _, ...noVmid } = valid;
  assertEquals(validateParams(CREATE, noVmid), { vmid: "property is missing and it is not optional" });
});

Deno.test("download-url: required content, url pattern, checksum algorithm enum", () => {
  const ep = "POST /nodes/{node}/storage/{storage}/download-url";
  const base = {
    node: "pve1",
    storage: "local",
    url: "http://127.0.0.9/image.raw.xz",
    content: "import",
    filename: "talos.raw",
  };
  assertEquals(validateParams(ep, base), {});
  assertEquals(validateParams(ep, { ...base, url: "ftp://x" }), {
    url: "value does not match the regex pattern",
  });
  assertEquals(Object.keys(validateParams(ep, { ...base, "checksum-algorithm": "crc32" })), [
    "checksum-algorithm",
  ]);
  const { content: _, ...noContent } = base;
  assertEquals(validateParams(ep, noContent), { content: "property is missing and it is not optional" });
});
