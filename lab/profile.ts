/**
 * Latency profiles: how long the emulated systems take. Durations are virtual milliseconds,
 * waited through the lab's clock, so `realistic` with a time scale runs in seconds of real time.
 *
 * The `realistic` figures are what users report for real hardware.
 */
export type Delay = { min: number; max: number };

export interface LatencyProfile {
  name: "fast" | "realistic";
  /** Default clock scale (virtual ms per real ms) for this profile. */
  defaultScale: number;
  /** A plain API call (Proxmox REST, Talos gRPC, Kubernetes). */
  apiCall: Delay;
  /** Proxmox: create one VM (qmcreate task). */
  vmCreate: Delay;
  /** Proxmox: start / stop a VM task. */
  vmPower: Delay;
  /** Proxmox: download-url of the Talos image. */
  imageDownload: Delay;
  /** VM start until Talos answers in maintenance mode. */
  vmBoot: Delay;
  /** Talos: apply config until installed and rebooted into configured mode. */
  talosInstall: Delay;
  /** etcd bootstrap until the Kubernetes API answers. */
  etcdBootstrap: Delay;
  /** Cilium applied until its pods run. */
  cilium: Delay;
  /** A generic workload rollout (Deployment/DaemonSet pod ready). */
  rollout: Delay;
  /** Flux installed until its Kustomizations are ready. */
  flux: Delay;
}

const s = 1000;
const m = 60 * s;

export const PROFILES: Record<LatencyProfile["name"], LatencyProfile> = {
  fast: {
    name: "fast",
    defaultScale: 1,
    apiCall: { min: 0, max: 1 },
    vmCreate: { min: 5, max: 10 },
    vmPower: { min: 2, max: 5 },
    imageDownload: { min: 5, max: 10 },
    vmBoot: { min: 5, max: 10 },
    talosInstall: { min: 10, max: 20 },
    etcdBootstrap: { min: 10, max: 20 },
    cilium: { min: 10, max: 20 },
    rollout: { min: 5, max: 10 },
    flux: { min: 10, max: 20 },
  },
  realistic: {
    name: "realistic",
    defaultScale: 100,
    apiCall: { min: 20, max: 80 },
    vmCreate: { min: 25 * s, max: 35 * s },
    vmPower: { min: 3 * s, max: 8 * s },
    imageDownload: { min: 8 * s, max: 12 * s },
    vmBoot: { min: 20 * s, max: 40 * s },
    talosInstall: { min: 60 * s, max: 90 * s },
    etcdBootstrap: { min: 2 * m, max: 5 * m },
    cilium: { min: 40 * s, max: 150 * s },
    rollout: { min: 10 * s, max: 30 * s },
    flux: { min: 80 * s, max: 100 * s },
  },
};

/** Picks a duration within `d` using the lab's seeded random source. */
export function pick(d: Delay, random: () => number): number {
  return d.min + (d.max - d.min) * random();
}
