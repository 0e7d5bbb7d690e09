import type { HeartbeatMonitorDefinition } from "./definitions.ts";
import type { CheckResult } from "./check.ts";

/**
 * Judges a push (heartbeat) monitor: UP while the last ping (or, before the first ping, the monitor's
 * creation) is at most `intervalSeconds + graceSeconds` old. Costs no subrequest.
 *
 * @example
 * ```ts
 * import { checkHeartbeat } from "./heartbeat_check.ts";
 * // checkHeartbeat(monitor, lastPingAt, createdAt, now).outcome === "down" after a silence
 * ```
 */
export function checkHeartbeat(
  m: HeartbeatMonitorDefinition,
  lastPingAt: number | null,
  createdAt: number,
  now: number,
): CheckResult {
  const since = lastPingAt ?? createdAt;
  const silentMs = now - since;
  const allowedMs = (m.intervalSeconds + m.graceSeconds) * 1000;
  if (silentMs <= allowedMs) {
    return {
      outcome: "up",
      latencyMs: null,
      status: null,
      error: null,
      attempts: 1,
    };
  }
  const what = lastPingAt === null ? "no heartbeat received yet" : "no heartbeat";
  return {
    outcome: "down",
    latencyMs: null,
    status: null,
    error: `${what} for ${
      Math.round(silentMs / 1000)
    } s (expected every ${m.intervalSeconds} s + ${m.graceSeconds} s grace)`,
    attempts: 1,
  };
}
