/**
 * The Kubernetes emulator as one piece: the API server core and its HTTP handler, the simulated
 * controllers (scheduler, kubelets, node lifecycle, workloads, garbage collector, namespaces,
 * endpoints, CRD cleanup), node registration for the Talos emulator, and the fault knob that keeps
 * the CNI pod on a named node from ever starting. State lives in the lab world's `kube` section.
 *
 * `createKubeEmulator` makes it without listening anywhere (the Talos emulator's HTTPS server calls
 * `handle`); `startKubeEmulator` also serves it over HTTPS with client-certificate auth.
 *
 * @example
 * ```ts
 * const kube = await startKubeEmulator({ world, clock, profile, random, address: "127.0.3.10", port: 6443, ca });
 * kube.registerNode({ name: "cp-1", ip: "10.0.1.11", role: "controlplane" });
 * await kube.close();
 * ```
 */
import type { Clock } from "../../lib/clock/clock.ts";
import { type CertificateAuthority, encodePrivateKeyPem, issueServerCertificate } from "../../lib/pki/mod.ts";
import type { Faults } from "../faults.ts";
import type { LatencyProfile } from "../profile.ts";
import type { Trace } from "../trace.ts";
import type { LabWorld } from "../world.ts";
import { KubeApi } from "./api.ts";
import { seedCluster, syncKubernetesEndpoints } from "./bootstrap.ts";
import { KubeCluster } from "./cluster.ts";
import { crdController } from "./controllers/crd.ts";
import { daemonSetController } from "./controllers/daemonset.ts";
import { deploymentController } from "./controllers/deployment.ts";
import { endpointsController } from "./controllers/endpoints.ts";
import { garbageCollector } from "./controllers/gc.ts";
import { jobController } from "./controllers/job.ts";
import { kubeletController } from "./controllers/kubelet.ts";
import { ControllerManager, type Simulation } from "./controllers/manager.ts";
import { namespaceController } from "./controllers/namespace.ts";
import { nodeLifecycleController, type NodeRegistration, registerNode } from "./controllers/nodes.ts";
import { replicaSetController } from "./controllers/replicaset.ts";
import { schedulerController } from "./controllers/scheduler.ts";
import { statefulSetController } from "./controllers/statefulset.ts";
import { type KubeServer, serveKubeApi } from "./serve.ts";
import type { KubeObject, UserInfo } from "./types.ts";

export type { NodeRegistration };

export interface KubeEmulatorOptions {
  world: LabWorld;
  clock: Clock;
  profile: LatencyProfile;
  random: () => number;
  trace?: Trace;
  faults?: Faults;
  /** Kubernetes version the API and kubelets report (default v1.33.4). */
  kubernetesVersion?: string;
  serviceCidr?: string;
  podCidr?: string;
  /** Control-plane IPs (the `kubernetes` Endpoints). */
  apiServerIps?: string[];
  /** The address clients use, for `/api` (default "<first control plane>:6443"). */
  serverAddress?: string;
  /** The cluster CA certificate (PEM), published as kube-root-ca.crt. */
  caPem?: string;
  /** Nodes whose CNI (Cilium agent) pod never starts. */
  cniNeverStarts?: string[];
  /** Which pods are the CNI agent (default: kube-system pods labelled k8s-app=cilium). */
  cni?: Simulation["cni"];
  /** Trace host name. */
  host?: string;
}

export interface KubeEmulator {
  cluster: KubeCluster;
  api: KubeApi;
  manager: ControllerManager;
  /** Handles one authenticated HTTP request. */
  handle(req: Request, user: UserInfo): Promise<Response>;
  /** What the kubelet does when its Talos node has joined. */
  registerNode(reg: NodeRegistration): KubeObject;
  /** Makes (or stops making) the CNI pod on `node` never start. */
  setCniNeverStarts(node: string, never: boolean): void;
  /** The control-plane endpoints changed (control planes joined). */
  setApiServerIps(ips: string[]): void;
  close(): Promise<void>;
}

export function createKubeEmulator(opts: KubeEmulatorOptions): KubeEmulator {
  const version = opts.kubernetesVersion ?? "v1.33.4";
  const cluster = new KubeCluster({
    world: opts.world,
    clock: opts.clock,
    random: opts.random,
    serviceCidr: opts.serviceCidr,
  });
  const apiServerIps = opts.apiServerIps ?? [];
  seedCluster(cluster, { apiServerIps });
  const section = cluster.store.section;
  section.faults ??= {};
  const never = new Set([...(section.faults.ciliumNeverStarts ?? []), ...(opts.cniNeverStarts ?? [])]);
  const sim: Simulation = {
    cniNeverStarts: never,
    cni: opts.cni ?? { namespace: "kube-system", labels: { "k8s-app": "cilium" } },
    logs: new Map(),
    caPem: opts.caPem,
    podCidr: opts.podCidr ?? "10.244.0.0/16",
    kubeletVersion: version,
  };
  const manager = new ControllerManager({
    cluster,
    clock: opts.clock,
    profile: opts.profile,
    random: opts.random,
    sim,
  }, [
    namespaceController(),
    garbageCollector(),
    crdController(),
    schedulerController(),
    kubeletController(),
    nodeLifecycleController(),
    deploymentController(),
    replicaSetController(),
    daemonSetController(),
    statefulSetController(),
    jobController(),
    endpointsController(),
  ]);
  const api = new KubeApi({
    cluster,
    gitVersion: version,
    serverAddress: opts.serverAddress ?? `${apiServerIps[0] ?? "127.0.0.1"}:6443`,
    profile: opts.profile,
    random: opts.random,
    faults: opts.faults,
    trace: opts.trace,
    host: opts.host,
    logs: sim.logs,
  });
  manager.start();
  return {
    cluster,
    api,
    manager,
    handle: (req, user) => api.handle(req, user),
    registerNode: (reg) => registerNode(manager.ctx, reg),
    setCniNeverStarts(node, value) {
      if (value) never.add(node);
      else never.delete(node);
      section.faults!.ciliumNeverStarts = [...never].sort();
      cluster.store.touch();
      // the node's CNI pod reconsiders
      for (const p of cluster.list(cluster.resource("", "pods"))) {
        if (p.spec?.nodeName === node) {
          manager.ctx.enqueue("kubelet", `${p.metadata.namespace}/${p.metadata.name}`);
        }
      }
    },
    setApiServerIps: (ips) => syncKubernetesEndpoints(cluster, ips),
    async close() {
      await manager.close();
      await cluster.store.flush();
    },
  };
}

export interface StartKubeEmulatorOptions extends KubeEmulatorOptions {
  address: string;
  /** 6443 in the lab; 0 picks a free port (tests). */
  port: number;
  /** The cluster CA that signs the server certificate and that client certificates must chain to. */
  ca: CertificateAuthority;
  /** Extra SANs of the server certificate (the VIP, control-plane IPs, DNS names). */
  ipSans?: string[];
  dnsSans?: string[];
}

export interface RunningKubeEmulator extends KubeEmulator {
  server: KubeServer;
  url: string;
}

/** Creates the emulator and serves it over HTTPS on `address:port`. */
export async function startKubeEmulator(opts: StartKubeEmulatorOptions): Promise<RunningKubeEmulator> {
  const emu = createKubeEmulator({ ...opts, caPem: opts.caPem ?? opts.ca.certificate });
  const cert = await issueServerCertificate({
    ca: opts.ca,
    commonName: "kube-apiserver",
    dnsNames: [
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.cluster.local",
      "localhost",
      ...(opts.dnsSans ?? []),
    ],
    ipAddresses: [...new Set([opts.address, emu.cluster.firstServiceIp(), ...(opts.ipSans ?? [])])],
  });
  let server: KubeServer;
  try {
    server = await serveKubeApi({
      address: opts.address,
      port: opts.port,
      caCertPem: opts.ca.certificate,
      serverCertPem: cert.certificate,
      serverKeyPem: encodePrivateKeyPem(cert.privateKey),
      handle: emu.handle,
    });
  } catch (err) {
    await emu.close();
    throw err;
  }
  return {
    ...emu,
    server,
    url: server.url,
    async close() {
      await server.close();
      await emu.close();
    },
  };
}
