/**
 * Talos machine configs: generated per node from narrow inputs, in the format `talosctl gen config`
 * writes for the Talos version, with strata's settings and the user's patches, checked as Talos
 * checks them.
 *
 * @example
 * ```ts
 * import { generateClusterConfigs } from "./mod.ts";
 * const configs = generateClusterConfigs(
 *   { name: "homelab", vip: "10.0.3.10", kubernetesVersion: "v1.33.4", secrets, installImage, nameservers: ["10.0.0.1"] },
 *   [{ name: "cp-1", role: "controlplane", ip: "10.0.1.11", prefix: 16, gateway: "10.0.0.1", mac: "BC:24:11:00:01:11", disk: { bus: "scsi" } }],
 * );
 * ```
 */
export * from "./types.ts";
export {
  checkKubernetesVersion,
  DEFAULT_TALOS_VERSION,
  SUPPORTED_TALOS_MINORS,
  talosContract,
} from "./contract.ts";
export type { TalosContract } from "./contract.ts";
export { certSans, DISK_BY_BUS, generateClusterConfigs, generateMachineConfig } from "./generate.ts";
export { baseDocuments } from "./base.ts";
export { LINK_ALIAS, macSelector } from "./network.ts";
export { applyPatches, patchesFor } from "./patches.ts";
export type { NamedPatch } from "./patches.ts";
export { PatchError, strategicMerge } from "./strategic.ts";
export { applyJsonPatch } from "./json6902.ts";
export { formatIssue, validateMachineConfig } from "./validate.ts";
export type { ConfigIssue } from "./validate.ts";
export { decodeDocuments, encodeDocuments } from "./yaml.ts";
export { schemaModel } from "./schema_model.ts";
