/**
 * Our compact model of the Talos v1.13 machine config, for the lab's Talos emulator: which keys
 * each document may have and of what type, written by hand after the public config reference.
 * `validate_test.ts` walks it against the official JSON schema
 * (`shared/specs/talos/config.schema.v1.13.9.json`): every object lists exactly the schema's
 * properties, every type and enum agrees.
 *
 * Document kinds other than the ones strata writes are known by name only (`OPAQUE_KINDS`): the
 * emulator accepts them without looking inside (their keys are not checked).
 *
 * @example
 * ```ts
 * const install = (V1ALPHA1.props.machine as ObjShape).props.install; // obj v1alpha1.InstallConfig
 * ```
 */

export type Shape =
  | { t: "string"; pattern?: string }
  | { t: "int" }
  | { t: "bool" }
  | { t: "enum"; values: readonly string[] }
  | { t: "list"; of: Shape }
  | { t: "map"; of: Shape }
  /** Go `Args`: a map of strings or string lists. */
  | { t: "args" }
  /** Free-form YAML (Go `Unstructured`): any mapping. */
  | { t: "anyObject" }
  | ObjShape;

/** A mapping with known keys, named after its `$defs` entry in the schema (= the Go type). */
export interface ObjShape {
  t: "obj";
  def: string;
  props: Record<string, Shape>;
  required?: readonly string[];
}

const str: Shape = { t: "string" };
const int: Shape = { t: "int" };
const bool: Shape = { t: "bool" };
const args: Shape = { t: "args" };
const anyObject: Shape = { t: "anyObject" };
const pattern = (p: string): Shape => ({ t: "string", pattern: p });
const enumOf = (...values: string[]): Shape => ({ t: "enum", values });
const list = (of: Shape): Shape => ({ t: "list", of });
const map = (of: Shape): Shape => ({ t: "map", of });
const obj = (def: string, props: Record<string, Shape>, required?: string[]): ObjShape => ({
  t: "obj",
  def,
  props,
  ...(required ? { required } : {}),
});

/** Inline objects of the schema (no `$defs` entry) get a name of our own, prefixed with `inline:`. */
const certAndKey = (where: string) => obj(`inline:${where}`, { crt: str, key: str });
const certOnly = (where: string) => obj(`inline:${where}`, { crt: str });

const volumeMount = obj("v1alpha1.VolumeMountConfig", { hostPath: str, mountPath: str, readonly: bool });
const idMapping = obj("v1alpha1.LinuxIDMapping", { containerID: int, hostID: int, size: int });

const machine = obj("v1alpha1.MachineConfig", {
  type: enumOf("controlplane", "worker"),
  token: str,
  ca: certAndKey("machine.ca"),
  acceptedCAs: certOnly("machine.acceptedCAs"),
  certSANs: list(str),
  controlPlane: obj("v1alpha1.MachineControlPlaneConfig", {
    controllerManager: obj("v1alpha1.MachineControllerManagerConfig", { disabled: bool }),
    scheduler: obj("v1alpha1.MachineSchedulerConfig", { disabled: bool }),
  }),
  kubelet: obj("v1alpha1.KubeletConfig", {
    image: str,
    clusterDNS: list(str),
    extraArgs: args,
    extraMounts: list(obj("v1alpha1.ExtraMount", {
      destination: str,
      type: str,
      source: str,
      options: list(str),
      uidMappings: list(idMapping),
      gidMappings: list(idMapping),
    })),
    extraConfig: anyObject,
    credentialProviderConfig: anyObject,
    defaultRuntimeSeccompProfileEnabled: bool,
    registerWithFQDN: bool,
    nodeIP: obj("v1alpha1.KubeletNodeIPConfig", { validSubnets: list(str) }),
    skipNodeRegistration: bool,
    disableManifestsDirectory: bool,
  }),
  pods: list(anyObject),
  install: obj("v1alpha1.InstallConfig", {
    disk: str,
    diskSelector: obj("v1alpha1.InstallDiskSelector", {
      size: str,
      name: str,
      model: str,
      serial: str,
      modalias: str,
      uuid: str,
      wwid: str,
      type: enumOf("ssd", "hdd", "nvme", "sd"),
      busPath: str,
    }),
    image: str,
    wipe: bool,
    legacyBIOSSupport: bool,
    grubUseUKICmdline: bool,
  }),
  files: list(obj("v1alpha1.MachineFile", {
    content: str,
    permissions: int,
    path: str,
    op: enumOf("create", "append", "overwrite"),
  })),
  sysctls: map(str),
  sysfs: map(str),
  features: obj("v1alpha1.FeaturesConfig", {
    kubernetesTalosAPIAccess: obj("v1alpha1.KubernetesTalosAPIAccessConfig", {
      enabled: bool,
      allowedRoles: list(str),
      allowedKubernetesNamespaces: list(str),
    }),
    diskQuotaSupport: bool,
    kubePrism: obj("v1alpha1.KubePrism", { enabled: bool, port: int }),
    hostDNS: obj("v1alpha1.HostDNSConfig", {
      enabled: bool,
      forwardKubeDNSToHost: bool,
      resolveMemberNames: bool,
    }),
    imageCache: obj("v1alpha1.ImageCacheConfig", { localEnabled: bool }),
    nodeAddressSortAlgorithm: str,
  }),
  udev: obj("v1alpha1.UdevConfig", { rules: list(str) }),
  logging: obj("v1alpha1.LoggingConfig", {
    destinations: list(obj("v1alpha1.LoggingDestination", {
      // a URL string in YAML; the schema describes it as an empty object, so we do not look inside
      endpoint: anyObject,
      format: enumOf("json_lines"),
      extraTags: map(str),
    })),
  }),
  kernel: obj("v1alpha1.KernelConfig", {
    modules: list(obj("v1alpha1.KernelModuleConfig", { name: str, parameters: list(str) })),
  }),
  seccompProfiles: list(obj("v1alpha1.MachineSeccompProfile", { name: str, value: anyObject })),
  baseRuntimeSpecOverrides: anyObject,
  nodeLabels: map(str),
  nodeAnnotations: map(str),
  nodeTaints: map(str),
});

const cluster = obj("v1alpha1.ClusterConfig", {
  id: str,
  secret: str,
  controlPlane: obj("v1alpha1.ControlPlaneConfig", {
    endpoint: pattern("^https://"),
    localAPIServerPort: int,
  }),
  clusterName: str,
  network: obj("v1alpha1.ClusterNetworkConfig", {
    cni: obj("v1alpha1.CNIConfig", {
      name: enumOf("flannel", "custom", "none"),
      urls: list(str),
      flannel: obj("v1alpha1.FlannelCNIConfig", { extraArgs: list(str), kubeNetworkPoliciesEnabled: bool }),
    }),
    dnsDomain: str,
    podSubnets: list(str),
    serviceSubnets: list(str),
  }),
  token: str,
  aescbcEncryptionSecret: str,
  secretboxEncryptionSecret: str,
  ca: certAndKey("cluster.ca"),
  acceptedCAs: certOnly("cluster.acceptedCAs"),
  aggregatorCA: certAndKey("cluster.aggregatorCA"),
  serviceAccount: obj("inline:cluster.serviceAccount", { key: str }),
  apiServer: obj("v1alpha1.APIServerConfig", {
    image: str,
    extraArgs: args,
    extraVolumes: list(volumeMount),
    env: map(str),
    certSANs: list(str),
    admissionControl: list(obj("v1alpha1.AdmissionPluginConfig", { name: str, configuration: anyObject })),
    auditPolicy: anyObject,
    resources: anyObject,
    authorizationConfig: list(obj("v1alpha1.AuthorizationConfigAuthorizerConfig", {
      type: str,
      name: str,
      webhook: anyObject,
    })),
  }),
  controllerManager: obj("v1alpha1.ControllerManagerConfig", {
    image: str,
    extraArgs: args,
    extraVolumes: list(volumeMount),
    env: map(str),
    resources: anyObject,
  }),
  proxy: obj("v1alpha1.ProxyConfig", { disabled: bool, image: str, mode: str, extraArgs: args }),
  scheduler: obj("v1alpha1.SchedulerConfig", {
    image: str,
    extraArgs: args,
    extraVolumes: list(volumeMount),
    env: map(str),
    resources: anyObject,
    config: anyObject,
  }),
  discovery: obj("v1alpha1.ClusterDiscoveryConfig", {
    enabled: bool,
    registries: obj("v1alpha1.DiscoveryRegistriesConfig", {
      kubernetes: obj("v1alpha1.RegistryKubernetesConfig", { disabled: bool }),
      service: obj("v1alpha1.RegistryServiceConfig", { disabled: bool, endpoint: str }),
    }),
  }),
  etcd: obj("v1alpha1.EtcdConfig", {
    image: str,
    ca: certAndKey("cluster.etcd.ca"),
    extraArgs: args,
    advertisedSubnets: list(str),
    listenSubnets: list(str),
  }),
  coreDNS: obj("v1alpha1.CoreDNS", { disabled: bool, image: str }),
  externalCloudProvider: obj("v1alpha1.ExternalCloudProviderConfig", { enabled: bool, manifests: list(str) }),
  extraManifests: list(str),
  extraManifestHeaders: map(str),
  inlineManifests: list(obj("v1alpha1.ClusterInlineManifest", { name: str, contents: str })),
  adminKubeconfig: obj("v1alpha1.AdminKubeconfigConfig", {
    certLifetime: pattern("^[-+]?(((\\d+(\\.\\d*)?|\\d*(\\.\\d+)+)([nuµm]?s|m|h))|0)+$"),
  }),
  allowSchedulingOnControlPlanes: bool,
});

/**
 * The classic `version: v1alpha1` document. `persist` is not in the schema (it is deprecated) but
 * `talosctl gen config` still writes `persist: true` and Talos decodes it; see {@link DECODER_ONLY}.
 */
export const V1ALPHA1: ObjShape = obj("v1alpha1.Config", {
  version: enumOf("v1alpha1"),
  debug: bool,
  machine,
  cluster,
});

/** Keys Talos' decoder accepts that the schema leaves out, by object def. */
export const DECODER_ONLY: Record<string, Record<string, Shape>> = {
  "v1alpha1.Config": { persist: bool },
};

const apiVersion = enumOf("v1alpha1");
const ip = pattern("^[0-9a-f.:]+$");
const prefix = pattern("^[0-9a-f.:]+/\\d{1,3}$");

/** The multi-doc kinds strata writes, modeled key by key. */
export const DOCUMENT_KINDS: Record<string, ObjShape> = {
  HostnameConfig: obj("network.HostnameConfigV1Alpha1", {
    apiVersion,
    kind: enumOf("HostnameConfig"),
    auto: enumOf("stable", "off"),
    hostname: str,
  }, ["apiVersion", "kind"]),
  LinkAliasConfig: obj("network.LinkAliasConfigV1Alpha1", {
    apiVersion,
    kind: enumOf("LinkAliasConfig"),
    name: str,
    selector: obj("network.LinkSelector", { match: str }),
  }, ["apiVersion", "kind", "name"]),
  LinkConfig: obj("network.LinkConfigV1Alpha1", {
    apiVersion,
    kind: enumOf("LinkConfig"),
    name: str,
    up: bool,
    mtu: int,
    addresses: list(obj("network.AddressConfig", { address: prefix, routePriority: int }, ["address"])),
    routes: list(obj("network.RouteConfig", {
      destination: prefix,
      gateway: ip,
      source: ip,
      metric: int,
      mtu: int,
      table: str,
    })),
    multicast: bool,
  }, ["apiVersion", "kind", "name"]),
  Layer2VIPConfig: obj("network.Layer2VIPConfigV1Alpha1", {
    apiVersion,
    kind: enumOf("Layer2VIPConfig"),
    name: str,
    link: str,
  }, ["apiVersion", "kind", "name"]),
  ResolverConfig: obj("network.ResolverConfigV1Alpha1", {
    apiVersion,
    kind: enumOf("ResolverConfig"),
    nameservers: list(obj("network.NameserverConfig", { address: ip })),
    searchDomains: obj("network.SearchDomainsConfig", { domains: list(str), disableDefault: bool }),
  }, ["apiVersion", "kind"]),
};

/** Every other document kind Talos v1.13 registers (all `apiVersion: v1alpha1`). */
export const OPAQUE_KINDS: readonly string[] = [
  "ExistingVolumeConfig",
  "ExternalVolumeConfig",
  "RawVolumeConfig",
  "SwapVolumeConfig",
  "UserVolumeConfig",
  "VolumeConfig",
  "ZswapConfig",
  "RegistryAuthConfig",
  "RegistryMirrorConfig",
  "RegistryTLSConfig",
  "ExtensionServiceConfig",
  "PCIDriverRebindConfig",
  "BlackholeRouteConfig",
  "BondConfig",
  "BridgeConfig",
  "NetworkDefaultActionConfig",
  "DHCPv4Config",
  "DHCPv6Config",
  "DummyLinkConfig",
  "EthernetConfig",
  "HCloudVIPConfig",
  "KubeSpanConfig",
  "KubeSpanEndpoints",
  "RoutingRuleConfig",
  "NetworkRuleConfig",
  "StaticHostConfig",
  "TCPProbeConfig",
  "TimeSyncConfig",
  "VLANConfig",
  "VRFConfig",
  "WireguardConfig",
  "EnvironmentConfig",
  "EventSinkConfig",
  "KmsgLogConfig",
  "OOMConfig",
  "WatchdogTimerConfig",
  "TrustedRootsConfig",
  "SideroLinkConfig",
];
