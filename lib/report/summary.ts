/**
 * Collects step results from events and renders the end-of-run summary table.
 */
import { formatDuration } from "../clock/clock.ts";
import type { EngineEvent } from "../engine/types.ts";

interface Row {
  layer: string;
  step: string;
  title: string;
  status: "done" | "unchanged" | "failed" | "running" | "pending";
  durationMs?: number;
  error?: string;
  remedy?: string;
}

export class Summary {
  readonly rows = new Map<string, Row>();
  readonly notices: { level: string; message: string }[] = [];
  readonly preflight: Extract<EngineEvent, { type: "preflight.result" }>[] = [];
  finished?: Extract<EngineEvent, { type: "run.finished" }>;

  add(e: EngineEvent): void {
    switch (e.type) {
      case "layer.started":
        for (const s of e.steps) {
          this.rows.set(s.id, { layer: e.layer, step: s.id, title: s.title, status: "pending" });
        }
        break;
      case "step.started":
        this.#row(e.step, e.layer, e.title).status = "running";
        break;
      case "step.finished":
        Object.assign(this.#row(e.step, e.layer), {
          status: e.changed ? "done" : "unchanged",
          durationMs: e.durationMs,
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

  #row(step: string, layer: string, title = step): Row {
    let row = this.rows.get(step);
    if (!row) this.rows.set(step, row = { layer, step, title, status: "pending" });
    return row;
  }

  /** The summary table: each step's duration, the total, and what to do next. */
  render(): string {
    const lines: string[] = [];
    const rows = [...this.rows.values()];
    if (rows.length) {
      const w = Math.min(60, Math.max(...rows.map((r) => r.title.length)));
      lines.push("", "Summary");
      for (const r of rows) {
        const d = r.durationMs === undefined ? "" : formatDuration(r.durationMs);
        lines.push(`  ${r.layer.padEnd(19)} ${r.title.slice(0, w).padEnd(w)}  ${r.status.padEnd(9)} ${d}`);
        if (r.error) lines.push(`      error: ${r.error}`);
        if (r.remedy) lines.push(`      fix:   ${r.remedy}`);
      }
    }
    for (const n of this.notices) lines.push(`  ${n.level === "warn" ? "warning" : "note"}: ${n.message}`);
    if (this.finished) {
      lines.push(`  total ${formatDuration(this.finished.durationMs)}, exit ${this.finished.exitCode}`);
      if (this.finished.next) lines.push(`  next: ${this.finished.next}`);
    }
    return lines.join("\n");
  }
}
