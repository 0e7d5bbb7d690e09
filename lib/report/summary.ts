/**
 * Collects what happened from events and renders the end-of-run summary table: each layer and
 * step with its outcome and duration, notices, the total, and what to do next.
 *
 * @example
 * ```ts
 * const summary = new Summary();
 * events.forEach((e) => summary.add(e));
 * console.log(summary.render());
 * ```
 */
import { formatDuration } from "../clock/clock.ts";
import type { EngineEvent } from "../engine/types.ts";

/**
 * done: applied with changes · unchanged: applied, nothing to change · kept: its checkpoint reused
 * (apply not called) · stopped: aborted at a safe point (Ctrl-C, or a sibling failed).
 */
export type StepStatus = "done" | "unchanged" | "kept" | "failed" | "stopped" | "running" | "pending";

export interface SummaryRow {
  layer: string;
  step: string;
  title: string;
  status: StepStatus;
  durationMs?: number;
  error?: string;
  remedy?: string;
}

interface LayerRow {
  layer: string;
  steps: number;
  ok?: boolean;
  durationMs?: number;
}

export class Summary {
  readonly rows = new Map<string, SummaryRow>();
  readonly layers = new Map<string, LayerRow>();
  readonly notices: { level: string; message: string }[] = [];
  readonly preflight: Extract<EngineEvent, { type: "preflight.result" }>[] = [];
  finished?: Extract<EngineEvent, { type: "run.finished" }>;

  add(e: EngineEvent): void {
    switch (e.type) {
      case "layer.started":
        this.layers.set(e.layer, { layer: e.layer, steps: e.steps.length });
        for (const s of e.steps) {
          this.rows.set(s.id, { layer: e.layer, step: s.id, title: s.title, status: "pending" });
        }
        break;
      case "layer.finished":
        Object.assign(this.layers.get(e.layer) ?? {}, { ok: e.ok, durationMs: e.durationMs });
        break;
      case "step.started":
        this.#row(e.step, e.layer, e.title).status = "running";
        break;
      case "step.finished":
        Object.assign(this.#row(e.step, e.layer), {
          status: e.reused ? "kept" : e.changed ? "done" : "unchanged",
          durationMs: e.durationMs,
        });
        break;
      case "step.stopped":
        Object.assign(this.#row(e.step, e.layer), {
          status: "stopped",
          durationMs: e.durationMs,
          error: e.reason === "layer failed" ? "stopped because another step of the layer failed" : undefined,
        });
        break;
      case "step.failed":
        Object.assign(this.#row(e.step, e.layer), {
          status: "failed",
          durationMs: e.durationMs,
          error: e.error,
          remedy: e.remedy,
        });
        break;
      case "notice":
        this.notices.push(e);
        break;
      case "preflight.result":
        this.preflight.push(e);
        break;
      case "run.finished":
        this.finished = e;
    }
  }

  #row(step: string, layer: string, title = step): SummaryRow {
    let row = this.rows.get(step);
    if (!row) this.rows.set(step, row = { layer, step, title, status: "pending" });
    return row;
  }

  /** How a step's outcome reads once the run is over (a step still running was stopped). */
  #label(status: StepStatus): string {
    if (!this.finished) return status;
    return status === "running" ? "stopped" : status === "pending" ? "not run" : status;
  }

  /** The summary table: each step's duration, the total, and what to do next. Empty when nothing ran. */
  render(): string {
    const rows = [...this.rows.values()];
    if (!rows.length && !this.layers.size && !this.finished) return "";
    const lines: string[] = ["", "Summary"];
    const w = Math.min(60, Math.max(20, ...rows.map((r) => r.title.length)));
    const layers = [...this.layers.values()];
    for (const r of rows) {
      if (!layers.some((l) => l.layer === r.layer)) layers.push({ layer: r.layer, steps: 0 });
    }
    for (const layer of layers) {
      const outcome = layer.ok === undefined ? "stopped" : layer.ok ? "done" : "failed";
      const count = Math.max(layer.steps, rows.filter((r) => r.layer === layer.layer).length);
      const steps = count ? `${count} step${count === 1 ? "" : "s"}` : "no steps";
      const d = layer.durationMs === undefined ? "" : formatDuration(layer.durationMs);
      lines.push(`  ${`layer ${layer.layer}`.padEnd(w + 2)}  ${outcome.padEnd(9)} ${d.padEnd(7)} ${steps}`);
      for (const r of rows.filter((r) => r.layer === layer.layer)) {
        const rd = r.durationMs === undefined ? "" : formatDuration(r.durationMs);
        const title = r.title.length > w ? `${r.title.slice(0, w - 1)}…` : r.title;
        lines.push(`    ${title.padEnd(w)}  ${this.#label(r.status).padEnd(9)} ${rd}`.trimEnd());
        if (r.error) lines.push(`      error: ${r.error}`);
        if (r.remedy) lines.push(`      fix:   ${r.remedy}`);
      }
    }
    for (const n of this.notices) {
      lines.push(`  ${n.level === "warn" ? "warning" : "note"}: ${n.message.replaceAll("\n", "\n    ")}`);
    }
    const failedChecks = this.preflight.filter((p) => p.status === "fail");
    if (failedChecks.length) {
      lines.push(`  preflight failed: ${failedChecks.map((p) => p.id).join(", ")}`);
    }
    if (this.finished) {
      lines.push(`  total ${formatDuration(this.finished.durationMs)}, exit ${this.finished.exitCode}`);
      if (this.finished.next) lines.push(`  next: ${this.finished.next}`);
    }
    return lines.join("\n");
  }
}
