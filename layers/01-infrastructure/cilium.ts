/**
 * Cilium, installed by the infrastructure layer (not by Flux: if Flux managed the CNI, a broken
 * upgrade would leave nodes unable to pull the images that restore networking). Two steps:
 *
 * - `cilium.install`: the chart's objects for the pinned version, rendered by our own code
 *   (`lib/cilium/`), applied by server-side apply with field manager `strata` (no helm binary);
 *   objects an earlier version had and this one does not are deleted. Re-running with a new
 *   `cilium.version` is the upgrade.
 * - `cilium.rollout`: after every node is Ready (`nodes.ready`), the agent DaemonSet has rolled
 *   out on every node and the operator is Available.
 *
 * @example
 * ```ts
 * const steps = ciliumSteps({ inputs, kube: (ctx) => kubeClientFrom(ctx) });
 * ```
 */
import type { PlanChange, Step, StepContext, StepResult } from "../../lib/engine/types.ts";
import { StrataError } from "../../lib/errors.ts";
import { type CiliumInputs, ciliumInstall } from "../../lib/cilium/mod.ts";
import {
  applyManifests,
  describeRef,
  KubeClient,
  type KubeObject,
  type ObjectRef,
  refOf,
  waitForCondition,
  waitForRollout,
} from "../../lib/kube/mod.ts";
import type { RenderedArtifacts, RunEnv } from "../../lib/run/env.ts";
import { KUBECONFIG_STEP } from "./talos.ts";

export const CILIUM_INSTALL_STEP = "cilium.install";
export const CILIUM_ROLLOUT_STEP = "cilium.rollout";

const MIN = 60_000;

/** The renderer's inputs from the cluster config. */
export function ciliumInputsFrom(config: RunEnv["config"]): CiliumInputs {
  return {
    version: config.cilium.version,
    ipam: config.cilium.ipam,
    routingMode: (config.cilium as { routingMode?: "tunnel" | "native" }).routingMode,
    mtu: config.cilium.mtu,
    podCidr: config.network.podCidr,
    nodeCount: config.nodes.length,
  };
}

/** `render`: what will be applied for Cilium (`DIR/cilium/values.yaml` and `manifests.yaml`). */
export function renderCiliumArtifacts(env: RunEnv): RenderedArtifacts {
  return { files: ciliumInstall(ciliumInputsFrom(env.config)).files };
}

/** A client for the cluster from the admin kubeconfig the Talos steps fetched. */
export async function kubeClientFrom(ctx: StepContext): Promise<KubeClient> {
  const secret = await ctx.secret<{ kubeconfig: string }>(KUBECONFIG_STEP);
  if (!secret?.kubeconfig) {
    throw new StrataError(`the admin kubeconfig (${KUBECONFIG_STEP}) is missing`, 1, "run layer 01 again");
  }
  return KubeClient.fromKubeconfig(secret.kubeconfig, { clock: ctx.clock, source: "the admin kubeconfig" });
}

/** "DaemonSet kube-system/cilium": a stable key for an applied object. */
export function objectKey(ref: ObjectRef): string {
  return `${ref.apiVersion} ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

function parseKey(key: string): ObjectRef {
  const [apiVersion, kind, rest] = key.split(" ");
  const i = rest.indexOf("/");
  return i < 0
    ? { apiVersion, kind, name: rest }
    : { apiVersion, kind, namespace: rest.slice(0, i), name: rest.slice(i + 1) };
}

export interface CiliumStepOptions {
  inputs: CiliumInputs;
  kube(ctx: StepContext): Promise<KubeClient>;
  /** Steps that must be done first (the kubeconfig). */
  after?: string[];
  /** The step after which every node is Ready (the rollout waits for it). */
  nodesReadyStep: string;
  timeouts?: { applyMs?: number; rolloutMs?: number };
}

export function ciliumSteps(opts: CiliumStepOptions): Step[] {
  const { inputs } = opts;
  const install: Step = {
    id: CILIUM_INSTALL_STEP,
    title: `install Cilium ${inputs.version}`,
    dependsOn: opts.after ?? [KUBECONFIG_STEP],
    timeoutMs: opts.timeouts?.applyMs ?? 5 * MIN,
    retry: { attempts: 5, baseDelayMs: 2000, maxDelayMs: 30_000 },
    async apply(ctx): Promise<StepResult> {
      const kube = await opts.kube(ctx);
      const { objects } = ciliumInstall(inputs);
      let done = 0;
      const results = await applyManifests(kube, objects, {
        signal: ctx.signal,
        onApplied: (r) => ctx.progress(`${r.action} ${describeRef(r.ref)}`, ++done / objects.length),
      });
      // an upgrade may drop objects the previous version had
      const now = new Set(objects.map((o) => objectKey(refOf(o))));
      const before = (ctx.previous?.output.objects as string[] | undefined) ?? [];
      const removed: string[] = [];
      for (const key of before) {
        if (now.has(key)) continue;
        if (await kube.delete(parseKey(key), { signal: ctx.signal })) removed.push(key);
      }
      const changed = results.some((r) => r.action !== "unchanged") || removed.length > 0;
      const previousVersion = ctx.previous?.output.version as string | undefined;
      if (previousVersion && previousVersion !== inputs.version) {
        ctx.notice(`Cilium upgraded from ${previousVersion} to ${inputs.version}`);
      }
      for (const r of results) for (const w of r.warnings) ctx.notice(`${describeRef(r.ref)}: ${w}`, "warn");
      return {
        output: {
          version: inputs.version,
          objects: [...now],
          created: results.filter((r) => r.action === "created").length,
          configured: results.filter((r) => r.action === "configured").length,
          removed,
        },
        changed,
      };
    },
    async plan(ctx): Promise<PlanChange[]> {
      const kube = await opts.kube(ctx);
      const changes: PlanChange[] = [];
      for (const o of ciliumInstall(inputs).objects) {
        const live = await kube.get(refOf(o), ctx.signal);
        changes.push({
          action: live ? "update" : "create",
          resource: describeRef(refOf(o)),
          detail: live ? "server-side apply (unchanged fields stay as they are)" : undefined,
        });
      }
      return changes;
    },
  };

  const rollout: Step = {
    id: CILIUM_ROLLOUT_STEP,
    title: "Cilium agents and operator rolled out",
    dependsOn: [CILIUM_INSTALL_STEP, opts.nodesReadyStep],
    timeoutMs: opts.timeouts?.rolloutMs ?? 15 * MIN,
    async apply(ctx): Promise<StepResult> {
      const kube = await opts.kube(ctx);
      const ds: KubeObject = {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "cilium", namespace: "kube-system" },
      };
      const op: KubeObject = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "cilium-operator", namespace: "kube-system" },
      };
      const budget = opts.timeouts?.rolloutMs ?? 15 * MIN;
      const agents = await waitForRollout(kube, refOf(ds), {
        timeoutMs: budget,
        signal: ctx.signal,
        onProgress: (s) => ctx.progress(`cilium agents: ${s}`),
      });
      await waitForCondition(kube, refOf(op), "Available", {
        timeoutMs: budget,
        signal: ctx.signal,
        onProgress: (s) => ctx.progress(`cilium-operator: ${s}`),
      });
      return {
        output: { agents: agents?.status?.numberAvailable ?? 0, version: inputs.version },
        changed: false,
      };
    },
  };
  return [install, rollout];
}
