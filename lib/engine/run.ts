/**
 * The engine: applies, destroys and plans layers of steps.
 *
 * - Steps run as a DAG, as parallel as dependencies and per-resource limits allow.
 * - Transient errors are retried with exponential backoff and full jitter within the step's time
 *   budget; a permanent error stops the layer at once (running siblings are aborted and awaited)
 *   and the outcome carries the step's message and remedy.
 * - Each step's result is checkpointed as soon as it succeeds. A re-run calls `apply` again (steps
 *   read real state) with the checkpoint in `ctx.previous`; only steps that opt in with
 *   `reuseCheckpoint` are skipped when they have one.
 * - When `signal` aborts (Ctrl-C): nothing new starts, running steps are aborted and awaited up to
 *   `graceMs`, the state is written, and the outcome is `interrupted` (exit 130).
 * - Destroy runs `destroy` of the steps in reverse dependency order; a protected layer needs
 *   `allowProtected`. Plan collects `plan`.
 * - Every wait goes through `clock`; events go to `reporter`.
 *
 * @example
 * ```ts
 * const ctl = new AbortController();
 * Deno.addSignalListener("SIGINT", () => ctl.abort(new InterruptedError()));
 * const state = await StateStore.open({ dir: ".strata", cluster: "homelab" });
 * const outcome = await runLayers([{ id: "01-infrastructure", steps }], {
 *   clock: systemClock, state, reporter, signal: ctl.signal,
 *   limits: (resource) => resource.startsWith("proxmox-host:") ? 3 : undefined,
 * });
 * Deno.exit(outcome.exitCode); // 0, 1 (or the failed step's own code), 130
 * ```
 */
import type { Clock } from "../clock/clock.ts";
import { ExitCode, exitCodeOf } from "../errors.ts";
import type { StateStore } from "../state/store.ts";
import { checkLimits, orderSteps, type ResourceLimits, reverseSteps, StepGraphError } from "./graph.ts";
import { DEFAULT_GRACE_MS, DEFAULT_RETRY, DEFAULT_STEP_TIMEOUT_MS, runWithRetries } from "./retry.ts";
import { errorMessage, schedule, type ScheduleResult } from "./scheduler.ts";
import type { LayerId, PlanChange, Reporter, Step, StepContext, StepRecord, StepResult } from "./types.ts";

export { DEFAULT_GRACE_MS, DEFAULT_RETRY, DEFAULT_STEP_TIMEOUT_MS } from "./retry.ts";
export { orderSteps, type ResourceLimits, StepGraphError } from "./graph.ts";

/** A layer as the engine sees it: its id and its steps. */
export interface Layer {
  id: LayerId;
  steps: Step[];
}

export interface EngineOptions {
  clock: Clock;
  state: StateStore;
  reporter: Reporter;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** Concurrency per resource key (a function or a map); keys without a limit are unlimited. */
  limits?: ResourceLimits;
  /** Source of backoff jitter in [0, 1) (seeded in tests and the lab). Default Math.random. */
  random?: () => number;
  /** How long aborted steps may take to reach a safe point (virtual ms). Default 30 s. */
  graceMs?: number;
}

export type LayerOutcome =
  | { ok: true; layer: LayerId; exitCode: 0 }
  | {
    ok: false;
    interrupted: true;
    layer: LayerId;
    exitCode: 130;
    /** Steps that were running when the run was interrupted. */
    stopped: string[];
    notStarted: string[];
  }
  | {
    ok: false;
    interrupted: false;
    layer: LayerId;
    /** The step that failed; its error carries the message and (StrataError) the remedy. */
    step: string;
    error: unknown;
    /** 1, or the failed step's own exit code (e.g. 3 for an unknown SSH host key). */
    exitCode: ExitCode;
    stopped: string[];
    notStarted: string[];
  };

/** The outcome of several layers: the first one that did not succeed ends the run. */
export interface RunOutcome {
  ok: boolean;
  exitCode: ExitCode;
  /** One outcome per layer that was started, in order. */
  layers: LayerOutcome[];
  /** The layer outcome that ended the run, when not ok. */
  stopped?: Exclude<LayerOutcome, { ok: true }>;
}

/** The step context for one attempt. */
function contextFor(
  layer: LayerId,
  step: Step,
  signal: AbortSignal,
  opts: EngineOptions,
  previous: StepRecord | undefined,
): StepContext {
  const { state, reporter } = opts;
  return {
    layer,
    stepId: step.id,
    clock: opts.clock,
    signal,
    output: <T>(id: string) => state.step(id)?.output as T | undefined,
    secret: <T>(id: string) => state.secret<T>(id),
    previous,
    progress: (message, fraction) =>
      reporter.event({ type: "step.progress", layer, step: step.id, message, fraction }),
    notice: (message, level = "info") =>
      reporter.event({ type: "notice", level, message, layer, step: step.id }),
  };
}

/** Runs `work` for a step with its retry policy, time budget and grace. */
function attempt<T>(
  layer: LayerId,
  step: Step,
  signal: AbortSignal,
  opts: EngineOptions,
  work: (ctx: StepContext) => Promise<T>,
): Promise<T> {
  const previous = opts.state.step(step.id, layer);
  return runWithRetries({
    clock: opts.clock,
    what: step.title,
    retry: step.retry ?? DEFAULT_RETRY,
    timeoutMs: step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    signal,
    random: opts.random ?? Math.random,
    graceMs: opts.graceMs ?? DEFAULT_GRACE_MS,
    onRetry: (n, delayMs, error) =>
      opts.reporter.event({
        type: "step.retried",
        layer,
        step: step.id,
        attempt: n,
        delayMs,
        error: errorMessage(error),
      }),
  }, (s) => work(contextFor(layer, step, s, opts, previous)));
}

function reusable(step: Step, previous: StepRecord | undefined): previous is StepRecord {
  if (!previous || !step.reuseCheckpoint) return false;
  return step.reuseCheckpoint === true || step.reuseCheckpoint(previous);
}

/** Turns a schedule result into an outcome, recording a failed or interrupted run in the state. */
async function conclude(
  layer: LayerId,
  command: "apply" | "destroy",
  result: ScheduleResult,
  opts: EngineOptions,
  onSuccess: () => Promise<void>,
): Promise<LayerOutcome> {
  const at = opts.clock.now();
  if (result.ok) {
    await onSuccess();
    return { ok: true, layer, exitCode: 0 };
  }
  if (result.interrupted) {
    await opts.state.noteRun(layer, { command, outcome: "interrupted", at, steps: result.stopped });
    return { ...result, layer, exitCode: ExitCode.interrupted };
  }
  await opts.state.noteRun(layer, { command, outcome: "failed", at, steps: [result.step] });
  return { ...result, layer, exitCode: exitCodeOf(result.error) };
}

/** Emits layer.started/finished around `body`, and waits for every state write before returning. */
async function inLayer(
  layer: Layer,
  opts: EngineOptions,
  steps: Step[],
  body: () => Promise<LayerOutcome>,
): Promise<LayerOutcome> {
  const started = opts.clock.now();
  opts.reporter.event({
    type: "layer.started",
    layer: layer.id,
    steps: steps.map((s) => ({ id: s.id, title: s.title })),
  });
  let ok = false;
  try {
    const outcome = await body();
    ok = outcome.ok;
    return outcome;
  } finally {
    await opts.state.flush();
    opts.reporter.event({
      type: "layer.finished",
      layer: layer.id,
      durationMs: opts.clock.now() - started,
      ok,
    });
  }
}

/** Checkpoint ids of the layer that no step of it has any more (e.g. a node removed from the config). */
function orphans(layer: Layer, state: StateStore): string[] {
  const ids = new Set(layer.steps.map((s) => s.id));
  return Object.keys(state.layer(layer.id)?.steps ?? {}).filter((id) => !ids.has(id));
}

/**
 * Applies a layer: every step idempotently, checkpointing each as it succeeds; the layer is marked
 * complete when all succeeded. Throws {@link StepGraphError} for a bad step graph (nothing runs).
 */
export async function runLayer(layer: Layer, opts: EngineOptions): Promise<LayerOutcome> {
  const steps = orderSteps(layer.steps, layer.id);
  checkLimits(steps, opts.limits, layer.id);
  return await inLayer(layer, opts, steps, async () => {
    const result = await schedule(steps, { ...opts, layer: layer.id }, async (step, signal) => {
      const previous = opts.state.step(step.id, layer.id);
      if (reusable(step, previous)) return { changed: false, reused: true };
      const t0 = opts.clock.now();
      const result: StepResult = (await attempt(layer.id, step, signal, opts, (ctx) => step.apply(ctx))) ??
        {};
      const at = opts.clock.now();
      await opts.state.record(layer.id, step.id, result, at - t0, at);
      return { changed: result.changed ?? true };
    });
    return await conclude(layer.id, "apply", result, opts, async () => {
      await opts.state.complete(layer.id, opts.clock.now());
      const left = orphans(layer, opts.state);
      if (left.length) {
        opts.reporter.event({
          type: "notice",
          level: "warn",
          layer: layer.id,
          message: `the state keeps checkpoints of steps this layer no longer has: ${left.join(", ")}; ` +
            "what they created was not destroyed (restore the config and run destroy, or remove it by hand)",
        });
      }
    });
  });
}

/** The same as {@link runLayer} (its earlier name). */
export const applyLayer: (layer: Layer, opts: EngineOptions) => Promise<LayerOutcome> = runLayer;

/**
 * Destroys a layer: `destroy` of every step, each after the steps that depend on it, forgetting each
 * step's checkpoint as it goes; then deletes the layer's document (kept when checkpoints of steps the
 * layer no longer has remain, so they are not lost). A protected layer without `allowProtected` throws
 * RefusedError (exit 4) before anything runs.
 */
export async function destroyLayer(
  layer: Layer,
  opts: EngineOptions & { allowProtected?: boolean },
): Promise<LayerOutcome> {
  opts.state.assertMayDelete(layer.id, opts);
  const steps = reverseSteps(orderSteps(layer.steps, layer.id));
  checkLimits(steps, opts.limits, layer.id);
  return await inLayer(layer, opts, steps, async () => {
    const result = await schedule(steps, { ...opts, layer: layer.id }, async (step, signal) => {
      if (step.destroy) await attempt(layer.id, step, signal, opts, (ctx) => step.destroy!(ctx));
      await opts.state.forget(layer.id, step.id, opts);
      return { changed: step.destroy !== undefined };
    });
    return await conclude(layer.id, "destroy", result, opts, async () => {
      const left = orphans(layer, opts.state);
      if (!left.length) return await opts.state.deleteLayer(layer.id, opts);
      opts.reporter.event({
        type: "notice",
        level: "warn",
        layer: layer.id,
        message: `kept ${opts.state.layerPath(layer.id)}: it has checkpoints of steps this layer no longer ` +
          `has (${left.join(", ")}); what they created may still exist`,
      });
    });
  });
}

/**
 * What each step would change, by step id, in dependency order. Steps without `plan` report
 * `noop` when checkpointed, else `create`. Reads only; transient errors are retried.
 */
export async function planLayer(layer: Layer, opts: EngineOptions): Promise<Record<string, PlanChange[]>> {
  const plans: Record<string, PlanChange[]> = {};
  for (const step of orderSteps(layer.steps, layer.id)) {
    plans[step.id] = step.plan
      ? await attempt(layer.id, step, opts.signal, opts, (ctx) => step.plan!(ctx))
      : [{ action: opts.state.step(step.id, layer.id) ? "noop" : "create", resource: step.title }];
  }
  return plans;
}

function checkUniqueIds(layers: readonly Layer[]): void {
  const seen = new Map<string, LayerId>();
  for (const layer of layers) {
    for (const s of layer.steps) {
      const other = seen.get(s.id);
      if (other && other !== layer.id) {
        throw new StepGraphError(
          `step id ${s.id} is used in layers ${other} and ${layer.id}; ids are global`,
        );
      }
      seen.set(s.id, layer.id);
    }
  }
}

function interruptedBefore(layer: Layer): Exclude<LayerOutcome, { ok: true }> {
  return {
    ok: false,
    interrupted: true,
    layer: layer.id,
    exitCode: ExitCode.interrupted,
    stopped: [],
    notStarted: layer.steps.map((s) => s.id),
  };
}

async function sequence(
  layers: readonly Layer[],
  opts: EngineOptions,
  run: (layer: Layer) => Promise<LayerOutcome>,
): Promise<RunOutcome> {
  checkUniqueIds(layers);
  const outcomes: LayerOutcome[] = [];
  for (const layer of layers) {
    const outcome = opts.signal.aborted ? interruptedBefore(layer) : await run(layer);
    outcomes.push(outcome);
    if (!outcome.ok) return { ok: false, exitCode: outcome.exitCode, layers: outcomes, stopped: outcome };
  }
  return { ok: true, exitCode: ExitCode.ok, layers: outcomes };
}

/** Applies layers in the order given; the first layer that fails or is interrupted ends the run. */
export function runLayers(layers: readonly Layer[], opts: EngineOptions): Promise<RunOutcome> {
  return sequence(layers, opts, (layer) => runLayer(layer, opts));
}

/**
 * Destroys layers, given in bootstrap order, last layer first. Every protected layer is checked
 * before anything runs (RefusedError, exit 4, with nothing changed).
 */
export async function destroyLayers(
  layers: readonly Layer[],
  opts: EngineOptions & { allowProtected?: boolean },
): Promise<RunOutcome> {
  for (const layer of layers) opts.state.assertMayDelete(layer.id, opts);
  return await sequence([...layers].reverse(), opts, (layer) => destroyLayer(layer, opts));
}

/** Plans layers in order. */
export async function planLayers(
  layers: readonly Layer[],
  opts: EngineOptions,
): Promise<Record<string, Record<string, PlanChange[]>>> {
  checkUniqueIds(layers);
  const plans: Record<string, Record<string, PlanChange[]>> = {};
  for (const layer of layers) plans[layer.id] = await planLayer(layer, opts);
  return plans;
}
