/**
 * The Proxmox VE API emulator for one host: HTTPS on the host's loopback address (certificate
 * from the lab's PVE root CA), `/api2/json/…` answered as PVE does (see `http.ts` for the
 * pipeline), tasks that take the latency profile's time through the lab's clock, state kept in
 * the lab world so the next command sees the same host.
 *
 * @example
 * ```ts
 * const pve = await startProxmoxEmulator({ world, clock, profile: PROFILES.fast, random, trace,
 *   node: "pve1", address: "127.0.0.10", port: 8006 });
 * console.log(pve.url); // https://127.0.0.10:8006
 * await pve.close();
 * ```
 */
import https from "node:https";
import type { Socket } from "node:net";
import type { Clock } from "../../lib/clock/clock.ts";
import type { Faults } from "../faults.ts";
import { type LatencyProfile, pick } from "../profile.ts";
import type { Trace } from "../trace.ts";
import type { LabWorld } from "../world.ts";
import { proxmoxWorld } from "./access.ts";
import type { HostRuntime, VmGoneHook, VmStartedHook } from "./context.ts";
import { GiB, newNode, type NodeState, reviveNode } from "./host.ts";
import { apiPipeline } from "./http.ts";
import { ConfigLocks } from "./locks.ts";
import { defineSharedStorages, type SharedStorageSpec } from "./shared_storage.ts";
import { ensurePveServerCertificate, pveRootCaPem } from "./pki.ts";
import { API_HANDLERS } from "./handlers.ts";
import { TaskRunner } from "./tasks.ts";

export interface ForeignVm {
  vmid: number;
  name: string;
  /** Default "production". */
  tags?: string;
}

export interface ProxmoxEmulatorOptions {
  world: LabWorld;
  clock: Clock;
  profile: LatencyProfile;
  random: () => number;
  trace: Trace;
  faults?: Faults;
  /** Proxmox node name. */
  node: string;
  /** Loopback address and port (8006 in the lab; 0 picks a free port in tests). */
  address: string;
  port: number;
  /** Called when a VM starts: it boots with the address from its cloud-init `ipconfig0`. */
  onVmStarted?: VmStartedHook;
  /** Called when a VM stops, and when one is destroyed. */
  onVmStopped?: VmGoneHook;
  onVmDestroyed?: VmGoneHook;
  /** VMs that exist on the host without strata having made them (strata must never touch them). */
  foreignVms?: ForeignVm[];
  /**
   * Shared storages of the cluster (`lab.sharedStorages`): one storage, the same on every emulated
   * node of the world. Those defined before (by another node, or an earlier run) are kept.
   */
  sharedStorages?: SharedStorageSpec[];
}

export interface ProxmoxEmulator {
  /** `https://<address>:<port>` */
  url: string;
  /** The host's PVE root CA (what layer 00 reads from /etc/pve/pve-root-ca.pem). */
  caPem: string;
  /** SHA-256 fingerprint of the API certificate (colon-separated hex). */
  fingerprint: string;
  /** The host's live state (tests inspect it). */
  state: NodeState;
  /** Resolves when a task has stopped. */
  taskDone(upid: string): Promise<void>;
  /** The host's VM config locks (tests hold one to make tasks contend). */
  locks: ConfigLocks;
  close(): Promise<void>;
}

/** The emulated hosts' state in the world: `proxmox.nodes[<name>]`. */
export function proxmoxNodes(world: LabWorld): Record<string, NodeState> {
  const pve = proxmoxWorld(world) as ReturnType<typeof proxmoxWorld> & { nodes?: Record<string, NodeState> };
  return pve.nodes ??= {};
}

function seedForeignVms(state: NodeState, vms: ForeignVm[]) {
  for (const f of vms) {
    if (state.vms[f.vmid]) continue;
    const volid = `local-lvm:vm-${f.vmid}-disk-0`;
    state.storages["local-lvm"].volumes[volid] = 16 * GiB;
    state.vms[f.vmid] = {
      vmid: f.vmid,
      status: "running",
      config: {
        name: f.name,
        tags: f.tags ?? "production",
        memory: "2048",
        cores: "2",
        ostype: "l26",
        scsi0: `${volid},size=16G`,
        net0: `virtio=BC:24:11:AA:${(f.vmid >> 8 & 255).toString(16).toUpperCase().padStart(2, "0")}:${
          (f.vmid & 255).toString(16).toUpperCase().padStart(2, "0")
        },bridge=vmbr0`,
        boot: "order=scsi0;net0",
      },
      pending: {},
      pendingDelete: [],
      startedAt: 0,
    };
  }
}

export async function startProxmoxEmulator(options: ProxmoxEmulatorOptions): Promise<ProxmoxEmulator> {
  const { world, clock, profile, random } = options;
  const nodes = proxmoxNodes(world);
  const state = reviveNode(nodes[options.node] ??= newNode(clock.now()), clock.now());
  // every node of the world, this one included, gets the cluster's shared storages
  defineSharedStorages(world, options.sharedStorages ?? []);
  seedForeignVms(state, options.foreignVms ?? []);
  await world.save();

  const caPem = await pveRootCaPem(world, options.node);
  const tls = await ensurePveServerCertificate(world, options.node, options.address);
  const closing = new AbortController();
  const save = () => void world.save();
  const tasks = new TaskRunner({ node: options.node, state, clock, save });
  const host: HostRuntime = {
    name: options.node,
    state,
    clock,
    profile,
    random,
    tasks,
    locks: new ConfigLocks(clock, closing.signal),
    access: () => proxmoxWorld(world).access,
    delay: (kind, signal) => clock.sleep(pick(profile[kind], random), signal ?? closing.signal),
    save,
    onVmStarted: options.onVmStarted,
    onVmStopped: options.onVmStopped,
    onVmDestroyed: options.onVmDestroyed,
    sslFingerprint: tls.fingerprint,
    closing: closing.signal,
  };
  const handle = apiPipeline({
    host,
    handlers: API_HANDLERS,
    trace: options.trace,
    faults: options.faults,
  });

  const sockets = new Set<Socket>();
  const server = https.createServer({ key: tls.privateKey, cert: tls.certificate }, async (req, res) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of req) chunks.push(chunk as Uint8Array);
    const body = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    chunks.reduce((at, c) => (body.set(c, at), at + c.length), 0);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    }
    const answer = await handle({
      method: req.method ?? "GET",
      url: new URL(req.url ?? "/", `https://${options.address}`),
      headers,
      body,
    }).catch((err) => ({
      status: 500,
      reason: "lab: internal error",
      headers: {},
      body: String(err?.stack ?? err),
    }));
    if ("drop" in answer) {
      // a connection reset, as a dying proxy worker leaves it
      req.socket.destroy();
      return;
    }
    const bytes = new TextEncoder().encode(answer.body);
    res.writeHead(answer.status, answer.reason || undefined, {
      ...answer.headers,
      "content-length": String(bytes.length),
      server: "pve-api-daemon/3.0",
      "cache-control": "max-age=0",
      pragma: "no-cache",
      ...(answer.status >= 400 ? { connection: "close" } : {}),
    });
    res.end(bytes);
  });
  server.on("secureConnection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.address, () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `https://${options.address}:${port}`,
    caPem,
    fingerprint: tls.fingerprint,
    state,
    taskDone: (upid) => tasks.done(upid),
    locks: host.locks,
    async close() {
      closing.abort(new Error("emulator closed"));
      await tasks.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await world.save();
    },
  };
}
