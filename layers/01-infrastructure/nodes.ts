/**
 * The end of layer 01: every node Ready, and the pod network proven on each of them.
 *
 * - `nodes.ready`: watches the Nodes until every configured node exists and is Ready (progress
 *   "k/N Ready"); at the time limit it names each node that is not, with the state of its Cilium
 *   agent pod (CrashLoopBackOff, ContainerCreating, missing …).
 * - `nodes.probe.<node>`: a short-lived pod pinned to the node (nodeName) that resolves
 *   `kubernetes.default` through cluster DNS and connects to it over the ClusterIP with TLS
 *   verified by the service-account CA — Cilium reporting healthy is not enough, there is a gap
 *   before ClusterIP works. It waits for the pod to succeed (recreating it after a failure until
 *   the time limit), then deletes it. A node whose probe never succeeds fails the layer, named.
 *
 * @example
 * ```ts
 * const steps = nodeSteps({ nodes: config.nodes, kube: kubeClientFrom, after: [CILIUM_INSTALL_STEP] });
 * ```
 */
import type { Step, StepContext, StepResult } from "../../lib/engine/types.ts";
import { StrataError } from "../../lib/errors.ts";
import { type KubeClient, type KubeObject, waitFor, waitForAll } from "../../lib/kube/mod.ts";

export const NODES_READY_STEP = "nodes.ready";
export const probeStepId = (node: string) => `nodes.probe.${node}`;

const MIN = 60_000;

/** The probe's image: curl, pinned (it prints the HTTP status and fails on DNS, connect or TLS errors). */
export const PROBE_IMAGE = "curlimages/curl:8.15.0";
export const PROBE_NAMESPACE = "kube-system";

export interface NodeStepOptions {
  nodes: { name: string; role: string }[];
  kube(ctx: StepContext): Promise<KubeClient>;
  /** Steps first (Cilium applied). */
  after: string[];
  /** Extra steps the probes wait for (the Cilium rollout). */
  probesAfter?: string[];
  timeouts?: { readyMs?: number; probeMs?: number };
}

type Obj = KubeObject;
interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { exitCode?: number; reason?: string };
  };
}

function isReady(node: Obj | undefined): boolean {
  return ((node?.status?.conditions ?? []) as { type: string; status: string }[])
    .some((c) => c.type === "Ready" && c.status === "True");
}

function readyMessage(node: Obj | undefined): string {
  const c = ((node?.status?.conditions ?? []) as Record<string, string>[]).find((x) => x.type === "Ready");
  return c ? `${c.reason ?? c.status}${c.message ? `: ${c.message}` : ""}` : "no Ready condition";
}

/** What the Cilium agent pod on `node` is doing, in a few words. */
export function agentPodState(pods: Obj[], node: string): string {
  const pod = pods.find((p) => p.spec?.nodeName === node);
  if (!pod) return "no Cilium agent pod is scheduled on it";
  const statuses = (pod.status?.containerStatuses ?? []) as ContainerStatus[];
  const waiting = statuses.find((s) => s.state?.waiting)?.state?.waiting;
  const name = pod.metadata.name;
  if (waiting) {
    const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
    return `its Cilium agent pod ${name} is ${waiting.reason}${restarts ? ` (${restarts} restarts)` : ""}${
      waiting.message ? `: ${waiting.message}` : ""
    }`;
  }
  const phase = pod.status?.phase ?? "Pending";
  const ready = statuses.length > 0 && statuses.every((s) => s.ready);
  return `its Cilium agent pod ${name} is ${phase}${ready ? " and ready" : ", not ready"}`;
}

/** The probe pod for one node. */
export function probePod(node: string): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `strata-probe-${node}`,
      namespace: PROBE_NAMESPACE,
      labels: {
        "app.kubernetes.io/name": "strata-clusterip-probe",
        "app.kubernetes.io/managed-by": "strata",
      },
    },
    spec: {
      nodeName: node,
      restartPolicy: "Never",
      activeDeadlineSeconds: 120,
      terminationGracePeriodSeconds: 0,
      // control planes are tainted; the probe must run everywhere
      tolerations: [{ operator: "Exists" }],
      containers: [{
        name: "probe",
        image: PROBE_IMAGE,
        command: [
          "curl",
          "--silent",
          "--show-error",
          "--max-time",
          "10",
          "--cacert",
          "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
          "--output",
          "/dev/null",
          "--write-out",
          "kubernetes.default %{remote_ip}:%{remote_port} HTTP %{http_code}\\n",
          "https://kubernetes.default:443/readyz",
        ],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
      }],
    },
  };
}

export function nodeSteps(opts: NodeStepOptions): Step[] {
  const names = opts.nodes.map((n) => n.name);
  const ready: Step = {
    id: NODES_READY_STEP,
    title: `all ${names.length} nodes Ready`,
    dependsOn: opts.after,
    timeoutMs: (opts.timeouts?.readyMs ?? 20 * MIN) + MIN,
    async apply(ctx): Promise<StepResult> {
      const kube = await opts.kube(ctx);
      let last: Obj[] = [];
      try {
        await waitForAll(
          kube,
          { apiVersion: "v1", kind: "Node" },
          `all ${names.length} nodes to be Ready`,
          (nodes) => {
            last = nodes;
            const byName = new Map(nodes.map((n) => [n.metadata.name as string, n]));
            const done = names.filter((n) => isReady(byName.get(n)));
            const missing = names.filter((n) => !byName.has(n));
            ctx.progress(`${done.length}/${names.length} nodes Ready`, done.length / names.length);
            return {
              done: done.length === names.length,
              state: `${done.length}/${names.length} Ready${
                missing.length ? `, not registered: ${missing.join(", ")}` : ""
              }`,
            };
          },
          { timeoutMs: opts.timeouts?.readyMs ?? 20 * MIN, signal: ctx.signal },
        );
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        // name each node that is not Ready and what its Cilium agent is doing
        const pods =
          (await kube.list("v1", "Pod", { namespace: "kube-system", labelSelector: "k8s-app=cilium" }).catch(
            () => ({ items: [] }),
          )).items;
        const byName = new Map(last.map((n) => [n.metadata.name as string, n]));
        const lines = names.filter((n) => !isReady(byName.get(n))).map((n) =>
          byName.has(n)
            ? `node ${n} is not Ready (${readyMessage(byName.get(n))}); ${agentPodState(pods, n)}`
            : `node ${n} has not registered with the Kubernetes API (its kubelet has not joined)`
        );
        if (!lines.length) throw err;
        const podsOf = names.filter((n) => !isReady(byName.get(n)))
          .map((n) => pods.find((p) => p.spec?.nodeName === n)?.metadata.name).filter(Boolean);
        throw new StrataError(
          `${lines.join("; ")}${err instanceof Error ? ` (${err.message})` : ""}`,
          1,
          podsOf.length
            ? `see why the agent does not start: ${
              podsOf.map((p) =>
                `kubectl -n kube-system describe pod ${p}; kubectl -n kube-system logs ${p} -c cilium-agent --previous`
              ).join("; ")
            }; then re-run`
            : "check that the node's kubelet joined (talosctl -n <node> service kubelet); then re-run",
        );
      }
      return { output: { ready: names.length }, changed: false };
    },
  };

  const probes = opts.nodes.map((node): Step => ({
    id: probeStepId(node.name),
    title: `ClusterIP probe on ${node.name}`,
    dependsOn: [NODES_READY_STEP, ...(opts.probesAfter ?? [])],
    timeoutMs: (opts.timeouts?.probeMs ?? 5 * MIN) + MIN,
    async apply(ctx): Promise<StepResult> {
      const kube = await opts.kube(ctx);
      return {
        output: await runProbe(kube, node.name, ctx, opts.timeouts?.probeMs ?? 5 * MIN),
        changed: false,
      };
    },
  }));
  return [ready, ...probes];
}

/** Runs the probe pod on `node` until it succeeds (or the time is up), then removes it. */
async function runProbe(kube: KubeClient, node: string, ctx: StepContext, timeoutMs: number) {
  const pod = probePod(node);
  const ref = { apiVersion: "v1", kind: "Pod", name: pod.metadata.name, namespace: PROBE_NAMESPACE };
  const deadline = ctx.clock.now() + timeoutMs;
  let attempts = 0;
  let lastFailure = "";
  const remove = async () => {
    await kube.delete(ref, { gracePeriodSeconds: 0, signal: ctx.signal });
    await waitFor(kube, ref, "to be gone", (o) => ({ done: !o, state: o ? "terminating" : "gone" }), {
      timeoutMs: Math.max(1000, deadline - ctx.clock.now()),
      signal: ctx.signal,
    });
  };
  // a probe left over from an interrupted run starts from scratch
  if (await kube.get(ref, ctx.signal)) await remove();
  for (;;) {
    attempts++;
    ctx.progress(`probe pod on ${node} (attempt ${attempts})`);
    await kube.create(pod, ctx.signal);
    let finished: Obj | undefined;
    try {
      finished = await waitFor(kube, ref, "to finish", (o) => {
        const phase = o?.status?.phase;
        return { done: phase === "Succeeded" || phase === "Failed", state: probeState(o) };
      }, { timeoutMs: Math.max(1000, deadline - ctx.clock.now()), signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const current = await kube.get(ref, ctx.signal).catch(() => undefined);
      await remove().catch(() => {});
      throw new StrataError(
        `node ${node}: the ClusterIP probe did not finish: ${probeState(current)}${
          lastFailure ? `; an earlier attempt failed: ${lastFailure}` : ""
        }`,
        1,
        `check the node's Cilium agent and kube-dns (kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=${node}); then re-run`,
      );
    }
    const phase = finished?.status?.phase;
    const log = await podLog(kube, ref);
    if (phase === "Succeeded") {
      await remove();
      return { node, attempts, answer: log.trim() || undefined };
    }
    lastFailure = `${probeState(finished)}${log.trim() ? `: ${log.trim().split("\n").pop()}` : ""}`;
    await remove();
    if (ctx.clock.now() >= deadline) {
      throw new StrataError(
        `node ${node}: the ClusterIP probe never succeeded (${attempts} attempts); last: ${lastFailure}`,
        1,
        `pods on ${node} cannot reach kubernetes.default; check its Cilium agent and DNS (kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=${node}; kubectl -n kube-system exec ds/cilium -- cilium-dbg status); then re-run`,
      );
    }
    // the datapath may still be settling: try again shortly
    await ctx.clock.sleep(Math.min(5000, Math.max(0, deadline - ctx.clock.now())), ctx.signal);
  }
}

function probeState(pod: Obj | undefined): string {
  if (!pod) return "the pod does not exist";
  const s = ((pod.status?.containerStatuses ?? []) as ContainerStatus[])[0];
  const waiting = s?.state?.waiting?.reason;
  const term = s?.state?.terminated;
  if (term) {
    return `${pod.status?.phase} (exit code ${term.exitCode}${term.reason ? `, ${term.reason}` : ""})`;
  }
  return `${pod.status?.phase ?? "Pending"}${waiting ? ` (${waiting})` : ""}`;
}

async function podLog(kube: KubeClient, ref: { name: string; namespace: string }): Promise<string> {
  try {
    const res = await kube.transport.request(
      "GET",
      `/api/v1/namespaces/${ref.namespace}/pods/${ref.name}/log`,
      { accept: "text/plain", action: `logs of pod ${ref.name}` },
    );
    return typeof res.body === "string" ? res.body : "";
  } catch {
    return "";
  }
}
