/**
 * Layer 01's image steps against two emulated hosts of one lab world (port 0): a storage both hosts
 * share gets the image once, and every VM on either host imports that one file; a local storage gets
 * one download per host. Run through the engine's `applyLayer` with `vmSteps`, as bench/vms.ts does.
 */
import { assert, assertEquals } from "../../tests/testing.ts";
import { ScaledClock } from "../../lib/clock/clock.ts";
import { parseConfig } from "../../lib/config/load.ts";
import { applyLayer, planLayer } from "../../lib/engine/run.ts";
import type { EngineEvent } from "../../lib/engine/types.ts";
import { type Params, ProxmoxClient } from "../../lib/proxmox/client.ts";
import { StateStore } from "../../lib/state/store.ts";
import { PROFILES } from "../../lab/profile.ts";
import { seededRandom } from "../../lab/random.ts";
import { noTrace } from "../../lab/trace.ts";
import { LabWorld } from "../../lab/world.ts";
import { proxmoxWorld } from "../../lab/proxmox/access.ts";
import { runPveum } from "../../lab/proxmox/pveum.ts";
import { startProxmoxEmulator } from "../../lab/proxmox/server.ts";
import type { SharedStorageSpec } from "../../lab/proxmox/shared_storage.ts";
import { startFactoryEmulator } from "../../lab/factory/server.ts";
import { SHARED_IMAGE_STEP, vmSteps } from "./vms.ts";

function config(imageStorage: string): string {
  const hosts = [1, 2].map((h) =>
    `    - { name: pve${h}, api: "https://10.0.0.${9 + h}:8006", imageStorage: ${imageStorage} }`
  );
  const nodes = [1, 2, 3, 4].map((i) =>
    `  - { name: n${i}, role: ${i <= 3 ? "controlplane" : "worker"}, host: pve${2 - (i % 2)}, ` +
    `vmid: ${1000 + i}, memory: 2GiB, disk: 12GiB, ip: 10.0.1.${10 + i} }`
  );
  return `cluster: { name: shared }\nproxmox:\n  hosts:\n${hosts.join("\n")}\n` +
    `network: { subnets: [{ cidr: 10.0.0.0/16, gateway: 10.0.0.1 }], vip: 10.0.250.1 }\n` +
    `nodes:\n${nodes.join("\n")}\ntalos: { allowSchedulingOnControlPlanes: true }\n`;
}

interface Call {
  host: string;
  path: string;
  params?: Params;
}

/** Two hosts (pve1, pve2) and a factory on loopback, port 0; records every POST strata makes. */
async function twoHosts(shared: SharedStorageSpec[]) {
  const clock = new ScaledClock(200);
  const world = LabWorld.memory();
  const access = proxmoxWorld(world).access;
  const pveum = (args: string[]) => {
    const r = runPveum(access, args);
    if (r.code) throw new Error(r.stderr);
    return r.stdout;
  };
  pveum(["user", "add", "strata@pve"]);
  pveum(["acl", "modify", "/", "--users", "strata@pve", "--roles", "Administrator"]);
  const token = JSON.parse(
    pveum(["user", "token", "add", "strata@pve", "strata", "--privsep", "0", "--output-format", "json"]),
  ).value as string;
  const factory = await startFactoryEmulator({
    world,
    clock,
    profile: PROFILES.fast,
    random: seededRandom(9),
    trace: noTrace,
    address: "127.0.0.9",
    port: 0,
  });
  const emus = await Promise.all([1, 2].map((h) =>
    startProxmoxEmulator({
      world,
      clock,
      profile: PROFILES.fast,
      random: seededRandom(h),
      trace: noTrace,
      node: `pve${h}`,
      address: `127.0.0.${9 + h}`,
      port: 0,
      sharedStorages: shared,
    })
  ));
  const posts: Call[] = [];
  const client = (host: string) => {
    const emu = emus[Number(host.slice(3)) - 1];
    const c = new ProxmoxClient({
      baseUrl: emu.url,
      tokenId: "strata@pve!strata",
      secret: token,
      caPem: emu.caPem,
      clock,
    });
    // every request goes through `request` (post, runTask): record the POSTs
    const request = c.request.bind(c);
    c.request = <T>(method: string, path: string, params?: Params, signal?: AbortSignal) => {
      if (method === "POST") posts.push({ host, path, params });
      return request<T>(method, path, params, signal);
    };
    return Promise.resolve(c);
  };
  const dir = await Deno.makeTempDir();
  const state = await StateStore.open({ dir, cluster: "shared", env: { HOME: dir, XDG_CONFIG_HOME: dir } });
  const layer = (yaml: string) => {
    const cfg = parseConfig(yaml, "shared.yaml").config;
    const events: EngineEvent[] = [];
    const opts = {
      clock,
      state,
      reporter: { event: (e: EngineEvent) => void events.push(e), close: () => Promise.resolve() },
      signal: new AbortController().signal,
      limits: (r: string) => r.startsWith("proxmox-host:") ? cfg.proxmox.vmCreateConcurrency : undefined,
    };
    return { steps: vmSteps({ config: cfg, factory: factory.url, client }), opts, events };
  };
  return {
    clock,
    emus,
    posts,
    factory,
    async run(yaml: string) {
      const { steps, opts, events } = layer(yaml);
      const outcome = await applyLayer({ id: "01-infrastructure", steps }, opts);
      if (!outcome.ok) {
        throw new Error(
          outcome.interrupted ? "interrupted" : `${outcome.step}: ${(outcome.error as Error).message}`,
        );
      }
      const changed = Object.fromEntries(
        events.flatMap((e) => e.type === "step.finished" ? [[e.step, e.changed]] : []),
      );
      return { steps, changed };
    },
    plan(yaml: string) {
      const { steps, opts } = layer(yaml);
      return planLayer({ id: "01-infrastructure", steps }, opts);
    },
    async close() {
      for (const e of emus) await e.close();
      await factory.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const downloads = (posts: Call[]) => posts.filter((p) => p.path.endsWith("/download-url"));
const creates = (posts: Call[]) => posts.filter((p) => /^\/nodes\/[^/]+\/qemu$/.test(p.path));
const importFrom = (c: Call) => /import-from=([^,]+)/.exec(String(c.params?.scsi0))?.[1];

Deno.test("a storage both hosts share: one download-url in all, every VM imports that one file", async () => {
  const lab = await twoHosts([{ id: "nfs-images", type: "nfs", content: ["import", "iso"], sizeGiB: 64 }]);
  try {
    const run = await lab.run(config("nfs-images"));
    const sharedId = `${SHARED_IMAGE_STEP}.nfs-images`;
    const byId = Object.fromEntries(run.steps.map((s) => [s.id, s]));
    assertEquals(byId["infra.image.pve2.nfs-images"].dependsOn, ["infra.image-schematic", sharedId]);
    assertEquals(byId["infra.vm.n2"].dependsOn, ["infra.image.pve2.nfs-images"]);

    const [download] = downloads(lab.posts);
    assertEquals(downloads(lab.posts).length, 1, JSON.stringify(downloads(lab.posts)));
    assertEquals(download.host, "pve1", "through the first host that has it");
    const file = String(download.params?.filename);
    assert(download.params?.checksum, "with the checksum");
    assertEquals(run.changed[sharedId], true);
    assertEquals([run.changed["infra.image.pve1.nfs-images"], run.changed["infra.image.pve2.nfs-images"]], [
      false,
      false,
    ]);
    // all four VMs (two per host) were created from the one file
    const made = creates(lab.posts);
    assertEquals(made.map((c) => c.host).sort(), ["pve1", "pve1", "pve2", "pve2"]);
    assertEquals([...new Set(made.map(importFrom))], [`nfs-images:import/${file}`]);
    for (const emu of lab.emus) {
      assertEquals(Object.keys(emu.state.vms).length, 2);
      assertEquals(Object.keys(emu.state.storages["nfs-images"].volumes), [`nfs-images:import/${file}`]);
      assertEquals(Object.keys(emu.state.storages.local.volumes), [], "nothing on the local storages");
    }
    assertEquals(
      Object.values(lab.emus[1].state.tasks).filter((t) => t.type === "download").length,
      0,
      "pve2 downloaded nothing",
    );

    // run again: nothing downloaded, nothing created; the plan has nothing to create either
    lab.posts.length = 0;
    const again = await lab.run(config("nfs-images"));
    assertEquals(downloads(lab.posts), []);
    assertEquals(creates(lab.posts), []);
    assertEquals(again.changed[sharedId], false);
    const plan = await lab.plan(config("nfs-images"));
    assertEquals(plan[sharedId].map((c) => c.action), ["noop"]);
    assertEquals(plan["infra.image.pve2.nfs-images"].map((c) => c.action), ["noop"]);
  } finally {
    await lab.close();
  }
});

Deno.test("a local storage of the same name on both hosts: one download each, each host's VMs import their own", async () => {
  const lab = await twoHosts([]);
  try {
    const run = await lab.run(config("local"));
    const done = downloads(lab.posts);
    assertEquals(done.map((d) => `${d.host} ${d.path}`).sort(), [
      "pve1 /nodes/pve1/storage/local/download-url",
      "pve2 /nodes/pve2/storage/local/download-url",
    ]);
    // the shared step found nothing shared and downloaded nothing
    assertEquals(run.changed[`${SHARED_IMAGE_STEP}.local`], false);
    const file = String(done[0].params?.filename);
    for (const [i, emu] of lab.emus.entries()) {
      assertEquals(Object.keys(emu.state.storages.local.volumes), [`local:import/${file}`], `pve${i + 1}`);
      assertEquals(Object.keys(emu.state.vms).length, 2);
    }
    assertEquals([...new Set(creates(lab.posts).map(importFrom))], [`local:import/${file}`]);
  } finally {
    await lab.close();
  }
});

Deno.test("before any download the plan has one create for the shared storage, none per host", async () => {
  const lab = await twoHosts([{ id: "nfs-images", type: "nfs", content: ["import"], sizeGiB: 64 }]);
  try {
    const plan = await lab.plan(config("nfs-images"));
    const shared = plan[`${SHARED_IMAGE_STEP}.nfs-images`];
    assertEquals(shared.map((c) => [c.action, c.detail]), [["create", "download-url once, through pve1"]]);
    assert(shared[0].resource.endsWith("on shared storage nfs-images (pve1, pve2)"), shared[0].resource);
    for (const host of ["pve1", "pve2"]) {
      assertEquals(plan[`infra.image.${host}.nfs-images`].map((c) => c.action), ["noop"], host);
    }
    assertEquals(lab.posts, [], "a plan changes nothing");
    // local storages: the shared step has nothing to plan, each host creates its own
    const local = await lab.plan(config("local"));
    assertEquals(local[`${SHARED_IMAGE_STEP}.local`], []);
    assertEquals(local["infra.image.pve1.local"].map((c) => c.action), ["create"]);
    assertEquals(local["infra.image.pve2.local"].map((c) => c.action), ["create"]);
  } finally {
    await lab.close();
  }
});
