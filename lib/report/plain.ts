/**
 * Not a TTY: one plain line per event, then the summary. Honours NO_COLOR.
 *
 * @example
 * ```ts
 * const reporter = new PlainReporter((s) => console.log(s), { color: false });
 * ```
 */
import { formatDuration } from "../clock/clock.ts";
import type { EngineEvent, Reporter } from "../engine/types.ts";
import { preflightTable } from "./preflight_table.ts";
import { Summary } from "./summary.ts";

export function colorizer(enabled: boolean): (s: string, code: number) => string {
  return enabled ? (s, code) => s ? `\x1b[${code}m${s}\x1b[0m` : s : (s) => s;
}

export class PlainReporter implements Reporter {
  readonly summary = new Summary();
  readonly #color: (s: string, code: number) => string;
  #preflight: Extract<EngineEvent, { type: "preflight.result" }>[] = [];
  constructor(private readonly write: (line: string) => void, options: { color: boolean }) {
    this.#color = colorizer(options.color);
  }
  event(e: EngineEvent): void {
    this.summary.add(e);
    const c = this.#color;
    // a fixed-width label column, coloured after padding so colour codes do not shift it
    const label = (text: string, code?: number) => {
      const padded = text.padEnd(7);
      return code ? c(padded, code) : padded;
    };
    if (e.type !== "preflight.result" && this.#preflight.length) this.#flushPreflight();
    switch (e.type) {
      case "run.started":
        return this.write(`strata ${e.command}: layers ${e.layers.join(", ") || "(none)"}`);
      case "preflight.result":
        this.#preflight.push(e);
        return;
      case "layer.started":
        return this.write(`${c("==>", 36)} layer ${e.layer} (${e.steps.length} steps)`);
      case "step.started":
        return this.write(`  ${label("start")} ${e.step}: ${e.title}`);
      case "step.progress":
        return this.write(`  ${label("…")} ${e.step}: ${e.message}`);
      case "step.retried":
        return this.write(
          `  ${label("retry", 33)} ${e.step}: attempt ${e.attempt} failed (${e.error}); again in ${
            formatDuration(e.delayMs)
          }`,
        );
      case "step.finished":
        return this.write(
          `  ${label(e.changed ? "done" : "ok", 32)} ${e.step} (${formatDuration(e.durationMs)})${
            e.reused ? " checkpoint kept" : e.changed ? "" : " unchanged"
          }`,
        );
      case "step.stopped":
        return this.write(
          `  ${label("stopped", 33)} ${e.step} (${formatDuration(e.durationMs)}): ${
            e.reason === "interrupted" ? "interrupted" : "another step of the layer failed"
          }`,
        );
      case "step.failed":
        return this.write(
          `  ${label("FAILED", 31)} ${e.step} (${formatDuration(e.durationMs)}): ${e.error}${
            e.remedy ? `\n          fix: ${e.remedy}` : ""
          }`,
        );
      case "layer.finished":
        return this.write(
          `${c("<==", 36)} layer ${e.layer} ${e.ok ? "done" : "stopped"} in ${formatDuration(e.durationMs)}`,
        );
      case "notice":
        return this.write(
          `  ${e.level === "warn" ? c("warning", 33) : "note"}: ${e.message.replaceAll("\n", "\n    ")}`,
        );
      case "run.finished":
        return;
    }
  }
  #flushPreflight(): void {
    this.write("preflight:\n" + preflightTable(this.#preflight, this.#color));
    this.#preflight = [];
  }
  close(): Promise<void> {
    if (this.#preflight.length) this.#flushPreflight();
    const summary = this.summary.render();
    if (summary) this.write(summary);
    return Promise.resolve();
  }
}
