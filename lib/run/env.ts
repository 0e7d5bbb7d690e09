/**
 * What a command run hands to layers and preflight checks: the config, the clock, where state
 * lives, the lab (when `--lab`), and the flags. Layers build their steps from it.
 */
import type { Clock } from "../clock/clock.ts";
import type { ClusterConfig } from "../config/schema.ts";
import type { ConfigIssue } from "../config/load.ts";
import type { LayerId, Step } from "../engine/types.ts";
import type { StateStore } from "../state/store.ts";
import type { LabRuntime } from "../../lab/mod.ts";

export interface RunFlags {
  yes: boolean;
  json: boolean;
  allowDirty: boolean;
  skipChecks: string[];
  trustNewHostKey: boolean;
  rotateProxmoxTokens: boolean;
  /** destroy: also delete leftover Proxmox CSI volumes of this cluster. */
  purgeVolumes: boolean;
}

export interface RunEnv {
  config: ClusterConfig;
  configFile: string;
  configWarnings: ConfigIssue[];
  /** `<stateDir>` (default `.strata`); the cluster's state is under `<stateDir>/<cluster>/`. */
  stateDir: string;
  clusterDir: string;
  state: StateStore;
  clock: Clock;
  flags: RunFlags;
  env: Record<string, string | undefined>;
  /** The emulated world, with `--lab`. */
  lab?: LabRuntime;
  /** The address to dial for a configured IP: itself, or its loopback twin in the lab. */
  dial(ip: string): string;
}

/** A secret a layer needs from the environment. */
export interface RequiredEnv {
  name: string;
  why: string;
}

/** What a layer contributes to `render`. */
export interface RenderedArtifacts {
  /** Path under the output folder (e.g. `proxmox/vms.json`) → content. Public material only. */
  files: Record<string, string>;
  /** Files that embed keys (machine configs, talosconfig): written 0600 and named as private. */
  privateFiles?: Record<string, string>;
  /** Said to the user, e.g. why an artifact is missing ("layer 00 has not run yet"). */
  notes?: string[];
}

/** One layer: its steps, built from the run environment. */
export interface LayerDefinition {
  id: LayerId;
  name: "persistent-auth" | "infrastructure" | "services" | "configuration";
  title: string;
  /** Environment variables the layer's steps read (checked by preflight). */
  requiredEnv?(env: RunEnv): RequiredEnv[];
  steps(env: RunEnv): Step[];
  /**
   * The layer's generated artifacts for `render`, computed without touching anything (no
   * network, no state writes). Secrets only in `privateFiles`, which are written 0600.
   */
  render?(env: RunEnv): Promise<RenderedArtifacts> | RenderedArtifacts;
}
