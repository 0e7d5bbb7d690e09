/**
 * The DAG scheduler shared by apply and destroy: starts every step whose dependencies are done and
 * whose resources have room, as soon as both hold. The first permanent failure aborts the running
 * siblings (through their signal) and starts nothing more; so does the caller's signal (Ctrl-C).
 * Either way it returns only when every started step has settled or been abandoned.
 *
 * @example
 * ```ts
 * const result = await schedule(orderSteps(steps), { layer, clock, reporter, signal, limits },
 *   async (step, signal) => ({ changed: (await step.apply(ctxFor(step, signal)))?.changed ?? true }));
 * ```
 */
import type { Clock } from "../clock/clock.ts";
import { StrataError } from "../errors.ts";
import { limitOf, type ResourceLimits } from "./graph.ts";
import { StepAbandonedError } from "./retry.ts";
import type { LayerId, Reporter, Step } from "./types.ts";

export interface ScheduleOptions {
  layer: LayerId;
  clock: Clock;
  reporter: Reporter;
  /** Aborted on Ctrl-C: nothing new starts, running steps are aborted. */
  signal: AbortSignal;
  limits?: ResourceLimits;
}

/** What running one step reported. */
export interface StepRun {
  changed: boolean;
  /** The step was skipped because its checkpoint was reused. */
  reused?: boolean;
}

export type ScheduleResult =
  | { ok: true }
  | {
    ok: false;
    interrupted: true;
    /** Steps that were running when the signal came (aborted, awaited up to their grace). */
    stopped: string[];
    notStarted: string[];
  }
  | {
    ok: false;
    interrupted: false;
    /** The step that failed first. */
    step: string;
    error: unknown;
    stopped: string[];
    notStarted: string[];
  };

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `steps` (already checked and ordered, see graph.ts) through `run`. */
export async function schedule(
  steps: readonly Step[],
  options: ScheduleOptions,
  run: (step: Step, signal: AbortSignal) => Promise<StepRun>,
): Promise<ScheduleResult> {
  const { layer, clock, reporter } = options;
  const layerCtl = new AbortController();
  const onInterrupt = () => layerCtl.abort(options.signal.reason);
  if (options.signal.aborted) onInterrupt();
  else options.signal.addEventListener("abort", onInterrupt, { once: true });

  const done = new Set<string>();
  const pending = new Map(steps.map((s) => [s.id, s]));
  const running = new Map<string, Promise<void>>();
  const held = new Map<string, number>();
  const stopped: string[] = [];
  let failure: { step: string; error: unknown } | undefined;

  const fits = (s: Step) =>
    (s.resources ?? []).every((r) => {
      const limit = limitOf(options.limits, r);
      return limit === undefined || (held.get(r) ?? 0) < limit;
    });
  const hold = (s: Step, n: 1 | -1) => {
    for (const r of new Set(s.resources ?? [])) held.set(r, (held.get(r) ?? 0) + n);
  };

  const start = (step: Step) => {
    pending.delete(step.id);
    hold(step, 1);
    const t0 = clock.now();
    reporter.event({ type: "step.started", layer, step: step.id, title: step.title });
    const settled = Promise.resolve().then(() => run(step, layerCtl.signal)).then(
      ({ changed, reused }) => {
        done.add(step.id);
        reporter.event({
          type: "step.finished",
          layer,
          step: step.id,
          durationMs: clock.now() - t0,
          changed,
          ...(reused ? { reused } : {}),
        });
      },
      (error) => {
        const durationMs = clock.now() - t0;
        if (layerCtl.signal.aborted) {
          // stopped because of Ctrl-C or a sibling's failure, not a failure of its own
          stopped.push(step.id);
          reporter.event({
            type: "step.stopped",
            layer,
            step: step.id,
            durationMs,
            reason: options.signal.aborted ? "interrupted" : "layer failed",
          });
          if (error instanceof StepAbandonedError) {
            reporter.event({
              type: "notice",
              level: "warn",
              layer,
              step: step.id,
              message: `${step.title}: ${error.message}`,
            });
          }
          return;
        }
        failure = { step: step.id, error };
        reporter.event({
          type: "step.failed",
          layer,
          step: step.id,
          durationMs,
          error: errorMessage(error),
          remedy: error instanceof StrataError ? error.remedy : undefined,
        });
        layerCtl.abort(error); // a permanent error stops the layer at once
      },
    ).finally(() => {
      hold(step, -1);
      running.delete(step.id);
    });
    running.set(step.id, settled);
  };

  try {
    for (;;) {
      if (!layerCtl.signal.aborted) {
        for (const step of pending.values()) {
          if ((step.dependsOn ?? []).every((d) => done.has(d)) && fits(step)) start(step);
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    options.signal.removeEventListener("abort", onInterrupt);
  }
  const notStarted = [...pending.keys()];
  if (failure) return { ok: false, interrupted: false, ...failure, stopped, notStarted };
  if (options.signal.aborted) return { ok: false, interrupted: true, stopped, notStarted };
  if (notStarted.length) {
    // unreachable with a checked graph and limits ≥ 1; never report a stuck layer as success
    throw new StrataError(`layer ${layer}: steps ${notStarted.join(", ")} could not be scheduled`);
  }
  return { ok: true };
}
