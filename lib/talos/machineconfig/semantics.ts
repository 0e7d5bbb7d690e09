/**
 * The checks Talos makes beyond the schema when it loads a config (a subset of siderolabs/talos
 * `v1alpha1_validation.go` and the network documents' `Validate`), those a generated or patched
 * config can get wrong: machine type, CAs per role, endpoint, install disk, CNI, hostDNS, labels and
 * taints, cert SANs, subnets, one v1alpha1 document and unique documents, hostname rules, addresses
 * and routes, link references, and the VIP only on control planes.
 *
 * @example
 * ```ts
 * checkSemantics(documents); // [] when Talos would accept it
 * ```
 */
import type { ConfigIssue } from "./structure.ts";
import { documentLabel, isV1Alpha1 } from "./structure.ts";
import { documentId } from "./strategic.ts";

type Doc = Record<string, unknown>;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+(%[0-9A-Za-z]+)?$/;
const DNS_NAME = /^([a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})(\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?$/;
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function isIp(s: string): boolean {
  return IPV4.test(s) || (s.includes(":") && IPV6.test(s));
}

export function isCidr(s: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  if (!m || !isIp(m[1])) return false;
  return Number(m[2]) <= (m[1].includes(":") ? 128 : 32);
}

function get(doc: unknown, path: string): unknown {
  let node = doc;
  for (const k of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Doc)[k];
  }
  return node;
}

/** Kubernetes label key: optional DNS subdomain prefix, a name of at most 63 characters. */
function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : ["", key];
  if (slash >= 0 && (!prefix || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `prefix "${prefix}" must be a DNS subdomain`;
  }
  if (!LABEL_NAME.test(name)) {
    return `name "${name}" must be 1-63 letters, digits, '-', '_' or '.', alphanumeric at both ends`;
  }
  return undefined;
}

/** Semantic issues of a whole config (all its documents). */
export function checkSemantics(docs: readonly Doc[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const v1 = docs.filter(isV1Alpha1);
  if (v1.length !== 1) {
    issues.push({
      document: "v1alpha1",
      path: "",
      message: `a config needs exactly one v1alpha1 document, found ${v1.length}`,
    });
    return issues;
  }
  const seen = new Set<string>();
  for (const d of docs) {
    const id = documentId(d);
    if (seen.has(id)) issues.push({ document: documentLabel(d), path: "", message: "duplicate document" });
    seen.add(id);
  }
  const doc = v1[0];
  const add = (path: string, message: string) => issues.push({ document: "v1alpha1", path, message });
  const type = get(doc, "machine.type");
  const controlPlane = type === "controlplane" || type === "init";
  if (!get(doc, "machine")) add("machine", "machine instructions are required");
  if (!get(doc, "cluster")) add("cluster", "cluster instructions are required");
  if (type !== "controlplane" && type !== "worker" && type !== "init") {
    add("machine.type", `unknown machine type ${JSON.stringify(type)}`);
  }

  const endpoint = get(doc, "cluster.controlPlane.endpoint");
  if (typeof endpoint !== "string") add("cluster.controlPlane.endpoint", "is required");
  else {
    try {
      const u = new URL(endpoint);
      if (u.protocol !== "https:" || !u.hostname) throw new Error();
    } catch {
      add("cluster.controlPlane.endpoint", `invalid controlplane endpoint ${JSON.stringify(endpoint)}`);
    }
  }
  const disk = get(doc, "machine.install.disk"), selector = get(doc, "machine.install.diskSelector");
  if (!disk && !selector) add("machine.install", "either install disk or diskSelector should be defined");
  const kernelArgs = get(doc, "machine.install.extraKernelArgs");
  if (
    Array.isArray(kernelArgs) && kernelArgs.length && get(doc, "machine.install.grubUseUKICmdline") === true
  ) {
    add("machine.install", "install.extraKernelArgs and install.grubUseUKICmdline can't be used together");
  }
  if (
    get(doc, "machine.features.hostDNS.forwardKubeDNSToHost") === true &&
    get(doc, "machine.features.hostDNS.enabled") !== true
  ) {
    add(
      "machine.features.hostDNS",
      "feature hostDNS.forwardKubeDNSToHost requires hostDNS.enabled to be true",
    );
  }
  if (!get(doc, "machine.ca.crt") && !(get(doc, "machine.acceptedCAs") as unknown[] | undefined)?.length) {
    add("machine.ca", "issuing CA or some accepted CAs are required (.machine.ca, machine.acceptedCAs)");
  }
  if (controlPlane) {
    if (!get(doc, "machine.ca.key")) {
      add("machine.ca.key", "issuing CA key is required for controlplane nodes");
    }
    const cni = get(doc, "cluster.network.cni.name");
    if (cni !== undefined && !["flannel", "custom", "none"].includes(cni as string)) {
      add("cluster.network.cni.name", 'cni name should be one of "flannel", "custom", "none"');
    }
    const urls = get(doc, "cluster.network.cni.urls");
    if ((cni === "flannel" || cni === "none") && Array.isArray(urls) && urls.length) {
      add("cluster.network.cni.urls", `"urls" field should be empty for "${cni}" CNI`);
    }
  } else {
    if (get(doc, "machine.ca.key")) {
      add(
        "machine.ca.key",
        "issuing Talos API CA key is not allowed on non-controlplane nodes (.machine.ca)",
      );
    }
    if (get(doc, "cluster.ca.key")) {
      add("cluster.ca.key", "cluster CA key is not allowed on non-controlplane nodes (.cluster.ca)");
    }
    if (get(doc, "cluster.etcd") !== undefined) {
      add("cluster.etcd", "etcd config is only allowed on control plane machines");
    }
  }
  const domain = get(doc, "cluster.network.dnsDomain");
  if (typeof domain === "string" && domain && !DNS_NAME.test(domain)) {
    add("cluster.network.dnsDomain", `"${domain}" is not a valid DNS name`);
  }
  for (const key of ["podSubnets", "serviceSubnets"]) {
    const list = get(doc, `cluster.network.${key}`);
    if (Array.isArray(list)) {
      list.forEach((c, i) => {
        if (typeof c === "string" && !isCidr(c)) {
          add(`cluster.network.${key}[${i}]`, `"${c}" is not a network (CIDR)`);
        }
      });
    }
  }
  for (const path of ["machine.certSANs", "cluster.apiServer.certSANs"]) {
    const list = get(doc, path);
    if (Array.isArray(list)) {
      list.forEach((s, i) => {
        if (typeof s === "string" && !isIp(s) && !DNS_NAME.test(s)) {
          add(`${path}[${i}]`, `"${s}" is neither an IP address nor a DNS name`);
        }
      });
    }
  }
  const labels = get(doc, "machine.nodeLabels");
  if (labels && typeof labels === "object") {
    for (const [k, v] of Object.entries(labels)) {
      const e = labelKeyError(k);
      if (e) add(`machine.nodeLabels.${k}`, `invalid label key: ${e}`);
      if (typeof v === "string" && (v.length > 63 || !LABEL_VALUE.test(v))) {
        add(`machine.nodeLabels.${k}`, `invalid label value "${v}"`);
      }
    }
  }
  const taints = get(doc, "machine.nodeTaints");
  if (taints && typeof taints === "object") {
    for (const [k, v] of Object.entries(taints)) {
      const e = labelKeyError(k);
      if (e) add(`machine.nodeTaints.${k}`, `invalid taint key: ${e}`);
      if (typeof v !== "string") continue;
      const [value, effect] = v.includes(":")
        ? [v.slice(0, v.indexOf(":")), v.slice(v.indexOf(":") + 1)]
        : ["", v];
      if (!EFFECTS.includes(effect)) {
        add(`machine.nodeTaints.${k}`, `taint effect "${effect}" is not one of ${EFFECTS.join(", ")}`);
      }
      if (value && (value.length > 63 || !LABEL_VALUE.test(value))) {
        add(`machine.nodeTaints.${k}`, `invalid taint value "${value}"`);
      }
    }
  }
  issues.push(...checkNetworkDocuments(docs, controlPlane));
  return issues;
}

function checkNetworkDocuments(docs: readonly Doc[], controlPlane: boolean): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const links = new Set<string>();
  for (const d of docs) {
    if (
      ["LinkAliasConfig", "LinkConfig", "VLANConfig", "BondConfig", "BridgeConfig", "DummyLinkConfig"]
        .includes(d.kind as string)
    ) {
      links.add(String(d.name));
    }
  }
  for (const d of docs) {
    const add = (path: string, message: string) => issues.push({ document: documentLabel(d), path, message });
    switch (d.kind) {
      case "HostnameConfig": {
        const auto = d.auto, hostname = d.hostname;
        if (auto === undefined && !hostname) add("", "either 'auto' or 'hostname' must be set");
        if (auto !== undefined && auto !== "off" && hostname) {
          add("", "'auto' and 'hostname' cannot be set at the same time");
        }
        if (typeof hostname === "string" && hostname) {
          const first = hostname.split(".")[0];
          if (hostname.length > 253) add("hostname", `fqdn is too long: ${hostname.length}`);
          if (!first || first.length > 63) add("hostname", `invalid hostname "${first}"`);
        }
        break;
      }
      case "LinkAliasConfig":
        if (!get(d, "selector.match")) add("selector.match", "a link selector expression is required");
        break;
      case "LinkConfig":
      case "VLANConfig": {
        for (const [i, a] of ((d.addresses as Doc[] | undefined) ?? []).entries()) {
          if (typeof a?.address === "string" && !isCidr(a.address)) {
            add(`addresses[${i}].address`, `"${a.address}" is not an address with a prefix length`);
          }
        }
        for (const [i, r] of ((d.routes as Doc[] | undefined) ?? []).entries()) {
          if (typeof r?.gateway === "string" && !isIp(r.gateway)) {
            add(`routes[${i}].gateway`, `"${r.gateway}" is not an IP address`);
          }
          if (typeof r?.destination === "string" && !isCidr(r.destination)) {
            add(`routes[${i}].destination`, `"${r.destination}" is not a network`);
          }
        }
        if (d.kind === "VLANConfig") {
          const id = d.vlanID;
          if (typeof id === "number" && (id < 1 || id > 4094)) {
            add("vlanID", "VLAN ID must be between 1 and 4094");
          }
        }
        break;
      }
      case "Layer2VIPConfig":
        if (!controlPlane) add("", "virtual (shared) IP is not allowed on non-controlplane nodes");
        if (typeof d.name === "string" && !isIp(d.name)) add("name", `"${d.name}" is not an IP address`);
        if (typeof d.link === "string" && !links.has(d.link)) {
          add("link", `no link named "${d.link}" is configured`);
        }
        break;
      case "ResolverConfig":
        for (const [i, n] of ((d.nameservers as Doc[] | undefined) ?? []).entries()) {
          if (typeof n?.address === "string" && !isIp(n.address)) {
            add(`nameservers[${i}].address`, `"${n.address}" is not an IP address`);
          }
        }
        break;
    }
  }
  return issues;
}
