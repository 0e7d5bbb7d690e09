/**
 * Runs the simulated controllers the way kube-controller-manager runs its own: each controller
 * maps store changes to keys, keys wait in a de-duplicating queue, and `reconcile(key)` reads the
 * current state and writes through the API server's core (so controller writes obey the same
 * rules as clients'). Delays come from the lab clock (`ctx.after`), never from timers, and stop
 * when the manager closes.
 *
 * @example
 * ```ts
 * const manager = new ControllerManager(ctx, [deploymentController(), replicaSetController()]);
 * manager.start();
 * await manager.close();
 * ```
 */
import type { Clock } from "../../../lib/clock/clock.ts";
import type { Delay, LatencyProfile } from "../../profile.ts";
import { pick } from "../../profile.ts";
import type { KubeCluster } from "../cluster.ts";
import type { StoreEvent } from "../store.ts";
import { ApiError } from "../status.ts";

/** What every controller can use. */
export interface ControllerContext {
  cluster: KubeCluster;
  clock: Clock;
  profile: LatencyProfile;
  random: () => number;
  /** Simulation knobs (faults) that tests and the lab set. */
  sim: Simulation;
  /** Queues `key` of controller `name` again after `ms` virtual ms. */
  after(name: string, key: string, ms: number): void;
  /** Queues `key` of controller `name` now. */
  enqueue(name: string, key: string): void;
  /** A duration from a profile delay. */
  pick(d: Delay): number;
}

/** Simulation state shared by the controllers. */
export interface Simulation {
  /** Nodes on which the CNI (Cilium agent) pod never starts. */
  cniNeverStarts: Set<string>;
  /** Which pods are the CNI agent: namespace and labels. */
  cni: { namespace: string; labels: Record<string, string> };
  /** Container logs by "namespace/pod/container". */
  logs: Map<string, string>;
  /** Cluster CA (PEM) published as kube-root-ca.crt. */
  caPem?: string;
  /** Pod CIDR nodes get their /24s from (ipam mode kubernetes). */
  podCidr: string;
  /** Kubernetes version the kubelets report. */
  kubeletVersion: string;
}

export interface Controller {
  name: string;
  /** Keys to reconcile after a change. */
  keysFor(e: StoreEvent, ctx: ControllerContext): string[];
  /** Keys to reconcile at start (state from an earlier run). */
  initialKeys(ctx: ControllerContext): string[];
  reconcile(key: string, ctx: ControllerContext): void;
}

export class ControllerManager {
  #queues = new Map<string, Set<string>>();
  #controllers: Map<string, Controller>;
  #stop = new AbortController();
  #draining = false;
  #unsubscribe = () => {};
  #pendingTimers = 0;
  readonly ctx: ControllerContext;

  constructor(base: Omit<ControllerContext, "after" | "enqueue" | "pick">, controllers: Controller[]) {
    this.#controllers = new Map(controllers.map((c) => [c.name, c]));
    for (const c of controllers) this.#queues.set(c.name, new Set());
    this.ctx = {
      ...base,
      after: (name, key, ms) => this.#after(name, key, ms),
      enqueue: (name, key) => this.#enqueue(name, key),
      pick: (d) => pick(d, base.random),
    };
  }

  start(): void {
    this.#unsubscribe = this.ctx.cluster.store.subscribe((e) => this.#onEvent(e));
    for (const c of this.#controllers.values()) {
      for (const k of c.initialKeys(this.ctx)) this.#enqueue(c.name, k);
    }
  }

  #onEvent(e: StoreEvent): void {
    for (const c of this.#controllers.values()) {
      for (const k of c.keysFor(e, this.ctx)) this.#enqueue(c.name, k);
    }
  }

  #enqueue(name: string, key: string): void {
    if (this.#stop.signal.aborted) return;
    this.#queues.get(name)?.add(key);
    if (!this.#draining) {
      this.#draining = true;
      queueMicrotask(() => this.#drain());
    }
  }

  #after(name: string, key: string, ms: number): void {
    if (this.#stop.signal.aborted) return;
    this.#pendingTimers++;
    // the clock never wakes early, so the key is queued once its time has come
    this.ctx.clock.sleep(Math.max(0, ms), this.#stop.signal).then(
      () => this.#enqueue(name, key),
      () => {},
    ).finally(() => this.#pendingTimers--);
  }

  #drain(): void {
    try {
      for (let rounds = 0; rounds < 100_000; rounds++) {
        let did = false;
        for (const [name, queue] of this.#queues) {
          if (this.#stop.signal.aborted) return;
          const key = queue.values().next().value;
          if (key === undefined) continue;
          queue.delete(key);
          did = true;
          try {
            this.#controllers.get(name)!.reconcile(key, this.ctx);
          } catch (err) {
            // a conflict or a vanished object: the next change brings the key back
            if (!(err instanceof ApiError && (err.code === 409 || err.code === 404))) {
              console.error(`kube emulator: controller ${name} failed on ${key}:`, err);
            } else this.#after(name, key, 1000);
          }
        }
        if (!did) return;
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Number of delayed requeues still waiting (tests). */
  get pendingTimers(): number {
    return this.#pendingTimers;
  }

  /** Whether any controller has work queued right now. */
  get busy(): boolean {
    return this.#draining || [...this.#queues.values()].some((q) => q.size > 0);
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#unsubscribe();
    // let aborted sleeps settle so no promise outlives the manager
    await new Promise((r) => queueMicrotask(() => r(undefined)));
  }
}
