import type { MaintenanceDefinition } from "./definitions.ts";
import { nextFire, parseCron, previousFire } from "./cron.ts";

const MINUTE = 60_000;

/** One occurrence of a window: [start, end) in epoch ms. */
export interface WindowSpan {
  id: string;
  title: string;
  monitors: string[];
  start: number;
  end: number;
  active: boolean;
  recurring: boolean;
}

/**
 * The occurrence of a window that is active at `now`, else its next one within `lookaheadMinutes`
 * (null when there is none, e.g. a one-off window in the past).
 *
 * @example
 * ```ts
 * import { windowSpan } from "./maintenance.ts";
 * const w = { id: "patch", title: "Patching", monitors: ["*"], cron: "0 3 * * sun", durationMinutes: 60 };
 * windowSpan(w, Date.UTC(2025, 0, 5, 3, 30))?.active; // true
 * ```
 */
export function windowSpan(
  w: MaintenanceDefinition,
  now: number,
  lookaheadMinutes = 7 * 24 * 60,
): WindowSpan | null {
  const base = { id: w.id, title: w.title, monitors: w.monitors };
  if (w.start !== undefined && w.end !== undefined) {
    const start = Date.parse(w.start), end = Date.parse(w.end);
    if (end <= now || start > now + lookaheadMinutes * MINUTE) return null;
    return { ...base, start, end, active: start <= now, recurring: false };
  }
  if (w.cron === undefined || w.durationMinutes === undefined) return null;
  const schedule = parseCron(w.cron);
  const duration = w.durationMinutes * MINUTE;
  const prev = previousFire(schedule, now, w.durationMinutes);
  if (prev !== null && now < prev + duration) {
    return {
      ...base,
      start: prev,
      end: prev + duration,
      active: true,
      recurring: true,
    };
  }
  const next = nextFire(schedule, now, lookaheadMinutes);
  if (next === null) return null;
  return {
    ...base,
    start: next,
    end: next + duration,
    active: false,
    recurring: true,
  };
}

/** Maps each monitor id under an active window to the window's title ("*" covers every monitor). */
export function activeMaintenance(
  windows: readonly MaintenanceDefinition[],
  now: number,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of windows) {
    const span = windowSpan(w, now, 0);
    if (!span?.active) continue;
    for (const id of w.monitors) if (!out.has(id)) out.set(id, w.title);
  }
  return out;
}

/** The window title covering `monitorId` at the moment, if any. */
export function maintenanceFor(
  active: Map<string, string>,
  monitorId: string,
): string | undefined {
  return active.get(monitorId) ?? active.get("*");
}
