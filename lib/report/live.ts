/**
 * On a TTY: a live view of layers and steps with spinners, elapsed times and the current action,
 * redrawn in place at most every `intervalMs` (events only mark the view dirty), then the summary.
 *
 * The view never grows beyond the terminal: finished layers fold into one line, long layers show
 * their running and failed steps plus counts, and every line is cut to the terminal's width (a
 * wrapped line would break the cursor arithmetic of the redraw).
 *
 * @example
 * ```ts
 * const out = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(s));
 * const reporter = new LiveReporter(out, { color: true });
 * reporter.event({ type: "run.started", command: "bootstrap", layers: [], at: Date.now() });
 * await reporter.close(); // clears the view and prints the summary
 * ```
 */
import { formatDuration } from "../clock/clock.ts";
import type { EngineEvent, LayerId, Reporter } from "../engine/types.ts";
import { colorizer } from "./plain.ts";
import { preflightTable } from "./preflight_table.ts";
import { type StepStatus, Summary } from "./summary.ts";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface LiveOptions {
  color: boolean;
  /** Virtual time, so elapsed times match the summary (the lab runs on a scaled clock). */
  now?: () => number;
  /** Terminal size; read from the console when absent. */
  size?: () => { columns: number; rows: number };
  /** Redraw period in ms (0: only on close and {@link LiveReporter.frame}, for tests). */
  intervalMs?: number;
}

interface LayerView {
  id: LayerId;
  steps: string[];
  startedAt: number;
  finished?: { ok: boolean; durationMs: number };
}

function consoleSize(): { columns: number; rows: number } {
  try {
    return Deno.consoleSize();
  } catch {
    return { columns: 100, rows: 30 };
  }
}

// an SGR (colour) escape sequence
const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`);

/** The text of a line without colour codes. */
export function stripAnsi(s: string): string {
  return s.replace(new RegExp(SGR, "g"), "");
}

/** Visible width of a line (ANSI colour codes take no room). */
function visibleLength(s: string): number {
  return [...stripAnsi(s)].length;
}

/** Cuts a line to `width` visible characters, keeping colour codes balanced. */
function cut(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  let out = "", seen = 0;
  for (const part of line.split(new RegExp(`(${SGR.source})`))) {
    if (SGR.test(part)) {
      out += part;
      continue;
    }
    const chars = [...part];
    const room = width - 1 - seen;
    if (chars.length > room) {
      out += chars.slice(0, Math.max(0, room)).join("") + "…";
      return out + (line.includes("\x1b[") ? "\x1b[0m" : "");
    }
    out += part;
    seen += chars.length;
  }
  return out;
}

export class LiveReporter implements Reporter {
  readonly summary = new Summary();
  readonly #color: (s: string, code: number) => string;
  readonly #now: () => number;
  readonly #size: () => { columns: number; rows: number };
  readonly #started = new Map<string, number>();
  readonly #action = new Map<string, string>();
  readonly #layers: LayerView[] = [];
  #run?: { command: string; at: number };
  #lines = 0;
  #frame = 0;
  #dirty = false;
  #timer?: ReturnType<typeof setInterval>;
  #preflight: Extract<EngineEvent, { type: "preflight.result" }>[] = [];

  constructor(private readonly out: (text: string) => void, options: LiveOptions) {
    this.#color = colorizer(options.color);
    this.#now = options.now ?? (() => Date.now());
    this.#size = options.size ?? consoleSize;
    const interval = options.intervalMs ?? 100;
    if (interval > 0) {
      const timer = setInterval(() => this.#draw(), interval);
      // the view must never keep the process alive
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  event(e: EngineEvent): void {
    this.summary.add(e);
    this.#dirty = true;
    switch (e.type) {
      case "run.started":
        this.#run = { command: e.command, at: this.#now() };
        return;
      case "preflight.result":
        this.#preflight.push(e);
        return;
      case "layer.started":
        this.#flushPreflight();
        this.#layers.push({ id: e.layer, steps: e.steps.map((s) => s.id), startedAt: this.#now() });
        return;
      case "layer.finished": {
        const view = this.#layers.findLast((l) => l.id === e.layer);
        if (view) view.finished = { ok: e.ok, durationMs: e.durationMs };
        return;
      }
      case "step.started":
        this.#started.set(e.step, this.#now());
        this.#action.delete(e.step);
        return;
      case "step.progress":
        this.#action.set(e.step, e.message);
        return;
      case "step.retried":
        this.#action.set(e.step, `retry ${e.attempt + 1} in ${formatDuration(e.delayMs)}: ${e.error}`);
        return;
      case "notice":
        this.#above(
          `${e.level === "warn" ? this.#color("warning", 33) : "note"}: ${
            e.message.replaceAll("\n", "\n  ")
          }`,
        );
        return;
      case "run.finished":
        this.#flushPreflight();
    }
  }

  /** The live view as it would be drawn now (without cursor movement). */
  frame(): string[] {
    const c = this.#color;
    const { columns, rows } = this.#size();
    const lines: string[] = [];
    if (this.#run) {
      lines.push(c(`strata ${this.#run.command} · ${formatDuration(this.#now() - this.#run.at)}`, 1));
    }
    const open = this.#layers.filter((l) => !l.finished);
    // rows left for the steps of open layers, after headers and folded layers
    let budget = Math.max(3, rows - 2 - lines.length - this.#layers.length);
    for (const layer of this.#layers) {
      const rowsOf = layer.steps.map((id) => this.summary.rows.get(id)!).filter(Boolean);
      const changed = rowsOf.filter((r) => r.status === "done").length;
      if (layer.finished) {
        const mark = layer.finished.ok ? c("✓", 32) : c("✗", 31);
        const steps = `${rowsOf.length} step${rowsOf.length === 1 ? "" : "s"}, ${changed} changed`;
        lines.push(
          `${mark} ${c(`layer ${layer.id}`, 36)}  ${steps}  ${
            c(formatDuration(layer.finished.durationMs), 90)
          }`,
        );
        for (const r of rowsOf.filter((r) => r.status === "failed" || r.status === "stopped")) {
          lines.push(this.#stepLine(r));
        }
        continue;
      }
      lines.push(
        `${c(SPINNER[this.#frame], 33)} ${c(`layer ${layer.id}`, 36)}  ${
          c(formatDuration(this.#now() - layer.startedAt), 90)
        }`,
      );
      const share = Math.max(2, Math.floor(budget / open.length));
      const shown = rowsOf.length <= share
        ? rowsOf
        : rowsOf.filter((r) => ["running", "failed", "stopped"].includes(r.status)).slice(0, share - 1);
      for (const r of shown) lines.push(this.#stepLine(r));
      if (shown.length < rowsOf.length) {
        const count = (s: string) => rowsOf.filter((r) => r.status === s).length;
        const hidden = rowsOf.length - shown.length;
        lines.push(c(
          `    … ${hidden} more: ${count("done") + count("unchanged") + count("kept")} done, ` +
            `${count("pending")} waiting` +
            (shown.length < count("running") + count("failed") ? ", some running not shown" : ""),
          90,
        ));
      }
      budget -= shown.length + 1;
    }
    return lines.slice(0, Math.max(1, rows - 1)).map((l) => cut(l, Math.max(20, columns - 1)));
  }

  #stepLine(r: { step: string; title: string; status: StepStatus; durationMs?: number }): string {
    const c = this.#color;
    const mark = {
      pending: c("·", 90),
      running: c(SPINNER[this.#frame], 33),
      done: c("✓", 32),
      unchanged: c("✓", 32),
      kept: c("✓", 32),
      failed: c("✗", 31),
      stopped: c("■", 33),
    }[r.status] ?? " ";
    const elapsed = r.status === "running"
      ? formatDuration(this.#now() - (this.#started.get(r.step) ?? this.#now()))
      : r.durationMs !== undefined
      ? formatDuration(r.durationMs)
      : "";
    const action = r.status === "running" && this.#action.get(r.step) ? `  ${this.#action.get(r.step)}` : "";
    const unchanged = r.status === "unchanged"
      ? " (unchanged)"
      : r.status === "kept"
      ? " (checkpoint kept)"
      : r.status === "stopped"
      ? " (stopped)"
      : "";
    return `  ${mark} ${r.title}${unchanged} ${c(elapsed, 90)}${c(action, 90)}`;
  }

  #clear(): void {
    if (this.#lines) this.out(`\x1b[${this.#lines}A\x1b[0J`);
    this.#lines = 0;
  }

  /** Prints text above the live area (it scrolls up with the terminal). */
  #above(text: string): void {
    this.#clear();
    this.out(text + "\n");
    this.#dirty = true;
  }

  #flushPreflight(): void {
    if (!this.#preflight.length) return;
    this.#above("preflight:\n" + preflightTable(this.#preflight, this.#color));
    this.#preflight = [];
  }

  #draw(): void {
    this.#frame = (this.#frame + 1) % SPINNER.length;
    if (!this.#dirty && !this.#layers.some((l) => !l.finished)) return;
    this.#dirty = false;
    const lines = this.frame();
    this.#clear();
    if (!lines.length) return;
    this.out(lines.join("\n") + "\n");
    this.#lines = lines.length;
  }

  /** Stops redrawing, replaces the live area with the summary table. */
  close(): Promise<void> {
    clearInterval(this.#timer);
    this.#flushPreflight();
    this.#clear();
    const summary = this.summary.render();
    if (summary) this.out(summary + "\n");
    return Promise.resolve();
  }
}
