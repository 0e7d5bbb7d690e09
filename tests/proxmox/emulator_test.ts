/** The Proxmox API emulator through strata's client: strict as PVE, tasks, locks, storage, download-url. */
import { assert, assertEquals, assertRejects } from "../testing.ts";
import { systemClock } from "../../lib/clock/clock.ts";
import { createCa } from "../../lib/pki/mod.ts";
import { ProxmoxApiError, ProxmoxClient } from "../../lib/proxmox/client.ts";
import { PROFILES } from "../../lab/profile.ts";
import { seededRandom } from "../../lab/random.ts";
import { TraceLog } from "../../lab/trace.ts";
import { LabWorld } from "../../lab/world.ts";
import { proxmoxWorld } from "../../lab/ssh/server.ts";
import { runPveum } from "../../lab/proxmox/pveum.ts";
import { startProxmoxEmulator } from "../../lab/proxmox/server.ts";
import { PROVISIONER_PRIVILEGES } from "../../layers/00-persistent-auth/proxmox.ts";

async function setup() {
  const world = LabWorld.memory();
  const access = proxmoxWorld(world).access;
  const run = (args: string[]) => {
    const r = runPveum(access, args);
    if (r.code) throw new Error(r.stderr);
    return r.stdout;
  };
  run(["user", "add", "strata@pve"]);
  run(["role", "add", "Prov", "--privs", PROVISIONER_PRIVILEGES.join(",")]);
  run(["role", "add", "Audit", "--privs", "VM.Audit,Sys.Audit"]);
  run(["acl", "modify", "/", "--users", "strata@pve", "--roles", "Prov"]);
  const token = (id: string, role: string) => {
    const t = JSON.parse(run(["user", "token", "add", "strata@pve", id, "--output-format", "json"]));
    run(["acl", "modify", "/", "--tokens", `strata@pve!${id}`, "--roles", role]);
    return t.value as string;
  };
  const prov = token("prov", "Prov");
  const audit = token("audit", "Audit");
  const started: { node: string; vmid: number; ip?: string; mac?: string }[] = [];
  const trace = new TraceLog();
  const emu = await startProxmoxEmulator({
    world,
    clock: systemClock,
    profile: PROFILES.fast,
    random: seededRandom(1),
    trace,
    node: "pve1",
    address: "127.0.0.10",
    port: 0,
    onVmStarted: (i) => started.push(i),
  });
  const image = new TextEncoder().encode("talos raw image bytes");
  const factory = Deno.serve({ hostname: "127.0.0.9", port: 0, onListen() {} }, () => new Response(image));
  const client = (secret = prov, tokenId = "strata@pve!prov", caPem = emu.caPem) =>
    new ProxmoxClient({ baseUrl: emu.url, tokenId, secret, caPem, clock: systemClock, attempts: 1 });
  const pve = client();
  return {
    world,
    trace,
    emu,
    pve,
    client,
    audit,
    started,
    image,
    factoryUrl: `http://127.0.0.9:${factory.addr.port}/image/abc/v1.13.9/nocloud-amd64.raw`,
    close: async () => {
      pve.close();
      await emu.close();
      await factory.shutdown();
    },
  };
}

const status = (err: unknown) => (err as ProxmoxApiError).status;

Deno.test("auth: token header accepted; bad token 401; missing privilege 403; wrong CA refused", async () => {
  const t = await setup();
  try {
    assertEquals((await t.pve.get<{ version: string }>("/version")).version, "9.1.3");
    const bad = t.client("wrong");
    await assertRejects(() => bad.get("/version"), (e) => assertEquals(status(e), 401));
    bad.close();
    const auditor = t.client(t.audit, "strata@pve!audit");
    await assertRejects(
      () => auditor.post("/nodes/pve1/qemu", { vmid: 1101, memory: 2048 }),
      (e) => assert(status(e) === 403 && String(e).includes("VM.Allocate"), String(e)),
    );
    auditor.close();
    const other = await createCa({ keyType: "ecdsa-p256", subject: { commonName: "someone else" } });
    const pinned = t.client(undefined, undefined, other.certificate);
    await assertRejects(
      () => pinned.get("/version"),
      (e) => assert(!(e instanceof ProxmoxApiError), String(e)),
    );
    pinned.close();
    assert(t.trace.entries.every((e) => e.system === "proxmox"));
  } finally {
    await t.close();
  }
});

Deno.test("invalid requests are rejected as PVE does: 400 with per-parameter errors, 501 for unknown paths", async () => {
  const t = await setup();
  try {
    const cases: [string, string, Record<string, string | number>, Record<string, string>][] = [
      ["POST", "/nodes/pve1/qemu", { vmid: "abc" }, { vmid: "type check ('integer') failed - got 'abc'" }],
      ["POST", "/nodes/pve1/qemu", {}, { vmid: "property is missing and it is not optional" }],
      ["POST", "/nodes/pve1/qemu", { vmid: 1101, cpus: 2 }, {
        cpus: "property is not defined in schema and the schema does not allow additional properties",
      }],
      ["POST", "/nodes/pve1/qemu/1101/status/start", { timeout: "soon" }, {
        timeout: "type check ('integer') failed - got 'soon'",
      }],
      ["GET", "/nodes/pve1/storage/local/content", { content: "movies" }, {
        content: "invalid content type 'movies'",
      }],
    ];
    for (const [method, path, params, errors] of cases) {
      await assertRejects(() => t.pve.request(method, path, params), (e) => {
        assertEquals(status(e), 400, `${method} ${path}`);
        assertEquals((e as ProxmoxApiError).errors, errors);
      });
    }
    await assertRejects(() => t.pve.get("/nodes/pve1/frobnicate"), (e) => {
      assertEquals(status(e), 501);
      assertEquals((e as ProxmoxApiError).reason, "Method 'GET /nodes/pve1/frobnicate' not implemented");
    });
  } finally {
    await t.close();
  }
});

Deno.test("download-url honours the checksum; a VM is created from the image, started, stopped and destroyed", async () => {
  const t = await setup();
  try {
    const sha256 = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", t.image)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const bad = await t.pve.post<string>("/nodes/pve1/storage/local/download-url", {
      url: t.factoryUrl,
      content: "import",
      filename: "talos-abc-v1.13.9.raw",
      checksum: "00".repeat(32),
      "checksum-algorithm": "sha256",
    });
    assert(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:download:local:strata@pve!prov:$/.test(bad), bad);
    await assertRejects(
      () => t.pve.waitForTask("pve1", bad),
      (e) => assert(String(e).includes("checksum mismatch"), String(e)),
    );
    const ok = await t.pve.post<string>("/nodes/pve1/storage/local/download-url", {
      url: t.factoryUrl,
      content: "import",
      filename: "talos-abc-v1.13.9.raw",
      checksum: sha256,
      "checksum-algorithm": "sha256",
    });
    await t.pve.waitForTask("pve1", ok);
    const content = await t.pve.get<{ volid: string }[]>("/nodes/pve1/storage/local/content", {
      content: "import",
    });
    assertEquals(content.map((c) => c.volid), ["local:import/talos-abc-v1.13.9.raw"]);

    const create = await t.pve.post<string>("/nodes/pve1/qemu", {
      vmid: 1101,
      name: "cp-1",
      memory: 4096,
      cores: 2,
      cpu: "host",
      machine: "q35",
      scsihw: "virtio-scsi-single",
      scsi0: "local-lvm:0,import-from=local:import/talos-abc-v1.13.9.raw,iothread=1",
      ide2: "local-lvm:cloudinit",
      net0: "virtio=BC:24:11:00:01:11,bridge=vmbr0",
      ipconfig0: "ip=10.0.1.11/16,gw=10.0.0.1",
      boot: "order=scsi0",
      agent: "enabled=1",
      onboot: 1,
      tags: "strata;strata-lab;role-controlplane",
    });
    await t.pve.waitForTask("pve1", create);
    const config = await t.pve.get<Record<string, string>>("/nodes/pve1/qemu/1101/config");
    assert(config.scsi0.startsWith("local-lvm:vm-1101-disk-0,"), config.scsi0);
    await assertRejects(
      () => t.pve.post("/nodes/pve1/qemu", { vmid: 1101 }),
      (e) => assert(String(e).includes("already exists")),
    );
    await assertRejects(
      () => t.pve.post("/nodes/pve1/qemu", { vmid: 1102, net0: "virtio,bridge=vmbr9" }),
      (e) => assertEquals(status(e), 400),
    );

    await t.pve.waitForTask("pve1", await t.pve.post<string>("/nodes/pve1/qemu/1101/status/start"));
    assertEquals(
      (await t.pve.get<{ status: string }>("/nodes/pve1/qemu/1101/status/current")).status,
      "running",
    );
    assertEquals(t.started, [{ node: "pve1", vmid: 1101, ip: "10.0.1.11", mac: "BC:24:11:00:01:11" }]);
    await assertRejects(
      () => t.pve.delete("/nodes/pve1/qemu/1101"),
      (e) => assert(String(e).includes("is running")),
    );
    await t.pve.waitForTask("pve1", await t.pve.post<string>("/nodes/pve1/qemu/1101/status/stop"));
    await t.pve.waitForTask(
      "pve1",
      await t.pve.delete<string>("/nodes/pve1/qemu/1101", { purge: 1, "destroy-unreferenced-disks": 1 }),
    );
    assertEquals(await t.pve.get("/nodes/pve1/qemu"), []);
    const lvm = await t.pve.get<{ volid: string }[]>("/nodes/pve1/storage/local-lvm/content");
    assertEquals(lvm, [], "disks are gone with the VM");
  } finally {
    await t.close();
  }
});

Deno.test("download-url refuses non-loopback sources (the lab never leaves this machine)", async () => {
  const t = await setup();
  try {
    const upid = await t.pve.post<string>("/nodes/pve1/storage/local/download-url", {
      url: "https://factory.talos.dev/image/x/v1.13.9/nocloud-amd64.raw",
      content: "import",
      filename: "x.raw",
    });
    await assertRejects(
      () => t.pve.waitForTask("pve1", upid),
      (e) => assert(String(e).includes("not a loopback address"), String(e)),
    );
  } finally {
    await t.close();
  }
});

Deno.test("injected faults: 503s and dropped connections are transient and retried by the client", async () => {
  const { Faults } = await import("../../lab/faults.ts");
  const { TransientError } = await import("../../lib/errors.ts");
  for (const knob of [{ errorRate: 1 }, { dropRate: 1 }]) {
    const world = LabWorld.memory();
    const access = proxmoxWorld(world).access;
    runPveum(access, ["user", "add", "strata@pve"]);
    const token = JSON.parse(
      runPveum(access, [
        "user",
        "token",
        "add",
        "strata@pve",
        "tk",
        "--privsep",
        "0",
        "--output-format",
        "json",
      ]).stdout,
    );
    const trace = new TraceLog();
    const emu = await startProxmoxEmulator({
      world,
      clock: systemClock,
      profile: PROFILES.fast,
      random: seededRandom(1),
      trace,
      faults: new Faults({ ...knob, seed: 7 }),
      node: "pve1",
      address: "127.0.0.10",
      port: 0,
    });
    const pve = new ProxmoxClient({
      baseUrl: emu.url,
      tokenId: "strata@pve!tk",
      secret: token.value,
      caPem: emu.caPem,
      clock: new (await import("../../lib/clock/clock.ts")).ScaledClock(1000),
      attempts: 3,
    });
    try {
      await assertRejects(() => pve.get("/version"), (e) => assert(e instanceof TransientError, String(e)));
      assertEquals(trace.entries.length, 3, "three attempts reached the emulator");
    } finally {
      pve.close();
      await emu.close();
    }
  }
});
