/**
 * The lab's Talos nodes: one apid per VM on the loopback twin of the VM's IP, port 50000.
 *
 * A VM that starts (the Proxmox emulator's `onVmStarted`, or {@link TalosLab.addNode} without
 * Proxmox) boots for the profile's `vmBoot` time and answers in maintenance mode: TLS with a
 * self-made certificate, no client certificate. `ApplyConfiguration` checks the config as Talos
 * v1.13 does (validate.ts) and refuses bad ones with InvalidArgument; a good one is persisted, the
 * connection reset (apid restarts) and the node installs for the profile's `talosInstall` time,
 * then answers in configured mode: mutual TLS with a certificate from the config's OS CA, accepting
 * only client certificates from that CA. `Bootstrap` on a control plane starts etcd; the other
 * control planes join (learner, then member) after parts of the `etcdBootstrap` delay; once the
 * delay has passed the Kubernetes API answers on the VIP (kube_api.ts) and `Kubeconfig` hands out
 * an admin kubeconfig from the cluster CA. Everything is kept in the world section `talos`, so the
 * next command finds the nodes as they were.
 *
 * @example
 * ```ts
 * const talos = await TalosLab.start({ world, clock, profile, random, trace });
 * talos.addNode({ ip: "10.0.1.11" }); // or Proxmox calls talos.vmStarted(host, vmid, ip, mac)
 * await talos.close();
 * ```
 */
import * as grpc from "@grpc/grpc-js";
import type { Clock } from "../../lib/clock/clock.ts";
import { GrpcStatus, grpcStatusName } from "../../lib/talos/api/errors.ts";
import {
  type ApplyConfigurationRequest,
  type ApplyConfigurationResponse,
  ApplyMode,
  applyModeName,
  type BootstrapResponse,
  type Data,
  type EtcdMemberListRequest,
  type EtcdMemberListResponse,
  type ReadRequest,
  type ServiceListResponse,
  type VersionResponse,
} from "../../lib/talos/api/messages.ts";
import { createTarGz } from "../../lib/talos/api/targz.ts";
import { labAddress } from "../address.ts";
import type { Faults } from "../faults.ts";
import { type LatencyProfile, pick } from "../profile.ts";
import type { Trace } from "../trace.ts";
import type { LabWorld } from "../world.ts";
import {
  type KubeApi,
  type KubeApiOptions,
  type KubeHandler,
  kubeVersionInfo,
  startKubeApi,
} from "./kube_api.ts";
import {
  GrpcError,
  grpcError,
  machineServiceDefinition,
  METHOD_ROLES,
  NOT_AUTHORIZED,
  rolesOf,
} from "./machine_service.ts";
import {
  adminKubeconfig,
  apidCertificate,
  type ConfigCa,
  fromBase64,
  maintenanceCertificate,
  parseGoDuration,
} from "./pki.ts";
import { nodeServices } from "./services.ts";
import {
  type ClusterRecord,
  type EtcdClusterRecord,
  etcdMembersAt,
  etcdOfNode,
  newMemberId,
  type NodeRecord,
  primaryEtcd,
  type TalosWorld,
  talosWorld,
} from "./state.ts";
import { ConnectionTable, startTlsFront, type TlsFront } from "./tls_front.ts";
import { validateMachineConfig } from "./validate.ts";
import { vmStatus } from "../proxmox/boots.ts";
import { canApplyImmediate, resolveApplyMode } from "./apply_modes.ts";
import { type ConfigFacts, configFacts, isIpv4, tagOfImage } from "./node_facts.ts";

/** Where the persisted config lives on a node (constants.StateMountPoint + ConfigFilename). */
export const CONFIG_PATH = "/system/state/config.yaml";

export interface TalosLabOptions {
  world: LabWorld;
  clock: Clock;
  profile: LatencyProfile;
  random: () => number;
  trace: Trace;
  faults?: Faults;
  /** The Talos version VMs boot (the maintenance image); default v1.13.9. */
  talosVersion?: string;
  /** apid's port; default 50000. */
  apiPort?: number;
  /** The Kubernetes API's port; default 6443. */
  kubePort?: number;
  /** Where an emulated IP listens; default its loopback twin (`labAddress`). */
  address?: (ip: string) => string;
  /** Starts the Kubernetes API of a cluster; the Kubernetes emulator passes its own. */
  startKubeApi?: (opts: KubeApiOptions & { cluster: string }) => Promise<KubeApi>;
  /** Extra Kubernetes API routes per cluster (for the default `startKubeApi`). */
  kubeHandlers?: (cluster: string, info: KubeClusterInfo) => KubeHandler[];
  /** A configured node's kubelet registers with its cluster's Kubernetes API (once that answers). */
  kubelet?: (cluster: string, node: KubeletRegistration) => void;
  /** The last machine of a cluster is gone, and its etcd (the Kubernetes state) with it. */
  clusterGone?: (cluster: string) => Promise<void> | void;
}

/** What the Kubernetes side needs to know of a cluster when its API starts. */
export interface KubeClusterInfo {
  /** Kubernetes version ("v1.33.4", the kube-apiserver image tag). */
  version: string;
  /** The cluster CA certificate (PEM). */
  caPem: string;
  podCidr: string;
  serviceCidr: string;
  /** Control-plane node IPs (the `kubernetes` Endpoints). */
  controlPlaneIps: string[];
  vip: string;
}

/** A node as its kubelet registers it: from the applied machine config. */
export interface KubeletRegistration {
  /** The hostname (the Node's name). */
  name: string;
  ip: string;
  role: "controlplane" | "worker";
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  osImage: string;
}

/** Which listener a connection came in on. */
interface Tag {
  ip: string;
  via: "node" | "vip";
  mode: "maintenance" | "configured";
  generation: number;
}

interface NodeRuntime {
  front?: TlsFront;
  /** Bumped on every boot and shutdown: work for an older generation stops. */
  generation: number;
  applying: boolean;
  /** Set once a config is accepted and the node is about to restart (no further applies). */
  rebooting: boolean;
  waitingForTrustd: boolean;
}

/** What a method handler can do to its connection. */
interface CallContext {
  /** Breaks the connection now. */
  drop(): void;
  /** Resolves when the answer has gone out. */
  quiet(): Promise<void>;
  /** Runs after the answer was handed to gRPC (or the connection dropped). */
  after(action: () => Promise<void>): void;
}

// deno-lint-ignore no-explicit-any
type Handler = (tag: Tag, req: any, ctx: CallContext) => unknown;

interface ClusterRuntime {
  kube?: KubeApi;
  kubeStarting?: Promise<void>;
  vipFront?: TlsFront;
  vip?: string;
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** The lab's Talos machines. */
export class TalosLab {
  readonly #o: TalosLabOptions & { apiPort: number; kubePort: number; address: (ip: string) => string };
  readonly #state: TalosWorld;
  readonly #closing = new AbortController();
  readonly #conns = new ConnectionTable<Tag>();
  readonly #nodes = new Map<string, NodeRuntime>();
  readonly #clusters = new Map<string, ClusterRuntime>();
  readonly #facts = new Map<string, ConfigFacts>();
  readonly #pending = new Set<Promise<unknown>>();
  #server!: grpc.Server;
  #innerPort = 0;

  private constructor(opts: TalosLabOptions) {
    this.#o = {
      ...opts,
      apiPort: opts.apiPort ?? 50000,
      kubePort: opts.kubePort ?? 6443,
      address: opts.address ?? labAddress,
    };
    this.#state = talosWorld(opts.world);
  }

  /** Starts the inner gRPC server and brings back the nodes the world remembers as running. */
  static async start(opts: TalosLabOptions): Promise<TalosLab> {
    const lab = new TalosLab(opts);
    await lab.#startServer();
    lab.#restore();
    return lab;
  }

  get #now(): number {
    return this.#o.clock.now();
  }

  get talosVersion(): string {
    return this.#o.talosVersion ?? "v1.13.9";
  }

  /** The nodes as the world has them (tests and `lab status`). */
  nodes(): NodeRecord[] {
    return Object.values(this.#state.nodes);
  }

  /** The node record of an IP. */
  node(ip: string): NodeRecord | undefined {
    return this.#state.nodes[ip];
  }

  /** The cluster records (etcd, Kubernetes API). */
  clusters(): ClusterRecord[] {
    return Object.values(this.#state.clusters);
  }

  /** host:port of every listening apid and Kubernetes API. */
  endpoints(): string[] {
    const out: string[] = [];
    for (const rt of this.#nodes.values()) if (rt.front) out.push(`${rt.front.address}:${rt.front.port}`);
    for (const c of this.#clusters.values()) {
      if (c.vipFront) out.push(`${c.vipFront.address}:${c.vipFront.port}`);
      if (c.kube) out.push(c.kube.url);
    }
    return out;
  }

  // ---- lifecycle hooks --------------------------------------------------------------------------

  /** The Proxmox emulator's `onVmStarted`: the VM boots with the address of its cloud-init ipconfig0. */
  vmStarted(
    host: string | undefined,
    vmid: number | undefined,
    ip: string | undefined,
    mac: string | undefined,
  ): void {
    if (!ip) {
      this.#note("vm-started", { host, vmid }, "no static IP in ipconfig0: the lab cannot reach this VM");
      return;
    }
    let node: NodeRecord | undefined = this.#state.nodes[ip];
    if (node && (node.host !== host || node.vmid !== vmid)) {
      // another machine now has this address: a fresh disk
      this.#forget(ip);
      node = undefined;
    }
    if (!node) {
      node = { ip, mac, host, vmid, running: true, stage: "maintenance" };
      this.#state.nodes[ip] = node;
    }
    node.running = true;
    node.mac = mac ?? node.mac;
    node.upAt = this.#now + pick(this.#o.profile.vmBoot, this.#o.random);
    this.#save();
    this.#track(this.#boot(ip));
  }

  /** A VM without Proxmox (tests, benches): boots like {@link vmStarted}. */
  addNode(opts: { ip: string; mac?: string }): void {
    this.vmStarted(undefined, undefined, opts.ip, opts.mac);
  }

  /** The VM stopped: apid goes away, the disk stays. */
  vmStopped(host: string | undefined, vmid: number | undefined): void {
    for (const node of Object.values(this.#state.nodes)) {
      if (node.host === host && node.vmid === vmid) {
        node.running = false;
        this.#shutdown(node.ip);
      }
    }
    this.#save();
  }

  /** The VM was destroyed: its disk (config, etcd data) is gone. */
  vmDestroyed(host: string | undefined, vmid: number | undefined): void {
    for (const node of Object.values(this.#state.nodes)) {
      if (node.host === host && node.vmid === vmid) this.#forget(node.ip);
    }
    this.#save();
  }

  /** Stops every listener and timer; the world keeps the state. */
  async close(): Promise<void> {
    this.#closing.abort(new Error("the lab is closing"));
    await Promise.allSettled([...this.#pending]);
    const closing: Promise<unknown>[] = [];
    for (const rt of this.#nodes.values()) if (rt.front) closing.push(rt.front.close());
    for (const c of this.#clusters.values()) {
      if (c.kubeStarting) await c.kubeStarting.catch(() => {});
      if (c.vipFront) closing.push(c.vipFront.close());
      if (c.kube) closing.push(c.kube.close());
    }
    await Promise.allSettled(closing);
    this.#server.forceShutdown();
    await this.#o.world.save();
  }

  // ---- internals: bookkeeping ---------------------------------------------------------------------

  #runtime(ip: string): NodeRuntime {
    let rt = this.#nodes.get(ip);
    if (!rt) {
      rt = { generation: 0, applying: false, rebooting: false, waitingForTrustd: false };
      this.#nodes.set(ip, rt);
    }
    return rt;
  }

  #clusterRuntime(key: string): ClusterRuntime {
    let c = this.#clusters.get(key);
    if (!c) this.#clusters.set(key, c = {});
    return c;
  }

  #track<T>(p: Promise<T>): void {
    const tracked = p.catch((err) => {
      if (!this.#closing.signal.aborted) this.#note("internal", {}, String(err?.stack ?? err));
    });
    this.#pending.add(tracked);
    tracked.finally(() => this.#pending.delete(tracked));
  }

  #save(): void {
    this.#track(this.#o.world.save());
  }

  #note(method: string, params: Record<string, unknown>, status: string, host?: string): void {
    this.#o.trace.record({
      system: "talos",
      method: "EVENT",
      path: method,
      params,
      status,
      at: this.#now,
      host,
    });
  }

  /** Waits virtual time; false when the lab closed or `stillValid` no longer holds. */
  async #sleep(ms: number): Promise<boolean> {
    try {
      await this.#o.clock.sleep(Math.max(0, ms), this.#closing.signal);
      return true;
    } catch {
      return false;
    }
  }

  #factsOf(config: string): ConfigFacts {
    let f = this.#facts.get(config);
    if (!f) this.#facts.set(config, f = configFacts(config, this.talosVersion));
    return f;
  }

  #hostname(node: NodeRecord): string {
    const h = node.config ? this.#factsOf(node.config).hostname : undefined;
    return h ?? `talos-${node.ip.split(".").slice(2).join("-")}`;
  }

  // ---- internals: boot, listen, shut down ---------------------------------------------------------

  #restore(): void {
    for (const node of Object.values(this.#state.nodes)) {
      if (node.host && node.vmid !== undefined) {
        const status = vmStatus(this.#o.world, node.host, node.vmid);
        if (!status) {
          this.#forget(node.ip); // the VM is gone, and its disk with it
          continue;
        }
        if (status !== "running") node.running = false;
      }
      if (node.running) this.#track(this.#boot(node.ip));
    }
    for (const cluster of Object.values(this.#state.clusters)) this.#scheduleCluster(cluster.key);
    this.#save();
  }

  #forget(ip: string): void {
    const node = this.#state.nodes[ip];
    this.#shutdown(ip);
    delete this.#state.nodes[ip];
    const key = node?.cluster;
    if (!key) return;
    const cluster = this.#state.clusters[key];
    for (const etcd of Object.values(cluster?.etcd ?? {})) delete etcd.members[ip];
    // the last machine of a cluster is gone: so is the cluster
    if (!Object.values(this.#state.nodes).some((n) => n.cluster === key)) {
      delete this.#state.clusters[key];
      const c = this.#clusters.get(key);
      this.#clusters.delete(key);
      this.#track(
        Promise.all([c?.vipFront?.close(), c?.kubeStarting?.then(() => c.kube?.close())])
          .then(() => this.#o.clusterGone?.(key)),
      );
    }
  }

  #shutdown(ip: string): void {
    const rt = this.#runtime(ip);
    rt.generation++;
    rt.rebooting = false;
    rt.waitingForTrustd = false;
    const front = rt.front;
    rt.front = undefined;
    if (front) this.#track(front.close());
  }

  /** Brings a node's apid up once its pending boot completes. */
  async #boot(ip: string): Promise<void> {
    const rt = this.#runtime(ip);
    const gen = ++rt.generation;
    rt.rebooting = false;
    if (rt.front) {
      const f = rt.front;
      rt.front = undefined;
      await f.close();
    }
    const node = this.#state.nodes[ip];
    if (!node) return;
    if (!(await this.#sleep((node.upAt ?? this.#now) - this.#now)) || rt.generation !== gen) return;
    if (node.stage === "installing") {
      node.stage = "configured";
      node.installedVersion = tagOfImage(this.#factsOf(node.config!).v1.machine?.install?.image) ??
        this.talosVersion;
      this.#note("installed", { version: node.installedVersion }, "ok", ip);
    }
    if (node.stagedConfig) {
      node.config = node.stagedConfig;
      delete node.stagedConfig;
    }
    node.upAt = this.#now;
    this.#save();
    await this.#listen(ip, gen);
  }

  async #listen(ip: string, gen: number): Promise<void> {
    const rt = this.#runtime(ip);
    const node = this.#state.nodes[ip];
    if (!node || rt.generation !== gen) return;
    const address = this.#o.address(ip);
    const now = certificateTime();
    let front: TlsFront;
    if (node.stage === "maintenance") {
      const cert = await maintenanceCertificate([ip, address], now);
      if (rt.generation !== gen) return;
      front = await startTlsFront({
        address,
        port: this.#o.apiPort,
        innerPort: this.#innerPort,
        key: cert.key,
        cert: cert.cert,
        tag: { ip, via: "node", mode: "maintenance", generation: gen },
        conns: this.#conns,
      });
    } else {
      const facts = this.#factsOf(node.config!);
      const signer = this.#osCaSigner(facts);
      if (!signer) {
        // a worker gets its apid certificate from trustd on a control plane: wait for one
        rt.waitingForTrustd = true;
        this.#note("apid", {}, "waiting for a control plane's trustd to sign the apid certificate", ip);
        return;
      }
      rt.waitingForTrustd = false;
      const v1 = facts.v1;
      const sans = (v1.machine?.certSANs ?? []) as string[];
      const ips = [ip, address, ...sans.filter(isIpv4)];
      if (facts.vip && facts.role === "controlplane") ips.push(facts.vip, this.#o.address(facts.vip));
      let cert;
      try {
        cert = await apidCertificate(signer, {
          ips,
          dnsNames: [this.#hostname(node), ...sans.filter((s) => !isIpv4(s) && !s.includes(":"))],
        }, now);
      } catch (err) {
        this.#note("apid", {}, `apid cannot start: ${(err as Error).message}`, ip);
        return;
      }
      if (rt.generation !== gen) return;
      const accepted = [
        fromBase64(v1.machine.ca.crt),
        ...(v1.machine.acceptedCAs ?? []).map((c: ConfigCa) => fromBase64(c.crt)),
      ];
      front = await startTlsFront({
        address,
        port: this.#o.apiPort,
        innerPort: this.#innerPort,
        key: cert.key,
        cert: cert.cert,
        clientCa: accepted.join(""),
        tag: { ip, via: "node", mode: "configured", generation: gen },
        conns: this.#conns,
      });
    }
    if (rt.generation !== gen) {
      await front.close();
      return;
    }
    rt.front = front;
    this.#note("apid", { mode: node.stage }, "listening", ip);
    if (node.stage === "configured") this.#configuredUp(ip);
  }

  /** The OS CA with its key: the node's own (control plane) or a control plane's via trustd (worker). */
  #osCaSigner(facts: ConfigFacts): ConfigCa | undefined {
    const ca = facts.v1.machine?.ca as ConfigCa | undefined;
    if (!ca?.crt) return undefined;
    if (ca.key) return ca;
    for (const other of Object.values(this.#state.nodes)) {
      if (other.stage !== "configured" || !other.config || !this.#runtime(other.ip).front) continue;
      const o = this.#factsOf(other.config);
      const oca = o.v1.machine?.ca as ConfigCa | undefined;
      if (o.role === "controlplane" && o.clusterKey === facts.clusterKey && oca?.crt === ca.crt && oca.key) {
        return { crt: ca.crt, key: oca.key };
      }
    }
    return undefined;
  }

  /** A configured node's apid is up: join etcd (control planes), serve waiting workers, register. */
  #configuredUp(ip: string): void {
    const node = this.#state.nodes[ip];
    const facts = this.#factsOf(node.config!);
    if (node.cluster && this.#clusters.get(node.cluster)?.kube) this.#registerKubelet(ip);
    if (facts.role === "controlplane") {
      this.#maybeJoin(ip);
      for (const [other, rt] of this.#nodes) {
        if (rt.waitingForTrustd) this.#track(this.#listen(other, rt.generation));
      }
    }
  }

  /** The kubelet of a configured, running node registers after an API round trip. */
  #registerKubelet(ip: string): void {
    const hook = this.#o.kubelet;
    const node = this.#state.nodes[ip];
    if (!hook || !node?.config || !node.cluster) return;
    const gen = this.#runtime(ip).generation;
    const key = node.cluster;
    this.#track((async () => {
      if (!(await this.#sleep(pick(this.#o.profile.apiCall, this.#o.random)))) return;
      if (this.#runtime(ip).generation !== gen || !this.#clusters.get(key)?.kube) return;
      const facts = this.#factsOf(node.config!);
      const v1 = facts.v1;
      const taints = Object.entries((v1.machine?.nodeTaints ?? {}) as Record<string, string>).map(
        ([k, v]) => {
          const [value, effect] = v.includes(":") ? v.split(":") : ["", v];
          return { key: k, ...(value ? { value } : {}), effect };
        },
      );
      // Talos taints control planes unless the cluster allows scheduling on them
      if (facts.role === "controlplane" && !v1.cluster?.allowSchedulingOnControlPlanes) {
        taints.push({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" });
      }
      hook(key, {
        name: this.#hostname(node),
        ip,
        role: facts.role,
        labels: { ...(v1.machine?.nodeLabels ?? {}) },
        taints,
        osImage: `Talos (${node.installedVersion ?? this.talosVersion})`,
      });
      this.#note("kubelet", { name: this.#hostname(node) }, "registered", ip);
    })());
  }

  #cluster(key: string): ClusterRecord {
    return this.#state.clusters[key] ??= { key, etcd: {} };
  }

  /** Schedules a configured control plane's join to the cluster's etcd, if it has one. */
  #maybeJoin(ip: string): void {
    const node = this.#state.nodes[ip];
    if (!node?.config || !node.cluster) return;
    const cluster = this.#state.clusters[node.cluster];
    const etcd = primaryEtcd(cluster);
    if (!etcd || etcdOfNode(cluster, ip)) return;
    const step = pick(this.#o.profile.etcdBootstrap, this.#o.random) / 4;
    const addedAt = Math.max(this.#now, etcd.createdAt) + step;
    etcd.members[ip] = {
      id: newMemberId(this.#o.random),
      hostname: this.#hostname(node),
      ip,
      addedAt,
      promotedAt: addedAt + step,
    };
    this.#note("etcd-join", { etcd: etcd.id, learnerAt: addedAt, memberAt: addedAt + step }, "scheduled", ip);
    this.#save();
  }

  /** Starts the VIP's Talos API and the Kubernetes API of a cluster when their time comes. */
  #scheduleCluster(key: string): void {
    const cluster = this.#state.clusters[key];
    const etcd = primaryEtcd(cluster);
    if (!cluster || !etcd) return;
    const bootstrap = this.#state.nodes[etcd.bootstrapNode];
    if (!bootstrap?.config) return;
    const facts = this.#factsOf(bootstrap.config);
    if (!facts.vip) {
      this.#note(
        "vip",
        {},
        "no Layer2VIPConfig and no IP endpoint: the Kubernetes API has no lab address",
        key,
      );
      return;
    }
    const rt = this.#clusterRuntime(key);
    rt.vip = facts.vip;
    this.#track((async () => {
      // Talos' VIP operator claims the address once etcd answers
      if (!(await this.#sleep(etcd.createdAt + pick(this.#o.profile.apiCall, this.#o.random) - this.#now))) {
        return;
      }
      if (!rt.vipFront && this.#clusters.get(key) === rt) await this.#startVipFront(key, etcd);
      if (!(await this.#sleep((cluster.kubeApiAt ?? this.#now) - this.#now))) return;
      if (!rt.kube && !rt.kubeStarting && this.#clusters.get(key) === rt) {
        rt.kubeStarting = this.#startKube(key, bootstrap.config!);
        await rt.kubeStarting;
      }
    })());
  }

  async #startVipFront(key: string, etcd: EtcdClusterRecord): Promise<void> {
    const holder = this.#state.nodes[etcd.bootstrapNode];
    const rt = this.#clusterRuntime(key);
    if (!holder?.config || !rt.vip) return;
    const facts = this.#factsOf(holder.config);
    const signer = this.#osCaSigner(facts);
    if (!signer) return;
    const address = this.#o.address(rt.vip);
    const cert = await apidCertificate(signer, {
      ips: [rt.vip, address, holder.ip, this.#o.address(holder.ip)],
      dnsNames: [this.#hostname(holder)],
    }, certificateTime());
    const v1 = facts.v1;
    rt.vipFront = await startTlsFront({
      address,
      port: this.#o.apiPort,
      innerPort: this.#innerPort,
      key: cert.key,
      cert: cert.cert,
      clientCa: fromBase64(v1.machine.ca.crt),
      tag: { ip: holder.ip, via: "vip", mode: "configured", generation: -1 },
      conns: this.#conns,
    });
    this.#note("vip", { vip: rt.vip, holder: holder.ip }, "listening", rt.vip);
  }

  async #startKube(key: string, config: string): Promise<void> {
    const rt = this.#clusterRuntime(key);
    const facts = this.#factsOf(config);
    const v1 = facts.v1;
    const vip = rt.vip!;
    const cl = v1.cluster;
    const sans = (cl.apiServer?.certSANs ?? []) as string[];
    const controlPlaneIps = Object.values(this.#state.nodes)
      .filter((n) => n.cluster === key && n.config && this.#factsOf(n.config).role === "controlplane")
      .map((n) => n.ip);
    const info: KubeClusterInfo = {
      version: tagOfImage(cl.apiServer?.image) ?? "v1.35.0",
      caPem: fromBase64(cl.ca.crt),
      podCidr: (cl.network?.podSubnets ?? ["10.244.0.0/16"])[0],
      serviceCidr: (cl.network?.serviceSubnets ?? ["10.96.0.0/12"])[0],
      controlPlaneIps,
      vip,
    };
    // the first address of the service CIDR: the `kubernetes` Service's ClusterIP
    const serviceIp = info.serviceCidr.split("/")[0].split(".").map((o, i) => i === 3 ? Number(o) + 1 : o)
      .join(".");
    const domain = cl.network?.dnsDomain ?? "cluster.local";
    const controlPlanes = controlPlaneIps.flatMap((ip) => [ip, this.#o.address(ip)]);
    const start = this.#o.startKubeApi ?? startKubeApi;
    rt.kube = await start({
      cluster: key,
      address: this.#o.address(vip),
      port: this.#o.kubePort,
      caCertPem: info.caPem,
      caKeyPem: fromBase64(cl.ca.key),
      ips: [vip, this.#o.address(vip), serviceIp, ...controlPlanes, ...sans.filter(isIpv4)],
      dnsNames: [
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        `kubernetes.default.svc.${domain}`,
        "localhost",
        ...sans.filter((s) => !isIpv4(s) && !s.includes(":")),
      ],
      version: kubeVersionInfo(info.version),
      handlers: this.#o.kubeHandlers?.(key, info),
      clock: this.#o.clock,
      trace: this.#o.trace,
      faults: this.#o.faults,
    });
    this.#note("kube-apiserver", { url: rt.kube.url, version: info.version }, "listening", vip);
    // the kubelets of the configured nodes (waiting for the API until now) register
    for (const n of Object.values(this.#state.nodes)) {
      if (n.cluster === key && n.stage === "configured" && this.#runtime(n.ip).front) {
        this.#registerKubelet(n.ip);
      }
    }
  }

  // ---- the gRPC service ------------------------------------------------------------------------------

  async #startServer(): Promise<void> {
    this.#server = new grpc.Server();
    const unary =
      (name: string, fn: Handler) =>
      (call: grpc.ServerUnaryCall<Json, Json>, callback: grpc.sendUnaryData<Json>) => {
        const after: (() => Promise<void>)[] = [];
        this.#handle(name, call, fn, after).then(
          (res) => {
            if (res !== DROPPED) callback(null, res);
            for (const a of after) this.#track(a());
          },
          (err) => callback(toStatus(err)),
        );
      };
    const stream = (name: string, fn: Handler) => (call: grpc.ServerWritableStream<Json, Json>) => {
      this.#handle(name, call, fn, []).then(
        (chunks) => {
          if (chunks === DROPPED) return;
          for (const c of chunks as Data[]) call.write(c);
          call.end();
        },
        (err) => call.emit("error", toStatus(err)),
      );
    };
    this.#server.addService(machineServiceDefinition(), {
      ApplyConfiguration: unary("ApplyConfiguration", (t, r, c) => this.#apply(t, r, c)),
      Bootstrap: unary("Bootstrap", (t) => this.#bootstrap(t)),
      EtcdMemberList: unary("EtcdMemberList", (t, r) => this.#etcdMemberList(t, r)),
      ServiceList: unary("ServiceList", (t) => this.#serviceList(t)),
      Version: unary("Version", (t) => this.#version(t)),
      Kubeconfig: stream("Kubeconfig", (t) => this.#kubeconfig(t)),
      Read: stream("Read", (t, r) => this.#read(t, r)),
    });
    this.#innerPort = await new Promise<number>((resolve, reject) =>
      this.#server.bindAsync(
        "127.0.0.1:0",
        grpc.ServerCredentials.createInsecure(),
        (err, port) => err ? reject(err) : resolve(port),
      )
    );
  }

  /** Common path of every call: which node, faults, latency, roles, trace. */
  async #handle(
    method: string,
    call: grpc.ServerUnaryCall<Json, Json> | grpc.ServerWritableStream<Json, Json>,
    fn: Handler,
    after: (() => Promise<void>)[],
  ): Promise<unknown> {
    const conn = this.#conns.byPeer(call.getPeer());
    const request = call.request as Json;
    const record = (status: string) =>
      this.#o.trace.record({
        system: "talos",
        method: "POST",
        path: `/machine.MachineService/${method}`,
        params: traceParams(method, request, conn?.tag),
        status,
        at: this.#now,
        host: conn?.tag.ip,
      });
    if (!conn) {
      record("Unavailable");
      throw grpcError(GrpcStatus.UNAVAILABLE, "connection closed");
    }
    const ctx: CallContext = {
      drop: () => conn.socket.destroy(),
      quiet: () => conn.quiet(),
      after: (a) => after.push(a),
    };
    try {
      const fault = this.#o.faults?.next() ?? { kind: "none" };
      if (fault.kind === "error") throw grpcError(GrpcStatus.UNAVAILABLE, "transport is closing");
      if (fault.kind === "spike") await this.#sleep(fault.ms);
      await this.#sleep(pick(this.#o.profile.apiCall, this.#o.random));
      const rt = this.#runtime(conn.tag.ip);
      if (conn.tag.via === "node" && conn.tag.generation !== rt.generation) {
        throw grpcError(GrpcStatus.UNAVAILABLE, "connection closed");
      }
      const roles = conn.tag.mode === "maintenance" ? new Set(["os:reader"]) : rolesOf(conn.organizations);
      if (!(METHOD_ROLES[method] ?? []).some((r) => roles.has(r))) throw NOT_AUTHORIZED();
      if (method === "ApplyConfiguration" && conn.tag.mode === "configured" && !roles.has("os:admin")) {
        throw NOT_AUTHORIZED();
      }
      if (fault.kind === "drop") {
        // the connection breaks before the answer; an apply has been taken already (the reboot race)
        if (method === "ApplyConfiguration") {
          try {
            await fn(conn.tag, request, ctx);
          } catch { /* refused or not, the connection breaks */ }
        }
        ctx.drop();
        record("Dropped");
        return DROPPED;
      }
      const result = await fn(conn.tag, request, ctx);
      record("OK");
      return result;
    } catch (err) {
      record(err instanceof GrpcError ? grpcStatusName(err.code) : "Unknown");
      throw err;
    }
  }

  #nodeFor(tag: Tag): NodeRecord {
    const node = this.#state.nodes[tag.ip];
    if (!node) throw grpcError(GrpcStatus.UNAVAILABLE, "connection closed");
    return node;
  }

  #version(tag: Tag): VersionResponse {
    const node = this.#nodeFor(tag);
    const version = node.stage === "configured"
      ? node.installedVersion ?? this.talosVersion
      : this.talosVersion;
    return {
      messages: [{
        metadata: undefined,
        version: {
          tag: version,
          sha: "3ebd10a7c",
          built: "",
          goVersion: "go1.24.6",
          os: "linux",
          arch: "amd64",
        },
        platform: { name: "nocloud", mode: "cloud" },
        features: { rbac: true },
      }],
    };
  }

  #apply(tag: Tag, req: ApplyConfigurationRequest, ctx: CallContext): ApplyConfigurationResponse {
    const node = this.#nodeFor(tag);
    const rt = this.#runtime(node.ip);
    if (rt.applying) {
      throw grpcError(GrpcStatus.FAILED_PRECONDITION, "another apply configuration is already in progress");
    }
    if (rt.rebooting) {
      throw grpcError(
        GrpcStatus.FAILED_PRECONDITION,
        "configuration was already applied and node is rebooting, cannot apply more configuration changes until next reboot",
      );
    }
    rt.applying = true;
    try {
      return this.#applyLocked(node, req, ctx);
    } finally {
      rt.applying = false;
    }
  }

  #applyLocked(
    node: NodeRecord,
    req: ApplyConfigurationRequest,
    ctx: CallContext,
  ): ApplyConfigurationResponse {
    const maintenance = node.stage !== "configured";
    const text = new TextDecoder().decode(req.data);
    const result = validateMachineConfig(text, {
      requiresInstall: maintenance,
      talosVersion: this.talosVersion,
    });
    if (!result.ok) throw grpcError(GrpcStatus.INVALID_ARGUMENT, result.message);
    if (!maintenance && !result.config.v1alpha1) {
      throw grpcError(
        GrpcStatus.INVALID_ARGUMENT,
        "the applied machine configuration doesn't contain v1alpha1 config, did you mean to patch the machine config instead?",
      );
    }
    const immediate = maintenance
      ? undefined
      : canApplyImmediate(this.#factsOf(node.config!).v1, result.config.v1alpha1 ?? {});
    const { mode, modeName, details, reason } = resolveApplyMode(req.mode, maintenance, immediate);
    if (req.dryRun) {
      const diff = node.config === text ? "No changes." : "the configuration changes";
      return {
        messages: [{
          metadata: undefined,
          warnings: [],
          mode,
          modeDetails: `Dry run summary:\n${details} (skipped in dry-run).\nConfig diff:\n\n${diff}`,
        }],
      };
    }
    this.#note("apply", { mode: modeName.toLowerCase() }, "accepted", node.ip);
    const facts = this.#factsOf(text);
    const rt = this.#runtime(node.ip);
    if (mode === ApplyMode.STAGED) {
      node.stagedConfig = text;
    } else if (maintenance) {
      // the maintenance service hands the config over, apid restarts, the installer runs, reboot
      node.config = text;
      node.cluster = facts.clusterKey;
      node.stage = "installing";
      node.upAt = this.#now + pick(this.#o.profile.talosInstall, this.#o.random);
      rt.rebooting = true;
      ctx.after(() => this.#restartAfterAnswer(node.ip, ctx));
    } else if (mode === ApplyMode.REBOOT) {
      node.config = text;
      node.cluster = facts.clusterKey;
      node.upAt = this.#now + pick(this.#o.profile.vmBoot, this.#o.random);
      rt.rebooting = true;
      ctx.after(() => this.#restartAfterAnswer(node.ip, ctx));
    } else {
      node.config = text;
      node.cluster = facts.clusterKey;
    }
    this.#save();
    return {
      messages: [{
        metadata: undefined,
        warnings: result.config.warnings,
        mode,
        modeDetails: reason ? `${details}: ${reason}` : details,
      }],
    };
  }

  /** Lets the answer go out, then resets the connection and reboots (apid restarts). */
  async #restartAfterAnswer(ip: string, ctx: CallContext): Promise<void> {
    const rt = this.#runtime(ip);
    const gen = rt.generation;
    await ctx.quiet();
    if (!(await this.#sleep(pick(this.#o.profile.apiCall, this.#o.random)))) return;
    if (rt.generation !== gen) return;
    ctx.drop();
    rt.front?.resetConnections();
    this.#track(this.#boot(ip));
  }

  #requireControlPlane(node: NodeRecord, api: string): ConfigFacts {
    if (node.stage !== "configured" || !node.config) {
      throw grpcError(GrpcStatus.UNIMPLEMENTED, `machine type is not set, cannot use ${api} API`);
    }
    const facts = this.#factsOf(node.config);
    if (facts.role !== "controlplane") {
      throw grpcError(GrpcStatus.UNIMPLEMENTED, `${api} is only available on control plane nodes`);
    }
    return facts;
  }

  #bootstrap(tag: Tag): BootstrapResponse {
    const node = this.#nodeFor(tag);
    const facts = this.#requireControlPlane(node, "bootstrap");
    const cluster = this.#cluster(facts.clusterKey);
    node.cluster = facts.clusterKey;
    // a member already (bootstrapped here, or joined): etcd's data directory has content
    if (etcdOfNode(cluster, node.ip)) {
      throw grpcError(GrpcStatus.ALREADY_EXISTS, "etcd data directory is not empty");
    }
    const now = this.#now;
    const id = newMemberId(this.#o.random);
    const fresh = !primaryEtcd(cluster);
    cluster.etcd[id] = {
      id,
      createdAt: now,
      bootstrapNode: node.ip,
      members: {
        [node.ip]: {
          id: newMemberId(this.#o.random),
          hostname: this.#hostname(node),
          ip: node.ip,
          addedAt: now,
          promotedAt: now,
        },
      },
    };
    this.#note("bootstrap", { etcd: id, fresh }, "ok", node.ip);
    if (fresh) {
      cluster.kubeApiAt = now + pick(this.#o.profile.etcdBootstrap, this.#o.random);
      // the control planes that are up join now
      for (const other of Object.values(this.#state.nodes)) {
        if (other.ip !== node.ip && other.cluster === facts.clusterKey && this.#runtime(other.ip).front) {
          if (other.stage === "configured" && this.#factsOf(other.config!).role === "controlplane") {
            this.#maybeJoin(other.ip);
          }
        }
      }
      this.#scheduleCluster(facts.clusterKey);
    }
    this.#save();
    return { messages: [{ metadata: undefined }] };
  }

  #etcdMemberList(tag: Tag, _req: EtcdMemberListRequest): EtcdMemberListResponse {
    const node = this.#nodeFor(tag);
    const facts = this.#requireControlPlane(node, "member list");
    const cluster = this.#state.clusters[facts.clusterKey];
    // the etcd client dials the control planes' etcd: this node's cluster, or the one it joins
    const etcd = etcdOfNode(cluster, node.ip) ?? primaryEtcd(cluster);
    const members = etcd ? etcdMembersAt(etcd, this.#now) : [];
    const voters = members.filter((m) => !m.learner);
    const healthy = voters.filter((m) => this.#runtime(m.ip).front);
    if (!etcd || healthy.length * 2 <= voters.length) {
      // no etcd yet, or no quorum: the client's request times out
      throw grpcError(GrpcStatus.UNKNOWN, "context deadline exceeded");
    }
    return {
      messages: [{
        metadata: undefined,
        legacyMembers: members.map((m) => m.hostname),
        members: members.map((m) => ({
          id: BigInt(m.id),
          hostname: m.hostname,
          peerUrls: [`https://${m.ip}:2380`],
          clientUrls: [`https://${m.ip}:2379`],
          isLearner: m.learner,
        })),
      }],
    };
  }

  #serviceList(tag: Tag): ServiceListResponse {
    const node = this.#nodeFor(tag);
    const configured = node.stage === "configured" && node.config;
    const facts = configured ? this.#factsOf(node.config!) : undefined;
    const member = facts
      ? etcdOfNode(this.#state.clusters[facts.clusterKey], node.ip)?.members[node.ip]
      : undefined;
    return {
      messages: [{
        metadata: undefined,
        services: nodeServices({ role: facts?.role, upAt: node.upAt ?? this.#now, etcd: member }, this.#now),
      }],
    };
  }

  async #kubeconfig(tag: Tag): Promise<Data[]> {
    const node = this.#nodeFor(tag);
    const facts = this.#requireControlPlane(node, "kubeconfig");
    const cl = facts.v1.cluster;
    const lifetime = cl.adminKubeconfig?.certLifetime
      ? parseGoDuration(cl.adminKubeconfig.certLifetime)
      : undefined;
    const text = await adminKubeconfig({
      cluster: cl.clusterName,
      endpoint: cl.controlPlane.endpoint,
      clusterCa: cl.ca,
      acceptedCAs: (cl.acceptedCAs ?? []).map((c: ConfigCa) => fromBase64(c.crt)),
      now: certificateTime(),
      lifetimeMs: lifetime,
    });
    const archive = createTarGz([{
      name: "kubeconfig",
      data: new TextEncoder().encode(text),
      mode: 0o600,
      mtimeMs: this.#now,
    }]);
    return [{ metadata: undefined, bytes: archive }];
  }

  #read(tag: Tag, req: ReadRequest): Data[] {
    const node = this.#nodeFor(tag);
    if (req.path !== CONFIG_PATH || !node.config) {
      throw grpcError(GrpcStatus.NOT_FOUND, `stat ${req.path}: no such file or directory`);
    }
    const bytes = new TextEncoder().encode(node.config);
    const chunks: Data[] = [];
    for (let at = 0; at < bytes.length; at += 4096) {
      chunks.push({ metadata: undefined, bytes: bytes.slice(at, at + 4096) });
    }
    return chunks;
  }
}

const DROPPED = Symbol("dropped");

/**
 * Certificates are checked by TLS peers against the wall clock, not the lab's (faster) virtual
 * clock, so their validity starts at the real time.
 */
function certificateTime(): Date {
  return new Date(Date.now());
}

function toStatus(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof GrpcError) return { code: err.code, details: err.message };
  return { code: GrpcStatus.UNKNOWN, details: (err as Error)?.message ?? String(err) };
}

/** What the trace keeps of a request: no config text (it holds keys), only its size. */
function traceParams(method: string, req: Json, tag: Tag | undefined): Record<string, unknown> {
  const base = { via: tag?.via, mode: tag?.mode };
  if (method === "ApplyConfiguration") {
    return {
      ...base,
      bytes: req?.data?.length ?? 0,
      mode: applyModeName(req?.mode ?? 0),
      dryRun: !!req?.dryRun,
    };
  }
  if (method === "Read") return { ...base, path: req?.path };
  return base;
}
