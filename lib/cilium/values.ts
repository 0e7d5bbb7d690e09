/**
 * The Cilium Helm chart values strata installs with, derived from the cluster config: the settings
 * Talos' "Deploying Cilium CNI" guide gives (IPAM, kube-proxy replacement through KubePrism on
 * localhost:7445, the agent's capabilities without SYS_MODULE, cgroup v2 and bpffs that Talos
 * already mounts) plus the routing mode and MTU from the config. Key names are the chart's own,
 * case included (`MTU`, not `mtu`), so the values can be handed to `helm template` unchanged to
 * compare.
 *
 * @example
 * ```ts
 * const values = ciliumValues({ version: "1.18.2", ipam: "kubernetes", routingMode: "tunnel", mtu: 1450, podCidr: "10.244.0.0/16", nodeCount: 3 });
 * values.MTU; // 1450
 * ```
 */

/** What the values depend on (narrow, so the renderer does not need the whole config). */
export interface CiliumInputs {
  /** Pinned Cilium version, e.g. "1.18.2" (no "v"). */
  version: string;
  ipam: "kubernetes" | "cluster-pool";
  routingMode?: "tunnel" | "native";
  mtu?: number;
  /** network.podCidr (cluster-pool IPAM and native routing use it). */
  podCidr: string;
  /** How many nodes: the operator runs min(2, nodes) replicas (they must land on different nodes). */
  nodeCount: number;
  /** KubePrism's port on every Talos node (7445). */
  kubePrismPort?: number;
}

/** The capabilities Talos documents for the agent: the chart's defaults without SYS_MODULE. */
export const CILIUM_AGENT_CAPABILITIES = [
  "CHOWN",
  "KILL",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "SYS_ADMIN",
  "SYS_RESOURCE",
  "DAC_OVERRIDE",
  "FOWNER",
  "SETGID",
  "SETUID",
];

/** The capabilities of the clean-cilium-state init container on Talos. */
export const CLEAN_CILIUM_STATE_CAPABILITIES = ["NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"];

/** The subset of the chart's values.yaml strata sets (everything else is the chart default). */
export interface CiliumValues {
  ipam: {
    mode: "kubernetes" | "cluster-pool";
    operator?: { clusterPoolIPv4PodCIDRList: string[]; clusterPoolIPv4MaskSize: number };
  };
  kubeProxyReplacement: "true";
  k8sServiceHost: string;
  k8sServicePort: number;
  routingMode: "tunnel" | "native";
  tunnelProtocol?: "vxlan";
  ipv4NativeRoutingCIDR?: string;
  autoDirectNodeRoutes?: boolean;
  MTU?: number;
  securityContext: { capabilities: { ciliumAgent: string[]; cleanCiliumState: string[] } };
  cgroup: { autoMount: { enabled: false }; hostRoot: string };
  bpf: { autoMount: { enabled: true }; root: string };
  operator: { replicas: number };
  hubble: { enabled: false };
  envoy: { enabled: false };
  image: { tag: string; useDigest: false };
}

export function ciliumValues(i: CiliumInputs): CiliumValues {
  const routingMode = i.routingMode ?? "tunnel";
  const v: CiliumValues = {
    ipam: { mode: i.ipam },
    kubeProxyReplacement: "true",
    k8sServiceHost: "localhost",
    k8sServicePort: i.kubePrismPort ?? 7445,
    routingMode,
    securityContext: {
      capabilities: {
        ciliumAgent: [...CILIUM_AGENT_CAPABILITIES],
        cleanCiliumState: [...CLEAN_CILIUM_STATE_CAPABILITIES],
      },
    },
    cgroup: { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" },
    bpf: { autoMount: { enabled: true }, root: "/sys/fs/bpf" },
    operator: { replicas: Math.max(1, Math.min(2, i.nodeCount)) },
    // Hubble's TLS certificates and the separate Envoy DaemonSet are left out: see docs/cilium.md
    hubble: { enabled: false },
    envoy: { enabled: false },
    image: { tag: `v${i.version}`, useDigest: false },
  };
  if (i.ipam === "cluster-pool") {
    v.ipam.operator = { clusterPoolIPv4PodCIDRList: [i.podCidr], clusterPoolIPv4MaskSize: 24 };
  }
  if (routingMode === "tunnel") v.tunnelProtocol = "vxlan";
  else {
    v.ipv4NativeRoutingCIDR = i.podCidr;
    v.autoDirectNodeRoutes = true;
  }
  if (i.mtu) v.MTU = i.mtu;
  return v;
}
