import type { TcpMonitorDefinition } from "./definitions.ts";
import { type CheckBudget, type CheckResult, withRetries } from "./check.ts";
import { connect } from "../../shared/sockets.ts";

function abortPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), {
      once: true,
    });
  });
}

/**
 * Runs a TCP connect check with `cloudflare:sockets`. Workers cannot open TCP connections to hosts behind
 * the Cloudflare proxy (or to Cloudflare IPs); such monitors fail with the runtime's error and the
 * definitions API warns about them when they are saved.
 *
 * @example
 * ```ts
 * // inside a shard: const result = await checkTcp(monitor, shardBudget);
 * ```
 */
export function checkTcp(
  m: TcpMonitorDefinition,
  budget: CheckBudget,
): Promise<CheckResult> {
  return withRetries(m.retries, budget, async (take) => {
    if (!take()) {
      return {
        outcome: "skipped",
        latencyMs: null,
        status: null,
        error: "subrequest budget exhausted",
      };
    }
    const signal = AbortSignal.timeout(m.timeoutMs);
    const started = Date.now();
    let socket: ReturnType<typeof connect> | undefined;
    try {
      socket = connect({ hostname: m.host, port: m.port });
      await Promise.race([socket.opened, abortPromise(signal)]);
      const latency = Date.now() - started;
      const slow = m.degradedAboveMs !== undefined &&
        latency > m.degradedAboveMs;
      return {
        outcome: slow ? "degraded" : "up",
        latencyMs: latency,
        status: null,
        error: slow ? `slow: ${latency} ms > ${m.degradedAboveMs} ms` : null,
      };
    } catch (e) {
      const latency = Date.now() - started;
      const error = signal.aborted
        ? `connect timed out after ${m.timeoutMs} ms`
        : `connect to ${m.host}:${m.port} failed: ${(e as Error).message ?? e}`;
      return { outcome: "down", latencyMs: latency, status: null, error };
    } finally {
      socket?.close().catch(() => {});
    }
  });
}
