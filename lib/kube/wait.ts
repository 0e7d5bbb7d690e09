/**
 * Waiting on the cluster: for one object (a condition, a rollout, any predicate) or for a set of
 * objects (every node Ready). Each wait lists, then watches from that resourceVersion, resumes
 * after the stream ends, re-lists after 410 Gone, and falls back to polling through the clock
 * when watching keeps failing; the time limit runs on the clock. A timeout names the object, what
 * was awaited and what was last seen.
 *
 * @example
 * ```ts
 * await waitForCondition(kube, { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default" }, "Available", { timeoutMs: 300_000 });
 * ```
 */
import { formatDuration, TimeoutError, withTimeout } from "../clock/clock.ts";
import { isTransient, StrataError } from "../errors.ts";
import { describeRef, type KubeClient, type KubeObject, type ObjectRef } from "./client.ts";

export interface WaitOptions {
  /** Virtual ms before giving up. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called with a short description of the current state whenever it changes. */
  onProgress?(state: string): void;
  /** Polling interval when watches fail (virtual ms). Default 2000. */
  pollMs?: number;
}

/** What a check says about the current state. */
export interface Verdict {
  done: boolean;
  /** Set when waiting can never succeed (e.g. a Deployment past its progress deadline). */
  failed?: string;
  /** The state in a few words, for progress and timeout messages. */
  state: string;
}

/** "Available=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.)". */
export function conditionState(obj: KubeObject | undefined, type: string): string {
  const c = ((obj?.status?.conditions ?? []) as Record<string, string>[]).find((x) => x.type === type);
  if (!c) return `no ${type} condition yet`;
  const why = [c.reason, c.message].filter(Boolean).join(": ");
  return `${type}=${c.status}${why ? ` (${why})` : ""}`;
}

/** Runs `work` under the clock's timeout; a timeout becomes a StrataError naming what and the last state. */
async function timed<T>(
  kube: KubeClient,
  what: string,
  opts: WaitOptions,
  work: (signal: AbortSignal, note: (s: string) => void) => Promise<T>,
): Promise<T> {
  let last = "";
  const note = (s: string) => {
    if (s !== last) opts.onProgress?.(s);
    last = s;
  };
  try {
    return await withTimeout(kube.clock, opts.timeoutMs, what, (signal) => work(signal, note), opts.signal);
  } catch (err) {
    if (err instanceof TimeoutError) {
      throw new StrataError(
        `timed out after ${formatDuration(opts.timeoutMs)} waiting for ${what}${
          last ? `; last seen: ${last}` : ""
        }`,
      );
    }
    throw err;
  }
}

/** Waits until `check` says done for the object `ref` (undefined while it does not exist). */
export function waitFor(
  kube: KubeClient,
  ref: ObjectRef,
  what: string,
  check: (obj: KubeObject | undefined) => Verdict,
  opts: WaitOptions,
): Promise<KubeObject | undefined> {
  const label = `${describeRef(ref)} ${what}`;
  return timed(kube, label, opts, async (signal, note) => {
    let failures = 0;
    for (;;) {
      const obj = await kube.get(ref, signal);
      let v = check(obj);
      note(v.state);
      if (v.failed) throw new StrataError(`${describeRef(ref)}: ${v.failed}`);
      if (v.done) return obj;
      let rv = obj?.metadata?.resourceVersion;
      try {
        for await (
          const e of kube.watch(ref.apiVersion, ref.kind, {
            namespace: ref.namespace,
            fieldSelector: `metadata.name=${ref.name}`,
            resourceVersion: rv,
            allowBookmarks: true,
            signal,
          })
        ) {
          failures = 0;
          if (e.type === "ERROR") break; // 410 Gone: list again
          rv = e.object?.metadata?.resourceVersion ?? rv;
          if (e.type === "BOOKMARK") continue;
          const current = e.type === "DELETED" ? undefined : e.object;
          v = check(current);
          note(v.state);
          if (v.failed) throw new StrataError(`${describeRef(ref)}: ${v.failed}`);
          if (v.done) return current;
        }
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (err instanceof StrataError && !isTransient(err)) throw err;
        // watching failed: poll for a while before trying again
        if (++failures > 2) await kube.clock.sleep(opts.pollMs ?? 2000, signal);
      }
    }
  });
}

/** Waits until condition `type` of the object has `status` (default "True"). */
export function waitForCondition(
  kube: KubeClient,
  ref: ObjectRef,
  type: string,
  opts: WaitOptions & { status?: string },
): Promise<KubeObject | undefined> {
  const want = opts.status ?? "True";
  return waitFor(kube, ref, `to be ${type}${want === "True" ? "" : `=${want}`}`, (obj) => {
    if (!obj) return { done: false, state: "does not exist yet" };
    const c = ((obj.status?.conditions ?? []) as Record<string, string>[]).find((x) => x.type === type);
    return { done: c?.status === want, state: conditionState(obj, type) };
  }, opts);
}

/** What `kubectl rollout status` checks, for a Deployment, DaemonSet or StatefulSet. */
export function rolloutVerdict(obj: KubeObject | undefined): Verdict {
  if (!obj) return { done: false, state: "does not exist yet" };
  const s = obj.status ?? {};
  const spec = obj.spec ?? {};
  if ((s.observedGeneration ?? 0) < (obj.metadata.generation ?? 0)) {
    return { done: false, state: "waiting for the spec update to be observed" };
  }
  switch (obj.kind) {
    case "Deployment": {
      const progressing = ((s.conditions ?? []) as Record<string, string>[]).find((c) =>
        c.type === "Progressing"
      );
      if (progressing?.reason === "ProgressDeadlineExceeded") {
        return {
          done: false,
          failed: `rollout exceeded its progress deadline (${progressing.message ?? ""})`,
          state: "progress deadline exceeded",
        };
      }
      const want = spec.replicas ?? 1;
      const updated = s.updatedReplicas ?? 0;
      if (updated < want) {
        return { done: false, state: `${updated} out of ${want} new replicas have been updated` };
      }
      if ((s.replicas ?? 0) > updated) {
        return { done: false, state: `${(s.replicas ?? 0) - updated} old replicas are pending termination` };
      }
      if ((s.availableReplicas ?? 0) < updated) {
        return {
          done: false,
          state: `${s.availableReplicas ?? 0} of ${updated} updated replicas are available`,
        };
      }
      return { done: true, state: `${updated}/${want} replicas available` };
    }
    case "DaemonSet": {
      const desired = s.desiredNumberScheduled ?? 0;
      const updated = s.updatedNumberScheduled ?? 0;
      if (updated < desired) {
        return { done: false, state: `${updated} out of ${desired} new pods have been updated` };
      }
      if ((s.numberAvailable ?? 0) < desired) {
        return { done: false, state: `${s.numberAvailable ?? 0} of ${desired} updated pods are available` };
      }
      return { done: true, state: `${desired}/${desired} pods available` };
    }
    case "StatefulSet": {
      const want = spec.replicas ?? 1;
      if ((s.readyReplicas ?? 0) < want) {
        return { done: false, state: `${s.readyReplicas ?? 0} of ${want} pods are ready` };
      }
      if (s.updateRevision && s.currentRevision !== s.updateRevision) {
        return {
          done: false,
          state: `${s.updatedReplicas ?? 0} of ${want} pods are at revision ${s.updateRevision}`,
        };
      }
      return { done: true, state: `${want}/${want} pods ready` };
    }
  }
  return { done: false, failed: `cannot wait for a rollout of a ${obj.kind}`, state: "" };
}

/** Waits until a Deployment, DaemonSet or StatefulSet has rolled out. */
export function waitForRollout(
  kube: KubeClient,
  ref: ObjectRef,
  opts: WaitOptions,
): Promise<KubeObject | undefined> {
  return waitFor(kube, ref, "to roll out", rolloutVerdict, opts);
}

/** Waits until `check` is satisfied by the set of objects a list selects (kept current by a watch). */
export function waitForAll(
  kube: KubeClient,
  sel: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    labelSelector?: string;
    fieldSelector?: string;
  },
  what: string,
  check: (objs: KubeObject[]) => Verdict,
  opts: WaitOptions,
): Promise<KubeObject[]> {
  return timed(kube, what, opts, async (signal, note) => {
    let failures = 0;
    for (;;) {
      const listed = await kube.list(sel.apiVersion, sel.kind, { ...sel, signal });
      const objs = new Map(listed.items.map((o) => [`${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));
      const evaluate = () => {
        const v = check([...objs.values()]);
        note(v.state);
        if (v.failed) throw new StrataError(v.failed);
        return v.done;
      };
      if (evaluate()) return [...objs.values()];
      let rv = listed.resourceVersion;
      try {
        for await (
          const e of kube.watch(sel.apiVersion, sel.kind, {
            ...sel,
            resourceVersion: rv,
            allowBookmarks: true,
            signal,
          })
        ) {
          failures = 0;
          if (e.type === "ERROR") break;
          rv = e.object?.metadata?.resourceVersion ?? rv;
          if (e.type === "BOOKMARK") continue;
          const key = `${e.object.metadata.namespace ?? ""}/${e.object.metadata.name}`;
          if (e.type === "DELETED") objs.delete(key);
          else objs.set(key, e.object);
          if (evaluate()) return [...objs.values()];
        }
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (err instanceof StrataError && !isTransient(err)) throw err;
        if (++failures > 2) await kube.clock.sleep(opts.pollMs ?? 2000, signal);
      }
    }
  });
}
