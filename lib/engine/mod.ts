/**
 * The engine: layers of idempotent steps run as a DAG with per-resource limits, transient retries
 * through the clock, checkpoints in the state, Ctrl-C handling, destroy and plan. See run.ts.
 *
 * @example
 * ```ts
 * import { runLayers } from "./lib/engine/mod.ts";
 * import { StateStore } from "./lib/state/mod.ts";
 * import { systemClock } from "./lib/clock/clock.ts";
 *
 * const state = await StateStore.open({ dir: ".strata", cluster: "homelab" });
 * const release = state.lock("bootstrap");
 * const ctl = new AbortController();
 * try {
 *   const outcome = await runLayers([{ id: "01-infrastructure", steps }], {
 *     clock: systemClock, state, reporter, signal: ctl.signal, limits: { "proxmox-host:pve1": 3 },
 *   });
 *   Deno.exitCode = outcome.exitCode;
 * } finally {
 *   release();
 * }
 * ```
 */
export {
  applyLayer,
  destroyLayer,
  destroyLayers,
  type EngineOptions,
  type Layer,
  type LayerOutcome,
  planLayer,
  planLayers,
  runLayer,
  runLayers,
  type RunOutcome,
} from "./run.ts";
export {
  checkLimits,
  limitOf,
  orderSteps,
  type ResourceLimits,
  reverseSteps,
  StepGraphError,
} from "./graph.ts";
export {
  backoffDelay,
  DEFAULT_GRACE_MS,
  DEFAULT_RETRY,
  DEFAULT_STEP_TIMEOUT_MS,
  RetriesExhaustedError,
  runWithRetries,
  settleOrAbandon,
  StepAbandonedError,
  StepTimeoutError,
} from "./retry.ts";
export { schedule, type ScheduleResult, type StepRun } from "./scheduler.ts";
export * from "./types.ts";
