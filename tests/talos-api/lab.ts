/**
 * A Talos lab for the tests: the emulator on a loopback range of the test's own (so test files do
 * not collide), the fast profile on a scaled clock, configs for 3 control planes and 2 workers from
 * the upstream test secrets, and clients in both modes.
 */
import { Buffer } from "node:buffer";
import { ScaledClock } from "../../lib/clock/clock.ts";
import { TalosClient } from "../../lib/talos/api/client.ts";
import type { TalosCredentials } from "../../lib/talos/api/transport.ts";
import { waitFor } from "../../lib/talos/api/wait.ts";
import { generateClusterConfigs, type MachineConfig } from "../../lib/talos/machineconfig/mod.ts";
import { generateTalosAdminCertificate } from "../../lib/talos/secrets.ts";
import { type FaultDecision, Faults } from "../../lab/faults.ts";
import { PROFILES } from "../../lab/profile.ts";
import { seededRandom } from "../../lab/random.ts";
import { TraceLog } from "../../lab/trace.ts";
import { LabWorld } from "../../lab/world.ts";
import { TalosLab } from "../../lab/talos/emulator.ts";
import { cluster, nodes, secrets } from "../talos/helpers.ts";

export { secrets };

/** Faults a test scripts call by call. */
export class ScriptedFaults extends Faults {
  readonly queue: FaultDecision[] = [];
  constructor() {
    super({ errorRate: 1 }); // "enabled"; next() is ours
  }
  override next(): FaultDecision {
    return this.queue.shift() ?? { kind: "none" };
  }
}

export const pem = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

export interface TestLab {
  talos: TalosLab;
  clock: ScaledClock;
  trace: TraceLog;
  world: LabWorld;
  faults: ScriptedFaults;
  configs: Record<string, MachineConfig>;
  credentials: TalosCredentials;
  /** 10.0.a.b → 127.<octet>.a.b */
  address(ip: string): string;
  client(ip: string, credentials?: TalosCredentials | "admin"): TalosClient;
  /** Waits until the node answers in the given mode. */
  waitUp(ip: string, mode: "maintenance" | "configured"): Promise<void>;
  close(): Promise<void>;
}

/** Starts a lab; `octet` picks the loopback range 127.<octet>.x.y. */
export async function startTestLab(
  octet: number,
  opts: { world?: LabWorld; scale?: number } = {},
): Promise<TestLab> {
  const clock = new ScaledClock(opts.scale ?? 20);
  const trace = new TraceLog();
  const world = opts.world ?? LabWorld.memory();
  const faults = new ScriptedFaults();
  const address = (ip: string) => `127.${octet}.${ip.split(".")[2]}.${ip.split(".")[3]}`;
  const talos = await TalosLab.start({
    world,
    clock,
    profile: PROFILES.fast,
    random: seededRandom(7),
    trace,
    faults,
    address,
  });
  const configs = Object.fromEntries(generateClusterConfigs(cluster(), nodes()).map((c) => [c.node, c]));
  const admin = await generateTalosAdminCertificate(secrets, { now: new Date(Date.now() - 10_000) });
  const credentials = { ca: pem(admin.ca), crt: pem(admin.crt), key: pem(admin.key) };
  const clients: TalosClient[] = [];
  const client = (ip: string, creds?: TalosCredentials | "admin") => {
    const c = new TalosClient({
      node: ip,
      dialAddress: address(ip),
      clock,
      credentials: creds === "admin" ? credentials : creds,
    });
    clients.push(c);
    return c;
  };
  return {
    talos,
    clock,
    trace,
    world,
    faults,
    configs,
    credentials,
    address,
    client,
    async waitUp(ip, mode) {
      const c = client(ip, mode === "configured" ? "admin" : undefined);
      await waitFor({
        what: `${ip} in ${mode} mode`,
        clock,
        timeoutMs: 60_000,
        initialDelayMs: 20,
        maxDelayMs: 200,
        check: async () => {
          try {
            await c.version();
            return true;
          } catch (err) {
            return { pending: String(err) };
          }
        },
      });
      c.close();
    },
    async close() {
      for (const c of clients) c.close();
      await talos.close();
    },
  };
}
