/**
 * What an API handler of the emulator gets: the host it runs on (state, clock, tasks, locks,
 * delays) and the request (who, validated parameters, permission checks).
 */
import type { Clock } from "../../lib/clock/clock.ts";
import type { LatencyProfile } from "../profile.ts";
import type { AccessState } from "./access.ts";
import type { NodeState } from "./host.ts";
import type { ConfigLocks } from "./locks.ts";
import type { Permissions } from "./permissions.ts";
import type { TaskRunner } from "./tasks.ts";

/** Called when a VM starts: it boots with the address of its cloud-init `ipconfig0`. */
export type VmStartedHook = (
  host: string,
  vmid: number,
  ip: string | undefined,
  mac: string | undefined,
) => void;

/** Called when a VM stops (powered off) or is destroyed (its disks with it). */
export type VmGoneHook = (host: string, vmid: number) => void;

export interface HostRuntime {
  /** Proxmox node name. */
  name: string;
  state: NodeState;
  clock: Clock;
  profile: LatencyProfile;
  /** The lab's seeded random source (MACs, UUIDs, delays). */
  random: () => number;
  tasks: TaskRunner;
  locks: ConfigLocks;
  access(): AccessState;
  /** Waits a duration of the latency profile (through the clock; cut off when the emulator closes). */
  delay(kind: keyof Omit<LatencyProfile, "name" | "defaultScale">, signal?: AbortSignal): Promise<void>;
  save(): void;
  onVmStarted?: VmStartedHook;
  onVmStopped?: VmGoneHook;
  onVmDestroyed?: VmGoneHook;
  /** SHA-256 fingerprint of the API certificate (`/nodes` reports it as `ssl_fingerprint`). */
  sslFingerprint: string;
  /** Aborted when the emulator closes. */
  closing: AbortSignal;
}

export interface ApiRequest {
  /** `user@realm` or `user@realm!token`. */
  authid: string;
  /** Validated parameters (path, query, body), as PVE hands them to the method. */
  params: Record<string, string>;
  perms: Permissions;
  host: HostRuntime;
  /** Sets the `total` attribute of the answer (task logs). */
  setTotal(n: number): void;
}

export type ApiHandler = (req: ApiRequest) => unknown | Promise<unknown>;
