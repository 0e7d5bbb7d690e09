/** VMs on the emulated host through strata's client: lifecycle, locks, pending changes, disks, shapes. */
import { assert, assertEquals, assertRejects } from "../testing.ts";
import { ProxmoxApiError, ProxmoxTaskError } from "../../lib/proxmox/client.ts";
import { TransientError } from "../../lib/errors.ts";
import { IMAGE, type LabHost, labHost, sha256Hex } from "./lab_host.ts";
import { returnProblems } from "./returns.ts";

const IMAGE_VOLID = "local:import/talos-abc-v1.13.9-nocloud-amd64.raw";

async function withImage(t: LabHost) {
  await t.api.downloadUrl("pve1", "local", {
    url: t.imageUrl(),
    content: "import",
    filename: "talos-abc-v1.13.9-nocloud-amd64.raw",
    checksum: sha256Hex(IMAGE),
    "checksum-algorithm": "sha256",
  });
}

const createParams = (vmid: number, extra: Record<string, string | number> = {}) => ({
  vmid,
  name: `cp-${vmid}`,
  memory: 4096,
  cores: 2,
  sockets: 1,
  cpu: "host",
  machine: "q35",
  ostype: "l26",
  scsihw: "virtio-scsi-single",
  scsi0: `local-lvm:0,import-from=${IMAGE_VOLID},iothread=1,discard=on`,
  ide2: "local-lvm:cloudinit",
  net0: `virtio=BC:24:11:00:${String(vmid % 100).padStart(2, "0")}:11,bridge=vmbr0,tag=10`,
  ipconfig0: `ip=10.0.1.${vmid % 100}/16,gw=10.0.0.1`,
  nameserver: "10.0.0.1",
  serial0: "socket",
  boot: "order=scsi0",
  agent: "enabled=1",
  onboot: 1,
  tags: "strata;strata-lab;role-controlplane",
  description: "Talos controlplane; managed by strata",
  ...extra,
});

Deno.test("a VM from the image: created, resized, started (it boots with its IP), stopped, destroyed with its disks", async () => {
  const t = await labHost();
  try {
    await withImage(t);
    const created = await t.api.createVm("pve1", createParams(1111));
    assertEquals([created.type, created.id, created.exitstatus, created.user], [
      "qmcreate",
      "1111",
      "OK",
      "strata@pve",
    ]);
    const config = await t.api.vmConfig("pve1", 1111);
    assertEquals(config.scsi0, `local-lvm:vm-1111-disk-0,discard=on,iothread=1,size=${IMAGE.length}`);
    assertEquals(config.ide2, "local-lvm:vm-1111-cloudinit,media=cdrom");
    assertEquals(config.tags, "role-controlplane;strata;strata-lab", "PVE sorts and lower-cases tags");
    assertEquals(
      [config.cores, config.onboot, config.memory],
      [2, 1, "4096"],
      "integers and booleans are JSON numbers",
    );
    assert(/^[0-9a-f]{40}$/.test(config.digest), "SHA-1 digest");
    assertEquals(returnProblems("GET /nodes/{node}/qemu/{vmid}/config", config), []);

    await t.api.resizeDisk("pve1", 1111, "scsi0", "32G");
    assertEquals(
      (await t.api.vmConfig("pve1", 1111)).scsi0,
      "local-lvm:vm-1111-disk-0,discard=on,iothread=1,size=32G",
    );
    await assertRejects(() => t.api.resizeDisk("pve1", 1111, "scsi0", "16G"), (e) => {
      assertEquals((e as ProxmoxTaskError).exitstatus, "shrinking disks is not supported");
    });

    await t.api.startVm("pve1", 1111);
    assertEquals(t.started, [["pve1", 1111, "10.0.1.11", "BC:24:11:00:11:11"]]);
    const status = await t.api.vmStatus("pve1", 1111);
    assertEquals([status.status, status.agent], ["running", 1]);
    assertEquals(returnProblems("GET /nodes/{node}/qemu/{vmid}/status/current", status), []);
    await assertRejects(() => t.api.startVm("pve1", 1111), (e) => {
      assertEquals((e as ProxmoxTaskError).exitstatus, "VM 1111 already running");
    });
    await assertRejects(() => t.api.destroyVm("pve1", 1111), (e) => {
      assertEquals([(e as ProxmoxApiError).status, (e as ProxmoxApiError).reason], [
        500,
        "VM 1111 is running - destroy failed",
      ]);
    });
    await t.api.stopVm("pve1", 1111);
    // a volume left over from an earlier VM with the same id goes only with destroy-unreferenced-disks
    t.emu.state.storages["local-lvm"].volumes["local-lvm:vm-1111-disk-7"] = 1024;
    await t.api.destroyVm("pve1", 1111);
    assertEquals(await t.api.vms("pve1"), []);
    assertEquals(await t.api.storageContent("pve1", "local-lvm"), []);
    assertEquals(
      (await t.api.storageContent("pve1", "local")).map((v) => v.volid),
      [IMAGE_VOLID],
      "the image stays",
    );
  } finally {
    await t.close();
  }
});

Deno.test("create refuses what PVE refuses: a taken vmid, import-from without STORAGE:0, a storage without images", async () => {
  const t = await labHost({ foreignVms: [{ vmid: 999, name: "grafana" }] });
  try {
    await withImage(t);
    await assertRejects(() => t.api.createVm("pve1", { vmid: 999, name: "x" }), (e) => {
      assertEquals(
        (e as ProxmoxApiError).reason,
        "unable to create VM 999 - VM 999 already exists on node 'pve1'",
      );
    });
    await assertRejects(
      () => t.api.createVm("pve1", { vmid: 1200, scsi0: `local-lvm:8,import-from=${IMAGE_VOLID}` }),
      (e) => {
        assertEquals((e as ProxmoxApiError).errors, {
          scsi0: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
        });
      },
    );
    await assertRejects(() => t.api.createVm("pve1", { vmid: 1200, scsi0: "local:8" }), (e) => {
      assertEquals((e as ProxmoxApiError).errors, { storage: "storage 'local' does not support vm images" });
    });
    await assertRejects(
      () => t.api.createVm("pve1", { vmid: 1200, scsi0: "local-lvm:0,import-from=local:import/nope.raw" }),
      (e) => {
        assertEquals(
          (e as ProxmoxTaskError).exitstatus,
          "unable to create VM 1200 - cannot import from 'local:import/nope.raw' - volume 'local:import/nope.raw' does not exist",
        );
      },
    );
    assertEquals(
      (await t.api.vms("pve1")).map((v) => v.vmid),
      [999],
      "a failed create leaves nothing behind",
    );
    // a NIC on a bridge the host lacks: created, but it cannot start
    await t.api.createVm("pve1", { vmid: 1201, net0: "virtio,bridge=vmbr9" });
    assert(
      /^virtio=BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2},bridge=vmbr9$/.test(
        String((await t.api.vmConfig("pve1", 1201)).net0),
      ),
    );
    await assertRejects(() => t.api.startVm("pve1", 1201), (e) => {
      assertEquals((e as ProxmoxTaskError).exitstatus, "bridge 'vmbr9' does not exist");
    });
  } finally {
    await t.close();
  }
});

Deno.test("config changes: applied at once on a stopped VM, pending until a restart on a running one", async () => {
  const t = await labHost();
  try {
    await withImage(t);
    await t.api.createVm("pve1", createParams(1112));
    await t.api.updateVmConfig("pve1", 1112, { cores: 4, memory: 8192 });
    assertEquals((await t.api.vmConfig("pve1", 1112, { current: true })).cores, 4);
    await t.api.startVm("pve1", 1112);
    await t.api.updateVmConfig("pve1", 1112, { cores: 6, name: "cp-renamed" });
    const pending = await t.api.vmConfig("pve1", 1112);
    const current = await t.api.vmConfig("pve1", 1112, { current: true });
    assertEquals([pending.cores, current.cores], [6, 4], "cores wait for a restart");
    assertEquals(current.name, "cp-renamed", "the name applies at once");
    await t.api.shutdownVm("pve1", 1112, { timeout: 60 });
    await t.api.startVm("pve1", 1112);
    assertEquals((await t.api.vmConfig("pve1", 1112, { current: true })).cores, 6);
    // a stale digest is refused
    await assertRejects(
      () => t.pve.post("/nodes/pve1/qemu/1112/config", { cores: 2, digest: "0".repeat(40) }),
      (e) => {
        assertEquals((e as ProxmoxApiError).reason, "checksum mismatch (file change by other user?)");
      },
    );
    // synchronous update (PUT) needs no task
    assertEquals(await t.api.updateVmConfigSync("pve1", 1112, { description: "sync" }), null);
    assertEquals((await t.api.vmConfig("pve1", 1112)).description, "sync");
  } finally {
    await t.close();
  }
});

Deno.test("locks: a task that cannot get the VM's config lock in 10 s fails with PVE's message; the client retries it", async () => {
  const t = await labHost();
  try {
    await t.api.createVm("pve1", { vmid: 1113, cores: 1 });
    let release!: () => void;
    const holder = t.emu.locks.withLock(1113, 10, () => new Promise<void>((r) => release = r));
    await assertRejects(() => t.api.updateVmConfig("pve1", 1113, { cores: 2 }), (e) => {
      assert(e instanceof TransientError, String(e));
      assert(
        String(e).includes("can't lock file '/var/lock/qemu-server/lock-1113.conf' - got timeout"),
        String(e),
      );
    });
    // the synchronous API call fails the same way, as an HTTP 500
    await assertRejects(() => t.api.updateVmConfigSync("pve1", 1113, { cores: 2 }), (e) => {
      assert(e instanceof TransientError && String(e.cause).includes("got timeout"), String(e));
    });
    // with retries, a lock released after a failed try lets the next one through
    const failedSoFar = () =>
      Object.values(t.emu.state.tasks).filter((k) => /got timeout/.test(k.exitstatus ?? "")).length;
    const before = failedSoFar();
    const retrying = t.client({ attempts: 4 });
    const update = retrying.runTask("pve1", "POST", "/nodes/pve1/qemu/1113/config", { cores: 3 });
    while (failedSoFar() === before) await t.clock.sleep(1000);
    release();
    await holder;
    assertEquals((await update).exitstatus, "OK");
    assertEquals((await t.api.vmConfig("pve1", 1113)).cores, 3);
  } finally {
    await t.close();
  }
});

Deno.test("foreign VMs are listed like any other and keep their own tags", async () => {
  const t = await labHost({ foreignVms: [{ vmid: 999, name: "grafana" }] });
  try {
    const vms = await t.api.vms("pve1");
    assertEquals(vms.map((v) => [v.vmid, v.name, v.tags, v.status]), [[
      999,
      "grafana",
      "production",
      "running",
    ]]);
    assertEquals(returnProblems("GET /nodes/{node}/qemu", vms), []);
    const resources = await t.api.clusterResources("vm");
    assertEquals(resources.map((r) => r.id), ["qemu/999"]);
  } finally {
    await t.close();
  }
});

Deno.test("answers have the shapes of the API schema", async () => {
  const t = await labHost();
  try {
    await withImage(t);
    await t.api.createVm("pve1", createParams(1114));
    const checks: [string, unknown][] = [
      ["GET /version", await t.api.version()],
      ["GET /nodes", await t.api.nodes()],
      ["GET /nodes/{node}/status", await t.api.nodeStatus("pve1")],
      ["GET /cluster/resources", await t.api.clusterResources()],
      ["GET /nodes/{node}/storage", await t.api.storages("pve1")],
      ["GET /nodes/{node}/storage/{storage}/status", await t.api.storageStatus("pve1", "local-lvm")],
      ["GET /nodes/{node}/storage/{storage}/content", await t.api.storageContent("pve1", "local-lvm")],
      ["GET /nodes/{node}/network", await t.api.networks("pve1", "bridge")],
      ["GET /nodes/{node}/qemu", await t.api.vms("pve1")],
      ["GET /access/permissions", await t.api.permissions()],
      ["GET /cluster/nextid", await t.api.nextId()],
    ];
    for (const [endpoint, data] of checks) assertEquals(returnProblems(endpoint, data), [], endpoint);
    assertEquals(await t.api.nextId(), 100);
    await assertRejects(() => t.api.nextId(1114), (e) => {
      assertEquals((e as ProxmoxApiError).errors, { vmid: "VM 1114 already exists" });
    });
    assertEquals((await t.api.networks("pve1", "bridge")).map((n) => n.iface), ["vmbr0"]);
    const lvm = await t.api.storageStatus("pve1", "local-lvm");
    assertEquals(lvm.used, IMAGE.length + 4 * 1024 * 1024, "the imported disk and the cloud-init drive");
    assertEquals(lvm.avail, lvm.total! - lvm.used!);
  } finally {
    await t.close();
  }
});

Deno.test("tasks: status and log as Tasks.pm shows them; a token sees its own tasks, others need Sys.Audit", async () => {
  const t = await labHost();
  try {
    const upid = await t.pve.post<string>("/nodes/pve1/qemu", { vmid: 1115 });
    assert(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmcreate:1115:strata@pve!prov:$/.test(upid), upid);
    const status = await t.pve.waitForTask("pve1", upid);
    assertEquals(returnProblems("GET /nodes/{node}/tasks/{upid}/status", status), []);
    assertEquals([status.user, (status as unknown as { tokenid: string }).tokenid], ["strata@pve", "prov"]);
    const log = await t.api.taskLog("pve1", upid);
    assertEquals(log.at(-1), { n: log.length, t: "TASK OK" });
    const auditor = t.client({ tokenId: "auditor@pve!audit", secret: t.tokens.audit });
    assertEquals(
      (await auditor.get<{ status: string }>(`/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`)).status,
      "stopped",
    );
    await assertRejects(() => t.pve.get("/nodes/pve1/tasks/UPID:bad/status"), (e) => {
      assertEquals((e as ProxmoxApiError).errors, { upid: "unable to parse worker upid" });
    });
  } finally {
    await t.close();
  }
});
