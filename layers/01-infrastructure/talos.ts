/**
 * Layer 01, Talos: from VMs in maintenance mode to a bootstrapped control plane, etcd healthy, the
 * Kubernetes API answering on the VIP, and a talosconfig and kubeconfig for the user. One step per
 * stage (and per node where nodes are independent), so a failure resumes at the right place:
 *
 * - `talos.admin-cert`: the talosconfig client certificate (os:admin), made once from the secrets bundle;
 * - `talos.apply.<node>`: as soon as the node answers, apply its config (maintenance mode), or, when
 *   it is configured already, apply again only if the config it runs differs (mode AUTO; a notice
 *   says when that needs a reboot);
 * - `talos.installed.<node>`: wait until the node has installed and rebooted into configured mode;
 * - `talos.bootstrap`: `Bootstrap` on the first control plane, once (AlreadyExists is success; skipped
 *   when another control plane already runs etcd, which would otherwise split the cluster);
 * - `talos.etcd`: wait until every control plane is a healthy, voting etcd member;
 * - `talos.kube-api`: wait for `/version` on the VIP over TLS verified with the cluster CA;
 * - `talos.kubeconfig`: the admin kubeconfig from the Talos API (the VIP's once it answers, else the
 *   first control plane's); kept while the one on disk is still good;
 * - `talos.client-files`: write `<stateDir>/<cluster>/talosconfig` and `kubeconfig` (0600).
 *
 * Every wait polls with backoff through the clock and reports what it waits for and for how long.
 *
 * @example
 * ```ts
 * const steps = talosSteps({
 *   cluster: "homelab", vip: "10.0.3.10", nodes, clusterDir: ".strata/homelab",
 *   secrets: (ctx) => loadBundle(ctx), machineConfig: (node) => configs[node.name],
 *   dial: (ip) => ip,
 * });
 * ```
 */
import { Buffer } from "node:buffer";
import { StrataError } from "../../lib/errors.ts";
import type { PlanChange, Step, StepContext, StepResult } from "../../lib/engine/types.ts";
import { ApplyMode, applyModeName } from "../../lib/talos/api/messages.ts";
import { GrpcStatus, TalosApiError } from "../../lib/talos/api/errors.ts";
import { waitFor } from "../../lib/talos/api/wait.ts";
import type { TalosCredentials } from "../../lib/talos/api/transport.ts";
import { generateTalosAdminCertificate, type TalosSecretsBundle } from "../../lib/talos/secrets.ts";
import { talosconfigYaml } from "../../lib/talos/talosconfig.ts";
import { kubeconfigUsable, readIfExists, withServer, writePrivateFile } from "./talos_files.ts";
import { kubeProbeIdentity, kubeVersion } from "./talos_kube.ts";
import {
  clientFor,
  configHash,
  NODE_CONFIG_PATH,
  type NodeClients,
  probeNode,
  sameConfig,
  type TalosNode,
} from "./talos_nodes.ts";

export type { TalosNode } from "./talos_nodes.ts";

const MIN = 60_000;

/** How long each wait may take (virtual ms). */
export interface TalosTimeouts {
  /** A VM until its Talos API answers. */
  boot: number;
  /** Apply until installed and rebooted into configured mode. */
  install: number;
  /** Until the first control plane accepts Bootstrap. */
  bootstrap: number;
  /** Bootstrap until every control plane is a healthy etcd member. */
  etcd: number;
  /** etcd until the Kubernetes API answers on the VIP. */
  kubeApi: number;
}

export const DEFAULT_TALOS_TIMEOUTS: TalosTimeouts = {
  boot: 15 * MIN,
  install: 20 * MIN,
  bootstrap: 10 * MIN,
  etcd: 15 * MIN,
  kubeApi: 15 * MIN,
};

/** The narrow inputs of the Talos steps. */
export interface TalosStepInputs {
  /** Cluster name (the talosconfig context). */
  cluster: string;
  nodes: TalosNode[];
  /** The Kubernetes API VIP. */
  vip: string;
  /** The Talos secrets bundle (layer 00). */
  secrets(ctx: StepContext): Promise<TalosSecretsBundle>;
  /** The machine config (YAML) of a node. */
  machineConfig(node: TalosNode, ctx: StepContext): Promise<string> | string;
  /** `<stateDir>/<cluster>`: where talosconfig and kubeconfig go. */
  clusterDir: string;
  /** The address to dial for a configured IP (the lab's loopback twin); default the IP itself. */
  dial?(ip: string): string;
  /** Steps the apply of a node waits for (e.g. its VM). */
  after?(node: TalosNode): string[];
  apiPort?: number;
  kubePort?: number;
  timeouts?: Partial<TalosTimeouts>;
  /** Poll pauses: first and longest (virtual ms); default 250 and 2000. */
  poll?: { initialDelayMs: number; maxDelayMs: number };
}

export const ADMIN_CERT_STEP = "talos.admin-cert";
export const BOOTSTRAP_STEP = "talos.bootstrap";
export const ETCD_STEP = "talos.etcd";
export const KUBE_API_STEP = "talos.kube-api";
export const KUBECONFIG_STEP = "talos.kubeconfig";
export const CLIENT_FILES_STEP = "talos.client-files";
export const applyStepId = (node: TalosNode) => `talos.apply.${node.name}`;
export const installedStepId = (node: TalosNode) => `talos.installed.${node.name}`;

/** The admin client certificate as talosconfig holds it (base64 of PEM). */
interface AdminCert {
  ca: string;
  crt: string;
  key: string;
}

const pem = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

async function credentialsOf(ctx: StepContext): Promise<TalosCredentials> {
  const admin = await ctx.secret<AdminCert>(ADMIN_CERT_STEP);
  if (!admin) throw new StrataError(`the Talos client certificate (${ADMIN_CERT_STEP}) is missing`);
  return { ca: pem(admin.ca), crt: pem(admin.crt), key: pem(admin.key) };
}

/** The Talos steps of layer 01, in dependency order. */
export function talosSteps(inputs: TalosStepInputs): Step[] {
  const timeouts = { ...DEFAULT_TALOS_TIMEOUTS, ...inputs.timeouts };
  const dial = inputs.dial ?? ((ip: string) => ip);
  const controlPlanes = inputs.nodes.filter((n) => n.role === "controlplane");
  const first = controlPlanes[0];
  if (!first) throw new StrataError("talos: at least one node must be a control plane");
  const label = (n: TalosNode) => `${n.name} (${n.ip})`;

  const clients = async (ctx: StepContext): Promise<NodeClients> => ({
    clock: ctx.clock,
    signal: ctx.signal,
    dial,
    port: inputs.apiPort,
    credentials: await credentialsOf(ctx),
  });
  const wait = <T>(
    ctx: StepContext,
    what: string,
    timeoutMs: number,
    check: Parameters<typeof waitFor<T>>[0]["check"],
  ) =>
    waitFor<T>({
      what,
      check,
      clock: ctx.clock,
      signal: ctx.signal,
      timeoutMs,
      initialDelayMs: inputs.poll?.initialDelayMs,
      maxDelayMs: inputs.poll?.maxDelayMs,
      onProgress: (message) => ctx.progress(message),
    });

  const adminCert: Step = {
    id: ADMIN_CERT_STEP,
    title: "Talos client certificate (os:admin)",
    reuseCheckpoint: true,
    async apply(ctx) {
      const bundle = await inputs.secrets(ctx);
      // validity in wall-clock time (TLS peers check it against theirs), with Talos' 10 s of skew
      const admin = await generateTalosAdminCertificate(bundle, { now: new Date(Date.now() - 10_000) });
      return { output: { roles: ["os:admin"] }, secret: { ca: admin.ca, crt: admin.crt, key: admin.key } };
    },
  };

  const applyStep = (node: TalosNode): Step => ({
    id: applyStepId(node),
    title: `apply Talos config to ${node.name}`,
    dependsOn: [ADMIN_CERT_STEP, ...(inputs.after?.(node) ?? [])],
    timeoutMs: timeouts.boot + 5 * MIN,
    async apply(ctx): Promise<StepResult> {
      const desired = await inputs.machineConfig(node, ctx);
      const hash = await configHash(desired);
      const c = await clients(ctx);
      const state = await wait(
        ctx,
        `${label(node)} to answer on the Talos API`,
        timeouts.boot,
        () => probeNode(c, node),
      );
      try {
        if (state.mode === "maintenance") {
          const r = await state.client.applyConfiguration(desired, { mode: ApplyMode.REBOOT });
          ctx.progress(`${node.name}: config applied in maintenance mode; installing`);
          return {
            output: {
              node: node.name,
              ip: node.ip,
              configSha256: hash,
              appliedIn: "maintenance",
              reset: r.reset,
            },
          };
        }
        const current = await state.client.read(NODE_CONFIG_PATH);
        if (sameConfig(current, desired)) {
          return {
            output: { node: node.name, ip: node.ip, configSha256: hash, appliedIn: "unchanged" },
            changed: false,
          };
        }
        const r = await state.client.applyConfiguration(desired, { mode: ApplyMode.AUTO });
        if (r.mode === ApplyMode.REBOOT) {
          ctx.notice(
            `${node.name}: the config change needs a reboot; the node is rebooting to apply it`,
            "warn",
          );
        } else {
          ctx.notice(`${node.name}: config change applied without a reboot`);
        }
        return {
          output: {
            node: node.name,
            ip: node.ip,
            configSha256: hash,
            appliedIn: applyModeName(r.mode).toLowerCase(),
          },
        };
      } finally {
        state.client.close();
      }
    },
    async plan(ctx): Promise<PlanChange[]> {
      const desired = await inputs.machineConfig(node, ctx);
      const c = await clients(ctx);
      const client = clientFor(c, node, true);
      try {
        const current = await client.read(NODE_CONFIG_PATH);
        return [{
          action: sameConfig(current, desired) ? "noop" : "update",
          resource: `Talos config of ${label(node)}`,
          detail: sameConfig(current, desired)
            ? undefined
            : "applied with mode AUTO (a reboot if Talos needs one)",
        }];
      } catch {
        return [{
          action: "create",
          resource: `Talos config of ${label(node)}`,
          detail: "node not configured yet",
        }];
      } finally {
        client.close();
      }
    },
  });

  const installedStep = (node: TalosNode): Step => ({
    id: installedStepId(node),
    title: `wait for ${node.name} to install and reboot`,
    dependsOn: [applyStepId(node)],
    timeoutMs: timeouts.install + 5 * MIN,
    async apply(ctx): Promise<StepResult> {
      const c = await clients(ctx);
      const desired = await inputs.machineConfig(node, ctx);
      let reapplied = 0;
      const version = await wait(
        ctx,
        `${label(node)} to install Talos and reboot`,
        timeouts.install,
        async () => {
          const state = await probeNode(c, node);
          if (!("mode" in state)) return state;
          try {
            if (state.mode === "configured") return (await state.client.version()).version?.tag ?? "";
            // back in maintenance mode: the apply before a connection reset did not take; apply again
            await state.client.applyConfiguration(desired, { mode: ApplyMode.REBOOT });
            reapplied++;
            return { pending: "the node was still in maintenance mode; config applied again" };
          } finally {
            state.client.close();
          }
        },
      );
      return { output: { node: node.name, talosVersion: version, reapplied }, changed: reapplied > 0 };
    },
  });

  const bootstrap: Step = {
    id: BOOTSTRAP_STEP,
    title: `bootstrap etcd on ${first.name}`,
    dependsOn: [installedStepId(first)],
    timeoutMs: timeouts.bootstrap + 5 * MIN,
    async apply(ctx): Promise<StepResult> {
      const c = await clients(ctx);
      const client = clientFor(c, first, true);
      try {
        // a member already: nothing to do, and no Bootstrap call at all
        const members = await client.etcdMemberList().catch(() => []);
        if (members.some((m) => m.peerUrls.some((u) => u.includes(`//${first.ip}:`)))) {
          return { output: { node: first.name, already: true }, changed: false };
        }
        // etcd running on another control plane already (say the first one was rebuilt): bootstrapping
        // here would start a second, separate etcd cluster
        for (const other of controlPlanes.slice(1)) {
          const peer = clientFor(c, other, true);
          try {
            const theirs = await peer.etcdMemberList();
            if (theirs.length) {
              ctx.notice(
                `etcd already runs on ${other.name} (${theirs.length} members); ${first.name} joins it`,
              );
              return {
                output: { node: first.name, skipped: `etcd already running on ${other.name}` },
                changed: false,
              };
            }
          } catch {
            /* not up or no etcd there: nothing to protect */
          } finally {
            peer.close();
          }
        }
        const r = await wait(
          ctx,
          `${label(first)} to accept Bootstrap`,
          timeouts.bootstrap,
          () => client.bootstrap(),
        );
        return { output: { node: first.name, already: r.already }, changed: !r.already };
      } finally {
        client.close();
      }
    },
  };

  const etcd: Step = {
    id: ETCD_STEP,
    title: "wait for etcd on every control plane",
    dependsOn: [BOOTSTRAP_STEP, ...controlPlanes.map(installedStepId)],
    timeoutMs: timeouts.etcd + 5 * MIN,
    async apply(ctx): Promise<StepResult> {
      const c = await clients(ctx);
      const members = await wait(
        ctx,
        `etcd members ${controlPlanes.map((n) => n.name).join(", ")} to be healthy`,
        timeouts.etcd,
        async () => {
          const client = clientFor(c, first, true);
          let list;
          try {
            list = await client.etcdMemberList();
          } catch (err) {
            // etcd not answering yet (no leader): the node's etcd client times out
            if (err instanceof TalosApiError && err.code === GrpcStatus.UNKNOWN) {
              return { pending: `etcd on ${first.name}: ${err.grpcMessage}` };
            }
            throw err;
          } finally {
            client.close();
          }
          const byIp = new Map(list.map((m) => [/\/\/([^:/]+)/.exec(m.peerUrls[0] ?? "")?.[1], m]));
          const missing = controlPlanes.filter((n) => !byIp.has(n.ip)).map((n) => n.name);
          const learners = controlPlanes.filter((n) => byIp.get(n.ip)?.isLearner).map((n) => n.name);
          if (missing.length) return { pending: `not members yet: ${missing.join(", ")}` };
          if (learners.length) return { pending: `still learners: ${learners.join(", ")}` };
          const unhealthy: string[] = [];
          for (const n of controlPlanes) {
            const nc = clientFor(c, n, true);
            try {
              const svc = (await nc.serviceList()).find((s) => s.id === "etcd");
              if (svc?.state !== "Running" || !svc.health?.healthy) {
                unhealthy.push(`${n.name} (${svc?.state ?? "absent"})`);
              }
            } finally {
              nc.close();
            }
          }
          if (unhealthy.length) return { pending: `etcd not healthy on ${unhealthy.join(", ")}` };
          return list;
        },
      );
      return {
        output: { members: Object.fromEntries(members.map((m) => [m.hostname, m.id.toString()])) },
        changed: false,
      };
    },
  };

  const kubeApi: Step = {
    id: KUBE_API_STEP,
    title: `wait for the Kubernetes API on ${inputs.vip}`,
    dependsOn: [ETCD_STEP],
    timeoutMs: timeouts.kubeApi + 5 * MIN,
    async apply(ctx): Promise<StepResult> {
      const identity = await kubeProbeIdentity(await inputs.secrets(ctx));
      const port = inputs.kubePort ?? 6443;
      const version = await wait(
        ctx,
        `the Kubernetes API on ${inputs.vip}:${port}`,
        timeouts.kubeApi,
        () =>
          kubeVersion({
            ...identity,
            vip: inputs.vip,
            dialAddress: dial(inputs.vip),
            port,
            clock: ctx.clock,
            signal: ctx.signal,
          }),
      );
      return {
        output: { endpoint: `https://${inputs.vip}:${port}`, gitVersion: version.gitVersion },
        changed: false,
      };
    },
  };

  const kubeconfigPath = `${inputs.clusterDir}/kubeconfig`;
  const talosconfigPath = `${inputs.clusterDir}/talosconfig`;
  const server = () => `https://${dial(inputs.vip)}:${inputs.kubePort ?? 6443}`;

  const kubeconfig: Step = {
    id: KUBECONFIG_STEP,
    title: "fetch the admin kubeconfig",
    dependsOn: [KUBE_API_STEP],
    timeoutMs: 10 * MIN,
    async apply(ctx): Promise<StepResult> {
      const bundle = await inputs.secrets(ctx);
      const caPem = pem(bundle.certs.k8s.crt);
      const existing = await readIfExists(kubeconfigPath);
      if (existing && kubeconfigUsable(existing, { server: server(), caPem, now: Date.now() })) {
        return { output: { kept: kubeconfigPath }, secret: { kubeconfig: existing }, changed: false };
      }
      const c = await clients(ctx);
      // the VIP once it answers the Talos API; the first control plane before that
      let endpoint = "";
      let text = "";
      for (const target of [{ name: "vip", ip: inputs.vip }, first]) {
        const client = clientFor(c, target, true);
        try {
          text = await client.kubeconfig();
          endpoint = target.ip;
          break;
        } catch (err) {
          if (target === first) throw err;
        } finally {
          client.close();
        }
      }
      if (dial(inputs.vip) !== inputs.vip) text = withServer(text, server());
      return { output: { from: endpoint, server: server() }, secret: { kubeconfig: text } };
    },
  };

  const clientFiles: Step = {
    id: CLIENT_FILES_STEP,
    title: "write talosconfig and kubeconfig",
    dependsOn: [ADMIN_CERT_STEP, KUBECONFIG_STEP, ...inputs.nodes.map(installedStepId)],
    async apply(ctx): Promise<StepResult> {
      const admin = await ctx.secret<AdminCert>(ADMIN_CERT_STEP);
      const kube = await ctx.secret<{ kubeconfig: string }>(KUBECONFIG_STEP);
      if (!admin || !kube) throw new StrataError("talos: the client certificate or kubeconfig is missing");
      const talosconfig = talosconfigYaml({
        cluster: inputs.cluster,
        // never the VIP: it moves during etcd elections and is down while etcd is
        endpoints: controlPlanes.map((n) => dial(n.ip)),
        nodes: [dial(first.ip)],
        vip: dial(inputs.vip),
        ca: admin.ca,
        crt: admin.crt,
        key: admin.key,
      });
      const before = [await readIfExists(talosconfigPath), await readIfExists(kubeconfigPath)];
      await writePrivateFile(talosconfigPath, talosconfig);
      await writePrivateFile(kubeconfigPath, kube.kubeconfig);
      const usage = [
        `talosctl --talosconfig ${talosconfigPath} -n ${dial(first.ip)} services`,
        `kubectl --kubeconfig ${kubeconfigPath} get nodes`,
      ];
      ctx.notice(`cluster access: ${usage.join("  |  ")}`);
      return {
        output: { talosconfig: talosconfigPath, kubeconfig: kubeconfigPath, usage },
        changed: before[0] !== talosconfig || before[1] !== kube.kubeconfig,
      };
    },
    async destroy() {
      for (const p of [talosconfigPath, kubeconfigPath]) {
        await Deno.remove(p).catch((err) => {
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        });
      }
    },
  };

  return [
    adminCert,
    ...inputs.nodes.map(applyStep),
    ...inputs.nodes.map(installedStep),
    bootstrap,
    etcd,
    kubeApi,
    kubeconfig,
    clientFiles,
  ];
}
