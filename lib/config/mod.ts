/**
 * The cluster config: load and validate `cluster.yaml`, the typed config every layer reads, and the
 * JSON Schema of the file.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./lib/config/mod.ts";
 * const { config, warnings } = await loadConfig("cluster.yaml");
 * ```
 */
export { loadConfig, type LoadedConfig, type LoadOptions, parseConfig } from "./load.ts";
export { ConfigError, type ConfigIssue, issueLine } from "./issues.ts";
export type {
  CiliumConfig,
  ClusterConfig,
  DnsConfig,
  FluxConfig,
  KubernetesConfig,
  LabConfig,
  MonitorsConfig,
  NetworkConfig,
  NodeConfig,
  ProxmoxHostConfig,
  RawConfig,
  SshConfig,
  SsoConfig,
  SubnetConfig,
  TalosConfig,
} from "./schema.ts";
export { ConfigSchema } from "./schema.ts";
export { configJsonSchema } from "./json_schema.ts";
export { TALOS_MIN_DISK_GIB, TALOS_MIN_MEMORY_MIB } from "./rules.ts";
export {
  DEFAULT_CILIUM_VERSION,
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_TALOS_VERSION,
} from "./schema_platform.ts";
export { LAB_SYSTEMS } from "./schema_lab.ts";
