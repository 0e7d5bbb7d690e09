/**
 * The one clock every wait in strata goes through.
 *
 * Real runs use {@link systemClock}; the lab uses a {@link ScaledClock} so that a
 * 15-minute bootstrap runs in seconds; unit tests use a {@link ManualClock}.
 *
 * @example
 * ```ts
 * import { ScaledClock } from "./clock.ts";
 * const clock = new ScaledClock(60); // one real second is one virtual minute
 * await clock.sleep(30_000); // returns after ~0.5 s of real time
 * ```
 */
export interface Clock {
  /** Current virtual time in epoch milliseconds. */
  now(): number;
  /**
   * Waits `ms` virtual milliseconds, never less (`now()` has moved on by `ms` when it resolves);
   * rejects with the signal's reason when aborted.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Sleeps on real timers until `now()` reaches `until`. setTimeout may fire up to about a millisecond
 * early (×scale in virtual time), so it re-arms until the time has really come: a caller that checks
 * `now() >= until` after waking must not find its time not yet come.
 */
async function sleepUntil(
  now: () => number,
  until: number,
  realPerVirtual: number,
  signal?: AbortSignal,
): Promise<void> {
  do await abortable(Math.max(0, until - now()) * realPerVirtual, signal); while (now() < until);
}

function abortable(realMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, realMs));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Wall-clock time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepUntil(Date.now, Date.now() + ms, 1, signal),
};

/** Virtual time that runs `scale` times faster than real time, starting at the real now. */
export class ScaledClock implements Clock {
  readonly #origin = Date.now();
  readonly #realStart = performance.now();
  constructor(readonly scale: number) {
    if (!(scale > 0)) throw new RangeError(`clock scale must be > 0, got ${scale}`);
  }
  now(): number {
    return this.#origin + (performance.now() - this.#realStart) * this.scale;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepUntil(() => this.now(), this.now() + ms, 1 / this.scale, signal);
  }
}

/** A clock that only moves when a test calls {@link ManualClock.advance}. */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: { at: number; resolve: () => void }[] = [];
  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const sleeper = { at: this.#now + ms, resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener("abort", () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      }, { once: true });
    });
  }
  /** Number of sleeps waiting to be woken. */
  get pending(): number {
    return this.#sleepers.length;
  }
  /** Moves time forward and wakes every sleeper whose time has come, in time order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      this.#sleepers.sort((a, b) => a.at - b.at);
      const next = this.#sleepers[0];
      if (!next || next.at > target) break;
      this.#sleepers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      // let the woken code run and possibly schedule further sleeps
      await new Promise((r) => setTimeout(r, 0));
    }
    this.#now = target;
  }
}

/** Error thrown by {@link withTimeout} when the time runs out. */
export class TimeoutError extends Error {
  constructor(readonly what: string, readonly ms: number) {
    super(`timed out after ${formatDuration(ms)} waiting for ${what}`);
    this.name = "TimeoutError";
  }
}

/** Races `work` against a virtual-time timeout; the timeout aborts the signal passed to `work`. */
export async function withTimeout<T>(
  clock: Clock,
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  const ctl = new AbortController();
  const onParent = () => ctl.abort(parent!.reason);
  if (parent?.aborted) throw parent.reason;
  parent?.addEventListener("abort", onParent, { once: true });
  const timer = new AbortController();
  const timeout = clock.sleep(ms, timer.signal).then(() => {
    const err = new TimeoutError(what, ms);
    ctl.abort(err);
    throw err;
  }, () => undefined as never);
  try {
    return await Promise.race([work(ctl.signal), timeout]);
  } finally {
    timer.abort();
    parent?.removeEventListener("abort", onParent);
  }
}

/** "850ms", "12.3s", "4m05s", "1h02m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
