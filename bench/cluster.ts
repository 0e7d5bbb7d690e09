/**
 * Benchmark: "empty hosts → all nodes Ready and probed". The whole of layer 01 (image, VMs, Talos
 * apply/install/bootstrap/etcd/Kubernetes API/kubeconfig, Cilium, every node Ready, a ClusterIP
 * probe per node) on lab Proxmox hosts with the `realistic` latency profile, on a scaled clock,
 * against the lower bound the run's own recorded delays imply. Layer 00 runs first (its Proxmox
 * tokens, CA and Talos secrets are what layer 01 uses) and is not timed.
 *
 * One Proxmox host (pve1, `vmCreateConcurrency` 3), 3 control planes, the rest workers. Not
 * several hosts: layer 00 runs its Proxmox access step per host, but the lab's hosts share one
 * access database (as a PVE cluster shares /etc/pve), so the second host's step finds the user or
 * token the first one made and fails; `runClusterBench(n, { hosts })` is there for when it works.
 *
 * The lab is assembled here rather than with `openLab`: a world in memory (as bench/vms.ts), an
 * in-memory trace, and everything on 127.66.x.y (config addresses 10.66.x.y map there through
 * `labAddress`; the factory listens on 127.66.0.9 on a free port and the image step is given its
 * URL), so the bench never touches the fixed lab addresses other runs use.
 *
 * ## The lower bound
 *
 * Every duration below is read from this run (nothing is a profile figure unless the output's
 * `fromProfileMean` lists it). Times are from the start of layer 01 (t0). API round trips
 * (20–80 ms each) are not counted, so the bound is slightly lower than what is achievable.
 *
 * - `vm(n)`: per host, its image `download` task, then the nodes' `qmcreate` + `resize` +
 *   `qmstart` tasks packed in config order onto `vmCreateConcurrency` lanes (as bench/vms.ts);
 *   `vm(n)` is when n's lane finishes its start task (the VM start event).
 * - `boot(n)`: VM start event → n's apid listening in maintenance mode (the drawn `vmBoot`).
 * - `install(n)`: n's `apply` EVENT → its `installed` EVENT (the drawn `talosInstall`).
 * - `up(n) = vm(n) + boot(n) + install(n)`; a worker's apid also needs a control plane's trustd:
 *   `up(w) = max(up(w), min over control planes up(cp))`.
 * - `B = up(cp1)` (Bootstrap). `E`: `bootstrap` EVENT → `kube-apiserver` EVENT (the drawn
 *   `etcdBootstrap` until the API answers). Each other control plane i joins as a learner and is
 *   promoted `step_i` apart (its `etcd-join` EVENT's learnerAt/memberAt):
 *   `etcd = max_i (max(up(i), B) + 2·step_i)`.
 * - `K = max(B + E, etcd)`: the Kubernetes API answers and etcd is healthy on every control plane.
 * - `cilium(n)`: n's Cilium agent pod ContainerCreating → Running (the drawn `cilium` delay), from
 *   the Kubernetes emulator's store; `ready(n) = max(K, up(n)) + cilium(n)` (the kubelet registers
 *   once both hold; the node is Ready when its agent runs).
 * - the operator Deployment is Available with one of its (up to 2) pods (maxUnavailable 50%);
 *   they are hostNetwork and tolerate everything: `op = K + min cilium(operator pod)`.
 * - `R = max(max_n ready(n), op)`: `nodes.ready` and `cilium.rollout` done.
 * - `probe(n)`: n's successful probe pod ContainerCreating → Succeeded (the drawn `rollout` delay
 *   plus its run time); `bound = R + max_n probe(n)`.
 *
 * Reports virtual wall-clock seconds of layer 01, the bound, their ratio (goal ≤ 1.10), and the
 * milestones of both (when the run reached each stage against when the bound does) to show where
 * the time goes.
 *
 * The clock scale multiplies strata's own real processing time (TLS handshakes, JSON, the engine)
 * and the emulators' into virtual time; 20 keeps that amplification small (as bench/vms.ts).
 * Because the emulators' CPU is amplified too, each row also says how long the event loop was
 * blocked (`eventLoopBlockedSeconds`, by anything) and how much of that the Kubernetes emulator's
 * store reads alone took (`kubeEmulatorStoreSeconds`: `get`/`list`, which deep-copy what leaves
 * the emulator, and the controllers' copy-free `peek`/`scan` and index reads — pods by node,
 * objects by owner, Events by involved object — so a change touches only what it concerns). When
 * these are a large part of the wall time, the ratio measures the emulator more than strata;
 * `--scale=5` shrinks that amplification at four times the real time.
 *
 * `BENCH_CLUSTER_TIMELINE=1` prints every step's start and end, the Talos EVENTs and the pods'
 * ContainerCreating/Running/Succeeded times (virtual s after t0) on stderr.
 */
import { ScaledClock } from "../lib/clock/clock.ts";
import { parseConfig } from "../lib/config/load.ts";
import type { ClusterConfig } from "../lib/config/schema.ts";
import { applyLayer, type EngineOptions } from "../lib/engine/run.ts";
import type { EngineEvent, Step } from "../lib/engine/types.ts";
import { proxmoxClientFor } from "../lib/run/proxmox.ts";
import type { RunEnv } from "../lib/run/env.ts";
import { StateStore } from "../lib/state/store.ts";
import { labAddress } from "../lab/address.ts";
import type { EmulatorHandle, LabEmulator, LabMeta, LabRuntime } from "../lab/mod.ts";
import { Faults } from "../lab/faults.ts";
import { type Delay, PROFILES } from "../lab/profile.ts";
import { seededRandom } from "../lab/random.ts";
import { TraceLog } from "../lab/trace.ts";
import { LabWorld } from "../lab/world.ts";
import { startFactoryEmulator } from "../lab/factory/server.ts";
import { sshEmulator } from "../lab/ssh/emulator.ts";
import { proxmoxEmulator } from "../lab/proxmox/emulator.ts";
import { proxmoxNodes } from "../lab/proxmox/server.ts";
import { vmBoots } from "../lab/proxmox/boots.ts";
import { talosEmulatorWith } from "../lab/talos/register.ts";
import type { KubeObject } from "../lab/kube/types.ts";
import { persistentAuth } from "../layers/00-persistent-auth/mod.ts";
import { infrastructure } from "../layers/01-infrastructure/mod.ts";
import { vmSteps } from "../layers/01-infrastructure/vms.ts";

const mean = (d: Delay) => (d.min + d.max) / 2;
const secs = (ms: number) => Math.round(ms / 100) / 10;

/** The bench's loopback range: config 10.66.x.y → 127.66.x.y. */
const NET = "10.66";
const FACTORY_ADDRESS = "127.66.0.9";
/** Real ms between the event-loop lag monitor's ticks. */
const LAG_TICK_MS = 10;

function config(nodes: number, hosts: number, limit: number): string {
  const hostList = Array.from(
    { length: hosts },
    (_, h) =>
      `    - { name: pve${h + 1}, api: "https://${NET}.0.${10 + h}:8006", ` +
      `ssh: { address: ${NET}.0.${10 + h}, port: 2222 } }`,
  );
  const nodeList = Array.from(
    { length: nodes },
    (_, i) =>
      `  - { name: ${i < 3 ? `cp-${i + 1}` : `worker-${i - 2}`}, role: ${
        i < 3 ? "controlplane" : "worker"
      }, ` +
      `host: pve${(i % hosts) + 1}, vmid: ${1000 + i}, cores: 2, memory: 4GiB, disk: 32GiB, ` +
      `ip: ${NET}.${1 + Math.floor(i / 200)}.${10 + (i % 200)} }`,
  );
  return [
    "cluster: { name: bench }",
    "proxmox:",
    `  vmCreateConcurrency: ${limit}`,
    "  hosts:",
    ...hostList,
    "network:",
    `  subnets: [{ cidr: ${NET}.0.0/16, gateway: ${NET}.0.1 }]`,
    `  nameservers: [${NET}.0.1]`,
    `  vip: ${NET}.3.10`,
    "nodes:",
    ...nodeList,
    // with control planes only, they must take ordinary pods (the probes tolerate anything anyway)
    `talos: { allowSchedulingOnControlPlanes: ${nodes <= 3} }`,
    "lab: { profile: realistic, seed: 7 }",
    "",
  ].join("\n");
}

/** What the Kubernetes emulator's store showed of one pod, in virtual ms. */
interface PodTimes {
  name: string;
  node?: string;
  labels: Record<string, string>;
  creating?: number;
  running?: number;
  succeeded?: number;
}

/** The lab's Talos emulator, with the Kubernetes store's reads timed and its pods watched. */
function talosWatching(pods: Map<string, PodTimes>, cpu: { kubeStoreMs: number }, clock: () => number) {
  return talosEmulatorWith({
    onKubeEmulator(emu) {
      // time the store's reads (get and list deep-copy what they return; the controllers'
      // peek, scan and index reads do not): the emulator's own CPU, which the scaled clock
      // turns into virtual time nothing else can use
      const store = emu.cluster.store;
      for (
        const method of ["list", "get", "peek", "scan", "podsOn", "eventsAbout", "dependentKeys"] as const
      ) {
        const inner = store[method].bind(store) as (...a: unknown[]) => unknown;
        (store as unknown as Record<string, unknown>)[method] = (...a: unknown[]) => {
          const t = performance.now();
          try {
            return inner(...a);
          } finally {
            cpu.kubeStoreMs += performance.now() - t;
          }
        };
      }
      return store.subscribe((e) => {
        if (e.group !== "" || e.resource !== "pods" || e.type === "DELETED") return;
        const o = e.object as KubeObject;
        const uid = o.metadata.uid!;
        const now = clock();
        let p = pods.get(uid);
        if (!p) pods.set(uid, p = { name: o.metadata.name!, labels: { ...o.metadata.labels ?? {} } });
        p.node = o.spec?.nodeName ?? p.node;
        const phase = o.status?.phase;
        if (phase === "Pending" && o.status?.containerStatuses && p.creating === undefined) {
          p.creating = now;
        }
        if (phase === "Running" && p.running === undefined) p.running = now;
        if (phase === "Succeeded" && p.succeeded === undefined) p.succeeded = now;
      });
    },
  });
}

/** A lab runtime like `openLab`'s, with a world in memory, an in-memory trace and our own emulators. */
function benchLab(
  dir: string,
  cfg: ClusterConfig,
  scale: number,
  emulators: (lab: LabRuntime) => LabEmulator[],
): LabRuntime & { trace: TraceLog } {
  const handles: EmulatorHandle[] = [];
  const faults = new Map<string, Faults>();
  const trace = new TraceLog();
  const lab: LabRuntime & { trace: TraceLog } = {
    dir,
    world: LabWorld.memory(),
    clock: new ScaledClock(scale),
    profile: PROFILES[cfg.lab.profile],
    random: seededRandom(cfg.lab.seed),
    trace,
    meta: { createdAt: new Date().toISOString(), cluster: cfg.cluster.name, runs: [] } as LabMeta,
    faults(system) {
      let f = faults.get(system);
      if (!f) faults.set(system, f = new Faults({ seed: cfg.lab.seed }));
      return f;
    },
    async start() {
      for (const e of emulators(lab)) handles.push(...await e.start(lab, cfg));
    },
    endpoints: () => handles,
    remember: () => Promise.resolve(),
    async close() {
      for (const h of handles.splice(0).reverse()) await h.close();
      await trace.close();
    },
  };
  return lab;
}

/** Engine events with their virtual time, for the milestones. */
interface Timed {
  at: number;
  e: EngineEvent;
}

export interface ClusterBenchRow {
  nodes: number;
  hosts: number;
  wallSeconds: number;
  boundSeconds: number;
  ratio: number;
  /** Seconds from t0 when the run (`run`) and the bound (`bound`) reach each stage. */
  milestones: Record<string, { run: number; bound: number }>;
  /** Parts of the bound that are profile means because the run did not record them. */
  fromProfileMean: string[];
  realSeconds: number;
  /**
   * Virtual seconds during which the event loop was blocked (late ticks × scale), by anything, and
   * the part the Kubernetes emulator's store reads account for (real time × scale).
   */
  eventLoopBlockedSeconds: number;
  kubeEmulatorStoreSeconds: number;
  /** The layer 01 steps that took longest, virtual seconds. */
  slowestSteps: Record<string, number>;
}

export async function runClusterBench(
  nodes: number,
  opts: { hosts?: number; scale?: number } = {},
): Promise<ClusterBenchRow> {
  const hosts = opts.hosts ?? 1;
  const scale = opts.scale ?? 20;
  const cfg = parseConfig(config(nodes, hosts, 3), "bench-cluster.yaml", { lab: true }).config;
  const dir = await Deno.makeTempDir({ prefix: "strata-bench-cluster-" });
  const processEnv = { HOME: dir, XDG_CONFIG_HOME: dir };
  const pods = new Map<string, PodTimes>();
  const cpu = { kubeStoreMs: 0 };
  const vmStarts = new Map<string, number>(); // ip → VM start event
  let factoryUrl = "";
  const lab = benchLab(`${dir}/lab`, cfg, scale, () => [
    {
      system: "factory",
      async start(l) {
        const f = await startFactoryEmulator({
          world: l.world,
          clock: l.clock,
          profile: l.profile,
          random: l.random,
          trace: l.trace,
          faults: l.faults("factory"),
          address: FACTORY_ADDRESS,
          port: 0,
        });
        factoryUrl = f.url;
        return [{ name: "factory", endpoints: [f.url], close: f.close }];
      },
    },
    sshEmulator,
    talosWatching(pods, cpu, () => lab.clock.now()),
    proxmoxEmulator,
  ]);
  const clock = lab.clock;
  const realStart = performance.now();
  const events: Timed[] = [];
  const state = await StateStore.open({
    dir: `${dir}/state`,
    cluster: cfg.cluster.name,
    env: processEnv,
    onIdentityCreated: () => {},
  });
  await Deno.mkdir(`${dir}/lab`, { recursive: true });
  const env: RunEnv = {
    config: cfg,
    configFile: "bench-cluster.yaml",
    configWarnings: [],
    stateDir: `${dir}/state`,
    clusterDir: `${dir}/state/${cfg.cluster.name}`,
    state,
    clock,
    flags: {
      yes: true,
      json: false,
      allowDirty: false,
      skipChecks: [],
      trustNewHostKey: false,
      rotateProxmoxTokens: false,
      purgeVolumes: false,
    },
    env: processEnv,
    lab,
    dial: labAddress,
  };
  const engine = (): EngineOptions => ({
    clock,
    state,
    reporter: { event: (e) => events.push({ at: clock.now(), e }), close: () => Promise.resolve() },
    signal: new AbortController().signal,
    random: lab.random,
    limits: (r) => r.startsWith("proxmox-host:") ? cfg.proxmox.vmCreateConcurrency : undefined,
    graceMs: 30_000,
  });
  const run = async (id: string, steps: Step[]) => {
    const outcome = await applyLayer({ id: id as "00-persistent-auth", steps }, engine());
    if (!outcome.ok) {
      throw new Error(
        `cluster bench (${nodes} nodes): layer ${id} failed: ${
          outcome.interrupted ? "interrupted" : `${outcome.step}: ${(outcome.error as Error).message}`
        }`,
      );
    }
  };
  const stopBoots = vmBoots(lab.world).subscribe((b) => {
    if ((b.kind ?? "start") === "start" && b.ip) vmStarts.set(b.ip, b.at);
  });
  try {
    await lab.start();
    await run("00-persistent-auth", persistentAuth.steps(env));
    // layer 01 as `bootstrap` builds it, with the bench's factory instead of the lab's fixed address
    const ours = new Map(
      vmSteps({ config: cfg, factory: factoryUrl, client: (h) => proxmoxClientFor(env, h) }).map((
        s,
      ) => [s.id, s]),
    );
    const steps = infrastructure.steps(env).map((s) => {
      const mine = ours.get(s.id);
      return mine ? { ...mine, dependsOn: s.dependsOn } : s;
    });
    events.length = 0;
    lab.trace.entries.length = 0;
    cpu.kubeStoreMs = 0;
    // how long the event loop was blocked (anything: strata, the emulators), in real ms
    let blockedMs = 0;
    let tick = performance.now();
    const monitor = setInterval(() => {
      const now = performance.now();
      blockedMs += Math.max(0, now - tick - LAG_TICK_MS);
      tick = now;
    }, LAG_TICK_MS);
    const t0 = clock.now();
    try {
      await run("01-infrastructure", steps);
    } finally {
      clearInterval(monitor);
    }
    const wall = clock.now() - t0;
    if (Deno.env.get("BENCH_CLUSTER_TIMELINE")) {
      printTimeline(events, t0);
      for (const e of lab.trace.entries) {
        if (e.system === "talos" && e.method === "EVENT" && e.at !== undefined) {
          console.error(
            `${secs(e.at - t0).toFixed(1).padStart(8)}  EVENT ${e.path} ${e.host ?? ""} ${e.status}`,
          );
        }
      }
      for (const p of pods.values()) {
        console.error(
          `pod ${p.name} on ${p.node}: creating ${secs((p.creating ?? NaN) - t0)} running ${
            secs((p.running ?? NaN) - t0)
          } succeeded ${secs((p.succeeded ?? NaN) - t0)}`,
        );
      }
    }
    const bound = lowerBound(cfg, lab, pods, vmStarts);
    const milestones: ClusterBenchRow["milestones"] = {};
    const runAt = runMilestones(events, t0);
    for (const [k, v] of Object.entries(bound.milestones)) {
      milestones[k] = { run: secs(runAt[k] ?? NaN), bound: secs(v) };
    }
    const durations = new Map<string, number>();
    for (const { e } of events) if (e.type === "step.finished") durations.set(e.step, e.durationMs);
    const slowest = [...durations].sort((a, b) => b[1] - a[1]).slice(0, 6);
    return {
      nodes,
      hosts,
      wallSeconds: secs(wall),
      boundSeconds: secs(bound.total),
      ratio: Number((wall / bound.total).toFixed(3)),
      milestones,
      fromProfileMean: bound.fromProfileMean,
      realSeconds: secs(performance.now() - realStart),
      eventLoopBlockedSeconds: secs(blockedMs * scale),
      kubeEmulatorStoreSeconds: secs(cpu.kubeStoreMs * scale),
      slowestSteps: Object.fromEntries(slowest.map(([k, v]) => [k, secs(v)])),
    };
  } finally {
    stopBoots();
    await lab.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** `BENCH_CLUSTER_TIMELINE=1`: every step's start and end (virtual s after t0) on stderr. */
function printTimeline(events: Timed[], t0: number): void {
  const started = new Map<string, number>();
  for (const { at, e } of events) {
    if (e.type === "step.started") started.set(e.step, at - t0);
    if (e.type === "step.finished" || e.type === "step.failed") {
      const from = started.get(e.step) ?? NaN;
      console.error(
        `${secs(from).toFixed(1).padStart(8)} → ${secs(at - t0).toFixed(1).padStart(8)}  ${e.step}`,
      );
    }
    if (e.type === "step.retried") console.error(`  retried ${e.step}: ${e.error}`);
  }
}

/** When the run finished each stage (ms after t0), from the engine's step events. */
function runMilestones(events: Timed[], t0: number): Record<string, number> {
  const done = new Map<string, number>();
  for (const { at, e } of events) if (e.type === "step.finished") done.set(e.step, at - t0);
  const last = (prefix: string) =>
    Math.max(...[...done].filter(([id]) => id.startsWith(prefix)).map(([, t]) => t));
  return {
    vmsStarted: last("infra.vm."),
    talosInstalled: last("talos.installed."),
    kubeApi: done.get("talos.kube-api") ?? NaN,
    ciliumInstalled: done.get("cilium.install") ?? NaN,
    nodesReady: done.get("nodes.ready") ?? NaN,
    ciliumRolledOut: done.get("cilium.rollout") ?? NaN,
    probed: last("nodes.probe."),
  };
}

function lowerBound(
  cfg: ClusterConfig,
  lab: LabRuntime & { trace: TraceLog },
  pods: Map<string, PodTimes>,
  vmStarts: Map<string, number>,
): { total: number; milestones: Record<string, number>; fromProfileMean: string[] } {
  const profile = lab.profile;
  const fromMean = new Set<string>();
  const measured = (v: number | undefined, d: Delay, what: string): number => {
    if (v !== undefined && Number.isFinite(v)) return v;
    fromMean.add(what);
    return mean(d);
  };
  // Proxmox: per host, the download, then create + resize + start per VM on the lanes
  const hostNodes = proxmoxNodes(lab.world);
  const vmAt = new Map<string, number>();
  for (const h of cfg.proxmox.hosts) {
    const tasks = Object.values(hostNodes[h.name]?.tasks ?? {});
    const took = (type: string, id: string | undefined, d: Delay, what: string) =>
      measured(
        tasks.find((t) => t.type === type && (id === undefined || t.id === id))?.durationMs,
        d,
        what,
      );
    const lanes: number[] = Array(cfg.proxmox.vmCreateConcurrency).fill(
      took("download", undefined, profile.imageDownload, "image download"),
    );
    for (const n of cfg.nodes.filter((n) => n.host === h.name)) {
      const lane = lanes.indexOf(Math.min(...lanes));
      const id = String(n.vmid);
      lanes[lane] += took("qmcreate", id, profile.vmCreate, "VM create") +
        took("resize", id, { min: 0, max: 0 }, "disk resize") +
        took("qmstart", id, profile.vmPower, "VM start");
      vmAt.set(n.name, lanes[lane]);
    }
  }
  // Talos: boot and install per node, from the emulator's EVENTs
  const talosEvents = lab.trace.entries.filter((e) => e.system === "talos" && e.method === "EVENT");
  const event = (path: string, ip: string, match: (p: Record<string, unknown>) => boolean = () => true) =>
    talosEvents.find((e) => e.path === path && e.host === ip && match(e.params))?.at;
  const up = new Map<string, number>();
  for (const n of cfg.nodes) {
    const boot = (event("apid", n.ip, (p) => p.mode === "maintenance") ?? NaN) - (vmStarts.get(n.ip) ?? NaN);
    const apply = event("apply", n.ip) ?? NaN;
    const install = (event("installed", n.ip) ?? NaN) - apply;
    up.set(
      n.name,
      vmAt.get(n.name)! + measured(boot, profile.vmBoot, "VM boot") +
        measured(install, profile.talosInstall, "Talos install"),
    );
  }
  const cps = cfg.nodes.filter((n) => n.role === "controlplane");
  const firstCpUp = Math.min(...cps.map((n) => up.get(n.name)!));
  for (const n of cfg.nodes) if (n.role === "worker") up.set(n.name, Math.max(up.get(n.name)!, firstCpUp));
  // etcd and the Kubernetes API
  const first = cps[0];
  const B = up.get(first.name)!;
  const bootstrapAt = event("bootstrap", first.ip);
  const kubeAt = talosEvents.find((e) => e.path === "kube-apiserver")?.at;
  const E = measured(
    kubeAt !== undefined && bootstrapAt !== undefined ? kubeAt - bootstrapAt : undefined,
    profile.etcdBootstrap,
    "etcd bootstrap until the Kubernetes API",
  );
  let etcd = B;
  for (const n of cps.slice(1)) {
    const join = talosEvents.find((e) => e.path === "etcd-join" && e.host === n.ip)?.params as
      | { learnerAt?: number; memberAt?: number }
      | undefined;
    const step = measured(
      join?.memberAt !== undefined && join.learnerAt !== undefined
        ? join.memberAt - join.learnerAt
        : undefined,
      { min: profile.etcdBootstrap.min / 4, max: profile.etcdBootstrap.max / 4 },
      "etcd join",
    );
    etcd = Math.max(etcd, Math.max(up.get(n.name)!, B) + 2 * step);
  }
  const K = Math.max(B + E, etcd);
  // Cilium: the agent on each node, the operator pods; then the probes
  const all = [...pods.values()];
  const span = (p: PodTimes | undefined, end: "running" | "succeeded") =>
    p?.creating !== undefined && p[end] !== undefined ? p[end]! - p.creating : undefined;
  let allReady = 0;
  for (const n of cfg.nodes) {
    const agent = all.find((p) => p.labels["k8s-app"] === "cilium" && p.node === n.name && p.running);
    const ready = Math.max(K, up.get(n.name)!) +
      measured(span(agent, "running"), profile.cilium, "Cilium agent start");
    allReady = Math.max(allReady, ready);
  }
  const operators = all.filter((p) => p.labels["io.cilium/app"] === "operator" && p.running);
  const op = K +
    (operators.length
      ? Math.min(
        ...operators.map((p) => measured(span(p, "running"), profile.cilium, "Cilium operator start")),
      )
      : measured(undefined, profile.cilium, "Cilium operator start"));
  const R = Math.max(allReady, op);
  let probes = 0;
  for (const n of cfg.nodes) {
    const probe = all.filter((p) => p.name === `strata-probe-${n.name}` && p.succeeded !== undefined).pop();
    probes = Math.max(
      probes,
      measured(
        span(probe, "succeeded"),
        { min: profile.rollout.min + profile.apiCall.min, max: profile.rollout.max + profile.apiCall.max },
        "probe pod",
      ),
    );
  }
  return {
    total: R + probes,
    milestones: {
      vmsStarted: Math.max(...vmAt.values()),
      talosInstalled: Math.max(...up.values()),
      kubeApi: K,
      ciliumInstalled: K,
      nodesReady: allReady,
      ciliumRolledOut: R,
      probed: R + probes,
    },
    fromProfileMean: [...fromMean],
  };
}

/**
 * 3, 10 and 50 nodes. A size whose run fails gives a row with the error instead (at 50 nodes the
 * emulators' amplified CPU can eat a step's virtual time budget), so the other sizes still report.
 */
export async function runClusterBenchGrid(
  sizes = [3, 10, 50],
): Promise<(ClusterBenchRow | { nodes: number; error: string })[]> {
  const rows = [];
  for (const n of sizes) {
    try {
      rows.push(await runClusterBench(n));
    } catch (err) {
      rows.push({ nodes: n, error: (err as Error).message });
    }
  }
  return rows;
}

/** `deno run -A bench/cluster.ts [SIZE …] [--scale=N]` (default 3 10 50 at scale 20). */
if (import.meta.main) {
  const sizes = Deno.args.filter((a) => /^\d+$/.test(a)).map(Number);
  const scale = Number(Deno.args.find((a) => a.startsWith("--scale="))?.slice(8) ?? 20);
  for (const n of sizes.length ? sizes : [3, 10, 50]) {
    console.log(JSON.stringify({ scale, ...await runClusterBench(n, { scale }) }));
  }
}
