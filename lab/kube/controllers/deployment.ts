/**
 * The Deployment controller: one ReplicaSet per pod template (named `<deployment>-<pod-template-hash>`,
 * revision annotations), the new one scaled to `spec.replicas` and the old ones to zero once the
 * new one is available, and the status kubectl's rollout and wait read: replicas, updatedReplicas,
 * readyReplicas, availableReplicas, unavailableReplicas, observedGeneration and the Available and
 * Progressing conditions with their real reasons (including ProgressDeadlineExceeded).
 *
 * @example
 * ```ts
 * new ControllerManager(ctx, [deploymentController()]);
 * ```
 */
import type { KubeObject } from "../types.ts";
import {
  controlledBy,
  controllerOf,
  controllerRef,
  dependentsIn,
  intOrPercent,
  keyOf,
  type Obj,
  recordEvent,
  setCondition,
  splitKey,
  templateHash,
  writeStatus,
} from "./common.ts";
import type { Controller, ControllerContext } from "./manager.ts";

const MANAGER = "kube-controller-manager";
const REVISION = "deployment.kubernetes.io/revision";

function ownedReplicaSets(ctx: ControllerContext, d: KubeObject): KubeObject[] {
  return dependentsIn(ctx, d, "apps", "replicasets").filter((rs) => controlledBy(rs, d));
}

function templateWithoutHash(t: Obj): Obj {
  const c = structuredClone(t ?? {});
  if (c.metadata?.labels) delete c.metadata.labels["pod-template-hash"];
  return c;
}

export function deploymentController(): Controller {
  /** When each deployment's progress deadline check is due (one timer per deadline). */
  const deadlines = new Map<string, number>();
  return {
    name: "deployment",
    keysFor(e) {
      if (e.group === "apps" && e.resource === "deployments" && e.type !== "DELETED") {
        return [keyOf(e.object)];
      }
      if (e.group === "apps" && e.resource === "replicasets") {
        const ref = controllerOf(e.object);
        if (ref?.kind === "Deployment") return [`${e.namespace}/${ref.name}`];
      }
      return [];
    },
    initialKeys: (ctx) => ctx.cluster.scan(ctx.cluster.resource("apps", "deployments")).map(keyOf),
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const rt = ctx.cluster.resource("apps", "deployments");
      const rsRt = ctx.cluster.resource("apps", "replicasets");
      const d = ctx.cluster.peek(rt, ns, name);
      if (!d || d.metadata.deletionTimestamp) return;
      const spec = d.spec as Obj;
      const replicas = spec.replicas ?? 1;
      const hash = templateHash(spec.template);
      const all = ownedReplicaSets(ctx, d);
      let current = all.find((rs) =>
        rs.metadata.labels?.["pod-template-hash"] === hash ||
        JSON.stringify(templateWithoutHash(rs.spec?.template)) ===
          JSON.stringify(templateWithoutHash(spec.template))
      );
      const maxRevision = Math.max(0, ...all.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
      const now = ctx.clock.now();
      let conditions = (d.status?.conditions ?? []) as Obj[];
      const paused = !!spec.paused;
      if (!current && !paused) {
        const rsName = `${name}-${hash}`;
        const template = structuredClone(spec.template);
        template.metadata ??= {};
        template.metadata.labels = { ...(template.metadata.labels ?? {}), "pod-template-hash": hash };
        current = ctx.cluster.create(rsRt, ns, {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          metadata: {
            name: rsName,
            namespace: ns,
            labels: { ...(spec.template?.metadata?.labels ?? {}), "pod-template-hash": hash },
            annotations: {
              "deployment.kubernetes.io/desired-replicas": String(replicas),
              "deployment.kubernetes.io/max-replicas": String(
                replicas + intOrPercent(spec.strategy?.rollingUpdate?.maxSurge ?? "25%", replicas, true),
              ),
              [REVISION]: String(maxRevision + 1),
            },
            ownerReferences: [controllerRef(d)],
          },
          spec: {
            replicas,
            selector: {
              ...spec.selector,
              matchLabels: { ...(spec.selector?.matchLabels ?? {}), "pod-template-hash": hash },
            },
            template,
          },
        }, { manager: MANAGER }).object;
        recordEvent(
          ctx,
          d,
          "Normal",
          "ScalingReplicaSet",
          `Scaled up replica set ${rsName} from 0 to ${replicas}`,
          "deployment-controller",
        );
        conditions = setCondition(
          conditions,
          {
            type: "Progressing",
            status: "True",
            reason: "NewReplicaSetCreated",
            message: `Created new replica set "${rsName}"`,
          },
          now,
          { updateTime: true },
        );
      }
      if (current && !paused) {
        if ((current.spec?.replicas ?? 0) !== replicas) {
          const from = current.spec?.replicas ?? 0;
          current = ctx.cluster.update(rsRt, ns, current.metadata.name!, {
            ...current,
            metadata: {
              ...current.metadata,
              annotations: {
                ...(current.metadata.annotations ?? {}),
                "deployment.kubernetes.io/desired-replicas": String(replicas),
              },
            },
            spec: { ...current.spec, replicas },
          }, { manager: MANAGER }).object;
          recordEvent(
            ctx,
            d,
            "Normal",
            "ScalingReplicaSet",
            `Scaled ${
              from < replicas ? "up" : "down"
            } replica set ${current.metadata.name} from ${from} to ${replicas}`,
            "deployment-controller",
          );
        }
        const newAvailable = current.status?.availableReplicas ?? 0;
        // old replica sets go once the new one carries the load
        for (const old of all) {
          if (old.metadata.uid === current.metadata.uid || (old.spec?.replicas ?? 0) === 0) continue;
          if (spec.strategy?.type === "Recreate" || newAvailable >= replicas) {
            ctx.cluster.update(rsRt, ns, old.metadata.name!, { ...old, spec: { ...old.spec, replicas: 0 } }, {
              manager: MANAGER,
            });
            recordEvent(
              ctx,
              d,
              "Normal",
              "ScalingReplicaSet",
              `Scaled down replica set ${old.metadata.name} from ${old.spec?.replicas} to 0`,
              "deployment-controller",
            );
          }
        }
        // revision history
        const limit = spec.revisionHistoryLimit ?? 10;
        const idle = ownedReplicaSets(ctx, d).filter((rs) =>
          rs.metadata.uid !== current!.metadata.uid && (rs.spec?.replicas ?? 0) === 0 &&
          !(rs.status?.replicas)
        )
          .sort((a, b) =>
            Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0)
          );
        for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
          ctx.cluster.delete(rsRt, ns, rs.metadata.name!);
        }
      }
      const sets = ownedReplicaSets(ctx, d);
      const sum = (f: (s: Obj) => number) => sets.reduce((n, rs) => n + f(rs.status ?? {}), 0);
      const total = sum((s) => s.replicas ?? 0);
      const updated = current?.status?.replicas ?? 0;
      const ready = sum((s) => s.readyReplicas ?? 0);
      const available = sum((s) => s.availableReplicas ?? 0);
      const maxUnavailable = spec.strategy?.type === "Recreate"
        ? 0
        : intOrPercent(spec.strategy?.rollingUpdate?.maxUnavailable ?? "25%", replicas, false);
      conditions = setCondition(
        conditions,
        available >= replicas - maxUnavailable
          ? {
            type: "Available",
            status: "True",
            reason: "MinimumReplicasAvailable",
            message: "Deployment has minimum availability.",
          }
          : {
            type: "Available",
            status: "False",
            reason: "MinimumReplicasUnavailable",
            message: "Deployment does not have minimum availability.",
          },
        now,
        { updateTime: true },
      );
      const complete = updated === replicas && available >= replicas && total === updated &&
        (current?.status?.observedGeneration ?? 0) >= (current?.metadata.generation ?? 0);
      const rsName = current?.metadata.name ?? "";
      const progressing = conditions.find((c) => c.type === "Progressing");
      if (complete) {
        conditions = setCondition(
          conditions,
          {
            type: "Progressing",
            status: "True",
            reason: "NewReplicaSetAvailable",
            message: `ReplicaSet "${rsName}" has successfully progressed.`,
          },
          now,
          { updateTime: true },
        );
      } else if (current && progressing?.reason !== "ProgressDeadlineExceeded") {
        const deadline = (spec.progressDeadlineSeconds ?? 600) * 1000;
        const since = progressing?.lastUpdateTime ? Date.parse(progressing.lastUpdateTime) : now;
        if (progressing && now - since >= deadline && progressing.reason !== "NewReplicaSetAvailable") {
          conditions = setCondition(
            conditions,
            {
              type: "Progressing",
              status: "False",
              reason: "ProgressDeadlineExceeded",
              message: `ReplicaSet "${rsName}" has timed out progressing.`,
            },
            now,
            { updateTime: true },
          );
        } else {
          if (
            progressing?.reason !== "NewReplicaSetCreated" ||
            progressing.message !== `Created new replica set "${rsName}"`
          ) {
            conditions = setCondition(
              conditions,
              {
                type: "Progressing",
                status: "True",
                reason: "ReplicaSetUpdated",
                message: `ReplicaSet "${rsName}" is progressing.`,
              },
              now,
              { updateTime: true },
            );
          }
          const due = since + deadline;
          if (deadlines.get(key) !== due) {
            deadlines.set(key, due);
            ctx.after("deployment", key, due - now);
          }
        }
      }
      // the real controller lists Available before Progressing
      conditions = [...conditions].sort((
        a,
        b,
      ) => (a.type === "Available" ? -1 : b.type === "Available" ? 1 : 0));
      const status: Obj = {
        observedGeneration: d.metadata.generation,
        replicas: total,
        updatedReplicas: updated,
        readyReplicas: ready,
        availableReplicas: available,
        unavailableReplicas: Math.max(0, replicas - available),
        conditions,
      };
      for (
        const k of [
          "replicas",
          "updatedReplicas",
          "readyReplicas",
          "availableReplicas",
          "unavailableReplicas",
        ]
      ) {
        if (!status[k]) delete status[k];
      }
      let dep = d;
      if (current && d.metadata.annotations?.[REVISION] !== current.metadata.annotations?.[REVISION]) {
        dep = ctx.cluster.update(rt, ns, name, {
          ...d,
          metadata: {
            ...d.metadata,
            annotations: {
              ...(d.metadata.annotations ?? {}),
              [REVISION]: current.metadata.annotations![REVISION],
            },
          },
        }, { manager: MANAGER }).object;
      }
      writeStatus(ctx, rt, dep, status, MANAGER);
    },
  };
}
