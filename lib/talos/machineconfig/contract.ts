/**
 * Talos version contracts strata generates machine configs for. A contract fixes which fields and
 * documents `talosctl gen config` writes for that Talos minor version; strata follows the same
 * contract (siderolabs/talos `pkg/machinery/config/contract.go`).
 *
 * @example
 * ```ts
 * const c = talosContract("v1.13.9"); // { minor: "v1.13", … }
 * checkKubernetesVersion(c, "v1.33.4"); // ok; "v1.30.0" throws a UsageError naming kubernetes.version
 * ```
 */
import { UsageError } from "../../errors.ts";

export const DEFAULT_TALOS_VERSION = "v1.13.9";

export interface TalosContract {
  /** `v1.13`. */
  minor: string;
  /** The full version asked for, `v1.13.9`. */
  version: string;
  /** Kubernetes versions Talos supports with this minor (inclusive). */
  kubernetes: { min: [number, number, number]; max: [number, number, number] };
}

/**
 * Contracts strata implements. Kubernetes ranges are Talos' own
 * (`pkg/machinery/compatibility/talos113`: 1.31.0 to 1.36.99).
 */
const CONTRACTS: Record<string, Omit<TalosContract, "version">> = {
  "v1.13": { minor: "v1.13", kubernetes: { min: [1, 31, 0], max: [1, 36, 99] } },
};

/** Minor versions strata can generate configs for. */
export const SUPPORTED_TALOS_MINORS: readonly string[] = Object.keys(CONTRACTS);

function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** The contract for a Talos version; a {@link UsageError} naming `talos.version` when unsupported. */
export function talosContract(version: string = DEFAULT_TALOS_VERSION): TalosContract {
  const v = parseVersion(version);
  if (!v) throw new UsageError(`talos.version: "${version}" is not a Talos version like v1.13.9`);
  const minor = `v${v[0]}.${v[1]}`;
  const contract = CONTRACTS[minor];
  if (!contract) {
    throw new UsageError(
      `talos.version: strata generates machine configs for Talos ${SUPPORTED_TALOS_MINORS.join(", ")}; ` +
        `${version} is not supported`,
      `set talos.version to ${DEFAULT_TALOS_VERSION}`,
    );
  }
  return { ...contract, version: version.startsWith("v") ? version : `v${version}` };
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Throws a {@link UsageError} naming `kubernetes.version` when Talos does not support it. */
export function checkKubernetesVersion(contract: TalosContract, kubernetesVersion: string): void {
  const v = parseVersion(kubernetesVersion);
  if (!v) throw new UsageError(`kubernetes.version: "${kubernetesVersion}" is not a version like v1.33.4`);
  const { min, max } = contract.kubernetes;
  if (cmp(v, min) < 0 || cmp(v, max) > 0) {
    throw new UsageError(
      `kubernetes.version: Talos ${contract.minor} supports Kubernetes ${min.join(".")} to ` +
        `${max[0]}.${max[1]}.x; ${kubernetesVersion} is outside that range`,
      "pick a Kubernetes version Talos supports, or another talos.version",
    );
  }
}
