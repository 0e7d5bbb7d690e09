/**
 * The shapes the engine, the layers and the reporters share.
 *
 * A layer is a set of idempotent steps with explicit dependencies. The engine runs them
 * as a DAG, checkpoints each step's result as soon as it succeeds, and reports events.
 */
import type { Clock } from "../clock/clock.ts";

/** The four layers, in bootstrap order. */
export const LAYER_IDS = [
  "00-persistent-auth",
  "01-infrastructure",
  "02-services",
  "03-configuration",
] as const;
export type LayerId = (typeof LAYER_IDS)[number];

/** What a step hands back: public outputs (shown by `status`) and secrets (encrypted in state). */
export interface StepResult {
  /** Public values: printed by `status`, stored in plain text. Never put a secret here. */
  output?: Record<string, unknown>;
  /**
   * Secret values: encrypted with age before they touch the disk, never printed. Omitted, the
   * secret checkpointed earlier is kept (a re-run that cannot read a secret back, such as a
   * Proxmox token, must not lose it); `{}` drops it.
   */
  secret?: Record<string, unknown>;
  /** False when the step found everything already as desired. Defaults to true. */
  changed?: boolean;
}

/** One checkpointed step, as kept in a layer's state document. */
export interface StepRecord {
  /** Epoch ms when the step last succeeded. */
  at: number;
  durationMs: number;
  output: Record<string, unknown>;
  /** Whether the step has secret values in the layer's encrypted part. */
  hasSecret: boolean;
}

/** How a step is retried. Only errors marked transient (see lib/errors.ts) are retried. */
export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  /** First backoff delay; doubles each attempt, with full jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A planned change, shown by `plan`. */
export interface PlanChange {
  action: "create" | "update" | "delete" | "noop";
  /** What would change, e.g. "vm 1101 cp-1 on pve1". */
  resource: string;
  detail?: string;
}

/** What a running step can use. */
export interface StepContext {
  readonly layer: LayerId;
  readonly stepId: string;
  readonly clock: Clock;
  /** Aborted on Ctrl-C, on the step's timeout, or when the layer fails. */
  readonly signal: AbortSignal;
  /** Public output of an earlier step (this run or a checkpoint), by step id, in any layer. */
  output<T = Record<string, unknown>>(stepId: string): T | undefined;
  /** Secret values of an earlier step (decrypted on demand). */
  secret<T = Record<string, unknown>>(stepId: string): Promise<T | undefined>;
  /** This step's own last checkpoint, if any. A hint only: steps read real state. */
  readonly previous?: StepRecord;
  /** Reports what the step is doing now ("waiting for vm 1101 to start (12s)"). */
  progress(message: string, fraction?: number): void;
  /** A notice shown in the summary (e.g. "cp-1 needs a reboot to apply the new memory size"). */
  notice(message: string, level?: "info" | "warn"): void;
}

/** One idempotent unit of work. */
export interface Step<C extends StepContext = StepContext> {
  /** Unique across all layers, dotted: "proxmox.vm.cp-1". */
  id: string;
  /** Short human title: "create VM cp-1 (1101) on pve1". */
  title: string;
  /** Step ids (in this layer) that must succeed first. */
  dependsOn?: string[];
  /** Concurrency keys, e.g. "proxmox-host:pve1"; the engine bounds how many steps hold each key. */
  resources?: string[];
  /**
   * Virtual-time budget of the whole step: every attempt and the backoff waits between them
   * (default 30 min). When it runs out the step's signal is aborted and the step fails.
   */
  timeoutMs?: number;
  /** Default: 5 attempts, 1 s doubling to at most 30 s, full jitter. */
  retry?: RetryPolicy;
  /**
   * Opt-in skip. By default every step's `apply` runs on every run (it reads real state;
   * `ctx.previous` carries the checkpoint as a hint). When this is true, or a function that returns
   * true for the checkpoint, and the step has a checkpoint in this layer, the engine does not call
   * `apply` and keeps the checkpoint as it is. Only for steps whose result cannot drift (e.g. a value
   * generated once and never read back from a system); a function can check the checkpoint is still
   * valid (e.g. a certificate's expiry in its output).
   */
  reuseCheckpoint?: boolean | ((previous: StepRecord) => boolean);
  /** Reads real state, applies the desired state; must be safe to run again. */
  apply(ctx: C): Promise<StepResult | void>;
  /** Removes what `apply` created. Steps without it have nothing to tear down. */
  destroy?(ctx: C): Promise<void>;
  /** What `apply` would change, without changing anything. */
  plan?(ctx: C): Promise<PlanChange[]>;
}

/** Events the engine and commands emit to reporters. */
export type EngineEvent =
  | { type: "run.started"; command: string; layers: LayerId[]; at: number }
  | {
    type: "preflight.result";
    id: string;
    description: string;
    status: "pass" | "warn" | "fail" | "skip";
    message?: string;
    remedy?: string;
  }
  | { type: "layer.started"; layer: LayerId; steps: { id: string; title: string }[] }
  | { type: "step.started"; layer: LayerId; step: string; title: string }
  | { type: "step.progress"; layer: LayerId; step: string; message: string; fraction?: number }
  | { type: "step.retried"; layer: LayerId; step: string; attempt: number; delayMs: number; error: string }
  | {
    type: "step.finished";
    layer: LayerId;
    step: string;
    durationMs: number;
    changed: boolean;
    /** True when `apply` was skipped because the step reuses its checkpoint. */
    reused?: boolean;
  }
  | { type: "step.failed"; layer: LayerId; step: string; durationMs: number; error: string; remedy?: string }
  /** A running step was aborted (Ctrl-C, or another step failed) and has reached a safe point. */
  | {
    type: "step.stopped";
    layer: LayerId;
    step: string;
    durationMs: number;
    reason: "interrupted" | "layer failed";
  }
  | { type: "layer.finished"; layer: LayerId; durationMs: number; ok: boolean }
  | { type: "notice"; level: "info" | "warn"; message: string; layer?: LayerId; step?: string }
  | { type: "run.finished"; ok: boolean; durationMs: number; exitCode: number; next?: string };

/** Receives events; `close` prints the summary and flushes. */
export interface Reporter {
  event(e: EngineEvent): void;
  close(): Promise<void>;
}
