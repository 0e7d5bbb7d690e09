/**
 * One step's work under its time budget: transient errors (see `isTransient` in lib/errors.ts) are
 * retried with exponential backoff and full jitter, every wait goes through the clock, and the
 * whole step (attempts and backoff waits together) must finish within `timeoutMs`. When the step's
 * signal is aborted (timeout, Ctrl-C, a sibling's failure) the work gets `graceMs` to reach a safe
 * point; after that it is abandoned and its late result ignored.
 *
 * @example
 * ```ts
 * const result = await runWithRetries({
 *   clock, what: "create VM cp-1", retry: DEFAULT_RETRY, timeoutMs: 60_000, signal,
 *   random: Math.random, graceMs: 30_000, onRetry: (n, ms, err) => console.log(n, ms, err),
 * }, (signal) => client.createVm(spec, signal));
 * ```
 */
import { type Clock, formatDuration, TimeoutError, withTimeout } from "../clock/clock.ts";
import { isTransient, StrataError } from "../errors.ts";
import type { RetryPolicy } from "./types.ts";

/** Five attempts, 1 s doubling to at most 30 s between them. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };
/** A step's whole budget when it names none. */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;
/** How long aborted work may take to reach a safe point when the caller names none. */
export const DEFAULT_GRACE_MS = 30_000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function remedyOf(err: unknown): string | undefined {
  return err instanceof StrataError ? err.remedy : undefined;
}

/** A transient error that did not go away within the step's attempts. */
export class RetriesExhaustedError extends StrataError {
  constructor(readonly last: unknown, readonly attempts: number) {
    super(
      `${messageOf(last)} (gave up after ${attempts} attempts)`,
      undefined,
      remedyOf(last) ??
        "the error is usually temporary; check the system named above is healthy, then re-run",
    );
    this.cause = last;
  }
}

/** The step's time budget ran out. */
export class StepTimeoutError extends StrataError {
  constructor(what: string, readonly ms: number, readonly attempts: number, readonly last?: unknown) {
    super(
      `${what}: timed out after ${formatDuration(ms)}` +
        (last === undefined ? "" : ` (${attempts} attempt(s); last error: ${messageOf(last)})`),
      undefined,
      remedyOf(last) ??
        "check what the step waits for (the last progress line says), then re-run; finished steps are kept",
    );
    if (last !== undefined) this.cause = last;
  }
}

/** Aborted work did not reach a safe point within the grace period; it may still be running. */
export class StepAbandonedError extends StrataError {
  constructor(readonly graceMs: number, readonly reason: unknown) {
    super(
      `did not stop within ${formatDuration(graceMs)} after ${messageOf(reason)}; it may still be running`,
      undefined,
      "re-run: the step reads the real state of what it manages and finishes or repairs it",
    );
  }
}

/** Full jitter: a uniform delay in [0, min(max, base · 2^(attempt-1))). `attempt` counts from 1. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Resolves or rejects as `work` does; once `signal` aborts, waits at most `graceMs` (on the clock)
 * more, then rejects with {@link StepAbandonedError}.
 */
export function settleOrAbandon<T>(
  work: Promise<T>,
  signal: AbortSignal,
  clock: Clock,
  graceMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const grace = new AbortController();
    const onAbort = () => {
      clock.sleep(graceMs, grace.signal).then(
        () => reject(new StepAbandonedError(graceMs, signal.reason)),
        () => undefined,
      );
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      signal.removeEventListener("abort", onAbort);
      grace.abort();
    });
  });
}

export interface RetryOptions {
  clock: Clock;
  /** What the step does, for messages ("create VM cp-1 (1101) on pve1"). */
  what: string;
  retry: RetryPolicy;
  /** Budget of the whole step: every attempt and every backoff wait. */
  timeoutMs: number;
  /** Aborted on Ctrl-C or when the layer fails. */
  signal: AbortSignal;
  /** Source of jitter, in [0, 1). */
  random: () => number;
  graceMs: number;
  /** Called before each backoff wait; `attempt` is the attempt that failed. */
  onRetry?(attempt: number, delayMs: number, error: unknown): void;
}

/** Runs `work` until it succeeds, fails permanently, runs out of attempts or time, or is aborted. */
export async function runWithRetries<T>(
  options: RetryOptions,
  work: (signal: AbortSignal, attempt: number) => Promise<T>,
): Promise<T> {
  const { clock, retry } = options;
  let attempts = 0;
  let last: unknown;
  const loop = async (signal: AbortSignal): Promise<T> => {
    for (let attempt = 1;; attempt++) {
      attempts = attempt;
      try {
        return await work(signal, attempt);
      } catch (err) {
        if (signal.aborted) throw err; // stopped from outside: not this attempt's own failure
        last = err;
        if (!isTransient(err)) throw err;
        if (attempt >= retry.attempts) throw new RetriesExhaustedError(err, attempt);
        const delayMs = backoffDelay(retry, attempt, options.random);
        options.onRetry?.(attempt, delayMs, err);
        await clock.sleep(delayMs, signal);
      }
    }
  };
  let guarded: Promise<T> | undefined;
  let inner: AbortSignal | undefined;
  try {
    return await withTimeout(clock, options.timeoutMs, options.what, (signal) => {
      inner = signal;
      return guarded = settleOrAbandon(loop(signal), signal, clock, options.graceMs);
    }, options.signal);
  } catch (err) {
    // only our own budget's timeout (the reason the work's signal was aborted with) is handled here
    if (!(err instanceof TimeoutError) || !guarded || inner?.reason !== err) throw err;
    const late = await guarded.then((value) => ({ value }), (error) => ({ error }));
    if ("value" in late) return late.value; // it finished at its safe point after all: keep the result
    throw new StepTimeoutError(options.what, options.timeoutMs, attempts, last);
  }
}
