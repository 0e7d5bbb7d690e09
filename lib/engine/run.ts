/**
 * The engine: runs a layer's steps as a DAG, as parallel as dependencies and resource limits
 * allow, retries transient errors with backoff through the clock, checkpoints each step as it
 * succeeds, stops at once on a permanent error, and stops cleanly on Ctrl-C.
 *
 * @example
 * ```ts
 * const outcome = await applyLayer({ id: "01-infrastructure", steps }, {
 *   clock: systemClock, state, reporter, signal: ctl.signal, limits: () => 3,
 * });
 * if (!outcome.ok) Deno.exit(outcome.interrupted ? 130 : 1);
 * ```
 */
import { type Clock, TimeoutError, withTimeout } from "../clock/clock.ts";
import { isTransient, StrataError } from "../errors.ts";
import type { StateStore } from "../state/store.ts";
import type { LayerId, PlanChange, Reporter, RetryPolicy, Step, StepContext, StepResult } from "./types.ts";

export interface Layer {
  id: LayerId;
  steps: Step[];
}

export interface EngineOptions {
  clock: Clock;
  state: StateStore;
  reporter: Reporter;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** Concurrency per resource key; unlimited when undefined. */
  limits?: (resource: string) => number | undefined;
  /** Source of backoff jitter (seeded in tests and the lab). */
  random?: () => number;
  /** How long running steps may take to reach a safe point after Ctrl-C (virtual ms). */
  graceMs?: number;
}

export type LayerOutcome =
  | { ok: true }
  | { ok: false; interrupted: true }
  | { ok: false; interrupted: false; step: string; error: unknown };

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;

/** A programming error in a layer's step graph. */
export class StepGraphError extends StrataError {}

/** Checks ids are unique, dependencies exist, and there is no cycle; returns a topological order. */
export function orderSteps(steps: Step[]): Step[] {
  const byId = new Map<string, Step>();
  for (const s of steps) {
    if (byId.has(s.id)) throw new StepGraphError(`duplicate step id ${s.id}`);
    byId.set(s.id, s);
  }
  for (const s of steps) {
    for (const d of s.dependsOn ?? []) {
      if (!byId.has(d)) throw new StepGraphError(`step ${s.id} depends on unknown step ${d}`);
    }
  }
  const order: Step[] = [];
  const mark = new Map<string, "visiting" | "done">();
  const visit = (s: Step, path: string[]) => {
    if (mark.get(s.id) === "done") return;
    if (mark.get(s.id) === "visiting") {
      throw new StepGraphError(`dependency cycle: ${[...path, s.id].join(" → ")}`);
    }
    mark.set(s.id, "visiting");
    for (const d of s.dependsOn ?? []) visit(byId.get(d)!, [...path, s.id]);
    mark.set(s.id, "done");
    order.push(s);
  };
  for (const s of steps) visit(s, []);
  return order;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function context(layer: LayerId, step: Step, signal: AbortSignal, opts: EngineOptions): StepContext {
  const { state, reporter } = opts;
  return {
    layer,
    stepId: step.id,
    clock: opts.clock,
    signal,
    output: <T>(id: string) => state.step(id)?.output as T | undefined,
    secret: <T>(id: string) => state.secret<T>(id),
    previous: state.step(step.id),
    progress: (msg, fraction) =>
      reporter.event({ type: "step.progress", layer, step: step.id, message: msg, fraction }),
    notice: (msg, level = "info") =>
      reporter.event({ type: "notice", level, message: msg, layer, step: step.id }),
  };
}

/** Runs one attempt-loop of `work` for a step, retrying transient errors. */
async function withRetries<T>(
  layer: LayerId,
  step: Step,
  signal: AbortSignal,
  opts: EngineOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const retry = step.retry ?? DEFAULT_RETRY;
  const random = opts.random ?? Math.random;
  for (let attempt = 1;; attempt++) {
    try {
      return await withTimeout(
        opts.clock,
        step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
        step.title,
        work,
        signal,
      );
    } catch (err) {
      const retryable = (isTransient(err) || err instanceof TimeoutError) && !signal.aborted;
      if (!retryable || attempt >= retry.attempts) throw err;
      const delayMs = Math.round(
        random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)),
      );
      opts.reporter.event({
        type: "step.retried",
        layer,
        step: step.id,
        attempt,
        delayMs,
        error: message(err),
      });
      await opts.clock.sleep(delayMs, signal);
    }
  }
}

type Runner = (step: Step, signal: AbortSignal) => Promise<{ changed: boolean }>;

/** The DAG scheduler shared by apply and destroy. */
async function schedule(
  layer: LayerId,
  steps: Step[],
  opts: EngineOptions,
  run: Runner,
): Promise<LayerOutcome> {
  const started = opts.clock.now();
  opts.reporter.event({
    type: "layer.started",
    layer,
    steps: steps.map((s) => ({ id: s.id, title: s.title })),
  });
  const layerCtl = new AbortController();
  const onInterrupt = () => layerCtl.abort(opts.signal.reason);
  opts.signal.addEventListener("abort", onInterrupt, { once: true });
  const done = new Set<string>();
  const pending = new Map(steps.map((s) => [s.id, s]));
  const running = new Map<string, Promise<void>>();
  const held = new Map<string, number>();
  let failure: { step: string; error: unknown } | undefined;

  const fits = (s: Step) =>
    (s.resources ?? []).every((r) => {
      const limit = opts.limits?.(r);
      return limit === undefined || (held.get(r) ?? 0) < limit;
    });
  const take = (s: Step, n: number) =>
    (s.resources ?? []).forEach((r) => held.set(r, (held.get(r) ?? 0) + n));

  const start = (step: Step) => {
    pending.delete(step.id);
    take(step, 1);
    const t0 = opts.clock.now();
    opts.reporter.event({ type: "step.started", layer, step: step.id, title: step.title });
    running.set(
      step.id,
      run(step, layerCtl.signal).then(
        ({ changed }) => {
          done.add(step.id);
          opts.reporter.event({
            type: "step.finished",
            layer,
            step: step.id,
            durationMs: opts.clock.now() - t0,
            changed,
          });
        },
        (error) => {
          if (!opts.signal.aborted && !failure) {
            failure = { step: step.id, error };
            opts.reporter.event({
              type: "step.failed",
              layer,
              step: step.id,
              durationMs: opts.clock.now() - t0,
              error: message(error),
              remedy: error instanceof StrataError ? error.remedy : undefined,
            });
            layerCtl.abort(error); // a permanent error stops the layer at once
          }
        },
      ).finally(() => {
        take(step, -1);
        running.delete(step.id);
      }),
    );
  };

  try {
    while (pending.size || running.size) {
      if (!failure && !opts.signal.aborted) {
        for (const step of [...pending.values()]) {
          if ((step.dependsOn ?? []).every((d) => done.has(d)) && fits(step)) start(step);
        }
      }
      if (!running.size) break; // nothing can start: failed, interrupted
      if (opts.signal.aborted && opts.graceMs !== undefined) {
        const grace = new AbortController();
        await Promise.race([Promise.all(running.values()), opts.clock.sleep(opts.graceMs, grace.signal)]);
        grace.abort();
        break;
      }
      await Promise.race(running.values());
    }
  } finally {
    opts.signal.removeEventListener("abort", onInterrupt);
  }
  const ok = !failure && !opts.signal.aborted && pending.size === 0;
  opts.reporter.event({ type: "layer.finished", layer, durationMs: opts.clock.now() - started, ok });
  if (ok) return { ok: true };
  if (failure) return { ok: false, interrupted: false, ...failure };
  return { ok: false, interrupted: true };
}

/** Applies a layer: every step idempotently, checkpointing each as it succeeds. */
export async function applyLayer(layer: Layer, opts: EngineOptions): Promise<LayerOutcome> {
  const steps = orderSteps(layer.steps);
  const outcome = await schedule(layer.id, steps, opts, async (step, signal) => {
    const previous = opts.state.step(step.id);
    if (step.reuseCheckpoint && previous) return { changed: false };
    const t0 = opts.clock.now();
    const result: StepResult = (await withRetries(
      layer.id,
      step,
      signal,
      opts,
      (s) => step.apply(context(layer.id, step, s, opts)),
    )) ?? {};
    await opts.state.record(layer.id, step.id, result, opts.clock.now() - t0, opts.clock.now());
    return { changed: result.changed ?? true };
  });
  if (outcome.ok) await opts.state.complete(layer.id, opts.clock.now());
  return outcome;
}

/** Destroys a layer: `destroy` of every step in reverse dependency order, forgetting each. */
export async function destroyLayer(
  layer: Layer,
  opts: EngineOptions & { allowProtected?: boolean },
): Promise<LayerOutcome> {
  const steps = orderSteps(layer.steps);
  // reverse the graph: a step is destroyed after everything that depends on it
  const reversed = steps.map((s) => ({
    ...s,
    dependsOn: steps.filter((o) => (o.dependsOn ?? []).includes(s.id)).map((o) => o.id),
  }));
  const outcome = await schedule(layer.id, reversed, opts, async (step, signal) => {
    if (step.destroy) {
      await withRetries(layer.id, step, signal, opts, (s) => step.destroy!(context(layer.id, step, s, opts)));
    }
    await opts.state.forget(layer.id, step.id, { allowProtected: opts.allowProtected });
    return { changed: step.destroy !== undefined };
  });
  if (outcome.ok) await opts.state.deleteLayer(layer.id, { allowProtected: opts.allowProtected });
  return outcome;
}

/** Collects what each step would change. Steps without `plan` report a create or noop from state. */
export async function planLayer(layer: Layer, opts: EngineOptions): Promise<Record<string, PlanChange[]>> {
  const plans: Record<string, PlanChange[]> = {};
  for (const step of orderSteps(layer.steps)) {
    plans[step.id] = step.plan
      ? await step.plan(context(layer.id, step, opts.signal, opts))
      : [{ action: opts.state.step(step.id) ? "noop" : "create", resource: step.title }];
  }
  return plans;
}
