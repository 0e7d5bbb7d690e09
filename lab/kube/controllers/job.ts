/**
 * The Job controller: runs up to `parallelism` pods until `completions` succeed (retrying failed
 * pods with exponential back-off until `backoffLimit`), reports active, ready, succeeded, failed,
 * startTime, completionTime and the SuccessCriteriaMet/Complete or FailureTarget/Failed
 * conditions with their real reasons, and removes finished Jobs after `ttlSecondsAfterFinished`.
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [jobController()]);
 * ```
 */
import { rfc3339 } from "../types.ts";
import {
  controllerOf,
  isPodActive,
  isPodReady,
  keyOf,
  type Obj,
  randomSuffix,
  recordEvent,
  setCondition,
  splitKey,
  writeStatus,
} from "./common.ts";
import type { Controller } from "./manager.ts";
import { ownedPods, podFromTemplate } from "./replicaset.ts";

const MANAGER = "kube-controller-manager";

export function jobController(): Controller {
  const backoffUntil = new Map<string, number>();
  return {
    name: "job",
    keysFor(e) {
      if (e.group === "batch" && e.resource === "jobs" && e.type !== "DELETED") return [keyOf(e.object)];
      if (e.group === "" && e.resource === "pods") {
        const ref = controllerOf(e.object);
        if (ref?.kind === "Job") return [`${e.namespace}/${ref.name}`];
      }
      return [];
    },
    initialKeys: (ctx) => ctx.cluster.scan(ctx.cluster.resource("batch", "jobs")).map(keyOf),
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const rt = ctx.cluster.resource("batch", "jobs");
      const pods = ctx.cluster.resource("", "pods");
      const job = ctx.cluster.peek(rt, ns, name);
      if (!job || job.metadata.deletionTimestamp) return;
      const now = ctx.clock.now();
      const spec = job.spec as Obj;
      const status = structuredClone((job.status ?? {}) as Obj);
      let conditions = (status.conditions ?? []) as Obj[];
      const finished = conditions.some((c) =>
        (c.type === "Complete" || c.type === "Failed") && c.status === "True"
      );
      if (finished) {
        const ttl = spec.ttlSecondsAfterFinished;
        if (typeof ttl === "number") {
          const done = Date.parse(
            status.completionTime ?? conditions.find((c) => c.type === "Failed")?.lastTransitionTime ??
              rfc3339(now),
          );
          if (now >= done + ttl * 1000) ctx.cluster.delete(rt, ns, name, { propagationPolicy: "Background" });
          else ctx.after("job", key, done + ttl * 1000 - now);
        }
        return;
      }
      if (spec.suspend) return;
      status.startTime ??= rfc3339(now);
      const owned = ownedPods(ctx, job);
      const active = owned.filter(isPodActive);
      const succeeded = owned.filter((p) => p.status?.phase === "Succeeded").length;
      const failed = owned.filter((p) => p.status?.phase === "Failed").length;
      const completions = spec.completions ?? 1;
      const parallelism = spec.parallelism ?? 1;
      const backoffLimit = spec.backoffLimit ?? 6;
      if (failed > backoffLimit) {
        for (const p of active) ctx.cluster.delete(pods, ns, p.metadata.name!);
        const message = "Job has reached the specified backoff limit";
        conditions = setCondition(
          conditions,
          { type: "FailureTarget", status: "True", reason: "BackoffLimitExceeded", message },
          now,
          { probeTimes: true },
        );
        conditions = setCondition(
          conditions,
          { type: "Failed", status: "True", reason: "BackoffLimitExceeded", message },
          now,
          { probeTimes: true },
        );
        recordEvent(ctx, job, "Warning", "BackoffLimitExceeded", message, "job-controller");
      } else if (succeeded >= completions) {
        const message = "Reached expected number of succeeded pods";
        conditions = setCondition(
          conditions,
          { type: "SuccessCriteriaMet", status: "True", reason: "CompletionsReached", message },
          now,
          { probeTimes: true },
        );
        conditions = setCondition(
          conditions,
          { type: "Complete", status: "True", reason: "CompletionsReached", message },
          now,
          { probeTimes: true },
        );
        status.completionTime = rfc3339(now);
        recordEvent(ctx, job, "Normal", "Completed", "Job completed", "job-controller");
      } else {
        const want = Math.min(parallelism, completions - succeeded) - active.length;
        const until = backoffUntil.get(key) ?? 0;
        if (want > 0 && now >= until) {
          for (let i = 0; i < want; i++) {
            const pod = podFromTemplate(job, spec.template, `${name}-${randomSuffix(ctx.random)}`);
            const created = ctx.cluster.create(pods, ns, pod, { manager: MANAGER }).object;
            recordEvent(
              ctx,
              job,
              "Normal",
              "SuccessfulCreate",
              `Created pod: ${created.metadata.name}`,
              "job-controller",
            );
          }
          if (failed > 0) {
            const delay = Math.min(10_000 * 2 ** (failed - 1), 360_000);
            backoffUntil.set(key, now + delay);
          }
        } else if (want > 0) ctx.after("job", key, until - now);
      }
      const current = ownedPods(ctx, job);
      const stillActive = current.filter(isPodActive);
      status.active = stillActive.length;
      status.ready = stillActive.filter(isPodReady).length;
      status.succeeded = current.filter((p) => p.status?.phase === "Succeeded").length;
      status.failed = current.filter((p) => p.status?.phase === "Failed").length;
      status.terminating = current.filter((p) => p.metadata.deletionTimestamp).length;
      status.uncountedTerminatedPods = {};
      for (const k of ["active", "succeeded", "failed"]) if (!status[k]) delete status[k];
      if (conditions.length) status.conditions = conditions;
      writeStatus(ctx, rt, job, status, MANAGER);
    },
  };
}
