/**
 * Validation of the built-in kinds: the checks of k8s.io/kubernetes `pkg/apis/<group>/validation` that
 * clients actually run into (required fields, enums, port ranges, selector/template agreement,
 * immutable fields), with the real field paths and messages.
 *
 * @example
 * ```ts
 * VALIDATORS["/Pod"](pod, undefined); // [FieldError("spec.containers", Required)]
 * ```
 */
import { dns1035Label, dns1123Label, dns1123Subdomain, qualifiedName, validateLabels } from "../names.ts";
import { selectorFromObject } from "../selectors.ts";
import { FieldError } from "../status.ts";
import { isObject, jsonEqual, type KubeObject } from "../types.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];

function portNumber(errs: FieldError[], field: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) {
    errs.push(FieldError.invalid(field, v ?? 0, "must be between 1 and 65535, inclusive"));
  }
}

function validateContainers(
  list: unknown,
  field: string,
  volumes: Set<string>,
  required: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(list) || list.length === 0) {
    if (required) errs.push(FieldError.required(field, ""));
    return errs;
  }
  const names = new Set<string>();
  list.forEach((c: Obj, i) => {
    const p = `${field}[${i}]`;
    if (!c?.name) errs.push(FieldError.required(`${p}.name`, ""));
    else {
      for (const m of dns1123Label(c.name)) errs.push(FieldError.invalid(`${p}.name`, c.name, m));
      if (names.has(c.name)) errs.push(FieldError.duplicate(`${p}.name`, c.name));
      names.add(c.name);
    }
    if (!c?.image) errs.push(FieldError.required(`${p}.image`, ""));
    if (c?.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) {
      errs.push(FieldError.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    }
    ((c?.ports ?? []) as Obj[]).forEach((port, j) => {
      portNumber(errs, `${p}.ports[${j}].containerPort`, port?.containerPort);
      if (port?.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) {
        errs.push(FieldError.notSupported(`${p}.ports[${j}].protocol`, port.protocol, PROTOCOLS));
      }
    });
    ((c?.env ?? []) as Obj[]).forEach((e, j) => {
      if (!e?.name) errs.push(FieldError.required(`${p}.env[${j}].name`, ""));
    });
    ((c?.volumeMounts ?? []) as Obj[]).forEach((m, j) => {
      if (!m?.name) errs.push(FieldError.required(`${p}.volumeMounts[${j}].name`, ""));
      else if (!volumes.has(m.name)) {
        errs.push(new FieldError("NotFound", `${p}.volumeMounts[${j}].name`, m.name));
      }
      if (!m?.mountPath) errs.push(FieldError.required(`${p}.volumeMounts[${j}].mountPath`, ""));
    });
  });
  return errs;
}

/** ValidatePodSpec (the parts that matter), at `field`. */
export function validatePodSpec(
  spec: unknown,
  field: string,
  restartPolicies = RESTART_POLICIES,
): FieldError[] {
  const errs: FieldError[] = [];
  const s = (isObject(spec) ? spec : {}) as Obj;
  const volumes = new Set<string>();
  ((s.volumes ?? []) as Obj[]).forEach((v, i) => {
    const p = `${field}.volumes[${i}]`;
    if (!v?.name) errs.push(FieldError.required(`${p}.name`, ""));
    else {
      for (const m of dns1123Label(v.name)) errs.push(FieldError.invalid(`${p}.name`, v.name, m));
      if (volumes.has(v.name)) errs.push(FieldError.duplicate(`${p}.name`, v.name));
      volumes.add(v.name);
    }
  });
  errs.push(...validateContainers(s.initContainers, `${field}.initContainers`, volumes, false));
  errs.push(...validateContainers(s.containers, `${field}.containers`, volumes, true));
  if (s.restartPolicy !== undefined && !restartPolicies.includes(s.restartPolicy)) {
    errs.push(FieldError.notSupported(`${field}.restartPolicy`, s.restartPolicy, restartPolicies));
  }
  if (s.dnsPolicy !== undefined && !DNS_POLICIES.includes(s.dnsPolicy)) {
    errs.push(FieldError.notSupported(`${field}.dnsPolicy`, s.dnsPolicy, DNS_POLICIES));
  }
  if (typeof s.nodeName === "string" && s.nodeName) {
    for (const m of dns1123Subdomain(s.nodeName)) {
      errs.push(FieldError.invalid(`${field}.nodeName`, s.nodeName, m));
    }
  }
  if (typeof s.serviceAccountName === "string" && s.serviceAccountName) {
    for (const m of dns1123Subdomain(s.serviceAccountName)) {
      errs.push(FieldError.invalid(`${field}.serviceAccountName`, s.serviceAccountName, m));
    }
  }
  ((s.tolerations ?? []) as Obj[]).forEach((t, i) => {
    const p = `${field}.tolerations[${i}]`;
    if (t?.operator !== undefined && !["Exists", "Equal", ""].includes(t.operator)) {
      errs.push(FieldError.notSupported(`${p}.operator`, t.operator, ["Equal", "Exists"]));
    }
    if (t?.effect !== undefined && !["NoSchedule", "PreferNoSchedule", "NoExecute", ""].includes(t.effect)) {
      errs.push(
        FieldError.notSupported(`${p}.effect`, t.effect, ["NoExecute", "NoSchedule", "PreferNoSchedule"]),
      );
    }
    if (t?.operator === "Exists" && t.value) {
      errs.push(
        FieldError.invalid(`${p}.operator`, t.operator, "value must be empty when `operator` is 'Exists'"),
      );
    }
  });
  if (isObject(s.nodeSelector)) errs.push(...validateLabels(s.nodeSelector, `${field}.nodeSelector`));
  return errs;
}

function goLabelMap(m: Record<string, string>): string {
  const entries = Object.entries(m).sort(([a], [b]) => a < b ? -1 : 1);
  return `map[string]string{${
    entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(", ")
  }}`;
}

/** Selector, template and replicas of a workload (Deployment, ReplicaSet, DaemonSet, StatefulSet). */
function validateWorkload(
  obj: KubeObject,
  old: KubeObject | undefined,
  opts: { replicas: boolean },
): FieldError[] {
  const errs: FieldError[] = [];
  const spec = (obj.spec ?? {}) as Obj;
  if (
    opts.replicas && spec.replicas !== undefined && (typeof spec.replicas !== "number" || spec.replicas < 0)
  ) {
    errs.push(FieldError.invalid("spec.replicas", spec.replicas, "must be greater than or equal to 0"));
  }
  const sel = spec.selector;
  const empty = !isObject(sel) ||
    (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length);
  if (!isObject(sel)) errs.push(FieldError.required("spec.selector", ""));
  else if (empty) {
    errs.push(FieldError.invalid("spec.selector", "", "empty selector is invalid for deployment"));
  } else if (isObject(sel.matchLabels)) {
    errs.push(...validateLabels(sel.matchLabels, "spec.selector.matchLabels"));
  }
  const labels = (spec.template?.metadata?.labels ?? {}) as Record<string, string>;
  if (!isObject(spec.template)) errs.push(FieldError.required("spec.template", ""));
  else {
    if (!empty && !selectorFromObject(sel).matches(labels)) {
      errs.push(
        new FieldError(
          "Invalid",
          "spec.template.metadata.labels",
          { __go: goLabelMap(labels) },
          "`selector` does not match template `labels`",
        ),
      );
    }
    errs.push(...validateLabels(labels, "spec.template.metadata.labels"));
    errs.push(...validatePodSpec(spec.template.spec, "spec.template.spec", ["Always"]));
  }
  if (old && !jsonEqual(old.spec?.selector, spec.selector)) {
    errs.push(
      FieldError.invalid("spec.selector", { __go: labelSelectorGo(spec.selector) }, "field is immutable"),
    );
  }
  return errs;
}

function labelSelectorGo(sel: Obj | undefined): string {
  if (!isObject(sel)) return "nil";
  const ml = isObject(sel.matchLabels) ? goLabelMap(sel.matchLabels as Record<string, string>) : "nil";
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`;
}

function validateDataKeys(obj: KubeObject, fields: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const f of fields) {
    for (const k of Object.keys((obj[f] ?? {}) as Obj)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253) {
        errs.push(FieldError.invalid(
          `${f}[${k}]`,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ));
      }
      if (seen.has(k)) errs.push(FieldError.invalid(`${f}[${k}]`, k, "duplicate of key present in data"));
      seen.add(k);
    }
  }
  return errs;
}

function validateRoleRef(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const ref = obj.roleRef as Obj | undefined;
  if (!isObject(ref)) errs.push(FieldError.required("roleRef", ""));
  else {
    if (!ref.name) errs.push(FieldError.required("roleRef.name", ""));
    if (ref.apiGroup !== "rbac.authorization.k8s.io") {
      errs.push(
        FieldError.notSupported("roleRef.apiGroup", ref.apiGroup ?? "", ["rbac.authorization.k8s.io"]),
      );
    }
    const kinds = obj.kind === "ClusterRoleBinding" ? ["ClusterRole"] : ["Role", "ClusterRole"];
    if (!kinds.includes(ref.kind)) errs.push(FieldError.notSupported("roleRef.kind", ref.kind ?? "", kinds));
  }
  if (old && !jsonEqual(old.roleRef, obj.roleRef)) {
    errs.push(FieldError.invalid("roleRef", { __go: "rbac.RoleRef" }, "cannot change roleRef"));
  }
  ((obj.subjects ?? []) as Obj[]).forEach((s, i) => {
    if (!s?.name) errs.push(FieldError.required(`subjects[${i}].name`, ""));
    if (!["ServiceAccount", "User", "Group"].includes(s?.kind)) {
      errs.push(
        FieldError.notSupported(`subjects[${i}].kind`, s?.kind ?? "", ["ServiceAccount", "User", "Group"]),
      );
    }
    if (s?.kind === "ServiceAccount" && !s.namespace && obj.kind === "ClusterRoleBinding") {
      errs.push(FieldError.required(`subjects[${i}].namespace`, ""));
    }
  });
  return errs;
}

function validateRules(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  ((obj.rules ?? []) as Obj[]).forEach((r, i) => {
    if (!Array.isArray(r?.verbs) || r.verbs.length === 0) {
      errs.push(FieldError.required(`rules[${i}].verbs`, "verbs must contain at least one value"));
    }
    if (!r?.nonResourceURLs && !Array.isArray(r?.apiGroups)) {
      errs.push(
        FieldError.required(`rules[${i}].apiGroups`, "resource rules must supply at least one api group"),
      );
    }
  });
  return errs;
}

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

/** Validators by "group/Kind": (object, old object on update). */
export const VALIDATORS: Record<string, (obj: KubeObject, old?: KubeObject) => FieldError[]> = {
  "/Pod"(obj, old) {
    const errs = validatePodSpec(obj.spec, "spec");
    if (old) {
      // only images, activeDeadlineSeconds, tolerations (additions) and grace period may change
      const strip = (spec: Obj | undefined) => {
        const s = structuredClone(spec ?? {}) as Obj;
        for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) delete c.image;
        delete s.activeDeadlineSeconds;
        delete s.tolerations;
        delete s.terminationGracePeriodSeconds;
        // the scheduler's binding sets nodeName once
        if (!old.spec?.nodeName) delete s.nodeName;
        return s;
      };
      if (
        !jsonEqual(
          strip(old.spec),
          strip({ ...obj.spec, nodeName: obj.spec?.nodeName ?? old.spec?.nodeName }),
        )
      ) {
        errs.push(FieldError.forbidden(
          "spec",
          "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`," +
            "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
            "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        ));
      }
    }
    return errs;
  },
  "/Service"(obj, old) {
    const errs: FieldError[] = [];
    const s = (obj.spec ?? {}) as Obj;
    for (const m of dns1035Label(obj.metadata.name ?? "")) {
      if (obj.metadata.name) errs.push(FieldError.invalid("metadata.name", obj.metadata.name, m));
    }
    if (!SERVICE_TYPES.includes(s.type)) {
      errs.push(FieldError.notSupported("spec.type", s.type, SERVICE_TYPES));
    }
    const ports = (s.ports ?? []) as Obj[];
    if (s.type !== "ExternalName" && s.clusterIP !== "None" && ports.length === 0) {
      errs.push(FieldError.required("spec.ports", ""));
    }
    const names = new Set<string>();
    ports.forEach((p, i) => {
      portNumber(errs, `spec.ports[${i}].port`, p?.port);
      if (ports.length > 1 && !p?.name) errs.push(FieldError.required(`spec.ports[${i}].name`, ""));
      if (p?.name) {
        for (const m of dns1123Label(p.name)) {
          errs.push(FieldError.invalid(`spec.ports[${i}].name`, p.name, m));
        }
        if (names.has(p.name)) errs.push(FieldError.duplicate(`spec.ports[${i}].name`, p.name));
        names.add(p.name);
      }
      if (p?.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) {
        errs.push(FieldError.notSupported(`spec.ports[${i}].protocol`, p.protocol, PROTOCOLS));
      }
    });
    if (isObject(s.selector)) errs.push(...validateLabels(s.selector, "spec.selector"));
    if (old && old.spec?.clusterIP && s.clusterIP !== old.spec.clusterIP && s.type !== "ExternalName") {
      errs.push(FieldError.invalid("spec.clusterIPs[0]", s.clusterIP ?? "", "may not change once set"));
    }
    return errs;
  },
  "/ConfigMap": (obj) => validateDataKeys(obj, ["data", "binaryData"]),
  "/Secret"(obj, old) {
    const errs = validateDataKeys(obj, ["data"]);
    if (old && old.type !== obj.type) errs.push(FieldError.invalid("type", obj.type, "field is immutable"));
    if (old?.immutable && !jsonEqual(old.data, obj.data)) {
      errs.push(FieldError.forbidden("data", "field is immutable when `immutable` is set"));
    }
    return errs;
  },
  "/ServiceAccount": () => [],
  "/Namespace"(obj) {
    const errs: FieldError[] = [];
    for (const [i, f] of ((obj.spec?.finalizers ?? []) as string[]).entries()) {
      for (const m of qualifiedName(f)) errs.push(FieldError.invalid(`spec.finalizers[${i}]`, f, m));
    }
    return errs;
  },
  "apps/Deployment": (obj, old) => validateWorkload(obj, old, { replicas: true }),
  "apps/ReplicaSet": (obj, old) => validateWorkload(obj, old, { replicas: true }),
  "apps/DaemonSet": (obj, old) => validateWorkload(obj, old, { replicas: false }),
  "apps/StatefulSet"(obj, old) {
    const errs = validateWorkload(obj, old, { replicas: true });
    const s = (obj.spec ?? {}) as Obj;
    if (!["OrderedReady", "Parallel"].includes(s.podManagementPolicy)) {
      errs.push(
        FieldError.notSupported("spec.podManagementPolicy", s.podManagementPolicy, [
          "OrderedReady",
          "Parallel",
        ]),
      );
    }
    return errs;
  },
  "batch/Job"(obj, old) {
    const errs: FieldError[] = [];
    const s = (obj.spec ?? {}) as Obj;
    for (const f of ["parallelism", "completions", "backoffLimit"]) {
      if (s[f] !== undefined && s[f] !== null && (typeof s[f] !== "number" || s[f] < 0)) {
        errs.push(FieldError.invalid(`spec.${f}`, s[f], "must be greater than or equal to 0"));
      }
    }
    if (!isObject(s.template)) errs.push(FieldError.required("spec.template", ""));
    else {
      const rp = s.template.spec?.restartPolicy;
      if (rp !== "OnFailure" && rp !== "Never") {
        errs.push(
          rp === undefined || rp === "Always"
            ? FieldError.required("spec.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"')
            : FieldError.notSupported("spec.template.spec.restartPolicy", rp, ["OnFailure", "Never"]),
        );
      }
      errs.push(
        ...validatePodSpec(s.template.spec, "spec.template.spec", ["OnFailure", "Never"]).filter((e) =>
          e.field !== "spec.template.spec.restartPolicy"
        ),
      );
    }
    if (old) {
      if (!jsonEqual(old.spec?.template, s.template)) {
        errs.push(
          FieldError.invalid("spec.template", { __go: "core.PodTemplateSpec{…}" }, "field is immutable"),
        );
      }
      if (!jsonEqual(old.spec?.completions, s.completions)) {
        errs.push(FieldError.invalid("spec.completions", s.completions, "field is immutable"));
      }
    }
    return errs;
  },
  "rbac.authorization.k8s.io/Role": validateRules,
  "rbac.authorization.k8s.io/ClusterRole": validateRules,
  "rbac.authorization.k8s.io/RoleBinding": validateRoleRef,
  "rbac.authorization.k8s.io/ClusterRoleBinding": validateRoleRef,
};
