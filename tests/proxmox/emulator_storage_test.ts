/** Storage on the emulated host: download-url as pve-storage does it, volumes, faults, persistence. */
import { assert, assertEquals, assertRejects } from "../testing.ts";
import { TransientError } from "../../lib/errors.ts";
import { ProxmoxApiError, ProxmoxTaskError } from "../../lib/proxmox/client.ts";
import { PROFILES } from "../../lab/profile.ts";
import { parseUpid } from "../../lab/proxmox/host.ts";
import { LabWorld } from "../../lab/world.ts";
import { IMAGE, labHost, sha256Hex } from "./lab_host.ts";

const download = (url: string, extra: Record<string, string> = {}) => ({
  url,
  content: "import" as const,
  filename: "talos-abc-v1.13.9-nocloud-amd64.raw",
  ...extra,
});

Deno.test("download-url: really downloads, takes the profile's time, verifies the checksum (a mismatch fails the task)", async () => {
  const t = await labHost();
  try {
    await assertRejects(
      () =>
        t.api.downloadUrl(
          "pve1",
          "local",
          download(t.imageUrl(), { checksum: "00".repeat(32), "checksum-algorithm": "sha256" }),
        ),
      (e) => {
        assert(e instanceof ProxmoxTaskError, String(e));
        assertEquals(
          e.exitstatus,
          `checksum mismatch: got '${sha256Hex(IMAGE)}' != expect '${"00".repeat(32)}'`,
        );
        assert(e.logTail.some((l) => l.startsWith("downloading http://127.0.0.9:")), e.logTail.join("\n"));
      },
    );
    assertEquals(await t.api.storageContent("pve1", "local"), [], "nothing is kept from a failed download");
    const ok = await t.api.downloadUrl(
      "pve1",
      "local",
      download(t.imageUrl(), { checksum: sha256Hex(IMAGE), "checksum-algorithm": "sha256" }),
    );
    assertEquals([ok.type, ok.id], ["download", "talos-abc-v1.13.9-nocloud-amd64.raw"]);
    const task = t.emu.state.tasks[ok.upid];
    assert(task.durationMs! >= PROFILES.fast.imageDownload.min, `took ${task.durationMs} virtual ms`);
    const [volume] = await t.api.storageContent("pve1", "local", { content: "import" });
    assertEquals([volume.volid, volume.size, volume.format], [
      "local:import/talos-abc-v1.13.9-nocloud-amd64.raw",
      IMAGE.length,
      "raw",
    ]);
    // the same file again: with the right checksum nothing is downloaded, without one it is refused
    const again = await t.api.downloadUrl(
      "pve1",
      "local",
      download(t.imageUrl(), { checksum: sha256Hex(IMAGE), "checksum-algorithm": "sha256" }),
    );
    assertEquals(again.exitstatus, "OK");
    await assertRejects(() => t.api.downloadUrl("pve1", "local", download(t.imageUrl())), (e) => {
      assertEquals(
        (e as ProxmoxTaskError).exitstatus,
        "refusing to override existing file '/var/lib/vz/import/talos-abc-v1.13.9-nocloud-amd64.raw'",
      );
    });
  } finally {
    await t.close();
  }
});

Deno.test("download-url refuses what PVE refuses, and the lab never leaves loopback", async () => {
  const t = await labHost();
  try {
    await assertRejects(
      () =>
        t.api.downloadUrl(
          "pve1",
          "local",
          download("https://factory.talos.dev/image/x/v1.13.9/nocloud-amd64.raw"),
        ),
      (e) => {
        assert((e as ProxmoxTaskError).exitstatus.includes("not a loopback address"), String(e));
      },
    );
    await assertRejects(
      () => t.api.downloadUrl("pve1", "local", download(t.imageUrl("missing.raw"))),
      (e) => {
        assert(
          /^download failed: command 'wget .*' failed: exit code 8$/.test((e as ProxmoxTaskError).exitstatus),
          String(e),
        );
      },
    );
    await assertRejects(() => t.api.downloadUrl("pve1", "local-lvm", download(t.imageUrl())), (e) => {
      assertEquals(
        (e as ProxmoxApiError).reason,
        "can't upload to storage type 'lvmthin', not a file based storage!",
      );
    });
    await assertRejects(
      () => t.api.downloadUrl("pve1", "local", { ...download(t.imageUrl()), filename: "talos.raw.xz" }),
      (e) => {
        assertEquals((e as ProxmoxApiError).errors, { filename: "invalid filename or wrong extension" });
      },
    );
    await assertRejects(() => t.api.downloadUrl("pve1", "nfs1", download(t.imageUrl())), (e) => {
      assertEquals((e as ProxmoxApiError).reason, "storage 'nfs1' does not exist");
    });
  } finally {
    await t.close();
  }
});

Deno.test("deleting a volume needs Datastore.Allocate on the storage; it runs as an imgdel task", async () => {
  const volid = "local-lvm:vm-4242-pvc-11111111-2222-3333-4444-555555555555";
  const denied = await labHost();
  try {
    denied.emu.state.storages["local-lvm"].volumes[volid] = 1024 ** 3;
    await assertRejects(() => denied.api.deleteVolume("pve1", "local-lvm", volid), (e) => {
      assertEquals(
        (e as ProxmoxApiError).reason,
        "Permission check failed (/storage/local-lvm, Datastore.Allocate)",
      );
    });
  } finally {
    await denied.close();
  }
  const t = await labHost({ extraPrivileges: ["Datastore.Allocate"] });
  try {
    t.emu.state.storages["local-lvm"].volumes[volid] = 1024 ** 3;
    const done = await t.api.deleteVolume("pve1", "local-lvm", volid);
    assertEquals([done.type, done.id], ["imgdel", "4242@local-lvm"]);
    assertEquals(await t.api.storageContent("pve1", "local-lvm"), []);
    // a volid with '/' in it: the rest of the path is the volume, as PVE routes it
    t.emu.state.storages.local.volumes["local:import/old.raw"] = 10;
    await t.api.deleteVolume("pve1", "local", "local:import/old.raw");
    assertEquals(await t.api.storageContent("pve1", "local"), []);
  } finally {
    await t.close();
  }
});

Deno.test("injected faults: 503, 595 and lock timeouts, and dropped connections, are transient and retried", async () => {
  for (const faults of [{ errorRate: 1 }, { dropRate: 1 }]) {
    const t = await labHost({ faults });
    try {
      const pve = t.client({ attempts: 3 });
      await assertRejects(
        () => pve.get("/nodes/pve1/qemu/101/status/current"),
        (e) => assert(e instanceof TransientError, String(e)),
      );
      const statuses = t.trace.entries.map((e) => e.status);
      assertEquals(statuses, faults.errorRate ? [503, 595, 500] : ["dropped", "dropped", "dropped"]);
    } finally {
      await t.close();
    }
  }
});

Deno.test("the host is persisted in the lab world: a restarted emulator has the same VMs, CA and certificate", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await labHost({ world: await LabWorld.open(dir) });
    let fingerprint: string, ca: string;
    try {
      await first.api.createVm("pve1", { vmid: 1300, name: "kept" });
      fingerprint = first.emu.fingerprint;
      ca = first.emu.caPem;
    } finally {
      await first.close();
    }
    const world = await LabWorld.open(dir);
    const second = await labHost({ world });
    try {
      assertEquals((await second.api.vms("pve1")).map((v) => [v.vmid, v.name]), [[1300, "kept"]]);
      assertEquals([second.emu.fingerprint, second.emu.caPem], [fingerprint, ca]);
      const upid = Object.keys(second.emu.state.tasks)[0];
      assertEquals(parseUpid(upid)?.type, "qmcreate");
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
