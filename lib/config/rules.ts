/**
 * Cross-field rules of the cluster config: the mistakes real users trip over that no per-field
 * schema can see (overlapping networks, duplicates, a VIP on a node's address, too little memory,
 * …). Errors stop the run (exit 2); warnings are shown and the run goes on.
 *
 * @example
 * ```ts
 * const { errors, warnings } = checkRules(config, raw);
 * ```
 */
import { type Finding, Findings } from "./findings.ts";
import { checkLab, checkLabFaults } from "./rules_lab.ts";
import { checkCiliumMtu, checkNetwork } from "./rules_network.ts";
import { checkNodes, checkTalos } from "./rules_nodes.ts";
import { checkDns, checkFlux, checkMonitors, checkSso } from "./rules_services.ts";
import type { ClusterConfig, RawConfig } from "./schema.ts";

export { TALOS_MIN_DISK_GIB, TALOS_MIN_MEMORY_MIB } from "./rules_nodes.ts";

export interface RuleOptions {
  /** The config runs against the lab: check that its addresses map onto loopback. */
  lab?: boolean;
}

type Section = keyof RawConfig;

/** Each group of rules with the top-level sections it reads. */
const GROUPS: {
  needs: Section[];
  run: (c: ClusterConfig, raw: RawConfig, f: Findings, o: RuleOptions) => void;
}[] = [
  { needs: ["cluster"], run: checkClusterName },
  { needs: ["network", "nodes"], run: (c, _r, f) => checkNetwork(c, f) },
  { needs: ["network", "cilium"], run: (c, _r, f) => checkCiliumMtu(c, f) },
  { needs: ["proxmox", "network", "nodes"], run: (c, _r, f) => checkNodes(c, f) },
  { needs: ["nodes", "talos"], run: (c, _r, f) => checkTalos(c, f) },
  { needs: ["flux"], run: (c, _r, f) => checkFlux(c, f) },
  { needs: ["dns"], run: checkDns },
  { needs: ["sso"], run: (c, _r, f) => checkSso(c, f) },
  { needs: ["monitors"], run: (c, _r, f) => checkMonitors(c, f) },
  { needs: ["proxmox", "network", "nodes", "lab"], run: (c, _r, f, o) => checkLab(c, f, o) },
  { needs: ["lab"], run: (c, _r, f) => checkLabFaults(c, f) },
  { needs: ["proxmox"], run: checkInsecure },
];

/**
 * Runs every rule; returns the errors and warnings, unlocated. With `sections` (when other
 * sections failed the schema), only the rules that read nothing but those sections run.
 */
export function checkRules(
  config: ClusterConfig,
  raw: RawConfig,
  options: RuleOptions & { sections?: ReadonlySet<string> } = {},
): { errors: Finding[]; warnings: Finding[] } {
  const found = new Findings();
  for (const group of GROUPS) {
    if (options.sections && !group.needs.every((s) => options.sections!.has(s))) continue;
    group.run(config, raw, found, options);
  }
  return { errors: found.errors, warnings: found.warnings };
}

function checkClusterName(config: ClusterConfig, _raw: RawConfig, found: Findings): void {
  if (config.cluster.name === "lab") {
    found.error(
      "cluster.name",
      `"lab" is reserved: the lab world lives in <state dir>/lab`,
      "choose another name, e.g. homelab",
    );
  }
}

function checkInsecure(config: ClusterConfig, _raw: RawConfig, found: Findings): void {
  config.proxmox.hosts.forEach((h, i) => {
    if (h.insecure) {
      found.warn(
        `proxmox.hosts[${i}].insecure`,
        `TLS verification of ${h.name}'s API is off: anyone on the path can read its API token`,
        "remove insecure: true; layer 00 fetches the host's CA over verified SSH",
      );
    }
  });
}
