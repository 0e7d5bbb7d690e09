/** States of the per-monitor machine. */
export type MachineState = "UP" | "PENDING" | "DOWN" | "DEGRADED";
/** What the status page, metrics and alerts show: the machine state unless suppressed. */
export type EffectiveState = MachineState | "MAINTENANCE" | "UNKNOWN";
/** The result of one check run (after retries within the run). */
export type Outcome = "up" | "degraded" | "down";

/** The machine's memory between runs. */
export interface Streaks {
  state: MachineState;
  failStreak: number;
  okStreak: number;
  slowStreak: number;
}

export interface Thresholds {
  /** N: consecutive failed runs before DOWN (and slow runs before DEGRADED). */
  failureThreshold: number;
  /** M: consecutive good runs before DOWN turns UP again. */
  recoveryThreshold: number;
}

/** A monitor nobody has checked yet. */
export const INITIAL: Streaks = {
  state: "PENDING",
  failStreak: 0,
  okStreak: 0,
  slowStreak: 0,
};

/**
 * One step of the state machine: UP → PENDING on a failure, DOWN after N consecutive failures, back to
 * UP (or DEGRADED) only after M consecutive successes; N consecutive slow successes make DEGRADED.
 *
 * @example
 * ```ts
 * import { INITIAL, nextState } from "./state.ts";
 * const t = { failureThreshold: 2, recoveryThreshold: 1 };
 * let s = nextState(INITIAL, "up", t); // UP
 * s = nextState(s, "down", t); // PENDING: a single blip never pages anyone
 * s = nextState(s, "down", t); // DOWN
 * ```
 */
export function nextState(
  prev: Streaks,
  outcome: Outcome,
  t: Thresholds,
): Streaks {
  if (outcome === "down") {
    const failStreak = prev.failStreak + 1;
    const state = prev.state === "DOWN" || failStreak >= t.failureThreshold ? "DOWN" : "PENDING";
    return { state, failStreak, okStreak: 0, slowStreak: 0 };
  }
  const okStreak = prev.okStreak + 1;
  const slowStreak = outcome === "degraded" ? prev.slowStreak + 1 : 0;
  let state: MachineState;
  if (prev.state === "DOWN") {
    state = okStreak < t.recoveryThreshold ? "DOWN" : outcome === "degraded" ? "DEGRADED" : "UP";
  } else {
    state = slowStreak >= t.failureThreshold ||
        (prev.state === "DEGRADED" && outcome === "degraded")
      ? "DEGRADED"
      : "UP";
  }
  return { state, failStreak: 0, okStreak, slowStreak };
}

/** Why a monitor's alerts are held back, if they are. */
export interface Suppression {
  maintenance?: string;
  parentDown?: string;
}

/** Effective state after maintenance windows and parent suppression. */
export function effectiveState(
  state: MachineState,
  suppression: Suppression,
): EffectiveState {
  if (suppression.maintenance) return "MAINTENANCE";
  if (suppression.parentDown) return "UNKNOWN";
  return state;
}

export type AlertKind = "down" | "degraded" | "up" | "reminder";

export interface AlertMemory {
  /** The state last announced (null: never announced). */
  alertedState: MachineState | null;
  /** When the last alert or reminder went out (epoch ms). */
  lastAlertAt: number | null;
}

/**
 * Decides whether this run sends an alert. Alerts go out on state changes only (compared with the state
 * last announced, so each change is announced once), plus a reminder every `resendMs` while DOWN.
 * PENDING never alerts; suppressed monitors (maintenance, parent down) never alert and keep their memory,
 * so a monitor still DOWN when the suppression ends is announced then.
 */
export function decideAlert(
  state: MachineState,
  effective: EffectiveState,
  memory: AlertMemory,
  now: number,
  resendMs: number,
): { kind: AlertKind | null; memory: AlertMemory } {
  if (
    effective === "MAINTENANCE" || effective === "UNKNOWN" ||
    state === "PENDING"
  ) {
    return { kind: null, memory };
  }
  if (state !== memory.alertedState) {
    if (state === "UP" && memory.alertedState === null) {
      return { kind: null, memory: { ...memory, alertedState: "UP" } };
    }
    const kind: AlertKind = state === "DOWN" ? "down" : state === "DEGRADED" ? "degraded" : "up";
    return { kind, memory: { alertedState: state, lastAlertAt: now } };
  }
  if (
    state === "DOWN" && resendMs > 0 && memory.lastAlertAt !== null &&
    now - memory.lastAlertAt >= resendMs
  ) {
    return {
      kind: "reminder",
      memory: { alertedState: state, lastAlertAt: now },
    };
  }
  return { kind: null, memory };
}
