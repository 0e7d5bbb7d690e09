/**
 * Waiting for a condition on a Talos node: poll with capped exponential backoff through the
 * injected clock, tell the caller what is being waited for and for how long (and the last reason
 * it was not yet true), give up after a deadline with an error that says all of that.
 *
 * A check returns the value when the condition holds, or `{ pending: "why not yet" }`. Transient
 * errors count as "not yet" (their message is the reason); anything else ends the wait at once.
 *
 * @example
 * ```ts
 * const version = await waitFor({
 *   what: "cp-1 (10.0.1.11) to answer in maintenance mode",
 *   clock, signal, timeoutMs: 15 * 60_000,
 *   onProgress: (message) => ctx.progress(message),
 *   check: async () => await client.version(),
 * });
 * ```
 */
import { type Clock, formatDuration } from "../../clock/clock.ts";
import { isTransient, StrataError } from "../../errors.ts";

/** A check's "not yet", with the reason shown to the user. */
export interface Pending {
  pending: string;
}

export function isPending(v: unknown): v is Pending {
  return typeof v === "object" && v !== null && typeof (v as Pending).pending === "string" &&
    Object.keys(v).length === 1;
}

export interface WaitOptions<T> {
  /** What is being waited for, as the end of "waiting for …". */
  what: string;
  check: () => Promise<T | Pending>;
  clock: Clock;
  signal?: AbortSignal;
  /** Give up after this many virtual ms. */
  timeoutMs: number;
  /** First pause between checks (default 250 ms); grows ×1.5 up to `maxDelayMs` (default 2 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** "waiting for … (12.3s): <last reason>", after every check that was not yet true. */
  onProgress?: (message: string, elapsedMs: number) => void;
  /** What to tell the user when the deadline passes. */
  remedy?: string;
}

/** The deadline of a wait passed. Not transient: the step reports it and stops. */
export class WaitTimeoutError extends StrataError {
  constructor(
    readonly what: string,
    readonly elapsedMs: number,
    readonly lastReason?: string,
    remedy?: string,
  ) {
    super(
      `gave up waiting for ${what} after ${formatDuration(elapsedMs)}${
        lastReason ? ` (last: ${lastReason})` : ""
      }`,
      undefined,
      remedy,
    );
  }
}

/** Polls `check` until it yields a value; see the module doc. */
export async function waitFor<T>(opts: WaitOptions<T>): Promise<T> {
  const { clock, signal } = opts;
  const started = clock.now();
  const maxDelay = opts.maxDelayMs ?? 2_000;
  let delay = Math.min(opts.initialDelayMs ?? 250, maxDelay);
  let last: string | undefined;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    let result: T | Pending;
    try {
      result = await opts.check();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!isTransient(err)) throw err;
      result = { pending: (err as Error).message };
    }
    if (!isPending(result)) return result;
    last = result.pending;
    const elapsed = clock.now() - started;
    opts.onProgress?.(`waiting for ${opts.what} (${formatDuration(elapsed)}): ${last}`, elapsed);
    const left = opts.timeoutMs - elapsed;
    if (left <= 0) throw new WaitTimeoutError(opts.what, elapsed, last, opts.remedy);
    await clock.sleep(Math.min(delay, left), signal);
    delay = Math.min(delay * 1.5, maxDelay);
  }
}
