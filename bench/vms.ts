/**
 * Benchmark: layer 01's image and VM steps creating N VMs on H lab hosts with the `realistic`
 * latency profile (on a scaled clock), against the lower bound the run's own task durations imply:
 * per host, the image download, then the VMs' create + resize + start tasks on `vmCreateConcurrency` lanes.
 * Reports virtual wall-clock, the bound, and their ratio (goal ≤ 1.10); also the bound from the
 * profile's mean durations, for reference.
 *
 * The clock scale multiplies strata's own real processing time (TLS handshakes, JSON, the engine)
 * into virtual time; 20 keeps that amplification small while the realistic profile's network and
 * task latencies are modeled by the emulator itself.
 */
import { ScaledClock } from "../lib/clock/clock.ts";
import { parseConfig } from "../lib/config/load.ts";
import { applyLayer } from "../lib/engine/run.ts";
import { ProxmoxClient } from "../lib/proxmox/client.ts";
import { StateStore } from "../lib/state/store.ts";
import { PROFILES } from "../lab/profile.ts";
import { seededRandom } from "../lab/random.ts";
import { noTrace } from "../lab/trace.ts";
import { LabWorld } from "../lab/world.ts";
import { proxmoxWorld } from "../lab/ssh/server.ts";
import { runPveum } from "../lab/proxmox/pveum.ts";
import { startProxmoxEmulator } from "../lab/proxmox/server.ts";
import { startFactoryEmulator } from "../lab/factory/server.ts";
import { vmSteps } from "../layers/01-infrastructure/vms.ts";
import type { NodeState } from "../lab/proxmox/host.ts";

const mean = (d: { min: number; max: number }) => (d.min + d.max) / 2;

function config(vms: number, hosts: number, limit: number): string {
  const hostList = Array.from(
    { length: hosts },
    (_, h) =>
      `    - { name: pve${h + 1}, api: "https://10.0.0.${10 + h}:8006", ssh: { address: 10.0.0.${10 + h} } }`,
  );
  const nodes = Array.from(
    { length: vms },
    (_, i) =>
      `  - { name: n${i + 1}, role: ${i < 3 ? "controlplane" : "worker"}, host: pve${
        (i % hosts) + 1
      }, vmid: ${1000 + i}, ` +
      `memory: 2GiB, disk: 12GiB, ip: 10.0.${1 + Math.floor(i / 200)}.${10 + (i % 200)} }`,
  );
  return `cluster: { name: bench }\nproxmox:\n  vmCreateConcurrency: ${limit}\n  hosts:\n${
    hostList.join("\n")
  }\n` +
    `network: { subnets: [{ cidr: 10.0.0.0/16, gateway: 10.0.0.1 }], vip: 10.0.250.1 }\nnodes:\n${
      nodes.join("\n")
    }\n` +
    // the 3-VM run has control planes only; they take ordinary pods then
    `talos: { allowSchedulingOnControlPlanes: true }\nlab: { profile: realistic }\n`;
}

export async function runVmBench(vms: number, hosts: number, scale = 20): Promise<Record<string, number>> {
  const cfg = parseConfig(config(vms, hosts, 3), "bench.yaml").config;
  const profile = PROFILES.realistic;
  const clock = new ScaledClock(scale);
  const world = LabWorld.memory();
  const access = proxmoxWorld(world).access;
  runPveum(access, ["user", "add", "strata@pve"]);
  runPveum(access, ["acl", "modify", "/", "--users", "strata@pve", "--roles", "Administrator"]);
  const token = JSON.parse(
    runPveum(access, [
      "user",
      "token",
      "add",
      "strata@pve",
      "strata",
      "--privsep",
      "0",
      "--output-format",
      "json",
    ]).stdout,
  ).value;
  const factory = await startFactoryEmulator({
    world,
    clock,
    profile,
    random: seededRandom(99),
    trace: noTrace,
    address: "127.0.0.9",
    port: 0,
  });
  const emulators = await Promise.all(
    cfg.proxmox.hosts.map((h, i) =>
      startProxmoxEmulator({
        world,
        clock,
        profile,
        random: seededRandom(i + 1),
        trace: noTrace,
        node: h.name,
        address: `127.0.0.${10 + i}`,
        port: 0,
      })
    ),
  );
  const dir = await Deno.makeTempDir();
  const state = await StateStore.open({ dir, cluster: "bench", env: { HOME: dir, XDG_CONFIG_HOME: dir } });
  try {
    const steps = vmSteps({
      config: cfg,
      factory: factory.url,
      client: (host) => {
        const i = cfg.proxmox.hosts.findIndex((h) => h.name === host);
        return Promise.resolve(
          new ProxmoxClient({
            baseUrl: emulators[i].url,
            tokenId: "strata@pve!strata",
            secret: token,
            caPem: emulators[i].caPem,
            clock,
          }),
        );
      },
    });
    const t0 = clock.now();
    const outcome = await applyLayer({ id: "01-infrastructure", steps }, {
      clock,
      state,
      reporter: { event() {}, close: () => Promise.resolve() },
      signal: new AbortController().signal,
      limits: (r) => r.startsWith("proxmox-host:") ? cfg.proxmox.vmCreateConcurrency : undefined,
    });
    if (!outcome.ok) {
      throw new Error(
        `bench run failed: ${
          outcome.interrupted ? "interrupted" : `${outcome.step}: ${(outcome.error as Error).message}`
        }`,
      );
    }
    const wall = clock.now() - t0;
    // the lower bound this run's own task durations imply: per host, its image download, then the
    // VMs' create + start tasks packed onto `vmCreateConcurrency` lanes in config order
    const nodes = (proxmoxWorld(world) as unknown as { nodes: Record<string, NodeState> }).nodes;
    const bound = Math.max(...cfg.proxmox.hosts.map((h) => {
      const tasks = Object.values(nodes[h.name].tasks);
      const took = (type: string, id?: string) =>
        tasks.find((t) => t.type === type && (id === undefined || t.id === id))?.durationMs ?? 0;
      // a download task is named after its file (PVE's encode_text of the filename)
      const lanes = Array(cfg.proxmox.vmCreateConcurrency).fill(took("download"));
      for (const n of cfg.nodes.filter((n) => n.host === h.name)) {
        const lane = lanes.indexOf(Math.min(...lanes));
        const id = String(n.vmid);
        lanes[lane] += took("qmcreate", id) + took("resize", id) + took("qmstart", id);
      }
      return Math.max(...lanes);
    }));
    const perHost = Math.ceil(vms / hosts);
    const meanBound = mean(profile.imageDownload) +
      Math.ceil(perHost / cfg.proxmox.vmCreateConcurrency) * (mean(profile.vmCreate) + mean(profile.vmPower));
    return {
      vms,
      hosts,
      wallSeconds: Math.round(wall / 1000),
      boundSeconds: Math.round(bound / 1000),
      ratio: Number((wall / bound).toFixed(3)),
      meanBoundSeconds: Math.round(meanBound / 1000),
    };
  } finally {
    await Promise.all(emulators.map((e) => e.close()));
    await factory.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The issue's grid: 3, 10 and 50 VMs on 1 and 3 hosts. */
export async function runVmBenchGrid(): Promise<Record<string, number>[]> {
  const rows = [];
  for (const hosts of [1, 3]) for (const vms of [3, 10, 50]) rows.push(await runVmBench(vms, hosts));
  return rows;
}

if (import.meta.main) {
  for (const row of await runVmBenchGrid()) console.log(JSON.stringify(row));
}
