/**
 * The lab runtime: the emulated world that `--lab` and `lab serve` run against. It owns the
 * persisted world, the scaled clock, the latency profile, the seeded random source, fault
 * injection per system, and the request trace; it starts every registered emulator.
 *
 * Adding an emulator is one entry in {@link LAB_EMULATORS}.
 *
 * @example
 * ```ts
 * const lab = await openLab({ stateDir: ".strata", config });
 * await lab.start();
 * console.log(lab.endpoints());
 * await lab.close();
 * ```
 */
import { type Clock, ScaledClock } from "../lib/clock/clock.ts";
import { PreflightError, UsageError } from "../lib/errors.ts";
import { acquireLock, LockedError, type LockInfo, readLock } from "../lib/state/lock.ts";
import type { ClusterConfig } from "../lib/config/schema.ts";
import { labAddress } from "./address.ts";
import { Faults } from "./faults.ts";
import { type LatencyProfile, PROFILES } from "./profile.ts";
import { seededRandom } from "./random.ts";
import { noTrace, type Trace, TraceLog } from "./trace.ts";
import { LabWorld } from "./world.ts";
import { sshEmulator } from "./ssh/emulator.ts";
import { proxmoxEmulator } from "./proxmox/emulator.ts";
import { factoryEmulator } from "./factory/emulator.ts";
import { talosEmulator } from "./talos/register.ts";

/** A running emulator. */
export interface EmulatorHandle {
  /** e.g. "proxmox pve1". */
  name: string;
  /** URLs or host:port a person can point a real client at. */
  endpoints: string[];
  close(): Promise<void>;
}

/** An emulator the lab can start for a config. */
export interface LabEmulator {
  system: string;
  start(lab: LabRuntime, config: ClusterConfig): Promise<EmulatorHandle[]>;
}

/**
 * Every emulator the lab starts, in order. Talos (with Kubernetes behind it) starts before Proxmox,
 * whose VM starts boot it.
 */
export const LAB_EMULATORS: LabEmulator[] = [factoryEmulator, sshEmulator, talosEmulator, proxmoxEmulator];

/** What the lab world remembers about itself. */
export interface LabMeta {
  createdAt: string;
  cluster: string;
  runs: { command: string; at: string }[];
}

export interface LabRuntime {
  dir: string;
  world: LabWorld;
  clock: Clock;
  profile: LatencyProfile;
  random: () => number;
  faults(system: string): Faults;
  trace: Trace;
  meta: LabMeta;
  start(): Promise<void>;
  endpoints(): EmulatorHandle[];
  /** Records a command against the world and saves it. */
  remember(command: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * An emulator that cannot listen usually means another lab holds the same loopback addresses
 * (every lab of a config uses the same ones): say so, with the fix, instead of a stack trace.
 */
export function labStartError(system: string, err: unknown): Error {
  const code = (err as { code?: unknown })?.code;
  // Deno.serve throws Deno.errors.AddrInUse; node:net servers (ssh2, tls) an error with a code
  if (err instanceof Deno.errors.AddrInUse || code === "EADDRINUSE") {
    return new PreflightError(
      `lab: the ${system} emulator cannot listen: its loopback address is already in use`,
      "another lab is running on this machine (`deno task lab serve`, a `bootstrap --lab` or a test run); " +
        "stop it and retry",
    );
  }
  if (err instanceof Deno.errors.AddrNotAvailable || code === "EADDRNOTAVAIL") {
    return new PreflightError(
      `lab: the ${system} emulator cannot listen: ${(err as Error).message}`,
      "this system does not route all of 127.0.0.0/8 to loopback; the lab needs it (Linux does by default)",
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * While emulators run, `<lab dir>/lock` names the process serving the world, so that a second lab
 * on the same world and `lab reset` are refused with who holds it. A lock left by a lab that died
 * is cleared: a dead process serves nothing.
 */
export function lockLabWorld(dir: string): () => void {
  const path = `${dir}/lock`;
  if (readLock(path)?.stale) Deno.removeSync(path);
  try {
    return acquireLock(path, "lab");
  } catch (err) {
    if (!(err instanceof LockedError)) throw err;
    const h = err.holder;
    throw new PreflightError(
      `the lab world ${dir} is in use by pid ${h.pid} on ${h.host} (${h.command}, since ${h.startedAt})`,
      "stop that lab (`lab serve`, a `bootstrap --lab` or a test run) first, or use another --state-dir",
    );
  }
}

/** True when a live process serves the world in `dir`. */
export function labWorldInUse(dir: string): LockInfo | undefined {
  const held = readLock(`${dir}/lock`);
  return held && !held.stale ? held.holder : undefined;
}

export function labDir(stateDir: string): string {
  return `${stateDir}/lab`;
}

/** Opens the lab world for a config. Nothing is written until an emulator or `remember` saves. */
export async function openLab(options: {
  stateDir: string;
  config: ClusterConfig;
  traceFile?: string;
  emulators?: LabEmulator[];
}): Promise<LabRuntime> {
  const { config } = options;
  const dir = labDir(options.stateDir);
  const world = await LabWorld.open(dir);
  const profile = PROFILES[config.lab.profile];
  const clock = new ScaledClock(config.lab.scale ?? profile.defaultScale);
  const random = seededRandom(config.lab.seed);
  const trace = options.traceFile ? new TraceLog(options.traceFile) : noTrace;
  const faults = new Map<string, Faults>();
  const meta = world.section<LabMeta>("lab", () => ({
    createdAt: new Date().toISOString(),
    cluster: config.cluster.name,
    runs: [],
  }));
  // every address the lab will listen on must map cleanly onto loopback
  const addresses = [
    ...config.nodes.map((n, i) => [`nodes[${i}].ip`, n.ip]),
    ["network.vip", config.network.vip],
  ];
  for (const [field, ip] of addresses) {
    try {
      labAddress(ip);
    } catch (err) {
      throw new UsageError(
        `lab: ${field}: ${(err as Error).message}`,
        "the lab maps 10.a.b.c onto 127.a.b.c",
      );
    }
  }
  const handles: EmulatorHandle[] = [];
  let unlock: (() => void) | undefined;
  const lab: LabRuntime = {
    dir,
    world,
    clock,
    profile,
    random,
    trace,
    meta,
    faults(system) {
      let f = faults.get(system);
      if (!f) {
        const knob = (config.lab.faults as Record<string, object | undefined>)[system] ?? {};
        faults.set(system, f = new Faults({ seed: config.lab.seed, ...knob }));
      }
      return f;
    },
    async start() {
      unlock ??= lockLabWorld(dir);
      for (const emulator of options.emulators ?? LAB_EMULATORS) {
        try {
          handles.push(...await emulator.start(lab, config));
        } catch (err) {
          throw labStartError(emulator.system, err);
        }
      }
    },
    endpoints: () => handles,
    async remember(command) {
      meta.runs.push({ command, at: new Date().toISOString() });
      await world.save();
    },
    async close() {
      const started = handles.length > 0;
      for (const h of handles.splice(0).reverse()) await h.close();
      // emulators save as they go; this waits for the last of those saves (and writes nothing new
      // when no emulator ran)
      if (started) await world.save();
      await trace.close();
      unlock?.();
      unlock = undefined;
    },
  };
  return lab;
}
