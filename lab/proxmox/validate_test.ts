/**
 * Parameter validation against PVE's own results: every expected message below is what pve-common's
 * JSONSchema.pm (run on the same schema from apidata.js) answered for the same request.
 */
import { assertEquals } from "../../tests/testing.ts";
import { API_MODEL } from "./api_model.ts";
import { matchesPattern, splitList, validateParams } from "./validate.ts";

const CREATE = "POST /nodes/{node}/qemu";
const DOWNLOAD = "POST /nodes/{node}/storage/{storage}/download-url";

/** A create request as strata sends it. */
export const VALID_CREATE: Record<string, unknown> = {
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

const BASES: Record<string, Record<string, unknown>> = {
  [CREATE]: VALID_CREATE,
  [DOWNLOAD]: {
    node: "pve1",
    storage: "local",
    url: "http://127.0.0.9/image.raw",
    content: "import",
    filename: "talos.raw",
  },
  "PUT /nodes/{node}/qemu/{vmid}/resize": { node: "pve1", vmid: "1101", disk: "scsi0", size: "32G" },
  "GET /nodes/{node}/storage/{storage}/content": { node: "pve1", storage: "local" },
  "GET /nodes/{node}/tasks/{upid}/log": {
    node: "pve1",
    upid: "UPID:pve1:00000001:00000002:00000003:qmstart:101:root@pam:",
  },
  "POST /nodes/{node}/qemu/{vmid}/config": { node: "pve1", vmid: "1101", cores: "2" },
  "GET /cluster/resources": {},
  "GET /access/permissions": {},
};

const NOT_IN_SCHEMA = "property is not defined in schema and the schema does not allow additional properties";

/** [endpoint, change to the valid base, PVE's errors] */
const CASES: [string, Record<string, unknown>, Record<string, string>][] = [
  [CREATE, {}, {}],
  [CREATE, { vmid: "abc" }, { vmid: "type check ('integer') failed - got 'abc'" }],
  // the format check runs before the bounds
  [CREATE, { vmid: "99" }, { vmid: "invalid format - value does not look like a valid VM ID\n" }],
  [CREATE, { vmid: "0100" }, { vmid: "invalid format - value does not look like a valid VM ID\n" }],
  [CREATE, { vmid: undefined }, { vmid: "property is missing and it is not optional" }],
  [CREATE, { bogus: "1" }, { bogus: NOT_IN_SCHEMA }],
  [CREATE, { scsi31: "local-lvm:8" }, { scsi31: NOT_IN_SCHEMA }],
  [CREATE, { scsihw: "virtio" }, {
    scsihw:
      "value 'virtio' does not have a value in the enumeration 'lsi, lsi53c810, virtio-scsi-pci, virtio-scsi-single, megasas, pvscsi'",
  }],
  [CREATE, { onboot: "maybe" }, { onboot: "type check ('boolean') failed - got 'maybe'" }],
  // top-level booleans are 0/1 only (property strings also take yes/no/on/off/true/false)
  [CREATE, { onboot: "true" }, { onboot: "type check ('boolean') failed - got 'true'" }],
  [CREATE, { onboot: true }, {}],
  [CREATE, { cores: true }, { cores: "type check ('integer') failed - got JSON::PP::Boolean" }],
  [CREATE, { name: ["a", "b"] }, { name: "type check ('string') failed - got ARRAY" }],
  [CREATE, { serial0: "com1" }, { serial0: "value does not match the regex pattern" }],
  [CREATE, { cores: "0" }, { cores: "value must have a minimum value of 1" }],
  [CREATE, { cores: "2.5" }, { cores: "type check ('integer') failed - got '2.5'" }],
  [CREATE, { description: "x".repeat(8193) }, { description: "value may only be 8192 characters long" }],
  [CREATE, { name: "cp_1" }, { name: "invalid format - value does not look like a valid DNS name\n" }],
  [CREATE, { node: "pve_1" }, { node: "invalid format - value does not look like a valid node name\n" }],
  [CREATE, { tags: "strata;bad tag!" }, { tags: "invalid format - invalid characters in tag\n" }],
  [CREATE, { nameserver: "10.0.0.1 not_an_ip!" }, {
    nameserver: "invalid format - value does not look like a valid address: not_an_ip!\n",
  }],
  [CREATE, { sshkeys: "ssh-ed25519 AAAA x" }, {
    sshkeys: "invalid format - invalid urlencoded string: ssh-ed25519 AAAA x\n",
  }],
  // property strings
  [CREATE, { net0: "virtio,bridge=vmbr0,speed=10" }, {
    net0: `invalid format - format error\nnet0.speed: ${NOT_IN_SCHEMA}\n`,
  }],
  [CREATE, { net0: "virtio=BC:24:11:00:01,bridge=vmbr0" }, {
    net0:
      "invalid format - format error\nnet0.macaddr: invalid format - value does not look like a valid unicast MAC address\n\n",
  }],
  [CREATE, { net0: "bridge=vmbr0" }, {
    net0: "invalid format - format error\nnet0.model: property is missing and it is not optional\n",
  }],
  [CREATE, { net0: "virtio,tag=4095" }, {
    net0: "invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n",
  }],
  [CREATE, { net0: "virtio=BC:24:11:00:01:11,e1000=BC:24:11:00:01:12" }, {
    net0: "invalid format - key alias 'model' is already defined\n",
  }],
  [CREATE, { net0: "virtio,model=e1000" }, {
    net0: "invalid format - duplicate key in comma-separated list property: model\n",
  }],
  [CREATE, { net0: "virtio,bridge=" }, {
    net0: "invalid format - missing key in comma-separated list property\n",
  }],
  [CREATE, { ipconfig0: "ip=10.0.1.11,gw=10.0.0.1" }, {
    ipconfig0:
      "invalid format - format error\nipconfig0.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n",
  }],
  [CREATE, { ipconfig0: "gw=10.0.0.1" }, {
    ipconfig0: "invalid format - format error\nipconfig0.ip: missing property required by 'ipconfig0.gw'\n",
  }],
  [CREATE, { ipconfig0: "ip=dhcp" }, {}],
  [CREATE, { boot: "order=floppy0" }, {
    boot: "invalid format - format error\nboot.order: invalid format - invalid boot device 'floppy0'\n\n",
  }],
  [CREATE, { boot: "order=scsi0;net0" }, {}],
  [CREATE, { cpu: "kvm65" }, {
    cpu: "invalid format - Built-in cputype 'kvm65' is not defined (missing 'custom-' prefix?)\n",
  }],
  [CREATE, { cpu: "custom-fast" }, { cpu: "invalid format - Custom cputype 'fast' not found\n" }],
  [CREATE, { cpu: "host,flags=aes" }, {
    cpu: "invalid format - format error\ncpu.flags: value does not match the regex pattern\n",
  }],
  [CREATE, { cpu: "x86-64-v2-AES" }, {}],
  [CREATE, { memory: "8G" }, {
    memory: "invalid format - format error\nmemory.current: type check ('integer') failed - got '8G'\n",
  }],
  [CREATE, { memory: "8" }, {
    memory: "invalid format - format error\nmemory.current: value must have a minimum value of 16\n",
  }],
  [CREATE, { scsi0: "local-lvm:0,import-from=local:import/x.raw,discard=maybe" }, {
    scsi0:
      "invalid format - format error\nscsi0.discard: value 'maybe' does not have a value in the enumeration 'ignore, on'\n",
  }],
  [CREATE, { scsi0: "local-lvm:0,iothread=yes" }, {}],
  [CREATE, { scsi0: "local-lvm:0,local-lvm:1" }, {
    scsi0: "invalid format - duplicate key in comma-separated list property: file\n",
  }],
  [CREATE, { scsi0: "local-lvm:0,size=1X" }, {
    scsi0:
      "invalid format - format error\nscsi0.size: invalid format - value does not look like a valid disk size: 1X\n\n",
  }],
  [CREATE, { ide2: "cloudinit" }, {
    ide2:
      "invalid format - format error\nide2.file: invalid format - unable to parse volume ID 'cloudinit'\n\n",
  }],
  [CREATE, { machine: "q35,viommu=amd" }, {
    machine:
      "invalid format - format error\nmachine.viommu: value 'amd' does not have a value in the enumeration 'intel, virtio'\n",
  }],
  [CREATE, { agent: "yes" }, {}],
  // download-url
  [DOWNLOAD, { url: "ftp://x" }, { url: "value does not match the regex pattern" }],
  [DOWNLOAD, { checksum: "abc" }, { "checksum-algorithm": "missing property required by 'checksum'" }],
  [DOWNLOAD, { "checksum-algorithm": "sha256" }, {
    checksum: "missing property required by 'checksum-algorithm'",
  }],
  [DOWNLOAD, { content: "images" }, {
    content: "value 'images' does not have a value in the enumeration 'iso, vztmpl, import'",
  }],
  [DOWNLOAD, { content: "movies" }, { content: "invalid format - invalid content type 'movies'\n" }],
  [DOWNLOAD, { filename: "f".repeat(256) }, { filename: "value may only be 255 characters long" }],
  [DOWNLOAD, { "verify-certificates": "yes" }, {
    "verify-certificates": "type check ('boolean') failed - got 'yes'",
  }],
  [DOWNLOAD, { storage: "l" }, {
    storage: "invalid format - storage ID 'l' cannot be shorter than 2 characters\n",
  }],
  [DOWNLOAD, { storage: "local!" }, {
    storage: "invalid format - storage ID 'local!' contains illegal characters\n",
  }],
  // others
  ["PUT /nodes/{node}/qemu/{vmid}/resize", { size: "10GB" }, {
    size: "value does not match the regex pattern",
  }],
  ["PUT /nodes/{node}/qemu/{vmid}/resize", { size: "+10G" }, {}],
  ["GET /nodes/{node}/storage/{storage}/content", { content: "movies" }, {
    content: "invalid format - invalid content type 'movies'\n",
  }],
  ["GET /nodes/{node}/tasks/{upid}/log", { start: "-1" }, { start: "value must have a minimum value of 0" }],
  ["POST /nodes/{node}/qemu/{vmid}/config", { delete: "bad id!" }, {
    delete: "invalid format - invalid configuration ID 'id!'\n",
  }],
  ["POST /nodes/{node}/qemu/{vmid}/config", { digest: "x".repeat(41) }, {
    digest: "value may only be 40 characters long",
  }],
  ["GET /cluster/resources", { type: "qemu" }, {
    type: "value 'qemu' does not have a value in the enumeration 'vm, storage, node, sdn'",
  }],
  ["GET /access/permissions", { userid: "strata" }, { userid: "value does not match the regex pattern" }],
];

Deno.test("invalid parameters are rejected with PVE's messages, per parameter", () => {
  for (const [endpoint, change, errors] of CASES) {
    const params: Record<string, unknown> = { ...BASES[endpoint], ...change };
    for (const [k, v] of Object.entries(params)) if (v === undefined) delete params[k];
    assertEquals(
      validateParams(API_MODEL[endpoint], params),
      errors,
      `${endpoint} ${JSON.stringify(change).slice(0, 80)}`,
    );
  }
});

Deno.test("Perl patterns: qr// groups, {,n} quantifiers, unanchored alternation, final newline", () => {
  assertEquals(matchesPattern("(?^:\\d+(?:-\\d+)?(?:;\\d+(?:-\\d+)?)*)", "1;2-3"), true);
  assertEquals(matchesPattern("[A-Za-z0-9\\-_\\s]{,8}", "ABCDEFGH"), true);
  assertEquals(matchesPattern("[A-Za-z0-9\\-_\\s]{,8}", "ABCDEFGHI"), false);
  // m/^a|b$/ means (^a)|(b$), as in Perl
  assertEquals(matchesPattern("/dev/parport\\d+|/dev/usb/lp\\d+", "/dev/parport0trailing"), true);
  assertEquals(matchesPattern("socket", "socket\n"), true);
});

Deno.test("split_list splits on commas, semicolons and whitespace", () => {
  assertEquals(splitList(" a, b;c  d "), ["a", "b", "c", "d"]);
  assertEquals(splitList(""), []);
});
