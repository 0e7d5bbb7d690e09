/**
 * Shared storage across two emulated nodes of one lab world, as a PVE cluster has it: one storage
 * (volumes, free space) seen from every node with `shared: 1`; local storages stay per node.
 */
import { assert, assertEquals, assertRejects } from "../testing.ts";
import { type ClusterResource, ProxmoxApi } from "../../lib/proxmox/api.ts";
import { ProxmoxClient, type ProxmoxTaskError } from "../../lib/proxmox/client.ts";
import { PROFILES } from "../../lab/profile.ts";
import { seededRandom } from "../../lab/random.ts";
import { startProxmoxEmulator } from "../../lab/proxmox/server.ts";
import type { SharedStorageSpec } from "../../lab/proxmox/shared_storage.ts";
import { LabWorld } from "../../lab/world.ts";
import { IMAGE, labHost, sha256Hex } from "./lab_host.ts";
import { returnProblems } from "./returns.ts";

const NFS: SharedStorageSpec = { id: "nfs-images", type: "nfs", content: ["import", "iso"], sizeGiB: 1 };
const FILE = "talos-abc-v1.13.9-nocloud-amd64.raw";
const VOLID = `nfs-images:import/${FILE}`;

/** pve1 (the lab_host fixture) and pve2 on the same world, pve2 started with the shared storage. */
async function twoNodes(world?: LabWorld) {
  const t = await labHost({ world });
  const pve2 = await startProxmoxEmulator({
    world: t.world,
    clock: t.clock,
    profile: PROFILES.fast,
    random: seededRandom(2),
    trace: t.trace,
    node: "pve2",
    address: "127.0.0.11",
    port: 0,
    sharedStorages: [NFS],
  });
  const client2 = new ProxmoxClient({
    baseUrl: pve2.url,
    tokenId: "strata@pve!prov",
    secret: t.tokens.prov,
    caPem: pve2.caPem,
    clock: t.clock,
    attempts: 1,
  });
  return {
    t,
    pve2,
    api1: t.api,
    api2: new ProxmoxApi(client2),
    client2,
    async close() {
      client2.close();
      await pve2.close();
      await t.close();
    },
  };
}

Deno.test("a shared storage is one storage on every node: listed with shared 1, one set of files, one free space", async () => {
  const n = await twoNodes();
  try {
    // pve1 was running before pve2 defined the storage: it has it all the same
    for (const [node, api] of [["pve1", n.api1], ["pve2", n.api2]] as const) {
      const storages = await api.storages(node);
      assertEquals(returnProblems("GET /nodes/{node}/storage", storages), []);
      const byId = Object.fromEntries(storages.map((s) => [s.storage, s]));
      assertEquals(Object.keys(byId).sort(), ["local", "local-lvm", "nfs-images"], node);
      assertEquals([byId["nfs-images"].shared, byId["nfs-images"].type, byId["nfs-images"].content], [
        1,
        "nfs",
        "import,iso",
      ]);
      assertEquals([byId.local.shared, byId["local-lvm"].shared], [0, 0]);
      assertEquals(byId["nfs-images"].total, 1024 ** 3);
      assertEquals((await api.storages(node, { content: "import" })).map((s) => s.storage).sort(), [
        "local",
        "nfs-images",
      ]);
    }
    assert(n.t.emu.state.storages["nfs-images"] === n.pve2.state.storages["nfs-images"]);
    assert(n.t.emu.state.storages.local !== n.pve2.state.storages.local, "local storages stay per node");

    // downloaded through pve1: there for pve2 too, and pve2's free space is less by its size
    const sum = sha256Hex(IMAGE);
    const done = await n.api1.downloadUrl("pve1", "nfs-images", {
      url: n.t.imageUrl(),
      content: "import",
      filename: FILE,
      checksum: sum,
      "checksum-algorithm": "sha256",
    });
    assertEquals(done.exitstatus, "OK");
    for (const [node, api] of [["pve1", n.api1], ["pve2", n.api2]] as const) {
      const content = await api.storageContent(node, "nfs-images", { content: "import" });
      assertEquals(returnProblems("GET /nodes/{node}/storage/{storage}/content", content), []);
      assertEquals(content.map((c) => [c.volid, c.size]), [[VOLID, IMAGE.length]], node);
      const status = await api.storageStatus(node, "nfs-images");
      assertEquals([status.shared, status.used, status.avail], [1, IMAGE.length, 1024 ** 3 - IMAGE.length]);
      assertEquals(await api.storageContent(node, "local", { content: "import" }), [], `${node}: local`);
    }
    // pve2 asked for the same file: PVE finds the right file there already; without a checksum it refuses
    const again = await n.api2.downloadUrl("pve2", "nfs-images", {
      url: n.t.imageUrl(),
      content: "import",
      filename: FILE,
      checksum: sum,
      "checksum-algorithm": "sha256",
    });
    assertEquals(again.exitstatus, "OK");
    assert(
      n.pve2.state.tasks[again.upid].log.some((l) => l.includes("got correct file already")),
      n.pve2.state.tasks[again.upid].log.join("\n"),
    );
    await assertRejects(
      () =>
        n.api2.downloadUrl("pve2", "nfs-images", { url: n.t.imageUrl(), content: "import", filename: FILE }),
      (e) =>
        assertEquals(
          (e as ProxmoxTaskError).exitstatus,
          `refusing to override existing file '/mnt/pve/nfs-images/import/${FILE}'`,
        ),
    );
    // the task ran on the node asked, though the file is everybody's
    assertEquals(Object.values(n.t.emu.state.tasks).filter((t) => t.type === "download").length, 1);
  } finally {
    await n.close();
  }
});

Deno.test("the cluster resources of each node list the shared storage as shared, with the same usage", async () => {
  const n = await twoNodes();
  try {
    n.pve2.state.storages["nfs-images"].volumes[VOLID] = 4096;
    for (const api of [n.api1, n.api2]) {
      const [nfs] = (await api.clusterResources("storage")).filter((r) =>
        r.storage === "nfs-images"
      ) as (ClusterResource & { shared?: number })[];
      assertEquals([nfs.shared, nfs.disk, nfs.maxdisk], [1, 4096, 1024 ** 3]);
    }
  } finally {
    await n.close();
  }
});

Deno.test("a shared storage is full for every node at once: a download too big fails wherever it is asked", async () => {
  const n = await twoNodes();
  try {
    // someone else's ISO fills the storage through pve1
    n.t.emu.state.storages["nfs-images"].volumes["nfs-images:iso/big.iso"] = 1024 ** 3 - 8;
    await assertRejects(
      () =>
        n.api2.downloadUrl("pve2", "nfs-images", {
          url: n.t.imageUrl(),
          content: "import",
          filename: FILE,
        }),
      (e) =>
        assertEquals(
          (e as ProxmoxTaskError).exitstatus,
          "unable to rename temporary file: No space left on device",
        ),
    );
    assertEquals((await n.api2.storageStatus("pve2", "nfs-images")).avail, 8);
  } finally {
    await n.close();
  }
});

Deno.test("saved and reopened, the world's nodes share the storage again (the cluster-wide copy counts)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await twoNodes(await LabWorld.open(dir));
    try {
      await first.api2.downloadUrl("pve2", "nfs-images", {
        url: first.t.imageUrl(),
        content: "import",
        filename: FILE,
      });
    } finally {
      await first.close();
    }
    const second = await twoNodes(await LabWorld.open(dir));
    try {
      assert(second.t.emu.state.storages["nfs-images"] === second.pve2.state.storages["nfs-images"]);
      assertEquals((await second.api1.storageContent("pve1", "nfs-images")).map((c) => c.volid), [VOLID]);
      second.t.emu.state.storages["nfs-images"].volumes["nfs-images:iso/x.iso"] = 1;
      assertEquals((await second.api2.storageContent("pve2", "nfs-images")).length, 2);
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
