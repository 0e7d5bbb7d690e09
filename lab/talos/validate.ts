/**
 * How the lab's Talos node checks a machine config it is asked to apply, in the order and with the
 * messages of Talos v1.13 (`configloader` → decoder → `Container.Validate` → `RuntimeValidate`):
 *
 * 1. YAML decode of every document (`decode error: yaml: …`), document identity and duplicates,
 *    registered kinds (`"FooConfig" "v1alpha1": not registered`);
 * 2. types and keys against our model of the schema (config_model.ts): wrong types as go-yaml's
 *    "cannot unmarshal" errors, unknown keys as "unknown keys found during decoding:" plus the
 *    offending keys as YAML;
 * 3. the rules of `(*v1alpha1.Config).Validate`, the network documents' `Validate` and
 *    `RuntimeValidate` that the schema cannot express (machine type, CAs per role, endpoint, install
 *    disk, CNI, hostDNS, labels, taints, Kubernetes version for this Talos), reported as hashicorp
 *    multierror text ("1 error occurred:\n\t* …").
 *
 * The node turns a failure into gRPC status InvalidArgument with this message.
 *
 * @example
 * ```ts
 * const result = validateMachineConfig(yaml, { talosVersion: "v1.13.9", requiresInstall: true });
 * if (!result.ok) throw grpcError(InvalidArgument, result.message);
 * result.config.machine.type; // "controlplane"
 * ```
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node as YamlNode,
  parseAllDocuments,
  type Scalar,
  stringify,
  type YAMLMap,
} from "yaml";
import {
  DECODER_ONLY,
  DOCUMENT_KINDS,
  type ObjShape,
  OPAQUE_KINDS,
  type Shape,
  V1ALPHA1,
} from "./config_model.ts";

/** One decoded document. */
export interface ConfigDocument {
  apiVersion: string;
  kind: string;
  name: string;
  value: Record<string, unknown>;
}

/** A config that passed. */
export interface ValidConfig {
  documents: ConfigDocument[];
  /** The `version: v1alpha1` document, if any. */
  // deno-lint-ignore no-explicit-any
  v1alpha1?: Record<string, any>;
  warnings: string[];
}

export type ValidationResult = { ok: true; config: ValidConfig } | { ok: false; message: string };

export interface ValidateOptions {
  /** The Talos version the node runs (for the Kubernetes compatibility check); default v1.13.9. */
  talosVersion?: string;
  /** Platform mode with an install pending (maintenance mode on a VM): install config required. */
  requiresInstall: boolean;
  /** The platform mode's name in messages; default "cloud" (nocloud on Proxmox). */
  modeName?: string;
}

/** Talos 1.13 runs Kubernetes 1.31.0 up to (not including) 1.36.99 (pkg/machinery/compatibility/talos113). */
const KUBERNETES_RANGE: Record<string, [string, string]> = { "1.13": ["1.31.0", "1.36.99"] };

class DecodeFailure extends Error {}

// ---- multierror text ------------------------------------------------------------------------------

/** hashicorp/go-multierror's ListFormatFunc. */
export function multierror(errors: readonly string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join("\n\t")}\n\n`;
}

// ---- YAML helpers ----------------------------------------------------------------------------------

function topValue(map: YAMLMap, key: string): string {
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key && isScalar(pair.value)) {
      return String(pair.value.value ?? "");
    }
  }
  return "";
}

function hasKey(map: YAMLMap, key: string): boolean {
  return map.items.some((p) => isScalar(p.key) && p.key.value === key);
}

function yamlTag(node: YamlNode): string {
  if (isMap(node)) return "!!map";
  if (isSeq(node)) return "!!seq";
  const v = (node as Scalar).value;
  if (v === null) return "!!null";
  if (typeof v === "boolean") return "!!bool";
  if (typeof v === "number") return Number.isInteger(v) ? "!!int" : "!!float";
  return "!!str";
}

function goType(shape: Shape): string {
  switch (shape.t) {
    case "string":
    case "enum":
      return "string";
    case "int":
      return "int";
    case "bool":
      return "bool";
    case "list":
      return `[]${shape.of.t === "obj" ? "*" : ""}${goType(shape.of)}`;
    case "map":
      return `map[string]${goType(shape.of)}`;
    case "args":
      return "v1alpha1.Args";
    case "anyObject":
      return "v1alpha1.Unstructured";
    case "obj":
      return shape.def.startsWith("inline:") ? "x509.PEMEncodedCertificateAndKey" : shape.def;
  }
}

const BOOL_WORDS = new Set(["true", "false", "yes", "no", "on", "off", "y", "n"]);

/** Walks one document against its shape, as go-yaml decodes into the Go struct. */
class Decoder {
  readonly typeErrors: string[] = [];
  readonly unknown: Record<string, unknown> = {};
  constructor(readonly lines: LineCounter) {}

  line(node: YamlNode | null | undefined): number {
    return node?.range ? this.lines.linePos(node.range[0]).line : 0;
  }

  #unmarshal(node: YamlNode, shape: Shape): void {
    const value = isScalar(node) ? ` \`${String(node.value)}\`` : "";
    this.typeErrors.push(
      `line ${this.line(node)}: cannot unmarshal ${yamlTag(node)}${value} into ${goType(shape)}`,
    );
  }

  #setUnknown(path: string[], key: string, value: unknown): void {
    let at = this.unknown;
    for (const p of path) at = (at[p] ??= {}) as Record<string, unknown>;
    at[key] = value;
  }

  walk(node: YamlNode | null | undefined, shape: Shape, path: string[]): void {
    if (!node || (isScalar(node) && node.value === null)) return; // null: the zero value
    switch (shape.t) {
      case "string":
      case "enum":
        // go-yaml decodes any scalar into a string field
        if (!isScalar(node)) this.#unmarshal(node, shape);
        return;
      case "int":
        if (!isScalar(node) || typeof node.value !== "number" || !Number.isInteger(node.value)) {
          this.#unmarshal(node, shape);
        }
        return;
      case "bool":
        if (
          !isScalar(node) ||
          !(typeof node.value === "boolean" || (typeof node.value === "string" && BOOL_WORDS.has(node.value)))
        ) this.#unmarshal(node, shape);
        return;
      case "list":
        if (!isSeq(node)) return this.#unmarshal(node, shape);
        node.items.forEach((item, i) => this.walk(item as YamlNode, shape.of, [...path, String(i)]));
        return;
      case "map":
        if (!isMap(node)) return this.#unmarshal(node, shape);
        for (const pair of node.items) {
          this.walk(pair.value as YamlNode, shape.of, [...path, String((pair.key as Scalar)?.value)]);
        }
        return;
      case "args":
        if (!isMap(node)) return this.#unmarshal(node, shape);
        for (const pair of node.items) {
          const v = pair.value as YamlNode | null;
          if (v && !isScalar(v) && !(isSeq(v) && v.items.every((i) => isScalar(i)))) {
            this.#unmarshal(v, { t: "string" });
          }
        }
        return;
      case "anyObject":
        if (!isMap(node)) this.#unmarshal(node, shape);
        return;
      case "obj":
        if (!isMap(node)) return this.#unmarshal(node, shape);
        for (const pair of node.items) {
          const key = String((pair.key as Scalar)?.value);
          const prop = shape.props[key] ?? DECODER_ONLY[shape.def]?.[key];
          if (prop) this.walk(pair.value as YamlNode, prop, [...path, key]);
          else this.#setUnknown(path, key, (pair.value as YamlNode | null)?.toJSON?.() ?? null);
        }
        return;
    }
  }
}

/** Schema patterns and enums, checked on the decoded value (Talos parses these while decoding). */
function shapeErrors(
  value: unknown,
  shape: Shape,
  path: string,
  out: string[],
  skipEnums: Set<string>,
): void {
  if (value === null || value === undefined) return;
  switch (shape.t) {
    case "string":
      if (shape.pattern && typeof value === "string" && !new RegExp(shape.pattern, "u").test(value)) {
        out.push(patternMessage(path, value, shape.pattern));
      }
      return;
    case "enum":
      if (!skipEnums.has(path) && !shape.values.includes(String(value))) {
        out.push(
          `${path}: invalid value ${JSON.stringify(String(value))}: must be one of ${
            shape.values.join(", ")
          }`,
        );
      }
      return;
    case "list":
      if (Array.isArray(value)) {
        value.forEach((v, i) => shapeErrors(v, shape.of, `${path}[${i}]`, out, skipEnums));
      }
      return;
    case "map":
      if (typeof value === "object") {
        for (const [k, v] of Object.entries(value as object)) {
          shapeErrors(v, shape.of, `${path}.${k}`, out, skipEnums);
        }
      }
      return;
    case "obj":
      if (typeof value === "object") {
        for (const [k, v] of Object.entries(value as object)) {
          const prop = shape.props[k];
          if (prop) shapeErrors(v, prop, path ? `${path}.${k}` : k, out, skipEnums);
        }
      }
      return;
    default:
      return;
  }
}

function patternMessage(path: string, value: string, pattern: string): string {
  // Talos parses these while decoding; say it the way Go's netip does where that applies
  if (pattern === "^[0-9a-f.:]+/\\d{1,3}$") {
    return value.includes("/")
      ? `netip.ParsePrefix(${JSON.stringify(value)}): bad prefix`
      : `netip.ParsePrefix(${JSON.stringify(value)}): no '/'`;
  }
  if (pattern === "^[0-9a-f.:]+$") return `ParseAddr(${JSON.stringify(value)}): unable to parse IP`;
  return `${path}: ${JSON.stringify(value)} does not match ${pattern}`;
}

// ---- semantic rules -----------------------------------------------------------------------------------

const QNAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_NAME = /^([a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62}){1}(\.[a-zA-Z0-9_]{1}[a-zA-Z0-9_-]{0,62})*[._]?$/;
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

function qualifiedNameError(value: string): string | undefined {
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (!prefix) return `prefix cannot be empty: ${JSON.stringify(value)}`;
    if (prefix.length > 253) {
      return `prefix ${JSON.stringify(prefix)} is invalid: domain name length exceeds limit of 253: ${
        JSON.stringify(prefix)
      }`;
    }
    if (!DNS1123_SUBDOMAIN.test(prefix)) {
      return `prefix ${JSON.stringify(prefix)} is invalid: domain doesn't match required format: ${
        JSON.stringify(prefix)
      }`;
    }
  } else return `invalid format: too many slashes: ${JSON.stringify(value)}`;
  if (!name) return `name cannot be empty: ${JSON.stringify(value)}`;
  if (name.length > 63) return `name is too long: ${JSON.stringify(value)} (limit is 63)`;
  if (!QNAME.test(name)) return `name ${JSON.stringify(name)} is invalid`;
}

function labelValueError(value: string): string | undefined {
  if (value.length > 63) return `label value length exceeds limit of 63: ${JSON.stringify(value)}`;
  if (value !== "" && !QNAME.test(value)) return `label value ${JSON.stringify(value)} is invalid`;
}

function sortedEntries(m: unknown): [string, string][] {
  if (!m || typeof m !== "object") return [];
  return Object.entries(m as Record<string, unknown>).map(([k, v]) =>
    [k, String(v ?? "")] as [string, string]
  )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function labelErrors(labels: unknown): string[] {
  const out: string[] = [];
  for (const [k, v] of sortedEntries(labels)) {
    const e1 = qualifiedNameError(k);
    if (e1) out.push(e1);
    const e2 = labelValueError(v);
    if (e2) out.push(e2);
  }
  return out;
}

function taintErrors(taints: unknown): string[] {
  const out: string[] = [];
  for (const [k, v] of sortedEntries(taints)) {
    const e = qualifiedNameError(k);
    if (e) {
      out.push(e);
      continue;
    }
    const i = v.indexOf(":");
    const [val, effect] = i < 0 ? [v, v] : [v.slice(0, i), v.slice(i + 1)];
    if (!TAINT_EFFECTS.includes(effect)) {
      out.push(`invalid taint effect: ${JSON.stringify(effect)}`);
      continue;
    }
    if (i >= 0) {
      const e2 = labelValueError(val);
      if (e2) out.push(e2);
    }
  }
  return out;
}

/** sideronet.ValidateEndpointURI, after url.Parse. */
function endpointError(endpoint: string): string | undefined {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return `parse ${JSON.stringify(endpoint)}: invalid URI for request`;
  }
  if ((u.host.match(/:/g) ?? []).length > 2 && !u.host.includes("[")) {
    return "IPv6 addresses MUST be enclosed by square brackets";
  }
  if (!u.hostname) return "hostname must not be blank";
  if (u.port && (Number(u.port) < 1 || Number(u.port) > 65535)) {
    return `port number must be between 1 and 65535, inclusive`;
  }
}

function semver(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function cmp(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** ValidateKubernetesImageTag: the image's tag against the Kubernetes range of this Talos. */
function kubernetesImageError(ref: string, talosVersion: string): string | undefined {
  const idx = ref.lastIndexOf(":v");
  if (idx < 0) {
    return `failed to parse Kubernetes version from image reference ${
      JSON.stringify(ref)
    }: invalid image reference: ${JSON.stringify(ref)}`;
  }
  const part = ref.slice(idx + 2).split("@")[0];
  const k8s = semver(part);
  if (!k8s || !/^\d+\.\d+(\.\d+)?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(part)) {
    return `failed to parse Kubernetes version from image reference ${JSON.stringify(ref)}: invalid version ${
      JSON.stringify(part)
    }`;
  }
  const t = semver(talosVersion)!;
  const range = KUBERNETES_RANGE[`${t[0]}.${t[1]}`];
  if (!range) return `compatibility with version ${talosVersion.replace(/^v/, "")} is not supported`;
  const text = `${k8s[0]}.${k8s[1]}.${k8s[2]}`;
  const talos = talosVersion.replace(/^v/, "");
  if (cmp(k8s, semver(range[0])!) < 0) {
    return `version of Kubernetes ${text} is too old to be used with Talos ${talos}`;
  }
  if (cmp(k8s, semver(range[1])!) >= 0) {
    return `version of Kubernetes ${text} is too new to be used with Talos ${talos}`;
  }
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** machine.ParseType: "worker", "join" and "" are workers; anything unknown is "unknown". */
function machineType(t: unknown): "init" | "controlplane" | "worker" | "unknown" {
  if (t === "init" || t === "controlplane") return t;
  if (t === "worker" || t === "join" || t === "" || t === undefined || t === null) return "worker";
  return "unknown";
}

/** `(*v1alpha1.Config).Validate` and `RuntimeValidate`, the rules strata's configs meet. */
function v1alpha1Errors(c: Json, opts: ValidateOptions, warnings: string[]): string[] {
  const errs: string[] = [];
  const m = c.machine;
  if (!m) return ["machine instructions are required"];
  const type = machineType(m.type);
  const isControlPlane = type === "init" || type === "controlplane";

  // ClusterConfig.Validate
  const cl = c.cluster;
  if (!cl) errs.push("cluster instructions are required");
  else if (!cl.controlPlane?.endpoint) errs.push("cluster controlplane endpoint is required");
  else {
    const clusterErrs: string[] = [];
    const e = endpointError(String(cl.controlPlane.endpoint));
    if (e) clusterErrs.push(`invalid controlplane endpoint: ${e}`);
    const domain = cl.network?.dnsDomain;
    if (domain && !(domain.length - (domain.match(/\./g) ?? []).length <= 255 && DNS_NAME.test(domain))) {
      clusterErrs.push(`${JSON.stringify(domain)} is not a valid DNS name`);
    }
    if (cl.etcd && !isControlPlane) clusterErrs.push("etcd config is only allowed on control plane machines");
    if (cl.ca?.key && !isControlPlane) {
      clusterErrs.push("cluster CA key is not allowed on non-controlplane nodes (.cluster.ca)");
    }
    const names = new Set<string>();
    for (const im of cl.inlineManifests ?? []) {
      if (!String(im?.name ?? "").trim()) clusterErrs.push("inline manifest name can't be empty");
      if (names.has(im?.name)) {
        clusterErrs.push(`inline manifest name ${JSON.stringify(im.name)} is duplicate`);
      }
      names.add(im?.name);
    }
    const disc = cl.discovery;
    if (disc?.enabled && !disc.registries?.service?.disabled) {
      const endpoint = disc.registries?.service?.endpoint ?? "https://discovery.talos.dev/";
      try {
        const u = new URL(endpoint);
        if (u.pathname !== "" && u.pathname !== "/") {
          clusterErrs.push("cluster discovery service path should be empty");
        }
      } catch {
        clusterErrs.push(
          `cluster discovery service registry endpoint is invalid: parse ${
            JSON.stringify(endpoint)
          }: invalid URI`,
        );
      }
      if (!cl.id) clusterErrs.push("cluster discovery service requires .cluster.id");
      if (!cl.secret) clusterErrs.push("cluster discovery service requires .cluster.secret");
    }
    // multierror.Append flattens a *multierror.Error into the list
    errs.push(...clusterErrs);
  }

  if (opts.requiresInstall) {
    const install = m.install;
    if (!install) {
      errs.push(`install instructions are required in ${JSON.stringify(opts.modeName ?? "cloud")} mode`);
    } else if (!install.disk && !install.diskSelector) {
      errs.push("either install disk or diskSelector should be defined");
    }
  }

  const hostDNS = m.features?.hostDNS;
  if (hostDNS?.forwardKubeDNSToHost && !hostDNS?.enabled) {
    errs.push(
      "feature hostDNS.forwardKubeDNSToHost requires hostDNS.enabled to be true (.machine.features.hostDNS)",
    );
  }

  const ca = m.ca;
  if (!ca && !m.acceptedCAs) {
    errs.push("issuing CA or some accepted CAs are required (.machine.ca, machine.acceptedCAs)");
  }

  if (isControlPlane) {
    const cni = cl?.network?.cni;
    if (cni?.name !== undefined) {
      const name = cni.name;
      if (name === "flannel" || name === "none") {
        if ((cni.urls ?? []).length) {
          errs.push(`"urls" field should be empty for ${JSON.stringify(name)} CNI`);
        }
      }
      if (name === "none" || name === "custom") {
        if ((cni.flannel?.extraArgs ?? []).length) {
          errs.push(`"flanneldExtraArgs" field should be empty for ${JSON.stringify(name)} CNI`);
        }
        if (cni.flannel?.kubeNetworkPoliciesEnabled) {
          errs.push(
            `"flannelKubeNetworkPoliciesEnabled" should not be enabled for ${JSON.stringify(name)} CNI`,
          );
        }
      }
      if (!["flannel", "custom", "none"].includes(name)) {
        errs.push(`cni name should be one of ["flannel", "custom", "none"]`);
      }
    }
    if (!ca) errs.push("issuing CA is required (.machine.ca)");
    else if (!ca.key) errs.push("issuing CA key is required for controlplane nodes (.machine.ca.key)");
  } else if (type === "worker") {
    if (ca) {
      if (ca.key) {
        errs.push("issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)");
      }
      if (!ca.crt && !m.acceptedCAs) {
        errs.push(
          "trusted CA certificates are required on non-controlplane nodes (.machine.ca.crt, .machine.acceptedCAs)",
        );
      }
    }
    if (cl?.ca?.key) {
      errs.push("issuing Kubernetes API CA key is not allowed on non-controlplane nodes (.cluster.ca)");
    }
  } else {
    errs.push(`unknown machine type ${JSON.stringify(m.type ?? "")}`);
  }
  if (type && type !== "unknown" && type !== (m.type ?? "")) {
    warnings.push(`use ${JSON.stringify(type)} instead of ${JSON.stringify(m.type ?? "")} for machine type`);
  }

  const labels = labelErrors(m.nodeLabels);
  if (labels.length) errs.push(`invalid machine node labels: ${multierror(labels)}`);
  const taints = taintErrors(m.nodeTaints);
  if (taints.length) errs.push(`invalid machine node taints: ${multierror(taints)}`);

  const api = m.features?.kubernetesTalosAPIAccess;
  if (api?.enabled) {
    if (!isControlPlane) {
      errs.push("feature Kubernetes Talos API Access can only be enabled on control plane machines");
    }
    for (const r of api.allowedRoles ?? []) {
      if (!["os:admin", "os:operator", "os:reader", "os:etcd:backup", "os:impersonator"].includes(r)) {
        errs.push(`invalid role ${JSON.stringify(r)} in allowed roles for Kubernetes Talos API Access`);
      }
    }
  }

  if (c.persist === false) errs.push(".persist should be enabled");
  return errs;
}

function runtimeErrors(c: Json, opts: ValidateOptions): string[] {
  const errs: string[] = [];
  const talos = opts.talosVersion ?? "v1.13.9";
  const kubelet = c.machine?.kubelet?.image ?? "ghcr.io/siderolabs/kubelet:v1.35.0";
  const e = kubernetesImageError(kubelet, talos);
  if (e) errs.push(`kubelet image is not valid: ${e}`);
  if (c.machine?.type === "controlplane" || c.machine?.type === "init") {
    for (
      const [name, ref] of [
        ["kube-apiserver", c.cluster?.apiServer?.image],
        ["kube-controller-manager", c.cluster?.controllerManager?.image],
        ["kube-scheduler", c.cluster?.scheduler?.image],
      ]
    ) {
      if (!ref) continue; // Talos fills in its default image
      const err = kubernetesImageError(ref, talos);
      if (err) errs.push(`${name} image is not valid: ${err}`);
    }
  }
  return errs;
}

function isIp(s: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return s.split(".").every((o) => Number(o) <= 255);
  return s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s);
}

/** Balanced parentheses and closed string literals: the shape of a CEL expression, not its meaning. */
function celShapeError(expr: string): string | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) {
      return "ERROR: <input>:1:" + (i + 1) + ": Syntax error: unexpected ')'";
    }
  }
  if (quote) return "ERROR: <input>:1:" + expr.length + ": Syntax error: token recognition error";
  if (depth > 0) return "ERROR: <input>:1:" + expr.length + ": Syntax error: missing ')'";
}

function documentErrors(doc: ConfigDocument): string[] {
  const v = doc.value as Json;
  const errs: string[] = [];
  switch (doc.kind) {
    case "HostnameConfig": {
      const auto = v.auto;
      const hostname = v.hostname ?? "";
      if (auto === undefined && hostname === "") errs.push("either 'auto' or 'hostname' must be set");
      // an unset 'auto' is Go's zero value, AutoHostnameKindOff
      if ((auto ?? "off") !== "off" && hostname !== "") {
        errs.push("'auto' and 'hostname' cannot be set at the same time");
      }
      if (auto !== undefined && auto !== "off" && auto !== "stable") {
        errs.push(`invalid value for 'auto': ${auto}`);
      }
      if (hostname !== "") {
        if (hostname.length > 253) errs.push(`fqdn is too long: ${hostname.length}`);
        const short = String(hostname).split(".")[0];
        if (short.length === 0 || short.length > 63) errs.push(`invalid hostname ${JSON.stringify(short)}`);
      }
      break;
    }
    case "LinkAliasConfig": {
      if (!v.name) errs.push("name must be specified");
      const match = v.selector?.match;
      if (!match) errs.push("link selector is required");
      else {
        const e = celShapeError(String(match));
        if (e) errs.push(`link selector is invalid: ${e}`);
      }
      break;
    }
    case "LinkConfig":
      if (!v.name) errs.push("name must be specified");
      break;
    case "Layer2VIPConfig":
      if (!v.name) errs.push("name must be specified");
      else if (!isIp(String(v.name))) {
        errs.push(
          `name must be a valid IP address: ParseAddr(${JSON.stringify(String(v.name))}): unable to parse IP`,
        );
      }
      if (!v.link) errs.push("link must be specified");
      break;
  }
  return errs;
}

// ---- the whole check ------------------------------------------------------------------------------------

/** Checks a machine config as a Talos v1.13 node does before applying it. */
export function validateMachineConfig(text: string, opts: ValidateOptions): ValidationResult {
  try {
    return { ok: true, config: check(text, opts) };
  } catch (err) {
    if (err instanceof DecodeFailure) return { ok: false, message: err.message };
    throw err;
  }
}

function check(text: string, opts: ValidateOptions): ValidConfig {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new DecodeFailure("config not found"); // an empty stream
  const documents: ConfigDocument[] = [];
  const seen = new Set<string>();
  let v1alpha1: Json;
  for (const doc of docs) {
    const yamlErr = doc.errors[0];
    if (yamlErr) {
      const line = yamlErr.linePos?.[0]?.line ?? 0;
      const dup = /Map keys must be unique/.test(yamlErr.message);
      throw new DecodeFailure(
        `decode error: yaml: line ${line}: ${
          dup ? "mapping key already defined" : yamlErr.message.split("\n")[0]
        }`,
      );
    }
    const root = doc.contents as YamlNode | null;
    if (!root || (isScalar(root) && root.value === null)) continue;
    const decoder = new Decoder(lines);
    const line = decoder.line(root);
    if (!isMap(root)) throw new DecodeFailure(`expected a YAML document at line ${line}`);
    const apiVersionKey = topValue(root, "apiVersion");
    const kindKey = topValue(root, "kind");
    const name = topValue(root, "name");
    const id = `${apiVersionKey}/${kindKey || "v1alpha1"}/${name}`;
    if (seen.has(id)) throw new DecodeFailure(`duplicate document ${id} is not allowed (line ${line})`);
    seen.add(id);
    const fail = (msg: string) => new DecodeFailure(`error decoding document ${id} (line ${line}): ${msg}`);

    const legacy = ["machine", "cluster", "debug", "persist"].some((k) => hasKey(root, k));
    const version = legacy ? "v1alpha1" : apiVersionKey;
    let shape: ObjShape | undefined;
    if (version === "v1alpha1" && !kindKey) shape = V1ALPHA1;
    else if (!kindKey) throw fail("missing kind");
    else if (!version) throw fail("missing apiVersion");
    else if (version === "v1alpha1" && DOCUMENT_KINDS[kindKey]) shape = DOCUMENT_KINDS[kindKey];
    else if (!(version === "v1alpha1" && OPAQUE_KINDS.includes(kindKey))) {
      throw fail(`${JSON.stringify(kindKey)} ${JSON.stringify(version)}: not registered`);
    }
    const value = (root.toJSON() ?? {}) as Record<string, unknown>;
    if (shape) {
      decoder.walk(root, shape, []);
      if (decoder.typeErrors.length) {
        throw fail(
          `error decoding ${kindKey} to *${shape.def}: yaml: unmarshal errors:\n  ${
            decoder.typeErrors.join("\n  ")
          }`,
        );
      }
      if (Object.keys(decoder.unknown).length) {
        throw fail(`unknown keys found during decoding:\n${stringify(decoder.unknown, { indent: 4 })}`);
      }
      const patterns: string[] = [];
      // machine.type and the CNI name are plain strings in Go, checked by Validate with its own words
      shapeErrors(value, shape, "", patterns, new Set(["machine.type", "cluster.network.cni.name"]));
      if (shape === V1ALPHA1 && value.version !== undefined && value.version !== "v1alpha1") {
        throw fail(`invalid config version ${JSON.stringify(value.version)}`);
      }
      if (patterns.length) throw fail(patterns[0]);
    }
    if (shape === V1ALPHA1) {
      if (v1alpha1) throw new DecodeFailure("duplicate v1alpha1.Config");
      v1alpha1 = value;
    }
    documents.push({ apiVersion: version, kind: kindKey || "v1alpha1", name, value });
  }
  if (!documents.length) throw new DecodeFailure("config not found");

  const errors: string[] = [];
  const warnings: string[] = [];
  if (v1alpha1) {
    const v = v1alpha1Errors(v1alpha1, opts, warnings);
    if (v.length) errors.push(`v1alpha1.Config: ${multierror(v)}`);
  }
  for (const doc of documents) {
    const e = documentErrors(doc);
    if (e.length) errors.push(`${doc.kind}${doc.name ? `/${doc.name}` : ""}: ${e.join("\n")}`);
  }
  if (errors.length) throw new DecodeFailure(multierror(errors));
  if (v1alpha1) {
    const r = runtimeErrors(v1alpha1, opts);
    if (r.length) throw new DecodeFailure(multierror([`v1alpha1.Config: ${multierror(r)}`]));
  }
  return { documents, v1alpha1, warnings };
}
