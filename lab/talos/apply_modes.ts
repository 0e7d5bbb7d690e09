/**
 * How a Talos node answers `ApplyConfiguration` modes (machined's `ApplyConfiguration` and
 * `Runtime.CanApplyImmediate`): in maintenance mode REBOOT becomes NO_REBOOT (the install sequence
 * reboots anyway); AUTO becomes NO_REBOOT when only sections Talos can change live differ, else
 * REBOOT with the reason appended; NO_REBOOT and TRY refuse a change that needs a reboot.
 *
 * @example
 * ```ts
 * const why = canApplyImmediate(currentV1, nextV1); // undefined, or "this config change can't be applied…"
 * resolveApplyMode(ApplyMode.AUTO, false, why); // { mode: REBOOT, modeName: "AUTO(REBOOT)", details, reason: why }
 * ```
 */
import { GrpcStatus } from "../../lib/talos/api/errors.ts";
import { ApplyMode, applyModeName } from "../../lib/talos/api/messages.ts";
import { grpcError } from "./machine_service.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The machine sections Talos v1.13 applies without a reboot (.debug and .cluster too). */
const LIVE_MACHINE_KEYS = [
  "ca",
  "acceptedCAs",
  "certSANs",
  "install",
  "sysfs",
  "sysctls",
  "logging",
  "controlPlane",
  "kubelet",
  "kernel",
  "pods",
  "seccompProfiles",
  "nodeAnnotations",
  "nodeLabels",
  "nodeTaints",
];
const LIVE_FEATURE_KEYS = [
  "kubernetesTalosAPIAccess",
  "kubePrism",
  "hostDNS",
  "imageCache",
  "nodeAddressSortAlgorithm",
];

/** JSON with sorted keys, one value per line (for comparing and diffing). */
export function canonicalJson(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === "object"
      ? Object.fromEntries(
        Object.keys(x).sort().filter((k) => (x as Json)[k] !== undefined).map((
          k,
        ) => [k, sort((x as Json)[k])]),
      )
      : x;
  return JSON.stringify(sort(v), null, 2);
}

function diffLines(a: string, b: string): string {
  const al = a.split("\n"), bl = b.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(al.length, bl.length) && out.length < 20; i++) {
    if (al[i] === bl[i]) continue;
    if (al[i] !== undefined) out.push(`-${al[i]}`);
    if (bl[i] !== undefined) out.push(`+${bl[i]}`);
  }
  return out.join("\n");
}

/** Runtime.CanApplyImmediate on two v1alpha1 documents: undefined, or why a reboot is needed. */
export function canApplyImmediate(current: Json, next: Json): string | undefined {
  const cur = structuredClone(current);
  const neu = structuredClone(next);
  neu.debug = cur.debug;
  neu.cluster = cur.cluster;
  if (neu.machine && cur.machine) {
    for (const k of LIVE_MACHINE_KEYS) neu.machine[k] = cur.machine[k];
    if (neu.machine.features && cur.machine.features) {
      for (const k of LIVE_FEATURE_KEYS) neu.machine.features[k] = cur.machine.features[k];
    }
  }
  const a = canonicalJson(cur), b = canonicalJson(neu);
  if (a === b) return undefined;
  return `this config change can't be applied in immediate mode\ndiff:\n${diffLines(a, b)}`;
}

/** The mode a node applies with, its log name and the answer's `mode_details`. */
export function resolveApplyMode(
  requested: number,
  maintenance: boolean,
  immediate: string | undefined,
): { mode: ApplyMode; modeName: string; details: string; reason?: string } {
  let mode = requested as ApplyMode;
  let modeName = applyModeName(requested);
  if (maintenance && mode === ApplyMode.REBOOT) mode = ApplyMode.NO_REBOOT;
  switch (mode) {
    case ApplyMode.TRY:
    case ApplyMode.NO_REBOOT:
      if (immediate) throw grpcError(GrpcStatus.INVALID_ARGUMENT, immediate);
      return { mode, modeName, details: "Applied configuration without a reboot" };
    case ApplyMode.STAGED:
      return { mode, modeName, details: "Staged configuration to be applied after the next reboot" };
    case ApplyMode.AUTO:
      mode = immediate ? ApplyMode.REBOOT : ApplyMode.NO_REBOOT;
      modeName = `${modeName}(${applyModeName(mode)})`;
      return immediate
        ? { mode, modeName, details: "Applied configuration with a reboot", reason: immediate }
        : { mode, modeName, details: "Applied configuration without a reboot" };
    case ApplyMode.REBOOT:
      return { mode, modeName, details: "Applied configuration with a reboot" };
    default:
      throw new Error(`incorrect mode '${modeName}' specified for the apply config call`);
  }
}
