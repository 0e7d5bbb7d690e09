/**
 * `status`: per layer, applied or not and when, the last run that failed or was interrupted, and
 * each step's public outputs. Built from the state's public part only: secrets are never read.
 *
 * @example
 * ```ts
 * const report = statusReport("homelab", LAYERS.map((l) => l.id), state);
 * console.log(formatStatus(report).join("\n"));
 * ```
 */
import type { LayerId, StepRecord } from "../engine/types.ts";
import type { LastRun } from "../state/migrations.ts";

export interface LayerStatus {
  layer: LayerId;
  applied: boolean;
  /** ISO time the layer last completed. */
  completedAt?: string;
  /** The last run that did not complete, until a run completes the layer. */
  lastRun?: { command: string; outcome: string; at: string; steps: string[] };
  steps: Record<string, { at: string; durationMs: number; output: Record<string, unknown> }>;
}

export interface StatusReport {
  cluster: string;
  layers: LayerStatus[];
}

/** What `status` reports, from the state's public documents. */
export function statusReport(
  cluster: string,
  layers: readonly LayerId[],
  state: {
    layer(id: LayerId):
      | { completedAt?: number; lastRun?: LastRun; steps: Record<string, StepRecord> }
      | undefined;
  },
): StatusReport {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    cluster,
    layers: layers.map((id) => {
      const doc = state.layer(id);
      return {
        layer: id,
        applied: doc?.completedAt !== undefined,
        completedAt: doc?.completedAt !== undefined ? iso(doc.completedAt) : undefined,
        lastRun: doc?.lastRun ? { ...doc.lastRun, at: iso(doc.lastRun.at) } : undefined,
        steps: Object.fromEntries(
          Object.entries(doc?.steps ?? {}).map(([step, r]) => [step, {
            at: iso(r.at),
            durationMs: r.durationMs,
            output: r.output,
          }]),
        ),
      };
    }),
  };
}

/** One output value on one line: long or multi-line values (certificates, keys) are cut. */
export function summarizeValue(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? String(v);
  const first = s.split("\n")[0];
  return first.length > 60 || s.includes("\n") ? `${first.slice(0, 57)}…` : first;
}

/** The human form of a status report. */
export function formatStatus(report: StatusReport): string[] {
  const lines: string[] = [];
  for (const l of report.layers) {
    const steps = Object.keys(l.steps).length;
    const state = l.applied
      ? `applied ${l.completedAt} (${steps} step${steps === 1 ? "" : "s"})`
      : steps
      ? `partly applied (${steps} step${steps === 1 ? "" : "s"} done)`
      : "not applied";
    lines.push(`  ${l.layer.padEnd(19)} ${state}`);
    if (l.lastRun) {
      const what = l.lastRun.outcome === "failed"
        ? `failed at ${l.lastRun.steps.join(", ")}`
        : "was interrupted" +
          (l.lastRun.steps.length ? ` during ${l.lastRun.steps.join(", ")}` : "");
      lines.push(`    last ${l.lastRun.command === "destroy" ? "destroy" : "run"} ${what} (${l.lastRun.at})`);
    }
    for (const [id, s] of Object.entries(l.steps)) {
      const out = Object.entries(s.output).map(([k, v]) => `${k}=${summarizeValue(v)}`).join(" ");
      lines.push(`    ${id}  ${s.at}${out ? `  ${out}` : ""}`);
    }
  }
  return lines;
}
