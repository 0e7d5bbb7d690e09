import type { MonitorRecord } from "./store.ts";
import type { EffectiveState } from "./state.ts";
import type { TickReport } from "./tick.ts";

/** Escapes a Prometheus label value (backslash, double quote, newline). */
export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(
    "\n",
    "\\n",
  );
}

const STATES: EffectiveState[] = [
  "UP",
  "PENDING",
  "DOWN",
  "DEGRADED",
  "MAINTENANCE",
  "UNKNOWN",
];

/**
 * Renders the Prometheus text exposition format (version 0.0.4): per monitor up, degraded, one-hot state,
 * last latency, consecutive failures and check counters, plus the last tick's budget usage, so an
 * in-cluster Prometheus can alert when the outside view and the inside view disagree.
 *
 * @example
 * ```ts
 * // c.text(renderMetrics(await loadMonitors(env.DB), effective, lastTick))
 * ```
 */
export function renderMetrics(
  records: MonitorRecord[],
  effective: Map<string, EffectiveState>,
  tick: TickReport | null,
): string {
  const lines: string[] = [];
  const family = (
    name: string,
    type: "gauge" | "counter",
    help: string,
    samples: [string, number][],
  ) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      lines.push(`${name}{${labels}} ${value}`);
    }
  };
  const label = (r: MonitorRecord) =>
    `monitor="${escapeLabel(r.definition.id)}",name="${
      escapeLabel(r.definition.name)
    }",type="${r.definition.type}"`;
  const eff = (r: MonitorRecord) => effective.get(r.definition.id) ?? r.effective;
  family(
    "strata_monitor_up",
    "gauge",
    "1 when the monitor is UP or DEGRADED as seen from the edge, else 0.",
    records.map((
      r,
    ) => [label(r), eff(r) === "UP" || eff(r) === "DEGRADED" ? 1 : 0]),
  );
  family(
    "strata_monitor_degraded",
    "gauge",
    "1 when the monitor answers but slower than its threshold.",
    records.map((r) => [label(r), eff(r) === "DEGRADED" ? 1 : 0]),
  );
  family(
    "strata_monitor_state",
    "gauge",
    "Effective state of the monitor, one series per state (1 for the current one).",
    records.flatMap((r) =>
      STATES.map((s) => [`${label(r)},state="${s}"`, eff(r) === s ? 1 : 0] as [string, number])
    ),
  );
  family(
    "strata_monitor_latency_seconds",
    "gauge",
    "Latency of the last check in seconds.",
    records.filter((r) => r.lastLatencyMs !== null).map((
      r,
    ) => [label(r), r.lastLatencyMs! / 1000]),
  );
  family(
    "strata_monitor_consecutive_failures",
    "gauge",
    "Consecutive failed check runs.",
    records.map((r) => [label(r), r.failStreak]),
  );
  family(
    "strata_monitor_checks_total",
    "counter",
    "Check runs since the monitor was defined.",
    records.map((r) => [label(r), r.checksTotal]),
  );
  family(
    "strata_monitor_failures_total",
    "counter",
    "Failed check runs since the monitor was defined.",
    records.map((r) => [label(r), r.failuresTotal]),
  );
  family(
    "strata_monitor_last_check_timestamp_seconds",
    "gauge",
    "Unix time of the last check.",
    records.filter((r) => r.lastCheckedAt !== null).map((
      r,
    ) => [label(r), r.lastCheckedAt! / 1000]),
  );
  if (tick) {
    const t = (name: string, help: string, value: number) => {
      lines.push(
        `# HELP ${name} ${help}`,
        `# TYPE ${name} gauge`,
        `${name} ${value}`,
      );
    };
    t(
      "strata_tick_timestamp_seconds",
      "Unix time of the last cron tick.",
      tick.at / 1000,
    );
    t("strata_tick_due_monitors", "Monitors due in the last tick.", tick.due);
    t(
      "strata_tick_checked_monitors",
      "Monitors checked in the last tick.",
      tick.checked,
    );
    t(
      "strata_tick_deferred_monitors",
      "Due monitors the last tick deferred (over budget or failed shard).",
      tick.deferred,
    );
    t(
      "strata_tick_shards",
      "Checker shards the last tick called.",
      tick.shards,
    );
    t(
      "strata_tick_subrequests",
      "Subrequests the tick invocation used.",
      tick.usage.tickSubrequests,
    );
    t(
      "strata_tick_max_shard_subrequests",
      "Most subrequests one shard invocation used.",
      tick.usage.maxShardSubrequests,
    );
    t(
      "strata_tick_subrequest_limit",
      "Per-invocation subrequest limit budgeted for.",
      tick.budget.subrequestLimit,
    );
  }
  return lines.join("\n") + "\n";
}
