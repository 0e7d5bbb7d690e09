/**
 * On a TTY: a live view of layers and steps with spinners, elapsed times and the current
 * action, redrawn in place (throttled), then the summary.
 */
import { formatDuration } from "../clock/clock.ts";
import type { EngineEvent, Reporter } from "../engine/types.ts";
import { colorizer } from "./plain.ts";
import { preflightTable } from "./preflight_table.ts";
import { Summary } from "./summary.ts";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export class LiveReporter implements Reporter {
  readonly summary = new Summary();
  readonly #color: (s: string, code: number) => string;
  readonly #started = new Map<string, number>();
  readonly #action = new Map<string, string>();
  #lines = 0;
  #frame = 0;
  #timer?: ReturnType<typeof setInterval>;
  #preflight: Extract<EngineEvent, { type: "preflight.result" }>[] = [];

  constructor(private readonly out: (text: string) => void, options: { color: boolean }) {
    this.#color = colorizer(options.color);
    this.#timer = setInterval(() => this.#draw(), 100);
  }

  event(e: EngineEvent): void {
    this.summary.add(e);
    if (e.type === "preflight.result") {
      this.#preflight.push(e);
      return;
    }
    if (this.#preflight.length) {
      this.#clear();
      this.out("preflight:\n" + preflightTable(this.#preflight, this.#color) + "\n");
      this.#preflight = [];
    }
    if (e.type === "step.started") this.#started.set(e.step, performance.now());
    if (e.type === "step.progress") this.#action.set(e.step, e.message);
    if (e.type === "step.retried") this.#action.set(e.step, `retrying: ${e.error}`);
    if (e.type === "notice") {
      this.#clear();
      this.out(`${e.level === "warn" ? this.#color("warning", 33) : "note"}: ${e.message}\n`);
    }
  }

  #clear(): void {
    if (this.#lines) this.out(`\x1b[${this.#lines}A\x1b[0J`);
    this.#lines = 0;
  }

  #draw(): void {
    const c = this.#color;
    const rows = [...this.summary.rows.values()];
    if (!rows.length) return;
    this.#frame = (this.#frame + 1) % SPINNER.length;
    const lines: string[] = [];
    let layer = "";
    for (const r of rows) {
      if (r.layer !== layer) lines.push(c(`layer ${layer = r.layer}`, 36));
      const mark = {
        pending: c("·", 90),
        running: c(SPINNER[this.#frame], 33),
        done: c("✓", 32),
        unchanged: c("✓", 32),
        failed: c("✗", 31),
      }[r.status];
      const elapsed = r.status === "running"
        ? formatDuration(performance.now() - (this.#started.get(r.step) ?? performance.now()))
        : r.durationMs !== undefined
        ? formatDuration(r.durationMs)
        : "";
      const action = r.status === "running" && this.#action.get(r.step)
        ? c(`  ${this.#action.get(r.step)}`, 90)
        : "";
      lines.push(`  ${mark} ${r.title} ${c(elapsed, 90)}${action}`);
    }
    this.#clear();
    this.out(lines.join("\n") + "\n");
    this.#lines = lines.length;
  }

  close(): Promise<void> {
    clearInterval(this.#timer);
    this.#draw();
    if (this.#preflight.length) {
      this.out("preflight:\n" + preflightTable(this.#preflight, this.#color) + "\n");
    }
    this.out(this.summary.render() + "\n");
    return Promise.resolve();
  }
}
