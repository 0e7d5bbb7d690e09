/**
 * Defaulting of the built-in kinds, as the API server's defaulters (and the admission plugins a
 * Talos cluster runs, such as DefaultTolerationSeconds and ServiceAccount) fill in fields, so
 * that what a client reads back looks like a real cluster's object.
 *
 * @example
 * ```ts
 * defaultPodSpec(pod.spec); // restartPolicy: Always, dnsPolicy: ClusterFirst, …
 * ```
 */
import { Buffer } from "node:buffer";
import { isObject, type KubeObject } from "../types.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function imageTag(image: string): string | undefined {
  const noDigest = image.split("@")[0];
  const last = noDigest.split("/").pop() ?? "";
  const i = last.indexOf(":");
  return i < 0 ? undefined : last.slice(i + 1);
}

function defaultContainer(c: Obj): void {
  if (typeof c.image === "string") {
    const tag = imageTag(c.image);
    setDefault(c, "imagePullPolicy", tag === undefined || tag === "latest" ? "Always" : "IfNotPresent");
  }
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  setDefault(c, "resources", {});
  for (const p of (c.ports ?? []) as Obj[]) if (isObject(p)) setDefault(p, "protocol", "TCP");
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!isObject(probe)) continue;
    setDefault(probe, "timeoutSeconds", 1);
    setDefault(probe, "periodSeconds", 10);
    setDefault(probe, "successThreshold", 1);
    setDefault(probe, "failureThreshold", 3);
  }
}

/** PodSpec defaults (SetDefaults_PodSpec, SetDefaults_Container). */
export function defaultPodSpec(spec: Obj | undefined, opts: { template: boolean }): void {
  if (!isObject(spec)) return;
  const s = spec as Obj;
  setDefault(s, "restartPolicy", "Always");
  setDefault(s, "terminationGracePeriodSeconds", 30);
  setDefault(s, "dnsPolicy", "ClusterFirst");
  setDefault(s, "securityContext", {});
  setDefault(s, "schedulerName", "default-scheduler");
  for (const c of [...(s.initContainers ?? []), ...(s.containers ?? [])] as Obj[]) {
    if (isObject(c)) defaultContainer(c);
  }
  for (const v of (s.volumes ?? []) as Obj[]) {
    if (isObject(v?.configMap)) setDefault(v.configMap, "defaultMode", 420);
    if (isObject(v?.secret)) setDefault(v.secret, "defaultMode", 420);
    if (isObject(v?.hostPath)) setDefault(v.hostPath, "type", "");
  }
  if (!opts.template) {
    // set at admission on real pods, not on templates
    setDefault(s, "enableServiceLinks", true);
    setDefault(s, "preemptionPolicy", "PreemptLowerPriority");
    setDefault(s, "priority", 0);
    setDefault(s, "serviceAccountName", "default");
    setDefault(s, "serviceAccount", s.serviceAccountName);
    const tolerations = (s.tolerations ?? []) as Obj[];
    for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
      const covered = tolerations.some((t) =>
        (t.key === key || (t.key === undefined && t.operator === "Exists")) &&
        (t.effect === undefined || t.effect === "" || t.effect === "NoExecute")
      );
      if (!covered) {
        tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
      }
    }
    s.tolerations = tolerations;
  }
}

function defaultTemplate(spec: Obj): void {
  if (isObject(spec.template)) defaultPodSpec(spec.template.spec, { template: true });
}

/** Defaults by "group/Kind". */
export const DEFAULTERS: Record<string, (obj: KubeObject, ctx: { allocateClusterIp?(): string }) => void> = {
  "/Pod"(obj) {
    defaultPodSpec(obj.spec, { template: false });
    obj.status ??= {};
    setDefault(obj.status, "phase", "Pending");
    setDefault(obj.status, "qosClass", qosClass(obj.spec));
  },
  "/Namespace"(obj) {
    obj.spec ??= {};
    setDefault(obj.spec, "finalizers", ["kubernetes"]);
    obj.status ??= {};
    setDefault(obj.status, "phase", "Active");
    obj.metadata.labels = {
      ...(obj.metadata.labels ?? {}),
      "kubernetes.io/metadata.name": obj.metadata.name!,
    };
  },
  "/Secret"(obj) {
    setDefault(obj, "type", "Opaque");
    if (isObject(obj.stringData)) {
      obj.data ??= {};
      for (const [k, v] of Object.entries(obj.stringData)) {
        obj.data[k] = Buffer.from(String(v)).toString("base64");
      }
      delete obj.stringData;
    }
  },
  "/Service"(obj, ctx) {
    obj.spec ??= {};
    const s = obj.spec as Obj;
    setDefault(s, "type", "ClusterIP");
    setDefault(s, "sessionAffinity", "None");
    if (s.type !== "ExternalName") {
      setDefault(s, "internalTrafficPolicy", "Cluster");
      if (s.clusterIP === undefined || s.clusterIP === "") {
        const ip = ctx.allocateClusterIp?.();
        if (ip) s.clusterIP = ip;
      }
      if (s.clusterIP && s.clusterIP !== "None") setDefault(s, "clusterIPs", [s.clusterIP]);
      else if (s.clusterIP === "None") setDefault(s, "clusterIPs", ["None"]);
      setDefault(s, "ipFamilies", ["IPv4"]);
      setDefault(s, "ipFamilyPolicy", "SingleStack");
    }
    for (const p of (s.ports ?? []) as Obj[]) {
      if (!isObject(p)) continue;
      setDefault(p, "protocol", "TCP");
      setDefault(p, "targetPort", p.port);
    }
    if (s.type === "NodePort" || s.type === "LoadBalancer") setDefault(s, "externalTrafficPolicy", "Cluster");
    obj.status ??= { loadBalancer: {} };
  },
  "apps/Deployment"(obj) {
    obj.spec ??= {};
    const s = obj.spec as Obj;
    setDefault(s, "replicas", 1);
    setDefault(s, "strategy", {});
    setDefault(s.strategy, "type", "RollingUpdate");
    if (s.strategy.type === "RollingUpdate") {
      setDefault(s.strategy, "rollingUpdate", {});
      setDefault(s.strategy.rollingUpdate, "maxUnavailable", "25%");
      setDefault(s.strategy.rollingUpdate, "maxSurge", "25%");
    }
    setDefault(s, "revisionHistoryLimit", 10);
    setDefault(s, "progressDeadlineSeconds", 600);
    defaultTemplate(s);
  },
  "apps/ReplicaSet"(obj) {
    obj.spec ??= {};
    setDefault(obj.spec, "replicas", 1);
    defaultTemplate(obj.spec);
  },
  "apps/DaemonSet"(obj) {
    obj.spec ??= {};
    const s = obj.spec as Obj;
    setDefault(s, "updateStrategy", {});
    setDefault(s.updateStrategy, "type", "RollingUpdate");
    if (s.updateStrategy.type === "RollingUpdate") {
      setDefault(s.updateStrategy, "rollingUpdate", {});
      setDefault(s.updateStrategy.rollingUpdate, "maxUnavailable", 1);
      setDefault(s.updateStrategy.rollingUpdate, "maxSurge", 0);
    }
    setDefault(s, "revisionHistoryLimit", 10);
    defaultTemplate(s);
  },
  "apps/StatefulSet"(obj) {
    obj.spec ??= {};
    const s = obj.spec as Obj;
    setDefault(s, "replicas", 1);
    setDefault(s, "podManagementPolicy", "OrderedReady");
    setDefault(s, "updateStrategy", {});
    setDefault(s.updateStrategy, "type", "RollingUpdate");
    if (s.updateStrategy.type === "RollingUpdate") {
      setDefault(s.updateStrategy, "rollingUpdate", {});
      setDefault(s.updateStrategy.rollingUpdate, "partition", 0);
    }
    setDefault(s, "revisionHistoryLimit", 10);
    setDefault(s, "persistentVolumeClaimRetentionPolicy", { whenDeleted: "Retain", whenScaled: "Retain" });
    defaultTemplate(s);
  },
  "batch/Job"(obj) {
    obj.spec ??= {};
    const s = obj.spec as Obj;
    setDefault(s, "parallelism", 1);
    setDefault(s, "completions", 1);
    setDefault(s, "backoffLimit", 6);
    setDefault(s, "completionMode", "NonIndexed");
    setDefault(s, "suspend", false);
    setDefault(s, "podReplacementPolicy", "TerminatingOrFailed");
    if (!s.manualSelector && obj.metadata.uid) {
      // the Job's own selector and template labels, keyed by its uid (batch/job strategy)
      const uid = obj.metadata.uid;
      s.selector ??= { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
      if (isObject(s.template)) {
        s.template.metadata ??= {};
        s.template.metadata.labels = {
          ...(s.template.metadata.labels ?? {}),
          "batch.kubernetes.io/controller-uid": uid,
          "batch.kubernetes.io/job-name": obj.metadata.name,
          "controller-uid": uid,
          "job-name": obj.metadata.name,
        };
      }
    }
    defaultTemplate(s);
  },
};

/** The QoS class of a pod from its containers' requests and limits. */
export function qosClass(spec: Obj | undefined): string {
  const containers = ((spec?.containers ?? []) as Obj[]).concat((spec?.initContainers ?? []) as Obj[]);
  let any = false, guaranteed = true;
  for (const c of containers) {
    const req = c?.resources?.requests ?? {}, lim = c?.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
