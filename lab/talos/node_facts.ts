/**
 * What the emulator needs to know from a node's applied config: its role, hostname, VIP, cluster,
 * and the v1alpha1 document itself. Read once per config text (a persisted config passed the
 * node's checks when it was applied).
 *
 * @example
 * ```ts
 * const facts = configFacts(node.config, "v1.13.9");
 * facts.role; // "controlplane"
 * ```
 */
import { clusterKeyOf } from "./state.ts";
import { validateMachineConfig, type ValidConfig } from "./validate.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

export interface ConfigFacts {
  parsed: ValidConfig;
  /** machine.ParseType: init and controlplane run etcd; "", join and worker are workers. */
  role: "controlplane" | "worker";
  /** HostnameConfig.hostname, when set. */
  hostname?: string;
  /** The Layer2VIPConfig address, else the control plane endpoint's host when it is an IP. */
  vip?: string;
  clusterKey: string;
  /** The v1alpha1 document. */
  v1: Json;
}

export function isIpv4(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s);
}

/** "v1.13.9" from an image reference like `factory.talos.dev/installer/…:v1.13.9`. */
export function tagOfImage(image: string | undefined): string | undefined {
  return /:(v\d+\.\d+\.\d+[^@]*)(@.*)?$/.exec(image ?? "")?.[1];
}

/** Reads the facts of a config that passed validation. */
export function configFacts(config: string, talosVersion: string): ConfigFacts {
  const r = validateMachineConfig(config, { requiresInstall: false, talosVersion });
  if (!r.ok) throw new Error(`persisted config no longer parses: ${r.message}`);
  const v1 = r.config.v1alpha1 ?? {};
  const doc = (kind: string) => r.config.documents.find((d) => d.kind === kind)?.value as Json;
  let endpointHost: string | undefined;
  try {
    endpointHost = new URL(v1.cluster?.controlPlane?.endpoint).hostname;
  } catch { /* no endpoint: no VIP from it */ }
  return {
    parsed: r.config,
    v1,
    role: v1.machine?.type === "controlplane" || v1.machine?.type === "init" ? "controlplane" : "worker",
    hostname: doc("HostnameConfig")?.hostname,
    vip: doc("Layer2VIPConfig")?.name ?? (endpointHost && isIpv4(endpointHost) ? endpointHost : undefined),
    clusterKey: clusterKeyOf(v1),
  };
}
